"""The documentation stays true: settings, events, endpoints, CLI commands and links.

Settings are checked in docs/configuration.md, CLI commands in docs/cli.md and the examples of
the main operations in docs/getting-started.md, where each now lives (README.md is the short
front door; tests/test_docs_examples.py runs the examples themselves).

Each test reads a document and compares it with the code it describes, so a change to the
code that forgets the docs fails here with a message naming what to fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
from pydantic import AliasChoices

from app.cli import cli
from app.domain.events.catalogue import CATALOGUE
from app.domain.events.schemas import EventPublic
from app.schema_export import openapi_document
from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# /graphql is mounted outside the OpenAPI document on purpose (it has its own schema).
NON_OPENAPI_OPERATIONS = {("GET", "/graphql"), ("POST", "/graphql")}


def read(path: Path) -> str:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


# --- settings ----------------------------------------------------------------------------------


def env_name(name: str) -> str:
    field = Settings.model_fields[name]
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        assert isinstance(first, str)
        return first
    if isinstance(alias, str):
        return alias
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return f"{prefix}{name}".upper()


def rendered_default(value: Any) -> str:
    # An empty string is a setting left unset (whose value is then derived, e.g. public_url).
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def settings_rows(text: str) -> dict[str, tuple[str, str]]:
    """`{setting: (env var cell, default cell)}` from table rows naming an environment variable."""
    rows: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4:
            continue
        env = re.match(r"^`(HIRELOOP_[A-Z0-9_]+|DATABASE_URL)`", cells[1])
        name = re.match(r"^`([a-z0-9_]+)`$", cells[0])
        if env is None or name is None:
            continue
        assert name.group(1) not in rows, f"setting {name.group(1)} is listed twice"
        rows[name.group(1)] = (env.group(1), cells[2])
    return rows


@pytest.mark.parametrize("document", ["docs/configuration.md"])
def test_every_setting_is_documented_with_its_env_var_and_default(document: str) -> None:
    rows = settings_rows(read(ROOT / document))
    fields = set(Settings.model_fields)
    assert sorted(fields - rows.keys()) == [], f"{document} lacks these settings"
    assert sorted(rows.keys() - fields) == [], f"{document} lists settings that do not exist"
    for name, (env, default_cell) in rows.items():
        assert env == env_name(name), f"{document}: {name} is read from {env_name(name)}"
        expected = rendered_default(
            Settings.model_fields[name].get_default(call_default_factory=True)
        )
        if expected == "unset":
            assert default_cell.lower().startswith("unset"), (
                f"{document}: the default of {name} is unset, not {default_cell}"
            )
        else:
            shown = re.match(r"^`([^`]*)`", default_cell)
            assert shown is not None, f"{document}: write the default of {name} as `{expected}`"
            assert shown.group(1) == expected, (
                f"{document}: the default of {name} is `{expected}`, not {default_cell}"
            )


# --- events ------------------------------------------------------------------------------------


def event_sections(text: str) -> dict[str, str]:
    """`{event name: its section}` for every `### \\`name\\`` heading."""
    sections: dict[str, str] = {}
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        match = re.fullmatch(r"### `([^`]+)`", heading.strip())
        if match:
            assert match.group(1) not in sections, f"{match.group(1)} is documented twice"
            sections[match.group(1)] = body
    return sections


def test_every_event_in_the_catalogue_is_documented_with_its_data() -> None:
    sections = event_sections(read(DOCS / "events.md"))
    assert sorted(CATALOGUE.keys() - sections.keys()) == [], "docs/events.md lacks these events"
    assert sorted(sections.keys() - CATALOGUE.keys()) == [], (
        "docs/events.md documents events the catalogue does not have"
    )
    for name, event in CATALOGUE.items():
        section = sections[name]
        assert squash(event.description) in squash(section), (
            f"docs/events.md: {name} should say {event.description!r}"
        )
        missing = [f for f in event.data if f"`{f}`" not in section]
        assert missing == [], f"docs/events.md: {name} does not list its data fields {missing}"


FILE_SUFFIXES = {"py", "md", "json", "toml", "ini", "txt", "graphql", "yml", "yaml", "sh"}


def test_events_doc_names_no_event_outside_the_catalogue() -> None:
    text = read(DOCS / "events.md")
    names = set(re.findall(r"`([a-z][a-z_]*\.[a-z][a-z_]*)`", text))
    names = {n for n in names if n.rsplit(".", 1)[1] not in FILE_SUFFIXES}
    assert sorted(names - CATALOGUE.keys()) == [], "docs/events.md names unknown event types"


def test_event_envelope_is_documented() -> None:
    text = read(DOCS / "events.md")
    missing = [f for f in EventPublic.model_fields if f"| `{f}` |" not in text]
    assert missing == [], f"docs/events.md: the envelope table lacks {missing}"


# --- REST endpoints ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def operations() -> set[tuple[str, str]]:
    document: dict[str, Any] = openapi_document()
    found = set()
    for path, item in document["paths"].items():
        for method in item:
            if method in HTTP_METHODS:
                found.add((method.upper(), str(path)))
    assert found, "the OpenAPI document has no operations"
    return found


def template_regex(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
    return re.compile(f"^{pattern}$")


def known_path(path: str, operations: set[tuple[str, str]], method: str | None = None) -> bool:
    candidates = operations | NON_OPENAPI_OPERATIONS
    return any(
        (method is None or m == method) and template_regex(p).match(path) for m, p in candidates
    )


def test_every_rest_operation_is_in_the_endpoint_table(operations: set[tuple[str, str]]) -> None:
    text = read(DOCS / "api.md")
    table = set(re.findall(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)` \|", text, flags=re.M))
    assert sorted(operations - table) == [], "docs/api.md's endpoint table lacks these"
    assert sorted(table - operations) == [], "docs/api.md's endpoint table lists unknown ones"


DOCUMENTS = [
    "README.md",
    "docs/getting-started.md",
    "docs/cli.md",
    "docs/operations.md",
    "docs/api.md",
    "docs/architecture.md",
    "docs/events.md",
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_operations_named_in_docs_exist(document: str, operations: set[tuple[str, str]]) -> None:
    text = read(ROOT / document)
    named = re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s?]*)", text)
    unknown = [f"{m} {p}" for m, p in named if not known_path(p, operations, m)]
    assert unknown == [], f"{document} names operations the app does not have"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_curl_examples_use_real_paths(document: str, operations: set[tuple[str, str]]) -> None:
    text = read(ROOT / document)
    paths = re.findall(r"\$HL(/[^\"'\s?]*)", text)
    unknown = [p for p in paths if not known_path(p, operations)]
    assert unknown == [], f"{document}'s examples call paths the app does not serve"


def test_getting_started_has_curl_examples_for_the_main_operations() -> None:
    text = read(DOCS / "getting-started.md")
    paths = set(re.findall(r"\$HL(/[^\"'\s?]*)", text))
    for needed in (
        "/api/v1/roles",
        "/api/v1/roles/$ROLE",
        "/api/v1/roles/$ROLE/intake/revisions",
        "/api/v1/roles/$ROLE/intake/revisions/$REV/sign-off",
        "/api/v1/roles/$ROLE/intake/diff",
        "/api/v1/events",
        "/graphql",
    ):
        assert needed in paths, f"docs/getting-started.md has no example calling {needed}"


# --- CLI ---------------------------------------------------------------------------------------


def cli_commands() -> tuple[set[str], set[str]]:
    """Every command as typed after `hireloop` (`org create`), and the group names (`org`)."""
    # Typer ships its own copy of click, so groups are recognised by their `commands`.
    root: Any = typer.main.get_command(cli)
    assert isinstance(root.commands, dict)
    names: set[str] = set()
    groups: set[str] = set()
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", None)
        if isinstance(subcommands, dict):
            groups.add(name)
            names.update(f"{name} {sub}" for sub in subcommands)
        else:
            names.add(name)
    return names, groups


def test_cli_doc_documents_every_cli_command_and_no_other() -> None:
    text = read(DOCS / "cli.md")
    commands, groups = cli_commands()
    mentioned = {
        f"{first} {second}" if first in groups else first
        for first, second in re.findall(r"`hireloop ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", text)
    }
    assert sorted(commands - mentioned) == [], "docs/cli.md does not document these commands"
    assert sorted(mentioned - commands) == [], "docs/cli.md documents commands that do not exist"


# --- links -------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


LINKED = [*DOCUMENTS, "docs/README.md", "docs/configuration.md", "docs/testing.md"]


@pytest.mark.parametrize("document", LINKED)
def test_relative_links_resolve(document: str) -> None:
    path = ROOT / document
    text = read(path)
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        linked = (path.parent / target).resolve() if target else path
        assert linked.exists(), f"{document} links to {target}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.*)$", read(linked), flags=re.M)
            assert anchor in {slug(h) for h in headings}, (
                f"{document} links to {target}#{anchor}, which has no such heading"
            )


def test_docs_index_links_every_guide() -> None:
    """docs/README.md is the index: a guide nobody links to is a guide nobody finds."""
    text = read(DOCS / "README.md")
    linked = set(re.findall(r"\]\(([a-z0-9-]+\.md)(?:#[^)]*)?\)", text))
    guides = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    assert sorted(guides - linked) == [], "docs/README.md does not link these guides"


# Not guides: the reference itself, the index (which lists api.md beside the guides) and the
# glossary, a table of names. Every other page walks a reader through an area, and a reader in
# the middle of one needs the full reference of the calls it makes.
NOT_GUIDES = {"api.md", "README.md", "glossary.md"}


def test_every_guide_links_the_api_reference() -> None:
    """A newcomer who lands on any guide finds the REST reference from it (issue 19)."""
    guides = sorted(p.name for p in DOCS.glob("*.md") if p.name not in NOT_GUIDES)
    assert len(guides) > 10
    unlinked = [g for g in guides if not re.search(r"\]\(api\.md(?:#[^)\s]*)?\)", read(DOCS / g))]
    assert unlinked == [], "these guides do not link docs/api.md, the REST reference"
