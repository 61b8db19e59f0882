"""/healthz says the process runs; /readyz says its dependencies answer."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from app.errors import ServiceUnavailable
from app.health.checks import unavailable_dependencies
from app.security.authorization import public
from app.web.blueprint import Blueprint

blp = Blueprint("health", __name__, description="Probes.")


class StatusSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


@blp.route("/healthz")
class Liveness(MethodView):
    @public
    @blp.doc(operationId="liveness")
    @blp.response(200, StatusSchema)
    def get(self):
        """Liveness: answers without touching the database or Redis."""
        return {"status": "ok"}


@blp.route("/readyz")
class Readiness(MethodView):
    @public
    @blp.doc(operationId="readiness")
    @blp.response(200, StatusSchema)
    @blp.raises(ServiceUnavailable)
    def get(self):
        """Readiness: 200 when every dependency answers, 503 naming those that do not."""
        down = unavailable_dependencies()
        if down:
            raise ServiceUnavailable(f"Not ready: {', '.join(down)} unavailable.")
        return {"status": "ok"}
