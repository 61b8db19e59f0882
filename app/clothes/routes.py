"""/clothes: any active user reads the catalogue; admins write it. Views stay thin."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from sqlalchemy import Row
from werkzeug.datastructures import ETags
from werkzeug.http import quote_etag

from app.clothes import queries, services
from app.clothes.models import ClothingItem, etag_of
from app.clothes.presenters import item_json, page_json
from app.clothes.schemas import (
    ClothesQueryArgsSchema,
    ClothingItemInputSchema,
    ClothingItemPageSchema,
    ClothingItemSchema,
    ClothingItemUpdateSchema,
)
from app.errors import NotFound, PreconditionFailed
from app.security.authorization import admin_required, authenticated
from app.web.blueprint import Blueprint
from app.web.openapi_headers import ETAG, IF_MATCH, IF_NONE_MATCH, LOCATION

blp = Blueprint("clothes", __name__, url_prefix="/clothes", description="The clothes catalogue.")


def etag_header(item: ClothingItem) -> dict[str, str]:
    return {"ETag": quote_etag(item.etag)}


def if_match() -> ETags | None:
    """The If-Match entity tags, or None when the header was not sent at all."""
    return request.if_match if "If-Match" in request.headers else None


def not_modified(etag: str) -> bool:
    """Whether If-None-Match names `etag` (or is `*`): weak comparison, as RFC 9110 asks."""
    return request.if_none_match.contains_weak(etag)


@blp.route("")
class Clothes(MethodView):
    @authenticated
    @blp.doc(operationId="listClothes")
    @blp.arguments(ClothesQueryArgsSchema, location="query")
    @blp.response(200, ClothingItemPageSchema, presenter=page_json)
    def get(self, args: dict) -> dict[str, Any]:
        """List clothes: filtered, sorted, keyset-paginated (follow next_cursor)."""
        return queries.list_items(**args)

    @admin_required
    @blp.doc(operationId="createClothingItem")
    @blp.arguments(ClothingItemInputSchema)
    @blp.response(
        201, ClothingItemSchema, presenter=item_json, headers={"Location": LOCATION, "ETag": ETAG}
    )
    def post(self, body: dict) -> tuple[ClothingItem, int, dict[str, str]]:
        """Add an item; Location names it and ETag is its version."""
        item = services.create_item(**body)
        location = url_for("clothes.ClothesById", item_id=item.id)
        return item, 201, {"Location": location, **etag_header(item)}


@blp.route("/<id:item_id>")
class ClothesById(MethodView):
    @authenticated
    @blp.doc(operationId="getClothingItem")
    @blp.doc(parameters=[IF_NONE_MATCH])
    @blp.response(200, ClothingItemSchema, presenter=item_json, headers={"ETag": ETAG})
    @blp.alt_response(
        304,
        description="Not Modified: If-None-Match names the current ETag.",
        headers={"ETag": ETAG},
    )
    @blp.raises(NotFound)
    def get(self, item_id: int) -> tuple[Row[Any] | Response, int, dict[str, str]]:
        """One item, with its ETag; 304 without a body when If-None-Match names it."""
        item = queries.get_item(item_id)
        etag = etag_of(item)
        headers = {"ETag": quote_etag(etag)}
        if not_modified(etag):
            return Response(status=304), 304, headers
        return item, 200, headers

    @admin_required
    @blp.doc(operationId="replaceClothingItem")
    @blp.arguments(ClothingItemInputSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, ClothingItemSchema, presenter=item_json, headers={"ETag": ETAG})
    @blp.raises(NotFound, PreconditionFailed)
    def put(self, body: dict, item_id: int) -> tuple[ClothingItem, int, dict[str, str]]:
        """Replace an item: omitted optional fields take their defaults. Honours If-Match."""
        item = services.update_item(item_id, if_match=if_match(), **body)
        return item, 200, etag_header(item)

    @admin_required
    @blp.doc(operationId="updateClothingItem")
    @blp.arguments(ClothingItemUpdateSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, ClothingItemSchema, presenter=item_json, headers={"ETag": ETAG})
    @blp.raises(NotFound, PreconditionFailed)
    def patch(self, body: dict, item_id: int) -> tuple[ClothingItem, int, dict[str, str]]:
        """Change some fields of an item. Honours If-Match."""
        item = services.update_item(item_id, if_match=if_match(), **body)
        return item, 200, etag_header(item)

    @admin_required
    @blp.doc(operationId="deleteClothingItem")
    @blp.no_body
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    @blp.raises(NotFound, PreconditionFailed)
    def delete(self, item_id: int) -> None:
        """Delete an item. Honours If-Match."""
        services.delete_item(item_id, if_match=if_match())
