"""No public signing key: generated per machine outside production, checked hard in production.

The last test scans every tracked file and the git history of HEAD for values assigned to
SECRET/KEY names and checks that production refuses each one.
"""

from __future__ import annotations

import re
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import config
import secret_keys
from config import ConfigError, load_config
from tests.support.paths import ROOT

OLD_DEV_DEFAULTS = [
    "dev-only-secret-key-do-not-use-in-production",
    "dev-only-jwt-secret-key-do-not-use-in-production",
]
KEY_VARIABLES = ("SECRET_KEY", "JWT_SECRET_KEY", "JWT_PREVIOUS_SECRET_KEYS", "APP_ENV")


def random_key() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No keys in the environment, and an instance folder of this test's own."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    monkeypatch.setenv("MAIL_URL", "disabled")  # production needs it set
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path / "instance")
    return monkeypatch


# --- development and testing: generated once, kept, private ------------------------------


@pytest.mark.parametrize("environment", ["development", "testing"])
def test_without_keys_random_ones_are_made_once_and_kept(env, tmp_path, environment):
    first = load_config(environment)
    again = load_config(environment)  # a restart
    assert (again.SECRET_KEY, again.JWT_SECRET_KEY) == (first.SECRET_KEY, first.JWT_SECRET_KEY)
    assert first.SECRET_KEY != first.JWT_SECRET_KEY
    assert secret_keys.key_problem(first.SECRET_KEY) is None
    assert secret_keys.key_problem(first.JWT_SECRET_KEY) is None
    key_file = tmp_path / "instance" / secret_keys.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.JWT_SECRET_KEY in key_file.read_text()
    assert [path.name for path in key_file.parent.iterdir()] == [key_file.name]  # no temp left


def test_another_machine_gets_other_keys(env, tmp_path):
    mine = load_config("development").JWT_SECRET_KEY
    env.setattr(config, "INSTANCE_DIR", tmp_path / "elsewhere")
    assert load_config("development").JWT_SECRET_KEY != mine


def test_a_key_that_is_set_wins_over_the_generated_one(env):
    key = random_key()
    env.setenv("JWT_SECRET_KEY", key)
    settings = load_config("development")
    assert settings.JWT_SECRET_KEY == key
    assert settings.SECRET_KEY not in (key, "")


def test_parallel_processes_agree_on_one_pair_of_keys(tmp_path):
    code = (
        "import pathlib, sys, secret_keys; "
        "print(secret_keys.instance_keys(pathlib.Path(sys.argv[1])))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "instance")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = {process.communicate(timeout=30)[0] for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(outputs) == 1 and "JWT_SECRET_KEY" in outputs.pop()


def test_a_damaged_key_file_is_a_one_line_error(env, tmp_path):
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / secret_keys.KEY_FILE_NAME).write_text("{not json")
    with pytest.raises(ConfigError, match="delete it") as refused:
        load_config("development")
    assert "\n" not in str(refused.value)


# --- production: every verifying key checked ---------------------------------------------


def production_keys(env, secret: str, jwt: str, previous: str = "") -> None:
    env.setenv("SECRET_KEY", secret)
    env.setenv("JWT_SECRET_KEY", jwt)
    env.setenv("JWT_PREVIOUS_SECRET_KEYS", previous)


SECRET, JWT, OLD = random_key(), random_key(), random_key()


@pytest.mark.parametrize(
    ("secret", "jwt", "previous", "named"),
    [
        (SECRET, JWT, "x", "JWT_PREVIOUS_SECRET_KEYS entry 1"),
        (SECRET, JWT, f"{OLD},{OLD_DEV_DEFAULTS[1]}", "JWT_PREVIOUS_SECRET_KEYS entry 2"),
        (SECRET, JWT, OLD + "," + "y" * 31, "JWT_PREVIOUS_SECRET_KEYS entry 2"),
        (SECRET, JWT, JWT, "JWT_PREVIOUS_SECRET_KEYS entry 1"),
        (SECRET, JWT, SECRET, "JWT_PREVIOUS_SECRET_KEYS entry 1"),
        (SECRET, JWT, f"{OLD},{OLD}", "JWT_PREVIOUS_SECRET_KEYS entry 2"),
        (SECRET, "k" * 40, "", "JWT_SECRET_KEY"),
        (SECRET, OLD_DEV_DEFAULTS[1], "", "JWT_SECRET_KEY"),
        (OLD_DEV_DEFAULTS[0], JWT, "", "SECRET_KEY"),
        (SECRET, SECRET, "", "JWT_SECRET_KEY"),
        ("", JWT, "", "SECRET_KEY"),
    ],
    ids=[
        "previous-short",
        "previous-old-dev-default",
        "previous-31-bytes",
        "previous-is-the-jwt-key",
        "previous-is-the-secret-key",
        "previous-twice",
        "jwt-one-character-repeated",
        "jwt-old-dev-default",
        "secret-old-dev-default",
        "jwt-equals-secret",
        "secret-missing",
    ],
)
def test_production_refuses_a_key_anyone_could_know(env, secret, jwt, previous, named):
    production_keys(env, secret, jwt, previous)
    with pytest.raises(ConfigError) as refused:
        load_config("production")
    message = str(refused.value)
    assert message.startswith(named) and "\n" not in message
    for value in filter(None, [secret, jwt, *previous.split(",")]):
        if len(value) > 3:
            assert value not in message, "a key was written into the error"


def test_production_accepts_strong_distinct_keys(env):
    production_keys(env, SECRET, JWT, f"{OLD}, {random_key()}")
    settings = load_config("production")
    assert settings.JWT_SECRET_KEY == JWT
    assert settings.JWT_PREVIOUS_SECRET_KEYS[0] == OLD


# --- every key-like value in the repository, now or ever, is refused ------------------------

ASSIGNED = re.compile(
    r"""(?P<name>\b_*[A-Z0-9_]*(?:SECRET|KEY)S?\b)["']?\]?\s*(?:[:=]|,)\s*"""
    r"""(?:"(?P<dq>[^"\s]*)"|'(?P<sq>[^'\s]*)'|(?P<bare>[A-Za-z0-9_\-.~/]+))"""
    r"""(?:\s*\*\s*(?P<times>\d+))?"""
)


def assigned_values(text: str) -> set[str]:
    """Key-like literals (no spaces) given to SECRET/KEY names: `NAME = "v"`, `"NAME": "v"`,
    `setenv("NAME", "v")`, `NAME=v`, `"v" * 40`; comma lists split."""
    values = set()
    for match in ASSIGNED.finditer(text):
        value = next(match[group] for group in ("dq", "sq", "bare") if match[group] is not None)
        value *= int(match["times"] or 1)
        if not value.startswith("$"):  # a shell substitution, e.g. $(python3 -c ...)
            values |= {item.strip() for item in value.split(",") if item.strip()}
    return values


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.skip("not a git checkout")
    return result.stdout


def test_no_value_from_the_repository_or_its_history_is_accepted_as_a_key():
    texts = [git("log", "-p", "--format=", "HEAD")]
    for name in git("ls-files").splitlines():
        path = ROOT / name
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    values = set().union(*(assigned_values(text) for text in texts))
    assert set(OLD_DEV_DEFAULTS) <= values  # the scan sees what it must
    accepted = sorted(value for value in values if secret_keys.key_problem(value) is None)
    assert accepted == [], "add their SHA-256 to secret_keys.KNOWN_KEY_DIGESTS"
