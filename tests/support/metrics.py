"""Reading /metrics the way Prometheus does: one value per series, parsed from the text."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

SCRAPE_TOKEN = "scrape-token-0123456789abcdef-0123456789abcdef"
METRICS_ON = {"METRICS_ENABLED": True, "METRICS_TOKEN": SCRAPE_TOKEN}


def parse(text: str) -> dict[tuple[str, frozenset], float]:
    """{(sample name, its labels): value} for every sample of a scrape."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def family_names(text: str) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text)}


def value(samples: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    """The sample's value; 0 for a series that does not exist (yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


class Scraper:
    """Scrapes an app (a Flask test client, or requests against a URL) with the token."""

    def __init__(self, get) -> None:
        self._get = get

    def samples(self) -> dict[tuple[str, frozenset], float]:
        response = self._get("/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
        assert response.status_code == 200, response.text
        return parse(response.text)

    def value(self, name: str, **labels: str) -> float:
        return value(self.samples(), name, **labels)
