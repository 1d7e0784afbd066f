"""SDKs generated from /openapi.json: a Python client (openapi-python-client) and TypeScript types
(openapi-typescript), both without warnings, and a small flow through the Python client against
the service served on 127.0.0.1.

The generators are pinned in tools/: openapi-python-client in its own virtualenv
(tools/requirements-clients.txt; it pins a typer older than the service's), made here from the
package index on first use, and openapi-typescript in tools/package-lock.json (`npm ci`). Both
install at once and run at once, so the test costs about the slower of the two.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import Tenant, make_settings
from tests.fakes.server import ServedApp

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"
CLIENT_VENV = TOOLS / ".venv-clients"
GENERATOR = CLIENT_VENV / "bin" / "openapi-python-client"


@contextmanager
def served_hireloop(database_url: str, settings: Settings | None = None) -> Iterator[str]:
    """The whole service (its own pool, in its own thread) on 127.0.0.1; yields its base URL."""
    app = create_app(settings or make_settings(), database_url=database_url)
    server = ServedApp(app, lifespan="on").start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def _installing() -> Iterator[None]:
    """Held while tools/ is checked and filled: the suite's workers (pytest-xdist), or two runs
    in one checkout, would otherwise install into the same folders at once and break both."""
    key = hashlib.sha256(str(TOOLS).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"hireloop-tools-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _unavailable(reason: str) -> None:
    """In CI a missing tool is a failure; elsewhere the test is skipped, saying why."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _install_tools() -> None:
    """Fill tools/ on first use: `npm ci` and the generator's virtualenv at once, as neither
    waits for the other (on a fresh checkout each takes tens of seconds)."""
    with _installing():
        npm = None
        if shutil.which("npm") and not (TOOLS / "node_modules" / "openapi-typescript").exists():
            npm = subprocess.Popen(
                ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=TOOLS,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        try:
            if not GENERATOR.exists():
                venv.create(CLIENT_VENV, with_pip=True, clear=True)
                pip = str(CLIENT_VENV / "bin" / "pip")
                subprocess.run(
                    [pip, "install", "--quiet", "-r", str(TOOLS / "requirements-clients.txt")],
                    check=False,
                    capture_output=True,
                )
        finally:
            if npm is not None:
                npm.wait(timeout=600)


def _python_generator() -> Path:
    if not GENERATOR.exists():
        _unavailable("openapi-python-client could not be installed into tools/.venv-clients")
    return GENERATOR


def _typescript_generator() -> list[str]:
    npx = shutil.which("npx")
    if npx is None:
        _unavailable("npx (Node.js) is not installed")
        raise AssertionError  # not reached
    if not (TOOLS / "node_modules" / "openapi-typescript").exists():
        _unavailable("npm ci in tools/ did not install openapi-typescript")
    return [npx, "--no-install", "openapi-typescript"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Both clients, generated side by side from the document the service serves."""
    out = tmp_path_factory.mktemp("clients")
    document = out / "openapi.json"
    document.write_text(json.dumps(create_app(make_settings()).openapi()))
    _install_tools()
    python_cmd = [str(_python_generator()), "generate", "--path", str(document), "--meta"]
    python_cmd += ["none", "--config", str(TOOLS / "openapi-python-client.yaml")]
    python_cmd += ["--output-path", str(out / "hireloop_client")]
    typescript_cmd = [*_typescript_generator(), str(document), "-o", str(out / "hireloop.d.ts")]
    runs = [
        subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for cmd, cwd in ((python_cmd, out), (typescript_cmd, TOOLS))
    ]
    outputs = [run.communicate(timeout=180)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output
    python_output, typescript_output = outputs
    assert "warning" not in python_output.lower(), python_output
    assert "⚠" not in typescript_output, typescript_output
    assert "warn" not in typescript_output.lower(), typescript_output
    sys.path.insert(0, str(out))
    try:
        yield out
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == "hireloop_client"]:
            del sys.modules[name]


def test_typescript_types_name_the_operations(generated: Path) -> None:
    types = (generated / "hireloop.d.ts").read_text()
    for name in ("listRoles:", "getRole:", "createRole:", "revokeApiKey:", "RolePage:"):
        assert name in types, name


async def test_a_flow_through_the_generated_python_client(
    generated: Path, tenant: Tenant, database_url: str
) -> None:
    client_module: Any = importlib.import_module("hireloop_client")
    models: Any = importlib.import_module("hireloop_client.models")
    roles: Any = importlib.import_module("hireloop_client.api.roles")
    keys: Any = importlib.import_module("hireloop_client.api.api_keys")
    for operation in ("create_role", "get_role", "list_roles", "update_role"):
        importlib.import_module(f"hireloop_client.api.roles.{operation}")
    for operation in ("create_api_key", "revoke_api_key"):
        importlib.import_module(f"hireloop_client.api.api_keys.{operation}")

    with served_hireloop(database_url) as url:
        client = client_module.AuthenticatedClient(base_url=url, token=tenant.admin.key)
        with client:
            created = roles.create_role.sync(
                client=client, body=models.RoleCreate(title="Staff Engineer", headcount=2)
            )
            assert isinstance(created, models.RolePublic), created
            read = roles.get_role.sync_detailed(role_id=created.id, client=client)
            assert read.status_code == 200
            assert read.parsed.title == "Staff Engineer"
            etag = read.headers["etag"]
            changed = roles.update_role.sync(
                role_id=created.id,
                client=client,
                body=models.RoleUpdate(title="Principal Engineer"),
                if_match=etag,
            )
            assert changed.title == "Principal Engineer"
            roles.create_role.sync(client=client, body=models.RoleCreate(title="Designer"))
            page = roles.list_roles.sync(client=client, limit=1, sort=models.RoleSort.CREATED_AT)
            assert isinstance(page, models.RolePage)
            assert [r.title for r in page.items] == ["Principal Engineer"]
            assert page.next_cursor
            following = roles.list_roles.sync(
                client=client, limit=1, sort=models.RoleSort.CREATED_AT, cursor=page.next_cursor
            )
            assert [r.title for r in following.items] == ["Designer"]
            # Errors are typed too: a missing role is a Problem.
            missing = roles.get_role.sync(role_id=tenant.organization_id, client=client)
            assert isinstance(missing, models.Problem)
            assert missing.code == "not_found"
            issued = keys.create_api_key.sync(
                client=client, body=models.ApiKeyCreate(name="sdk", member_id=tenant.admin.id)
            )
            assert issued.key.startswith("hl_")
            revoked = keys.revoke_api_key.sync(key_id=issued.id, client=client)
            assert revoked.revoked_at is not None
