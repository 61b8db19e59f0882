"""JWT_ALGORITHM, JWT_PRIVATE_KEY_FILES, JWT_ISSUER, JWT_AUDIENCE, JWKS_MAX_AGE and
`flask keys generate`.

Every refusal is one line naming the variable (and the file by path, never its contents).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from app import create_app
from app.security import mfa_challenges
from config import MFA_TOKEN_AUDIENCE, ConfigError, load_config
from signing_keys import load_signing_keys, thumbprint
from tests.support.paths import ROOT
from tests.support.settings import TEST_SECRETS
from tests.support.signing import new_key

SIGNING_VARIABLES = (
    "JWT_ALGORITHM",
    "JWT_PRIVATE_KEY_FILES",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "JWKS_MAX_AGE",
    "PUBLIC_BASE_URL",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in SIGNING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'signing.db'}")
    return monkeypatch


def refusal(env, **settings: str) -> str:
    for name, value in settings.items():
        env.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_config("testing")
    message = str(raised.value)
    assert "\n" not in message
    return message


def pem_of(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# --- the defaults -------------------------------------------------------------------------


def test_defaults_are_hs256_without_keys(env):
    settings = load_config("testing")
    assert settings.JWT_ALGORITHM == "HS256"
    assert settings.JWT_DECODE_ALGORITHMS == ["HS256"]
    assert settings.JWT_PRIVATE_KEY_FILES == []
    assert (settings.JWT_ISSUER, settings.JWT_AUDIENCE) == ("wardrobe-api", "wardrobe-api")
    assert settings.JWKS_MAX_AGE == 300


def test_the_issuer_defaults_to_public_base_url_when_it_is_set(env):
    env.setenv("PUBLIC_BASE_URL", "https://wardrobe.example.com/")
    assert load_config("testing").JWT_ISSUER == "https://wardrobe.example.com"
    env.setenv("JWT_ISSUER", "https://id.example.com")
    assert load_config("testing").JWT_ISSUER == "https://id.example.com"


def test_eddsa_with_key_files_loads_them_in_order(env, tmp_path):
    a, b = new_key(tmp_path / "k"), new_key(tmp_path / "k")
    env.setenv("JWT_ALGORITHM", "eddsa")  # read case-insensitively, kept as spelled here
    env.setenv("JWT_PRIVATE_KEY_FILES", f" {a.path} , {b.path} ,")
    settings = load_config("testing")
    assert settings.JWT_ALGORITHM == "EdDSA"
    assert settings.JWT_DECODE_ALGORITHMS == ["EdDSA"]
    app = create_app("testing")
    assert [key.kid for key in app.config["JWT_SIGNING_KEYS"]] == [a.kid, b.kid]


def test_overrides_of_the_key_files_are_loaded_too(tmp_path):
    key = new_key(tmp_path)
    app = create_app(
        "testing",
        {
            **TEST_SECRETS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'o.db'}",
            "JWT_ALGORITHM": "EdDSA",
            "JWT_PRIVATE_KEY_FILES": [str(key.path)],
        },
    )
    assert [each.kid for each in app.config["JWT_SIGNING_KEYS"]] == [key.kid]


# --- refusals, one line each --------------------------------------------------------------


def test_an_unknown_algorithm_is_refused(env):
    message = refusal(env, JWT_ALGORITHM="RS256")
    assert "JWT_ALGORITHM" in message and "HS256" in message and "EdDSA" in message


def test_eddsa_without_files_is_refused(env):
    message = refusal(env, JWT_ALGORITHM="EdDSA")
    assert "JWT_PRIVATE_KEY_FILES" in message and "keys generate" in message


def test_hs256_with_files_is_refused(env, tmp_path):
    message = refusal(env, JWT_PRIVATE_KEY_FILES=str(new_key(tmp_path).path))
    assert "JWT_PRIVATE_KEY_FILES" in message and "HS256" in message


def bad_file(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.pem"
    contents = {
        "text": b"not a key at all\n",
        "empty": b"",
        "rsa": lambda: pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "p256": lambda: pem_of(ec.generate_private_key(ec.SECP256R1())),
        "public": lambda: (
            ed25519.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ),
        "encrypted": lambda: ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"a passphrase"),
        ),
    }[kind]
    path.write_bytes(contents if isinstance(contents, bytes) else contents())
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("text", "not an unencrypted PEM private key"),
        ("empty", "not an unencrypted PEM private key"),
        ("public", "not an unencrypted PEM private key"),
        ("encrypted", "not an unencrypted PEM private key"),
        ("rsa", "not an Ed25519 key"),
        ("p256", "not an Ed25519 key"),
    ],
)
def test_a_file_that_is_no_ed25519_private_key_is_refused(env, tmp_path, kind, reason):
    path = bad_file(tmp_path, kind)
    message = refusal(env, JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILES=str(path))
    assert message.startswith("JWT_PRIVATE_KEY_FILES: ")
    assert str(path) in message and reason in message
    assert "BEGIN" not in message  # never the contents


def test_a_missing_file_is_refused(env, tmp_path):
    good = new_key(tmp_path)
    missing = tmp_path / "nowhere.pem"
    message = refusal(env, JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILES=f"{good.path},{missing}")
    assert message == f"JWT_PRIVATE_KEY_FILES: cannot read {missing} (No such file or directory)"


def test_the_same_key_twice_is_refused(env, tmp_path):
    key = new_key(tmp_path / "k")
    copy = tmp_path / "copy.pem"
    copy.write_bytes(key.private_pem())
    message = refusal(env, JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILES=f"{key.path},{copy}")
    assert "JWT_PRIVATE_KEY_FILES" in message and "listed already" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JWT_ISSUER", "has a space"),
        ("JWT_ISSUER", "x" * 201),
        ("JWT_AUDIENCE", "tab\there"),
        ("JWT_AUDIENCE", "wardrobe:mfa"),
        ("JWKS_MAX_AGE", "-1"),
        ("JWKS_MAX_AGE", "86401"),
    ],
)
def test_a_bad_issuer_audience_or_max_age_is_refused(env, name, value):
    assert refusal(env, **{name: value}).startswith(f"{name}=")


def test_the_reserved_audience_is_the_mfa_tokens():
    assert MFA_TOKEN_AUDIENCE == mfa_challenges.AUDIENCE


def test_a_bad_key_file_stops_the_flask_command_in_one_line(tmp_path):
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("JWT_", "SECRET_KEY"))
        },
        **TEST_SECRETS,
        "APP_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "JWT_ALGORITHM": "EdDSA",
        "JWT_PRIVATE_KEY_FILES": str(tmp_path / "missing.pem"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes-by-role"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        f"Error: JWT_PRIVATE_KEY_FILES: cannot read {tmp_path / 'missing.pem'} "
        "(No such file or directory)"
    ]


# --- flask keys generate ------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path):
    app = create_app(
        "testing", {**TEST_SECRETS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'g.db'}"}
    )
    return app.test_cli_runner()


def test_generate_writes_a_private_key_only_its_owner_reads(runner, tmp_path):
    folder = tmp_path / "keys"
    result = runner.invoke(args=["keys", "generate", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    (path,) = folder.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (key,) = load_signing_keys("EdDSA", [str(path)])
    assert path.name == f"{key.kid}.pem"
    assert f"kid: {key.kid}" in result.output
    assert key.kid == thumbprint(key.public_key)
    assert f"JWT_PRIVATE_KEY_FILES={path.resolve()}" in result.output
    assert "JWT_ALGORITHM=EdDSA" in result.output
    assert "BEGIN" not in result.output  # the key itself is never printed


def test_generate_to_a_pem_path_never_overwrites(runner, tmp_path):
    target = tmp_path / "signing.pem"
    first = runner.invoke(args=["keys", "generate", "--algorithm", "EdDSA", "--out", str(target)])
    assert first.exit_code == 0, first.output
    before = target.read_bytes()
    again = runner.invoke(args=["keys", "generate", "--out", str(target)])
    assert again.exit_code == 1
    assert "never overwritten" in again.output
    assert target.read_bytes() == before


def test_generate_refuses_another_algorithm(runner, tmp_path):
    result = runner.invoke(
        args=["keys", "generate", "--algorithm", "RS256", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert list(tmp_path.glob("*.pem")) == []


def test_generated_keys_are_distinct(runner, tmp_path):
    for _ in range(2):
        assert runner.invoke(args=["keys", "generate", "--out", str(tmp_path / "k")]).exit_code == 0
    assert len({path.name for path in (tmp_path / "k").iterdir()}) == 2


def test_key_files_stay_out_of_the_repository():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "*.pem" in ignored and "instance/" in ignored


def test_generate_without_out_writes_into_the_instance_folder(tmp_path):
    app = create_app(
        "testing", {**TEST_SECRETS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'i.db'}"}
    )
    app.instance_path = str(tmp_path / "instance")  # the git-ignored instance/ of a checkout
    result = app.test_cli_runner().invoke(args=["keys", "generate"])
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "instance" / "keys").glob("*.pem")
    assert f"JWT_PRIVATE_KEY_FILES={path}" in result.output
