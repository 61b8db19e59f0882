"""Liveness and readiness probes for load balancers and orchestrators, and the metrics scrape."""
