"""The layer contracts of pyproject.toml's [tool.importlinter], in the suite as in `make lint`:
the domain imports no transport, worker or web-side authentication; REST and GraphQL are
siblings; the core imports no domain; the vendor adapters import no domain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache"]
    if config is not None:
        args += ["--config", str(config)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_every_layer_contract_is_kept() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout, result.stdout


def test_a_broken_contract_is_reported(tmp_path: Path) -> None:
    """The check above would pass if the linter saw nothing: a contract the code cannot keep
    (REST endpoints call the domain) must be reported broken, naming the import."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "app"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "REST without the domain"\ntype = "forbidden"\n'
        'source_modules = ["app.api.v1.roles"]\nforbidden_modules = ["app.domain.roles"]\n'
    )
    result = _lint(config)
    assert result.returncode != 0, result.stdout
    assert "REST without the domain BROKEN" in result.stdout, result.stdout
    assert "app.api.v1.roles -> app.domain.roles" in result.stdout, result.stdout
