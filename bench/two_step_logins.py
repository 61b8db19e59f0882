"""The two-step login row of `make bench`: password, then a one-time pin, as one login.

Every pin is accepted once per user and time step, so one user cannot log in twice in a
row: `prepare` enrols `count` users (one password hash shared by all, so seeding is quick)
and computes each one's pin for the next time step, which the server accepts for the next
minute at least (one step of drift). The wrk script sends POST /auth/login, queues the
mfa_token of its 401 and sends POST /auth/login/mfa with it and the user's pin, on one
connection per wrk thread so the two steps alternate. Only the second step's 200s count as
logins (req/s is logins/s), and anything but those 200s and step one's 401s as an error;
p50 and p99 are per request (either step).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.identity.models import User  # noqa: E402
from app.identity.passwords import passwords  # noqa: E402
from app.security import totp  # noqa: E402

SCRIPT = """
users = %(users)s
all_threads = {}
logins, errors = 0, 0
local index, token, user = 0, nil, nil
local json_headers = {["Content-Type"] = "application/json"}

function setup(thread)
  thread:set("offset", #all_threads)
  table.insert(all_threads, thread)
end

function init(args)
  index = offset
end

function request()
  if token then
    local body = '{"mfa_token": "' .. token .. '", "code": "' .. user[2] .. '"}'
    return wrk.format("POST", "/auth/login/mfa", json_headers, body)
  end
  user = users[(index %% #users) + 1]
  index = index + %(threads)d
  local body = '{"email": "' .. user[1] .. '", "password": "%(password)s"}'
  return wrk.format("POST", "/auth/login", json_headers, body)
end

function response(status, headers, body)
  if token then
    token = nil
    if status == 200 then logins = logins + 1 else errors = errors + 1 end
  else
    token = string.match(body, '"mfa_token"%%s*:%%s*"([^"]+)"')
    if status ~= 401 or not token then
      token = nil
      errors = errors + 1
    end
  end
end

function done(summary, latency, requests)
  local total_logins, total_errors = 0, 0
  for _, thread in ipairs(all_threads) do
    total_logins = total_logins + thread:get("logins")
    total_errors = total_errors + thread:get("errors")
  end
  local socket_errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "timeouts": %%d, '
      .. '"non_2xx": %%d, "p50_us": %%d, "p99_us": %%d}\\n',
    total_logins, summary.duration, socket_errors, summary.errors.timeout, total_errors,
    latency:percentile(50), latency:percentile(99)))
end
"""


def prepare(env: dict[str, str], count: int, password: str) -> list[tuple[str, str]]:
    """Enrol `count` bench users; (email, pin of the next time step) for each."""
    os.environ.update(env)
    app = create_app()
    step = int(time.time() // totp.STEP_SECONDS) + 1
    users = []
    with app.app_context():
        shared_hash = passwords().hash(password)
        rows = [
            User(email=f"bench-mfa-{n}@example.com", password_hash=shared_hash, totp_enabled=True)
            for n in range(count)
        ]
        db.session.add_all(rows)
        db.session.flush()
        for row in rows:
            secret = totp.new_secret()
            row.totp_secret = totp.encrypt(secret, row.id)
            users.append((row.email, pyotp.TOTP(secret).generate_otp(step)))
        db.session.commit()
        db.engine.dispose()
    return users


def lua(users: list[tuple[str, str]], password: str, threads: int) -> str:
    """The wrk script: its own counters, printed as the WRK_JSON line run.py parses."""
    table = "{" + ",".join(f"{{{json.dumps(e)},{json.dumps(c)}}}" for e, c in users) + "}"
    return SCRIPT % {"users": table, "password": password, "threads": threads}
