"""One-time pins from the test's side: enrol a user, compute pins, log in in two steps."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import update

from app.extensions import db
from app.identity.models import User
from tests.support.data import PASSWORD
from tests.support.http import bearer

STEP = 30


@dataclass
class Enrolled:
    secret: str
    recovery_codes: list[str]
    headers: dict[str, str]  # the session that enrolled (it stays alive)


def current_step() -> int:
    return int(time.time() // STEP)


def pin(secret: str, step_offset: int = 0) -> str:
    """The pin of the step `step_offset` steps from now."""
    return pyotp.TOTP(secret).generate_otp(current_step() + step_offset)


def clear_of_step_boundary(margin: float = 2.0) -> None:
    """Wait until the current step has at least `margin` seconds left, so a pin computed now
    is still of the same step when the server checks it."""
    left = STEP - time.time() % STEP
    if left < margin:
        time.sleep(left + 0.05)


def forget_last_step(app, user_id: int) -> None:
    """Let the user's next pin be of any step again (tests needing many pins in one step)."""
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(totp_last_step=None))
        db.session.commit()


def enrol(client, headers: dict[str, str]) -> Enrolled:
    """Turn one-time pins on for the caller through the API (confirmed with the previous
    step's pin, so the pins of this step and the next stay usable)."""
    response = client.post("/auth/mfa/totp", json={"current_password": PASSWORD}, headers=headers)
    assert response.status_code == 201, response.get_json()
    secret = response.get_json()["secret"]
    clear_of_step_boundary()
    response = client.post(
        "/auth/mfa/totp/confirm", json={"code": pin(secret, -1)}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return Enrolled(secret, response.get_json()["recovery_codes"], headers)


def enrolled_user(client, user) -> Enrolled:
    response = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return enrol(client, bearer(response.get_json()["access_token"]))


def first_step(client, email: str, password: str = PASSWORD) -> str:
    """POST /auth/login for a user with pins on: the mfa_token of its 401."""
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["code"] == "mfa_required"
    return response.get_json()["mfa_token"]


def second_step(client, mfa_token: str, **proof: str):
    return client.post("/auth/login/mfa", json={"mfa_token": mfa_token, **proof})


def login_with_pin(client, app, user, secret: str) -> dict:
    """A full two-step login with a fresh pin; returns the token pair."""
    forget_last_step(app, user.id)
    clear_of_step_boundary()
    response = second_step(client, first_step(client, user.email), code=pin(secret))
    assert response.status_code == 200, response.get_json()
    return response.get_json()
