"""The guides use only words the service knows: routes, JSON fields, GraphQL fields and events.

tests/test_docs.py holds docs/api.md's endpoint table and docs/events.md to the code; this file
holds every other guide to it, so a renamed route, field or event fails here (fast, with no
server) instead of misleading a reader, and every event the service records is explained in at
least one guide, not only listed in the catalogue. tests/test_docs_examples.py then runs the
examples themselves against a live demo.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import graphql
import pytest

from app.domain.audit.schemas import AUDIT_ACTIONS
from app.domain.events.catalogue import CATALOGUE
from app.domain.events.schemas import EventPublic
from app.schema_export import graphql_sdl, openapi_document
from app.settings import Settings
from app.worker.periodic import JOBS
from tests.docs_examples import fences

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The catalogue's reference; a guide explains an event where a reader meets it.
REFERENCE = {"events.md"}
GUIDES = sorted(p.name for p in DOCS.glob("*.md") if p.name not in REFERENCE)
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# Served outside the OpenAPI document on purpose: GraphQL, the candidate's pages, the probes.
NOT_IN_OPENAPI = re.compile(r"^/(graphql|pages/|healthz|readyz|metrics|docs|redoc|static/)")
FILE_SUFFIXES = {"py", "md", "json", "toml", "ini", "txt", "graphql", "yml", "yaml", "sh", "ics"}
# Dotted names in backticks that are not events: modules, settings groups, jobs, files.
DOTTED_NOT_EVENTS = re.compile(
    r"^(app|tests|bench|scheduling|bookings|calendars|interviews|notifications|outcomes|"
    r"follow_ups|feedback_reminders|retention|digests|deliveries|ats|closing|webhooks|"
    r"privacy|worker|pages|strings|settings|schemas|slots|service|events|standardwebhooks|"
    r"uvicorn|alembic|hireloop|sqlalchemy|strawberry|httpx|tenacity|docker|compose)\."
)


# Members a problem adds beside RFC 9457's (api.md, "Errors"): the OpenAPI Problem schema
# names only the common ones.
PROBLEM_MEMBERS = frozenset({"allowed", "problems", "blocked_by", "candidate_id", "reason"})
# A GraphQL answer's own members (the spec's, and Hireloop's error extensions).
GRAPHQL_RESPONSE = frozenset({"data", "errors", "extensions", "locations", "path", "cost"})


# Dotted names that are not events: the worker's periodic jobs, the audit trail's actions and
# Google Calendar's scopes.
NOT_EVENTS = frozenset(
    {job.name for job in JOBS}
    | set(AUDIT_ACTIONS)
    | {"calendar.events", "calendar.freebusy", "calendar.calendarlist", "calendar.readonly"}
)


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# --- what the service knows ----------------------------------------------------------------


@cache
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = openapi_document()
    return document


@cache
def operations() -> frozenset[tuple[str, str]]:
    return frozenset(
        (method.upper(), str(path))
        for path, item in openapi()["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


def template_regex(path: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))
    return re.compile(f"^{pattern}/?$")


def known_route(path: str, method: str | None = None) -> bool:
    """A documented path (`x` stands for any one segment) that the service serves."""
    if NOT_IN_OPENAPI.match(path):
        return True
    wanted = path.rstrip("/").split("/")
    for m, template in operations():
        segments = template.split("/")
        if (method is None or m == method) and len(segments) == len(wanted):
            matches = (
                w in {"x", s} or (s.startswith("{") and s.endswith("}"))
                for w, s in zip(wanted, segments, strict=True)
            )
            if all(matches):
                return True
    return False


@cache
def graphql_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(graphql_sdl())


@cache
def rest_words() -> frozenset[str]:
    """Every property, parameter and enum value of the REST API, every event's data and
    envelope field, and every setting: the JSON words a guide may show."""
    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    words.update(value)
                if key == "enum" and isinstance(value, list):
                    words.update(v for v in value if isinstance(v, str))
                if key == "parameters" and isinstance(value, list):
                    words.update(p["name"] for p in value if isinstance(p, dict) and "name" in p)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(openapi())
    words.update(
        str(operation["operationId"])
        for item in openapi()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    )
    for event in CATALOGUE.values():
        words.update(event.data)
    words.update(EventPublic.model_fields)
    words.update(Settings.model_fields)
    return frozenset(words)


@cache
def graphql_words() -> frozenset[str]:
    """Every type, field, argument, input field and enum value of the GraphQL schema."""
    words: set[str] = set()
    for name, kind in graphql_schema().type_map.items():
        words.add(name)
        fields = getattr(kind, "fields", None)
        if isinstance(fields, dict):
            for field_name, field in fields.items():
                words.add(field_name)
                words.update(getattr(field, "args", {}) or {})
        values = getattr(kind, "values", None)
        if isinstance(values, dict):
            words.update(values)
    return frozenset(words)


@cache
def worker_health_words() -> frozenset[str]:
    """The worker's health answer has no schema: its keys and loop names are read from the
    source that writes them."""
    words: set[str] = set()
    for name in ("health.py", "runner.py"):
        source = (ROOT / "app" / "worker" / name).read_text(encoding="utf-8")
        words.update(re.findall(r"\"([a-z][a-z0-9_]*)\"", source))
    return frozenset(words)


# --- what the guides say ---------------------------------------------------------------------


def json_keys(value: Any) -> set[str]:
    """Keys of a JSON example that name fields: snake_case, not free-form map keys (skill
    names, headers), which are capitalised or spaced."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if re.fullmatch(r"[a-z][a-z0-9_]*", key):
                found.add(key)
            found |= json_keys(item)
    elif isinstance(value, list):
        for item in value:
            found |= json_keys(item)
    return found


def json_examples(text: str) -> list[Any]:
    """The JSON data blocks of a guide (```json and ```json output); `...` stands for more."""
    values: list[Any] = []
    for fence in fences(text):
        if fence.language != "json" or "variables" in fence.flags:
            continue
        body = re.sub(r"(?m)^\s*\.\.\.,?\s*$", "", fence.body).replace("…", "x")
        body = re.sub(r",(\s*[}\]])", r"\1", body)
        decoder = json.JSONDecoder()
        position, body = 0, body.strip()
        while position < len(body):
            try:
                value, position = decoder.raw_decode(body, position)
            except ValueError:
                break  # an excerpt that is not JSON on purpose is shown as text
            values.append(value)
            while position < len(body) and body[position].isspace():
                position += 1
    return values


def projected(text: str) -> set[str]:
    """Names a jq program in the guide builds itself (`{for_nora: ...}`): not schema words."""
    names: set[str] = set()
    for fence in fences(text):
        if fence.language in {"sh", "bash", "shell"}:
            names.update(re.findall(r"[{,]\s*([a-z][a-z0-9_]*)\s*:", fence.body))
    return names


def graphql_documents(text: str) -> list[tuple[str, str]]:
    """(where, query) for every ```graphql block and every query string in a shell example."""
    found: list[tuple[str, str]] = []
    for fence in fences(text):
        if fence.language in {"graphql", "gql"}:
            found.append((f"line {fence.line}", fence.body))
        elif fence.language in {"sh", "bash", "shell"}:
            for query in re.findall(r'"?query"?:\s*"((?:\\.|[^"\\])*)"', fence.body):
                if query.lstrip().startswith(("query", "mutation", "{")):
                    found.append((f"line {fence.line}", query.replace('\\"', '"')))
    return found


def prose(text: str) -> str:
    """The guide without its fenced blocks."""
    lines, inside = [], False
    for line in text.splitlines():
        if re.match(r"^ {0,3}(```|~~~)", line):
            inside = not inside
            continue
        if not inside:
            lines.append(line)
    return "\n".join(lines)


# --- the checks -------------------------------------------------------------------------------


def placeholders(path: str) -> str:
    """`{id}` and `<token>` stand for one segment."""
    return re.sub(r"\{[^}]*\}|<[^>]*>", "x", path)


@pytest.mark.parametrize("guide", GUIDES)
def test_routes_named_in_the_guide_exist(guide: str) -> None:
    text = read(guide)
    unknown = [
        f"{m} {p}"
        for m, p in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/api/[^`\s?]*)", text)
        if not known_route(placeholders(p), m)
    ]
    unknown += [
        p
        for p in re.findall(r"\$HL(/[^\"'\s?)]*)", text)
        if not known_route(re.sub(r"\$\(?[A-Za-z_][^/]*", "x", p))
    ]
    unknown += [
        p
        for p in re.findall(r"`(/api/v1/[^`\s?]*)`", text)
        if "..." not in p and not known_route(placeholders(p))
    ]
    assert unknown == [], f"docs/{guide} names routes the service does not have"


@pytest.mark.parametrize("guide", GUIDES)
def test_json_fields_in_the_guide_exist(guide: str) -> None:
    text = read(guide)
    known = (
        rest_words()
        | graphql_words()
        | PROBLEM_MEMBERS
        | GRAPHQL_RESPONSE
        | worker_health_words()
        | projected(text)
    )
    unknown = sorted({key for value in json_examples(text) for key in json_keys(value)} - known)
    assert unknown == [], f"docs/{guide} shows JSON fields that no schema has"


def field_tables(text: str) -> list[str]:
    """First cells of the rows of tables headed Field, Member or State: field names and values."""
    cells: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("|") or (i > 0 and lines[i - 1].startswith("|")):
            continue
        header = line.strip("|").split("|")[0].strip().lower()
        if header not in {"field", "member", "state"}:
            continue
        for row in lines[i + 2 :]:
            if not row.startswith("|"):
                break
            cells += re.findall(r"^\|\s*`([a-z][a-z0-9_]*)`", row)
    return cells


@pytest.mark.parametrize("guide", GUIDES)
def test_table_fields_in_the_guide_exist(guide: str) -> None:
    text = prose(read(guide))
    known = rest_words() | graphql_words() | PROBLEM_MEMBERS
    unknown = sorted(set(field_tables(text)) - known)
    assert unknown == [], f"docs/{guide}'s tables name fields the service does not have"


@pytest.mark.parametrize("guide", GUIDES)
def test_graphql_in_the_guide_is_valid(guide: str) -> None:
    problems = []
    for where, query in graphql_documents(read(guide)):
        try:
            document = graphql.parse(query)
        except graphql.GraphQLError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        problems += [f"{where}: {e.message}" for e in graphql.validate(graphql_schema(), document)]
    assert problems == [], f"docs/{guide} has GraphQL the schema does not accept"


@pytest.mark.parametrize("guide", GUIDES)
def test_graphql_names_in_the_guide_exist(guide: str) -> None:
    """A `camelCase` word in a sentence about GraphQL is a GraphQL field, argument or type
    (elsewhere it may be a vendor's, e.g. Google's `calendarList`)."""
    named: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n(?=\|)|\n\s*\n", prose(read(guide))):
        if "GraphQL" in sentence:
            named |= set(re.findall(r"`([a-z]+[A-Z][A-Za-z]*)(?:\([^`]*\))?`", sentence))
    unknown = sorted(named - graphql_words())
    assert unknown == [], f"docs/{guide} names GraphQL fields the schema does not have"


def dotted_names(text: str) -> set[str]:
    """Backticked `subject.verb` names whose subject is one the catalogue uses (`offer.sent`),
    so field paths (`reasons.note`) and modules (`app.main`) are not taken for events."""
    subjects = {name.split(".", 1)[0] for name in CATALOGUE}
    names = set(re.findall(r"`([a-z][a-z_]*\.[a-z][a-z_]*)`", text))
    return {
        n
        for n in names
        if n.split(".", 1)[0] in subjects
        and n.rsplit(".", 1)[1] not in FILE_SUFFIXES
        and not DOTTED_NOT_EVENTS.match(n)
        and (n in CATALOGUE or n not in NOT_EVENTS)
    }


@pytest.mark.parametrize("guide", GUIDES)
def test_events_named_in_the_guide_exist(guide: str) -> None:
    unknown = sorted(dotted_names(read(guide)) - CATALOGUE.keys())
    assert unknown == [], f"docs/{guide} names events the catalogue does not have"


# Pages that name events without walking a reader through the flow that records them: the
# catalogue, the REST reference, the glossary's table of names, the index, and architecture.md,
# which uses events to show how the outbox and the worker work inside.
NOT_EXPLAINING_EVENTS = {"events.md", "api.md", "glossary.md", "README.md", "architecture.md"}


def test_every_event_is_explained_in_a_guide() -> None:
    """Each event is met in the guide of its area, where the reader does what records it."""
    mentioned: set[str] = set()
    for guide in sorted(set(GUIDES) - NOT_EXPLAINING_EVENTS):
        mentioned |= set(re.findall(r"`([a-z][a-z_]*\.[a-z][a-z_]*)`", read(guide)))
    missing = sorted(CATALOGUE.keys() - mentioned)
    assert missing == [], (
        f"no guide explains these events where a reader meets them (docs/events.md, api.md and "
        f"glossary.md only list them): {missing}"
    )


def test_the_glossary_names_real_things() -> None:
    """Each glossary row gives one concept its REST, GraphQL and event names; all exist."""
    text = read("glossary.md")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 10
    for row in rows[1:]:
        for word in re.findall(r"`([^`]+)`", row):
            if re.fullmatch(r"[a-z][a-z_]*\.[a-z][a-z_]*", word):
                assert word in CATALOGUE, f"glossary: {word} is not an event"
            elif re.fullmatch(r"[a-z]+[A-Z][A-Za-z]*|[A-Z][A-Za-z]+", word):
                assert word in graphql_words(), f"glossary: {word} is not in the GraphQL schema"
            elif re.fullmatch(r"[a-z][a-z0-9_]*", word):
                assert word in rest_words() | graphql_words(), f"glossary: {word} is unknown"
            elif word.startswith("/api/"):
                assert known_route(re.sub(r"\{[^}]*\}", "x", word)), f"glossary: {word}"


def slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("guide", GUIDES)
def test_links_between_guides_resolve(guide: str) -> None:
    """A link to another guide, or to one of its sections, lands somewhere."""
    path = DOCS / guide
    broken = []
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", prose(read(guide))):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        linked = (path.parent / target).resolve() if target else path
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md":
            text = prose(linked.read_text(encoding="utf-8"))
            headings = re.findall(r"^#+ (.*)$", text, flags=re.M)
            if anchor not in {slug(h) for h in headings}:
                broken.append(f"{target}#{anchor}")
    assert broken == [], f"docs/{guide} links to places that do not exist"
