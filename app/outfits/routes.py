"""/outfits: any active user keeps outfits; the object rule decides who touches each one.

The route policy (`@authenticated`) lets any active user call every operation; which
outfits they may read, change or delete is the object rule's (app/security/object_rules.py),
applied in every query. Each operation names its part of the rule in `x-object-rule`.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.views import MethodView
from werkzeug.datastructures import ETags
from werkzeug.http import quote_etag

from app.errors import Forbidden, NotFound, PreconditionFailed
from app.outfits import queries, services
from app.outfits.models import OutfitRecord, etag_of
from app.outfits.presenters import outfit_json, outfit_page_json
from app.outfits.schemas import (
    OutfitInputSchema,
    OutfitPageSchema,
    OutfitSchema,
    OutfitsQueryArgsSchema,
    OutfitUpdateSchema,
    PublicOutfitsQueryArgsSchema,
)
from app.security.authentication import current_principal
from app.security.authorization import authenticated
from app.web.blueprint import Blueprint
from app.web.openapi_headers import ETAG, IF_MATCH, LOCATION

blp = Blueprint("outfits", __name__, url_prefix="/outfits", description="Users' outfits.")
Answer = tuple[OutfitRecord, int, dict[str, str]]


def rule(action: str) -> dict[str, str]:
    return {"x-object-rule": queries.SCOPES.describe(action)}


def etag_header(outfit: OutfitRecord) -> dict[str, str]:
    return {"ETag": quote_etag(etag_of(outfit))}


def if_match() -> ETags | None:
    """The If-Match entity tags, or None when the header was not sent at all."""
    return request.if_match if "If-Match" in request.headers else None


@blp.route("")
class Outfits(MethodView):
    @authenticated
    @blp.doc(operationId="listOutfits", **rule("list"))
    @blp.arguments(OutfitsQueryArgsSchema, location="query")
    @blp.response(200, OutfitPageSchema, presenter=outfit_page_json)
    def get(self, args: dict) -> dict[str, Any]:
        """List your own outfits: filtered, sorted, keyset-paginated (follow next_cursor)."""
        return queries.list_own(current_principal(), **args)

    @authenticated
    @blp.doc(operationId="createOutfit", **rule("write"))
    @blp.arguments(OutfitInputSchema)
    @blp.response(
        201, OutfitSchema, presenter=outfit_json, headers={"Location": LOCATION, "ETag": ETAG}
    )
    def post(self, body: dict) -> Answer:
        """Create an outfit you own; Location names it and ETag is its version."""
        outfit = services.create_outfit(current_principal(), **body)
        location = url_for("outfits.OutfitsById", outfit_id=outfit.id)
        return outfit, 201, {"Location": location, **etag_header(outfit)}


@blp.route("/public")
class PublicOutfits(MethodView):
    @authenticated
    @blp.doc(operationId="listPublicOutfits", **rule("list"))
    @blp.arguments(PublicOutfitsQueryArgsSchema, location="query")
    @blp.response(200, OutfitPageSchema, presenter=outfit_page_json)
    def get(self, args: dict) -> dict[str, Any]:
        """List every active user's public outfits, keyset-paginated."""
        return queries.list_public(current_principal(), **args)


@blp.route("/<id:outfit_id>")
class OutfitsById(MethodView):
    @authenticated
    @blp.doc(operationId="getOutfit", **rule("read"))
    @blp.response(200, OutfitSchema, presenter=outfit_json, headers={"ETag": ETAG})
    @blp.raises(NotFound)
    def get(self, outfit_id: int) -> Answer:
        """One outfit you may see, with its ETag; any other id is 404."""
        outfit = queries.get_outfit(current_principal(), outfit_id)
        return outfit, 200, etag_header(outfit)

    @authenticated
    @blp.doc(operationId="replaceOutfit", **rule("write"))
    @blp.arguments(OutfitInputSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, OutfitSchema, presenter=outfit_json, headers={"ETag": ETAG})
    @blp.raises(Forbidden, NotFound, PreconditionFailed)
    def put(self, body: dict, outfit_id: int) -> Answer:
        """Replace your outfit: omitted optional fields take their defaults. Honours If-Match."""
        outfit = services.update_outfit(current_principal(), outfit_id, if_match=if_match(), **body)
        return outfit, 200, etag_header(outfit)

    @authenticated
    @blp.doc(operationId="updateOutfit", **rule("write"))
    @blp.arguments(OutfitUpdateSchema)
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, OutfitSchema, presenter=outfit_json, headers={"ETag": ETAG})
    @blp.raises(Forbidden, NotFound, PreconditionFailed)
    def patch(self, body: dict, outfit_id: int) -> Answer:
        """Change some fields of your outfit. Honours If-Match."""
        outfit = services.update_outfit(current_principal(), outfit_id, if_match=if_match(), **body)
        return outfit, 200, etag_header(outfit)

    @authenticated
    @blp.doc(operationId="deleteOutfit", **rule("delete"))
    @blp.no_body
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(204)
    @blp.raises(NotFound, PreconditionFailed)
    def delete(self, outfit_id: int) -> None:
        """Delete your outfit (an admin: anyone's, audited). Honours If-Match."""
        services.delete_outfit(current_principal(), outfit_id, if_match=if_match())
