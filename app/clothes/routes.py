"""/clothes: any active user reads the catalogue; admins write it. Views stay thin."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.views import MethodView
from werkzeug.datastructures import ETags
from werkzeug.http import quote_etag

from app.clothes import presenters, services
from app.clothes.models import ClothingItem
from app.clothes.schemas import (
    ClothesQueryArgsSchema,
    ClothingItemPageSchema,
    ClothingItemSchema,
    ClothingItemUpdateSchema,
)
from app.parsing import Blueprint, EmptyBodySchema
from app.security.authorization import admin_required, authenticated

blp = Blueprint("clothes", __name__, url_prefix="/clothes", description="The clothes catalogue.")


def etag_header(item: ClothingItem) -> dict[str, str]:
    return {"ETag": quote_etag(item.etag)}


def if_match() -> ETags | None:
    """The If-Match entity tags, or None when the header was not sent at all."""
    return request.if_match if "If-Match" in request.headers else None


@blp.route("")
class Clothes(MethodView):
    @authenticated
    @blp.arguments(ClothesQueryArgsSchema, location="query")
    @blp.response(200, ClothingItemPageSchema)
    def get(self, args: dict):
        """List clothes: filtered, sorted, keyset-paginated (follow next_cursor)."""
        return jsonify(presenters.page_json(services.list_items(**args)))

    @admin_required
    @blp.arguments(ClothingItemSchema)
    @blp.response(201, ClothingItemSchema)
    def post(self, body: dict):
        """Add an item; Location names it and ETag is its version."""
        item = services.create_item(**body)
        location = url_for("clothes.ClothesById", item_id=item.id)
        return item, 201, {"Location": location, **etag_header(item)}


@blp.route("/<int(min=1, max=2147483647):item_id>")
class ClothesById(MethodView):
    @authenticated
    @blp.response(200, ClothingItemSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, item_id: int):
        """One item, with its ETag."""
        item = services.get_item(item_id)
        return item, 200, etag_header(item)

    @admin_required
    @blp.arguments(ClothingItemSchema)
    @blp.response(200, ClothingItemSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def put(self, body: dict, item_id: int):
        """Replace an item: omitted optional fields take their defaults. Honours If-Match."""
        item = services.update_item(item_id, if_match=if_match(), **body)
        return item, 200, etag_header(item)

    @admin_required
    @blp.arguments(ClothingItemUpdateSchema)
    @blp.response(200, ClothingItemSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def patch(self, body: dict, item_id: int):
        """Change some fields of an item. Honours If-Match."""
        item = services.update_item(item_id, if_match=if_match(), **body)
        return item, 200, etag_header(item)

    @admin_required
    @blp.arguments(EmptyBodySchema, required=False, as_kwargs=True)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, item_id: int):
        """Delete an item. Honours If-Match."""
        services.delete_item(item_id, if_match=if_match())
