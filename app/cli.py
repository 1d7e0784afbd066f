"""`hireloop`: serve, migrate, demo, org create, export-schema."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from app.settings import Settings, get_settings

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Hireloop: recruiter and hiring-manager collaboration.",
)
org_cli = typer.Typer(no_args_is_help=True, help="Manage organizations (tenants).")
cli.add_typer(org_cli, name="org")


def _database_url(settings: Settings) -> tuple[str, bool]:
    """The URL to use and whether it is the embedded server."""
    from app.db import resolve_database_url

    embedded = settings.database_url is None
    return resolve_database_url(settings), embedded


def _demo_key_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-api-key"


def _how_to_call(settings: Settings, host: str, port: int) -> str:
    key_file = _demo_key_file(settings)
    key = key_file.read_text().strip() if key_file.exists() else "<your API key>"
    base = f"http://{host}:{port}"
    query = '{"query": "{ roles(first: 5) { edges { node { title status intake { mustHaveSkills } hiringManager { name } } } } }"}'
    return (
        f"\nHireloop is serving on {base}  (docs: {base}/docs, GraphQL IDE: {base}/graphql)\n"
        f"API key: {key}\n\n"
        f"  curl -s -H 'Authorization: Bearer {key}' {base}/api/v1/roles\n\n"
        f"  curl -s -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\\n"
        f"       -d '{query}' {base}/graphql\n\n"
        f"Webhooks: POST {base}/api/v1/webhook-endpoints; with no SMTP host set, emails the "
        f"worker sends are written to {settings.data_dir / 'mail'}\n"
    )


@cli.command()
def migrate() -> None:
    """Apply every database migration (creates the embedded database when DATABASE_URL is unset)."""
    from app.migrations import upgrade_head

    settings = get_settings()
    url, _ = _database_url(settings)
    upgrade_head(url)
    typer.echo("database is at the latest migration")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes")] = None,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="Also run `hireloop worker` beside the server")
    ] = False,
) -> None:
    """Serve the REST and GraphQL APIs."""
    import uvicorn

    from app.migrations import is_at_head, upgrade_head

    if host is not None or port is not None:
        # The app's processes and the companion worker read their settings from the
        # environment: the address served is what their links (public_url's default) name.
        os.environ.update(
            {k: str(v) for k, v in (("HIRELOOP_HOST", host), ("HIRELOOP_PORT", port)) if v}
        )
        get_settings.cache_clear()
    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    url, embedded = _database_url(settings)
    if embedded:
        upgrade_head(url)
        # Worker processes find the embedded server through the environment.
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
    elif not asyncio.run(is_at_head(url)):
        typer.echo(
            "The database is not at the latest migration. Run `hireloop migrate` first, then serve.",
            err=True,
        )
        raise typer.Exit(code=2)
    typer.echo(_how_to_call(settings, host, port))
    companion = None
    if with_worker:
        # A separate process, as in production; it reaches the same (maybe embedded) database
        # through DATABASE_URL and stops with the server.
        companion = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], env={**os.environ, "DATABASE_URL": url}
        )
        typer.echo(f"worker started beside the server (pid {companion.pid})")
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=None,
            proxy_headers=True,
        )
    finally:
        if companion is not None:
            companion.terminate()
            try:
                companion.wait(timeout=settings.worker_shutdown_grace_seconds + 5)
            except subprocess.TimeoutExpired:
                companion.kill()


@cli.command()
def worker() -> None:
    """Deliver webhooks and notifications and run periodic jobs, until SIGTERM."""
    from app.db import Database
    from app.migrations import is_at_head
    from app.observability import configure_logging
    from app.worker.runner import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    url, _ = _database_url(settings)
    if not asyncio.run(is_at_head(url)):
        typer.echo(
            "The database is not at the latest migration. Run `hireloop migrate` first.", err=True
        )
        raise typer.Exit(code=2)

    async def run() -> None:
        db = Database.connect(url, settings)
        try:
            await run_worker(db, settings)
        finally:
            await db.dispose()

    # uvloop (installed with uvicorn[standard]) takes a third off the worker's CPU per delivery.
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a platform without uvloop
        asyncio.run(run())
    else:
        uvloop.run(run())


@cli.command()
def demo() -> None:
    """Load demo data into an empty database and print its API key (safe to run again)."""
    from app.db import Database
    from app.demo import load_demo
    from app.domain.organizations.repository import count_organizations
    from app.migrations import upgrade_head

    settings = get_settings()
    url, embedded = _database_url(settings)
    if embedded:
        upgrade_head(url)

    async def run() -> str | None:
        db = Database.connect(url, settings)
        try:
            async with db.transaction() as session:
                if await count_organizations(session) > 0:
                    return None
                result = await load_demo(session)
            return result.api_key
        finally:
            await db.dispose()

    key = asyncio.run(run())
    key_file = _demo_key_file(settings)
    if key is None:
        typer.echo("The database already holds data; demo data was not loaded again.")
        if key_file.exists():
            typer.echo(f"The demo API key is in {key_file}")
        return
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    typer.echo(f"Loaded the demo organization 'Acme Robotics'. Its admin API key: {key}")
    typer.echo(f"(also kept in {key_file} for the next `make run`)")


@org_cli.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organization's name")],
    admin_email: Annotated[str, typer.Option("--admin-email", help="Email of its first admin")],
    admin_name: Annotated[
        str, typer.Option("--admin-name", help="Name of its first admin")
    ] = "Admin",
    time_zone: Annotated[str, typer.Option("--time-zone", help="IANA time zone")] = "UTC",
) -> None:
    """Create an organization and print its first admin's API key (shown once)."""
    from pydantic import ValidationError

    from app.db import Database
    from app.domain.organizations.schemas import MemberCreate
    from app.domain.organizations.service import create_organization

    try:
        MemberCreate.model_validate(
            {
                "email": admin_email,
                "name": admin_name,
                "permission_set": "admin",
                "time_zone": time_zone,
            }
        )
    except ValidationError as exc:
        typer.echo(f"Invalid input: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    settings = get_settings()
    url, _ = _database_url(settings)

    async def run() -> tuple[str, str]:
        db = Database.connect(url, settings)
        try:
            async with db.transaction() as session:
                org, _, key = await create_organization(
                    session,
                    name=name,
                    admin_email=admin_email,
                    admin_name=admin_name,
                    time_zone=time_zone,
                )
            return str(org.id), key.key
        finally:
            await db.dispose()

    org_id, key = asyncio.run(run())
    typer.echo(f"Created organization {name} ({org_id}).")
    typer.echo(f"API key for {admin_email} (shown only now): {key}")


@cli.command("export-schema")
def export_schema(
    out_dir: Annotated[
        Path, typer.Option(help="Where to write openapi.json and schema.graphql")
    ] = Path("."),
) -> None:
    """Write openapi.json and schema.graphql (both are checked in; a test fails when they drift)."""
    from app.schema_export import graphql_sdl, openapi_document

    (out_dir / "openapi.json").write_text(
        json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
    )
    (out_dir / "schema.graphql").write_text(graphql_sdl() + "\n")
    typer.echo(f"wrote {out_dir / 'openapi.json'} and {out_dir / 'schema.graphql'}")


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
