"""A pytest plugin: every problem `code` the app answers in the tests is one its document lists.

While the tests run, Flask's `request_finished` signal records each problem document the app
answers for an operation of the OpenAPI document (through the test client or any in-process
server): the method, the rule, the status, the `code` and the test that saw it. When the
session ends, each is looked up in that operation's `x-problem-codes` (app/web/problem_docs.py)
in the document of a fresh app; any that is missing fails the run with one line per code,
naming the view to decorate and the exception to name (`@blp.raises(...)`).

Only what was observed is checked, so any subset of the tests (`-k`, `-x`, any order) gives
a true verdict on what it ran. 500 (`default` in the document) and answers of no operation
(404 and 405 of the router) are not checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, Response, request, request_finished

from app import create_app
from app.errors import ApiError
from app.web.openapi import PROBLEM_MIMETYPE
from app.web.problem_docs import PROBLEM_CODES

UNCHECKED_STATUSES = {500}


@dataclass(frozen=True)
class Observed:
    method: str
    path: str  # as the document writes it: /clothes/{item_id}
    status: int
    code: str


_observed: dict[Observed, str] = {}  # -> the first test that saw it
_current_test = ""


def _record(_sender: Flask, response: Response, **_extra: Any) -> None:
    if response.mimetype != PROBLEM_MIMETYPE or request.url_rule is None:
        return
    if response.status_code in UNCHECKED_STATUSES or response.is_streamed:
        return
    try:
        code = json.loads(response.get_data())["code"]
    except (ValueError, KeyError, TypeError):
        return  # a test of malformed output would say so itself
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", request.url_rule.rule)
    key = Observed(request.method.lower(), path, response.status_code, code)
    _observed.setdefault(key, _current_test)


def pytest_configure(config: pytest.Config) -> None:
    request_finished.connect(_record)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    global _current_test
    _current_test = item.nodeid
    return (yield)


def missing_codes(document: dict, observed: dict[Observed, str]) -> list[str]:
    """One line for each observed code the operation's `x-problem-codes` lacks."""
    lines = []
    for seen, test in sorted(observed.items(), key=lambda pair: str(pair[0])):
        operation = document["paths"].get(seen.path, {}).get(seen.method)
        if operation is None:
            continue  # a route of a test's own app, or a method the document leaves out
        if seen.code in operation.get(PROBLEM_CODES, {}).get(str(seen.status), []):
            continue
        lines.append(
            f"{seen.method.upper()} {seen.path} ({operation['operationId']}) answered "
            f"{seen.status} `{seen.code}` in {test}, but its x-problem-codes do not list it: "
            f"{_fix(seen)}"
        )
    return lines


def _fix(seen: Observed) -> str:
    names = sorted(
        error.__name__
        for error in _subclasses(ApiError)
        if error.code == seen.code and error.status == seen.status
    )
    if names:
        return f"add @blp.raises({' or '.join(names)}) to the view."
    return "document where it comes from (app/web/problem_docs.py)."


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _observed:
        return
    document = create_app("testing").test_client().get("/openapi.json").get_json()
    lines = missing_codes(document, _observed)
    if not lines:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        reporter.write_sep("=", "problem codes answered but not documented", red=True)
        for line in lines:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
