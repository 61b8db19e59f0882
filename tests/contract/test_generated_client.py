"""A Python client generated from the live document (openapi-python-client), used alone.

The generator must print no warning about the document, and the walkthrough runs with
nothing but the generated package against a real gunicorn: register, log in, list and page,
a 403 as a typed Problem, create, PATCH one field with If-Match, a stale If-Match (412), GET
then PUT the same item back, refresh, log out. docs/api.md gives the same commands.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.support.data import PASSWORD
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow

PACKAGE = "wardrobe_api_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No post-processing hooks: the generated code is used as written (no formatter needed).
CONFIG = "post_hooks: []\n"


def generate(document_url: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    document = workdir / "openapi.json"
    document.write_bytes(requests.get(document_url, timeout=10).content)
    (workdir / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            document.name,
            "--output-path",
            PACKAGE,
            "--meta",
            "none",
            "--config",
            "config.yaml",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def generated(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("client")
    result = generate(f"{live_server.url}/openapi.json", workdir)
    yield result, workdir


@pytest.fixture(scope="module")
def client_package(generated) -> Iterator[Any]:
    result, workdir = generated
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield Package(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


class Package:
    """The generated package: `api.<tag>.<operation>` modules and `models`."""

    def __init__(self, root: ModuleType):
        self.root = root
        self.models = importlib.import_module(f"{PACKAGE}.models")

    def op(self, tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def test_the_generator_prints_no_warning(generated):
    result, _ = generated
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.strip() == f"Generating {PACKAGE}", output
    assert "warning" not in output.lower()


def test_the_walkthrough_with_the_generated_client_alone(client_package, live_server):
    pkg, models = client_package, client_package.models
    base = live_server.url
    anonymous = pkg.root.Client(base_url=base)
    email = f"generated-{uuid.uuid4().hex[:12]}@example.com"

    created = pkg.op("auth", "register").sync_detailed(
        client=anonymous, body=models.Register(email=email, password=PASSWORD)
    )
    assert created.status_code == 201 and created.parsed.email == email

    pair = pkg.op("auth", "log_in").sync(
        client=anonymous, body=models.Login(email=email, password=PASSWORD)
    )
    assert isinstance(pair, models.TokenPair)
    user = pkg.root.AuthenticatedClient(base_url=base, token=pair.access_token)

    # A 403, surfaced as a typed problem.
    refused = pkg.op("clothes", "create_clothing_item").sync_detailed(
        client=user, body=item_input(models, "Refused")
    )
    assert refused.status_code == 403
    assert isinstance(refused.parsed, models.Problem) and refused.parsed.code == "forbidden"

    admin = pkg.root.AuthenticatedClient(base_url=base, token=admin_token(pkg, live_server))
    for name in ("Coat", "Scarf", "Boots"):
        made = pkg.op("clothes", "create_clothing_item").sync_detailed(
            client=admin, body=item_input(models, name)
        )
        assert made.status_code == 201 and made.headers["Location"].endswith(f"/{made.parsed.id}")
    item = made.parsed

    # List and page: two at a time, following next_cursor.
    first = pkg.op("clothes", "list_clothes").sync(client=user, limit=2)
    assert len(first.items) == 2 and first.next_cursor
    second = pkg.op("clothes", "list_clothes").sync(client=user, limit=2, cursor=first.next_cursor)
    assert second.items and first.items[0].id not in {i.id for i in second.items}

    check_conditional_writes(pkg, models, admin, item)

    renewed = pkg.op("auth", "refresh_tokens").sync(
        client=pkg.root.AuthenticatedClient(base_url=base, token=pair.refresh_token)
    )
    assert isinstance(renewed, models.TokenPair) and renewed.access_token != pair.access_token
    user = pkg.root.AuthenticatedClient(base_url=base, token=renewed.access_token)
    assert pkg.op("auth", "get_me").sync(client=user).email == email
    assert pkg.op("auth", "log_out").sync_detailed(client=user).status_code == 204
    ended = pkg.op("auth", "get_me").sync(client=user)
    assert isinstance(ended, models.Problem) and ended.code == "token_revoked"


def check_conditional_writes(pkg: Package, models: ModuleType, admin: Any, item: Any) -> None:
    """PATCH one field with If-Match; a stale If-Match is 412; GET then PUT the item back."""
    fetched = pkg.op("clothes", "get_clothing_item").sync_detailed(item.id, client=admin)
    etag = fetched.headers["ETag"]
    patched = pkg.op("clothes", "update_clothing_item").sync_detailed(
        item.id, client=admin, body=models.ClothingItemUpdate(color="green"), if_match=etag
    )
    assert patched.status_code == 200 and patched.parsed.color == "green"
    assert (patched.parsed.name, patched.parsed.price) == (item.name, item.price)

    stale = pkg.op("clothes", "update_clothing_item").sync_detailed(
        item.id, client=admin, body=models.ClothingItemUpdate(color="red"), if_match=etag
    )
    assert stale.status_code == 412 and stale.parsed.code == "precondition_failed"

    current = pkg.op("clothes", "get_clothing_item").sync_detailed(item.id, client=admin)
    back = current.parsed
    replaced = pkg.op("clothes", "replace_clothing_item").sync_detailed(
        item.id,
        client=admin,
        if_match=current.headers["ETag"],
        body=models.ClothingItemInput(
            name=back.name,
            category=back.category,
            size=back.size,
            color=back.color,
            price=back.price,
            stock=back.stock,
            photo_url=back.photo_url,
            description=back.description,
        ),
    )
    assert replaced.status_code == 200
    assert replaced.parsed.to_dict() | {"updated_at": None} == back.to_dict() | {"updated_at": None}


def item_input(models: ModuleType, name: str) -> Any:
    return models.ClothingItemInput(
        name=name, category=models.Category.OUTERWEAR, size=models.Size.M, color="red", price="5"
    )


def admin_token(pkg: Package, live_server: LiveServer) -> str:
    email = f"generated-admin-{uuid.uuid4().hex[:12]}@example.com"
    live_server.flask("create-admin", email, "--password", PASSWORD)
    pair = pkg.op("auth", "log_in").sync(
        client=pkg.root.Client(base_url=live_server.url),
        body=pkg.models.Login(email=email, password=PASSWORD),
    )
    return pair.access_token
