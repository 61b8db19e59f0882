"""Development: the web process delivers its own mail from a background thread.

Started at the first request (not at start-up, so `flask db upgrade` and other commands run
no sender), only when MAIL_DELIVER_IN_PROCESS (DevelopmentConfig, i.e. `make run`). Setting
`app.extensions["mail_sender_stop"]` ends it.
"""

from __future__ import annotations

import threading

from flask import Flask

from app.mail import sender

INTERVAL_SECONDS = 1.0


def init_app(app: Flask) -> None:
    if not app.config.get("MAIL_DELIVER_IN_PROCESS") or app.config["MAIL_URL"] == "disabled":
        return
    started, stop = threading.Event(), threading.Event()
    app.extensions["mail_sender_stop"] = stop

    def start_sender() -> None:
        if started.is_set():
            return
        started.set()
        threading.Thread(target=_run, args=(app, stop), name="mail-sender", daemon=True).start()

    app.before_request(start_sender)


def _run(app: Flask, stop: threading.Event) -> None:
    with app.app_context():
        sender.watch(interval_seconds=INTERVAL_SECONDS, stop=stop)
