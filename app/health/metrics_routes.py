"""GET /metrics, for Prometheus: registered only when METRICS_ENABLED is true.

A plain Flask blueprint, like /openapi.json: the scrape is not an operation of the API, so
it stays out of the document. Its policy is `public` because it takes no user's token; the
operator's METRICS_TOKEN, when set, is checked first thing (app/metrics/exposition.py).
"""

from __future__ import annotations

import flask
from flask import current_app

from app.metrics import exposition
from app.security.authorization import public

blp = flask.Blueprint("metrics", __name__)


@blp.get("/metrics")
@public
def scrape() -> flask.Response:
    """Every counter and histogram, summed over the server's worker processes."""
    exposition.check_scrape_token()
    body, content_type = exposition.render()
    response = current_app.response_class(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response
