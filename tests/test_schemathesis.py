"""Schemathesis over /openapi.json, in process: no 5xx and no answer that breaks the schema.

The app runs under uvicorn in a background thread of this test process (its own event loop and
engine) on a free 127.0.0.1 port, and schemathesis talks to it over real HTTP, authenticated
with a real admin API key of a seeded organization.

One server serves every operation. An organization is seeded once over HTTP, and each
operation runs against its own fresh copy of it (made in SQL, with ids, API keys, OAuth states
and push channel ids of its own; tenancy keeps the copies apart as it keeps customers apart).
Each gets schemathesis' coverage cases plus at least 25 generated examples (valid and invalid
input alike; HIRELOOP_FUZZ_EXAMPLES raises that, see `make fuzz`), derandomized so CI is
repeatable. Path parameters, id fields of bodies (nested ones too, such as a slate's items) and
list cursors are drawn from the seeded organization's real values as often as from generated
ones, so reads, updates, links, sign-offs, uploads, moves, sends and decisions of real
resources run too, and so do cursors the service issued (for another list, too) and cursors at
the edges of what they can hold. A child path parameter (a slate's item, a candidate's
document) is drawn with its own parent as often as with any other.

Calendars: the seeded organization has a member's CalDAV account on a real Radicale (running
for the whole session, so connecting with its credentials makes a real read), and Google and
Microsoft calendars with open push channels. A name some routes share for different records
(a calendar connection's `connection_id` is no ATS connection's) takes its real values by the
route's path; so do what only one route knows: a provider push's channel headers or Graph
notifications (genuine and forged tokens alike) and an OAuth callback's state.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.jsonschema import make_validator
from schemathesis.core.parameters import ParameterLocation, plain_str_values
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from app import crypto
from app.clock import utcnow
from app.core.credentials import generate_api_key
from app.db import Database
from app.domain.calendars.models import CalendarOAuthState
from app.main import create_app
from app.migrations import upgrade_head_async
from tests.conftest import Tenant, create_tenant, make_settings
from tests.dbserver import admin_sql, with_database
from tests.fakes.radicale import Radicale
from tests.helpers_pipeline import MINIMAL_PDF, png_bytes
from tests.helpers_safety import (
    INTAKE,
    Clone,
    LiveServer,
    OrganizationCloner,
    SeededOrg,
    due_at,
    end_busy_connections,
    seed_organization,
)
from tests.helpers_safety_interviews import InterviewSeed, seed_calendars

# Generated examples each operation must get: 25 in the suite; `make fuzz` asks for 200 or more.
MIN_GENERATED_EXAMPLES = int(os.environ.get("HIRELOOP_FUZZ_EXAMPLES") or 25)
# Only the operations whose label ("GET /api/v1/roles") this regular expression finds, when set
# (to fuzz one area at length, or to time a few operations).
ONLY_OPERATIONS = os.environ.get("HIRELOOP_FUZZ_OPERATIONS")

# A well-formed request may still be refused: the API answers 422 to one that breaks a rule the
# schema cannot state (an id of nothing in the organization, an end before its start, a stage
# move the pipeline forbids; docs/api.md, "invalid_input") and 412 to a stale If-Match. So
# positive_data_acceptance takes those too, and `schema_valid_input_passes_validation` below
# holds the line it would otherwise hold: a request the schema allows must never fail the
# request validation's own type, format or constraint checks (only rules written as code).
POSITIVE_DATA_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429", "5xx"]
# An invalid request is refused; an If-Match that names no version is refused with 412 before
# the body is read (docs/api.md, If-Match), which is as much a refusal as the 422 it would
# otherwise get.
NEGATIVE_DATA_STATUSES = [
    "400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx",
]  # fmt: skip
# The header the test server adds to its request-validation 422s: each error's pydantic type.
VALIDATION_ERRORS_HEADER = "X-Test-Validation-Errors"
# Error types of rules written as code (validators), which a schema cannot express.
RULE_ERRORS = {"value_error", "assertion_error"}


@schemathesis.check
def schema_valid_input_passes_validation(ctx: Any, response: Any, case: Case[Any]) -> bool | None:
    """A request generated as valid is never refused by a type, format or constraint check of
    the request validation: those are what the schema documents, so such a refusal means the
    schema and the code disagree (a lax or a strict field the document does not describe)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    # A form has no null: schemathesis sends a nullable form field's null as the text "null".
    body = case.body if isinstance(case.body, dict) else {}
    if str(case.media_type).startswith("multipart/") and None in body.values():
        return None
    kinds = {
        k for k in response.headers.get(VALIDATION_ERRORS_HEADER.lower(), [""])[0].split(",") if k
    }
    if kinds - RULE_ERRORS:
        raise AssertionError(
            f"a schema-valid request failed request validation ({sorted(kinds)}): "
            f"{response.text[:500]}"
        )
    return None


# Every check of the installed schemathesis that applies to one operation at a time, except:
# - object_level_authorization: it needs peer identities set up through schemathesis' WFC auth
#   escalation, which this run does not configure; reading another organization's objects is
#   tested by tests/test_tenant_isolation.py, route by route.
# - max_response_time: a time limit makes a conformance suite flaky on a shared CI machine
#   (bench/ measures latency instead).
# use_after_free and ensure_resource_availability look for a resource read after its DELETE,
# or missing after its POST, among related cases: they fire in stateful runs, which link
# operations, and see nothing in these one-operation runs; they are listed so that they apply
# wherever schemathesis relates cases.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
    schema_valid_input_passes_validation,
]

# Checks that do not apply to one operation, each with its reason.
CHECKS_NOT_APPLYING: dict[str, tuple[Any, str]] = {
    # A provider's push is verified by its channel's headers, never by its body: Google sends
    # none, and a Graph notice that does not parse is refused. Any bytes beside a genuine
    # Google channel token are still a genuine push, so "invalid" bodies are rightly accepted.
    "POST /api/v1/calendar-push/{provider}": (
        negative_data_rejection,
        "a Google push is its headers; its body is not read",
    ),
}

# Operations skipped while a bug they hit is investigated; each entry names its bug. Keep empty.
SKIPPED_OPERATIONS: dict[str, str] = {}


# The document /openapi.json serves, rendered without starting the app (the live server's own
# /openapi.json is checked to be this very document before the run).
OPENAPI: dict[str, Any] = create_app(make_settings()).openapi()
schema: BaseSchema = schemathesis.openapi.from_dict(
    OPENAPI,
    config=schemathesis.Config.from_dict(
        {
            "generation": {"database": "none"},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": POSITIVE_DATA_STATUSES},
                "negative_data_rejection": {"expected-statuses": NEGATIVE_DATA_STATUSES},
            },
            "operations": [
                {
                    # The consent's state is a secret only the provider's redirect carries: a
                    # well-formed one that names no consent in progress is a 400, as documented.
                    "include-path": "/api/v1/calendar-connections/oauth/callback",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [*POSITIVE_DATA_STATUSES, "400"]
                        }
                    },
                },
            ],
        }
    ),
)
if SKIPPED_OPERATIONS:
    schema = schema.exclude(func=lambda ctx: ctx.operation.label in SKIPPED_OPERATIONS)

# Real ids of the organization seeded for the running test, by path parameter name and by
# body field name; filled by the `api` fixture.
REAL_PATH_VALUES: dict[str, list[Any]] = {}
REAL_BODY_VALUES: dict[str, list[Any]] = {}
REAL_QUERY_VALUES: dict[str, list[Any]] = {}
# Names whose real values only make sense together (a slate and one of its items, a role and
# applications to it), with the real combinations: drawn together as often as independently.
REAL_PATH_LINKED: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
REAL_BODY_LINKED: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
# Real values that hold only under some paths, by path prefix; they take precedence there.
# Headers are whole sets (a push's channel headers), drawn instead of or on top of generated ones.
REAL_PATH_VALUES_BY_PREFIX: dict[str, dict[str, list[Any]]] = {}
REAL_BODY_VALUES_BY_PREFIX: dict[str, dict[str, list[Any]]] = {}
REAL_BODY_LINKED_BY_PREFIX: dict[str, dict[tuple[str, ...], list[tuple[Any, ...]]]] = {}
REAL_QUERY_VALUES_BY_PREFIX: dict[str, dict[str, list[Any]]] = {}
REAL_HEADERS_BY_PREFIX: dict[str, list[dict[str, str]]] = {}
REAL_BODIES_BY_PREFIX: dict[str, list[Any]] = {}

# Generated (fuzzing-phase) examples sent per operation, and the operations that failed.
GENERATED: dict[str, int] = {}
FAILED: set[str] = set()


def _all_real(value: Any, real_values: dict[str, list[Any]]) -> Any:
    """A strategy for `value` with every known name in it, at any depth (a slate's items, a
    decision's reasons), given a real value; None when it names nothing known."""
    if isinstance(value, dict):
        parts: dict[Any, Any] = {}
        known = False
        for name, inner in value.items():
            if real_values.get(name):
                parts[name], known = st.sampled_from(real_values[name]), True
            elif (nested := _all_real(inner, real_values)) is not None:
                parts[name], known = nested, True
            else:
                parts[name] = st.just(inner)
        return st.fixed_dictionaries(parts) if known else None
    if isinstance(value, list):
        items = [_all_real(inner, real_values) for inner in value]
        if all(item is None for item in items):
            return None
        return st.tuples(
            *(
                st.just(inner) if item is None else item
                for inner, item in zip(value, items, strict=True)
            )
        ).map(list)
    return None


def _sometimes_real(
    generated: dict[str, Any],
    real_values: dict[str, list[Any]],
    linked: dict[tuple[str, ...], list[tuple[Any, ...]]] | None = None,
) -> Any:
    """The generated values, or (as likely) the same with every known name given a real value;
    names linked together and all present are then, as often as not, given a real combination."""
    real = _all_real(generated, real_values)
    drawn = st.just(generated) if real is None else st.one_of(st.just(generated), real)
    groups = [
        (names, values)
        for names, values in (linked or {}).items()
        if values and all(name in generated for name in names)
    ]
    if not groups:
        return drawn

    def combined(chosen: dict[str, Any]) -> Any:
        together = st.fixed_dictionaries(
            {names: st.sampled_from(values) for names, values in groups}
        ).map(
            lambda picked: {
                **chosen,
                **{
                    name: value
                    for names, combination in picked.items()
                    for name, value in zip(names, combination, strict=True)
                },
            }
        )
        return st.one_of(st.just(chosen), together)

    return drawn.flatmap(combined)


def _path_of(context: Any) -> str:
    operation = getattr(context, "operation", None)
    return str(getattr(operation, "path", ""))


def _under(context: Any, by_prefix: dict[str, Any]) -> list[Any]:
    """What `by_prefix` holds for the operation's path, longest prefix last."""
    path = _path_of(context)
    return [by_prefix[prefix] for prefix in sorted(by_prefix, key=len) if path.startswith(prefix)]


def _merged(context: Any, base: dict[Any, Any], by_prefix: dict[str, dict[Any, Any]]) -> Any:
    merged = dict(base)
    for values in _under(context, by_prefix):
        merged.update(values)
    return merged


def _or_real(drawn: Any, context: Any, by_prefix: dict[str, list[Any]]) -> Any:
    """`drawn`, or as likely one of the whole real values known under the operation's path."""
    real = [value for values in _under(context, by_prefix) for value in values]
    return drawn if not real else st.one_of(drawn, st.sampled_from(real))


# Validators of each operation's parameters and bodies, by operation label and location.
VALIDATORS: dict[tuple[str, str], list[Any]] = {}


def _binary_as_text(value: Any) -> Any:
    if isinstance(value, bytes):
        return ""
    if isinstance(value, dict):
        return {k: _binary_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_binary_as_text(v) for v in value]
    return value


def _schema_valid(context: Any, location: ParameterLocation, value: Any) -> bool:
    """Whether `value` as generated is valid for its location of the operation. A real value
    replaces only values of a valid component: in an invalid one (a negative case) it could
    replace the very value that makes the request invalid, and make the case a valid one that
    negative_data_rejection would then blame the server for accepting."""
    operation = context.operation
    key = (operation.label, location.value)
    if key not in VALIDATORS:
        if location == ParameterLocation.BODY:
            VALIDATORS[key] = [
                make_validator(
                    body.optimized_schema, operation.schema.adapter.jsonschema_validator_cls
                )
                for body in operation.body
            ]
        else:
            VALIDATORS[key] = [operation.get_parameter_set(location).get_strict_validator()]
    plain = _binary_as_text(value)
    if location != ParameterLocation.BODY and isinstance(plain, dict):
        plain = plain_str_values(plain) if location == ParameterLocation.HEADER else plain
    try:
        return any(validator.is_valid(plain) for validator in VALIDATORS[key])
    except Exception:
        return False


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters or not _schema_valid(context, ParameterLocation.PATH, path_parameters):
        return st.just(path_parameters)
    values = _merged(context, REAL_PATH_VALUES, REAL_PATH_VALUES_BY_PREFIX)
    return _sometimes_real(path_parameters, values, REAL_PATH_LINKED)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    extra = _merged(context, {}, REAL_QUERY_VALUES_BY_PREFIX)
    if not query:
        # Names no parameter declares (a Graph validation handshake's token), sometimes.
        if not extra:
            return st.just(query)
        real = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in extra.items() if v})
        return st.one_of(st.just(query), real)
    if not _schema_valid(context, ParameterLocation.QUERY, query):
        return st.just(query)
    return _sometimes_real(query, {**REAL_QUERY_VALUES, **extra})


@schema.hook
def flatmap_headers(context: Any, headers: dict[str, Any] | None) -> Any:
    real = [value for values in _under(context, REAL_HEADERS_BY_PREFIX) for value in values]
    if not real or not _schema_valid(context, ParameterLocation.HEADER, headers or {}):
        return st.just(headers)
    return st.one_of(
        st.just(headers), st.sampled_from(real).map(lambda chosen: {**(headers or {}), **chosen})
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if not isinstance(body, dict) or not _schema_valid(context, ParameterLocation.BODY, body):
        return st.just(body)
    values = _merged(context, REAL_BODY_VALUES, REAL_BODY_VALUES_BY_PREFIX)
    linked = _merged(context, REAL_BODY_LINKED, REAL_BODY_LINKED_BY_PREFIX)
    return _or_real(_sometimes_real(body, values, linked), context, REAL_BODIES_BY_PREFIX)


@dataclass
class Served:
    """The module's one live server, on a database holding the organization seeded once, and
    what copies that organization for each operation."""

    url: str
    database_url: str
    org: SeededOrg
    cloner: OrganizationCloner
    conn: asyncpg.Connection
    # Cursors the service issued for the seeded organization's lists, and edge ones.
    cursors: list[str]


@dataclass
class Seed:
    """One operation's own copy of the seeded organization, and the ids, credentials and
    channels that name things in it."""

    org: SeededOrg
    endpoints: list[str]
    deliveries: list[str]
    calendars: InterviewSeed
    oauth_states: list[str]
    cursors: list[str]


@pytest.fixture(scope="session")
def radicale() -> Iterator[Radicale]:
    """The CalDAV server of the seeded member's account, alive for every operation's run."""
    with Radicale() as server:
        yield server


@pytest.fixture(scope="module")
async def served(pg_server_url: str, radicale: Radicale) -> AsyncIterator[Served]:
    """One server for every operation (starting a server and copying a database for each cost
    more than the operations' own requests). The organization is seeded once over HTTP and
    copied in SQL for each operation (`seeded`); tenancy keeps the copies apart, as it keeps
    customers apart, so each operation still starts from the same fresh organization.

    The admin the run authenticates with is made the hiring manager's delegate, so that it may
    decide on every sent slate (on its own role it is the hiring manager)."""
    name = f"hireloop_st_{uuid.uuid4().hex[:12]}"
    await admin_sql(pg_server_url, f'CREATE DATABASE "{name}"')
    url = with_database(pg_server_url, name)
    app_settings = make_settings()
    try:
        await upgrade_head_async(url)
        server = LiveServer(_marking_validation_errors(create_app(app_settings, database_url=url)))
        server.start()
        conn: asyncpg.Connection | None = None
        db = Database.connect(url, app_settings)
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
                document = await client.get("/openapi.json")
                assert document.status_code == 200, document.text
                assert document.json() == OPENAPI, (
                    "the live /openapi.json is not the document under test"
                )
                tenant = await create_tenant(db, "Acme")
                org = await _seed(client, db, tenant, radicale)
            conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
            cloner = await OrganizationCloner.load(
                conn, tenant.organization_id, app_settings.data_dir / "documents"
            )
            cursors = await asyncio.to_thread(_cursors, server.url, org)
            yield Served(server.url, url, org, cloner, conn, cursors)
        finally:
            if conn is not None:
                await conn.close()
            await db.dispose()
            server.stop()
    finally:
        await admin_sql(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _marking_validation_errors(app: FastAPI) -> FastAPI:
    """The app, with each request-validation 422 naming its errors' pydantic types in a header
    (for `schema_valid_input_passes_validation`); the answers are otherwise unchanged."""
    answer = app.exception_handlers[RequestValidationError]

    async def marked(request: Request, exc: Exception) -> Response:
        response = answer(request, exc)
        if not isinstance(response, Response):
            response = await response
        assert isinstance(response, Response)
        assert isinstance(exc, RequestValidationError)
        kinds = sorted({str(e.get("type")) for e in exc.errors()})
        response.headers[VALIDATION_ERRORS_HEADER] = ",".join(kinds)
        return response

    app.exception_handlers[RequestValidationError] = marked
    return app


async def _seed(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, radicale: Radicale
) -> SeededOrg:
    org = await seed_organization(client, tenant, "Acme")
    delegated = await client.patch(
        f"/api/v1/members/{org.hiring_manager.id}/preferences",
        headers=org.admin.headers,
        json={"delegate_id": str(org.admin.id)},
    )
    assert delegated.status_code == 200, delegated.text
    # Issues 6 and 7: a webhook endpoint with a delivery, and credentials on the connection.
    endpoint = await client.post(
        "/api/v1/webhook-endpoints",
        headers=org.admin.headers,
        json={"url": "https://hooks.example.com/in", "event_types": ["role.created"]},
    )
    assert endpoint.status_code == 201, endpoint.text
    ENDPOINTS[:] = [endpoint.json()["id"]]
    delivery = await client.post(
        f"/api/v1/webhook-endpoints/{ENDPOINTS[0]}/test", headers=org.admin.headers
    )
    assert delivery.status_code == 202, delivery.text
    DELIVERIES[:] = [delivery.json()["id"]]
    connected = await client.patch(
        f"/api/v1/integrations/{org.connection_id}",
        headers=org.admin.headers,
        json={"credentials": {"api_key": "k"}, "webhook_secret": "s"},
    )
    assert connected.status_code == 200, connected.text
    # Calendars: the interviewer's CalDAV account (a real read), the recruiter's Google and an
    # organization-wide Microsoft connection with push channels open; and OAuth consents in
    # progress, one current and one expired (their states are only known here).
    settings = make_settings()
    await seed_calendars(client, db, settings, org, CALENDARS, radicale)
    CALDAV.clear()
    for user in (f"acme-{uuid.uuid4().hex[:8]}", f"acme-{uuid.uuid4().hex[:8]}"):
        radicale.make_calendar(user, "work")
        CALDAV.append({"url": f"{radicale.url}/{user}/", "username": user, "password": "x"})
    async with db.transaction() as session:
        for state, minutes in OAUTH_STATES.items():
            session.add(
                CalendarOAuthState(
                    organization_id=tenant.organization_id,
                    member_id=org.admin.id,
                    provider="google",
                    state_hash=hashlib.sha256(state.encode()).hexdigest(),
                    verifier_encrypted=crypto.encrypt(settings.secret_key, "v" * 64),
                    expires_at=utcnow() + timedelta(minutes=minutes),
                )
            )
    return org


@pytest.fixture
async def seeded(served: Served) -> AsyncIterator[Seed]:
    """A fresh copy of the seeded organization for this operation, with API keys and OAuth
    states of its own (the original's do not open it), and its push channels' ids.

    Afterwards, a database session the server left busy fails the test (the app must never
    hand a connection back to its pool mid-statement), and is ended so later tests can run.
    """
    org = served.org
    people = [org.admin, *org.tenant.people]
    credentials = {p.key: generate_api_key()[0] for p in people}
    states = {state: f"{state}-{uuid.uuid4().hex[:8]}" for state in OAUTH_STATES}
    clone = await served.cloner.clone(served.conn, {**credentials, **states})
    calendars: InterviewSeed = clone.remap(CALENDARS)
    calendars.channels = {
        provider: (
            served.cloner.unique(clone, "member_calendars", "channel_id", channel),
            token,
            calendar_id,
        )
        for provider, (channel, token, calendar_id) in calendars.channels.items()
    }
    yield Seed(
        org=clone.remap(org),
        endpoints=clone.remap(ENDPOINTS),
        deliveries=clone.remap(DELIVERIES),
        calendars=calendars,
        oauth_states=list(states.values()),
        # What the service issues for the copy: the same positions, under the copy's ids
        # (asking each list again would cost more than the copy itself).
        cursors=[_recursor(cursor, clone) for cursor in served.cursors],
    )
    left_busy = await end_busy_connections(served.database_url)
    assert not left_busy, f"the server left database sessions busy after answering: {left_busy}"


# The seeded webhook endpoint and its delivery (filled by `_seed`).
ENDPOINTS: list[str] = []
DELIVERIES: list[str] = []
# The seeded calendars, CalDAV accounts to connect with a real read, and OAuth states with the
# minutes each has left (filled by `_seed`; each copy has states of its own).
CALENDARS = InterviewSeed()
CALDAV: list[dict[str, str]] = []
OAUTH_STATES: dict[str, int] = {
    "st-current-" + "x" * 32: 60 * 24 * 365,
    "st-expired-" + "y" * 32: -5,
}


def _pushes(calendars: InterviewSeed) -> tuple[list[dict[str, str]], list[Any]]:
    """Google push headers and Graph notifications for the seeded channels: genuine, with the
    other channel's token, and for a channel nobody has."""
    google_channel, google_token, _ = calendars.channels["google"]
    graph_channel, graph_token, _ = calendars.channels["microsoft"]
    headers = [
        {
            "X-Goog-Channel-ID": channel,
            "X-Goog-Channel-Token": token,
            "X-Goog-Resource-State": state,
            "X-Goog-Resource-ID": "resource",
            "X-Goog-Message-Number": "3",
        }
        for channel, token, state in (
            (google_channel, google_token, "exists"),
            (google_channel, google_token, "sync"),
            (google_channel, graph_token, "exists"),
            ("unknown-channel", google_token, "not_exists"),
        )
    ]
    bodies: list[Any] = [
        {"value": [{"subscriptionId": channel, "clientState": token, **kind}]}
        for channel, token, kind in (
            (graph_channel, graph_token, {"changeType": "updated", "resource": "me/events/1"}),
            (graph_channel, graph_token, {"lifecycleEvent": "reauthorizationRequired"}),
            (graph_channel, graph_token, {"lifecycleEvent": "subscriptionRemoved"}),
            (graph_channel, graph_token, {"lifecycleEvent": "missed"}),
            (graph_channel, google_token, {"changeType": "created"}),
            ("unknown-subscription", graph_token, {"changeType": "deleted"}),
        )
    ]
    return headers, bodies


def _cursor(head: int | str, row_id: str) -> str:
    """A cursor in the shape the service hands out: unpadded base64url of `[head, id]`."""
    return base64.urlsafe_b64encode(json.dumps([head, row_id]).encode()).decode().rstrip("=")


def _recursor(cursor: str, clone: Clone) -> str:
    head, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return _cursor(head, clone.text(row_id))


def _cursors(url: str, org: SeededOrg) -> list[str]:
    """Cursors the service issued for each of its lists (each is foreign to every other list),
    and cursors of the same shape at the edges of what their positions can hold."""
    lists = [
        path
        for path, item in OPENAPI["paths"].items()
        if "{" not in path
        and any(p["name"] == "cursor" for p in item.get("get", {}).get("parameters", []))
    ]
    lists += [f"/api/v1/roles/{role_id}/intake/revisions" for role_id in org.role_ids[:1]]
    lists += [
        f"/api/v1/roles/{org.role_ids[0]}/applications",
        f"/api/v1/roles/{org.role_ids[0]}/slates",
        f"/api/v1/candidates/{org.candidate_ids[0]}/applications",
    ]
    issued = []
    for path in lists:
        page = httpx.get(f"{url}{path}", params={"limit": 1}, headers=org.admin.headers, timeout=30)
        assert page.status_code == 200, f"{path}: {page.text}"
        if page.json().get("next_cursor"):
            issued.append(page.json()["next_cursor"])
    assert len(issued) >= 3, issued
    row = str(org.role_ids[0])
    edges = [
        _cursor(2**63, row),
        _cursor(-(2**63) - 1, row),
        _cursor("0001-01-01T00:00:00+14:00", row),
        _cursor("9999-12-31T23:59:59.999999-14:00", row),
    ]
    return issued + edges


@dataclass
class Api:
    url: str
    headers: dict[str, str]


@pytest.fixture
def api(served: Served, seeded: Seed) -> Iterator[Api]:
    """The live server, the operation's own admin's credentials, and its organization's ids
    for path parameters, bodies and queries."""
    seed, org = seeded, seeded.org
    REAL_PATH_VALUES.update(
        role_id=[str(r) for r in org.role_ids],
        member_id=[str(m) for m in org.member_ids],
        # Never the admin key the run authenticates with: revoking it would end the run.
        key_id=[str(org.spare_key_id)],
        number=[1, 2],
        candidate_id=[str(c) for c in org.candidate_ids],
        document_id=[str(d) for d in org.document_ids],
        application_id=[str(a) for a in org.application_ids],
        slate_id=[str(s) for s in org.slate_ids],
        item_id=[str(i) for i in org.item_ids],
        connection_id=[str(org.connection_id)],
        endpoint_id=list(seed.endpoints),
        delivery_id=list(seed.deliveries),
        calendar_id=seed.calendars.calendar_ids,
    )
    # A calendar connection is named `connection_id` too.
    REAL_PATH_VALUES_BY_PREFIX.update(
        {"/api/v1/calendar-connections/": {"connection_id": seed.calendars.calendar_connection_ids}}
    )
    skills = [s["name"] for s in INTAKE["skills"]]
    REAL_BODY_VALUES_BY_PREFIX.update(
        {
            "/api/v1/calendar-connections": {"credentials": list(CALDAV)},
            # A slate decision's reasons name skills of the agreed intake (a scorecard's
            # `reasons` is text: the name means something else there).
            "/api/v1/slates/": {
                "reasons": [
                    {"note": "Strong on the basics"},
                    {"missing_skills": skills[:1], "red_flags": ["Vague on outages"]},
                    {"missing_skills": skills, "categories": ["skills"], "note": "Too junior"},
                ]
            },
        }
    )
    REAL_BODY_LINKED_BY_PREFIX.update(
        {
            "/api/v1/calendar-connections": {
                ("provider", "credentials"): [("caldav", c) for c in CALDAV],
            }
        }
    )
    REAL_QUERY_VALUES_BY_PREFIX.update(
        {
            "/api/v1/calendar-connections/oauth/callback": {
                "state": list(seed.oauth_states),
                "error": ["access_denied"],
            },
            "/api/v1/calendar-push/": {"validationToken": ["Validation: Token 1 2 3"]},
        }
    )
    push_headers, push_bodies = _pushes(seed.calendars)
    REAL_HEADERS_BY_PREFIX.update({"/api/v1/calendar-push/": push_headers})
    REAL_BODIES_BY_PREFIX.update({"/api/v1/calendar-push/": push_bodies})
    REAL_PATH_LINKED.update(
        {
            ("endpoint_id", "delivery_id"): [(seed.endpoints[0], seed.deliveries[0])],
            ("candidate_id", "document_id"): [
                (str(c), str(d)) for c, docs in org.documents.items() for d in docs
            ],
            ("slate_id", "item_id"): [
                (str(s), str(i)) for s, items in org.slate_items.items() for i in items
            ],
        }
    )
    # Ada's application to the second role waits on no slate: the one a new slate can take.
    free_application = str(org.application_ids[3])
    REAL_BODY_VALUES.update(
        recruiter_id=[str(org.recruiter.id), str(org.admin.id)],
        hiring_manager_id=[str(org.hiring_manager.id), str(org.admin.id)],
        member_id=[str(org.interviewer.id), str(org.recruiter.id)],
        delegate_id=[str(org.hiring_manager.id), str(org.interviewer.id)],
        connection_id=[str(org.connection_id)],
        candidate_id=[str(c) for c in org.candidate_ids],
        role_id=[str(r) for r in org.role_ids],
        application_id=[str(a) for a in org.application_ids],
        # Real files for uploads, slate items that can go on a slate, reasons naming skills of
        # the agreed intake, legal moves for some stage, a due date ahead.
        file=[MINIMAL_PDF, png_bytes()],
        items=[
            [{"application_id": free_application, "question": "What have I missed?"}],
            [{"application_id": str(a)} for a in org.application_ids[:3]],
        ],
        to_stage=["screening", "submitted", "interviewing"],
        due_at=[due_at()],
    )
    REAL_BODY_LINKED.update(
        {
            # The one application that waits on no slate, with its role: a slate that can be
            # drafted (once).
            ("role_id", "items"): [(str(org.role_ids[1]), REAL_BODY_VALUES["items"][0])],
            # Candidates with roles they have not applied to: applications that can be made.
            ("candidate_id", "role_id"): [
                (str(org.candidate_ids[c]), str(org.role_ids[r]))
                for c, r in ((1, 1), (2, 1), (3, 0), (0, 2))
            ],
        }
    )
    REAL_QUERY_VALUES.update(cursor=list(seed.cursors), role_id=[str(r) for r in org.role_ids])
    GENERATED.clear()
    FAILED.clear()
    try:
        yield Api(url=served.url, headers=org.admin.headers)
    finally:
        REAL_PATH_VALUES.clear()
        REAL_BODY_VALUES.clear()
        REAL_QUERY_VALUES.clear()
        REAL_PATH_LINKED.clear()
        REAL_BODY_LINKED.clear()
        for by_prefix in (
            REAL_PATH_VALUES_BY_PREFIX,
            REAL_BODY_VALUES_BY_PREFIX,
            REAL_BODY_LINKED_BY_PREFIX,
            REAL_QUERY_VALUES_BY_PREFIX,
            REAL_HEADERS_BY_PREFIX,
            REAL_BODIES_BY_PREFIX,
        ):
            by_prefix.clear()
    # Each operation's run must really have explored; a failing one stops early, and says why.
    # An operation that takes nothing at all (no parameter, body or credentials) has only one
    # request to make.
    short = {
        op: n
        for op, n in GENERATED.items()
        if op not in FAILED and n < MIN_GENERATED_EXAMPLES and not _takes_nothing(op)
    }
    assert not short, f"fewer than {MIN_GENERATED_EXAMPLES} generated examples ran: {short}"


def _takes_nothing(label: str) -> bool:
    method, path = label.split(" ", 1)
    item = OPENAPI["paths"][path]
    operation = item[method.lower()]
    return (
        not operation.get("parameters")
        and not item.get("parameters")
        and "requestBody" not in operation
        and operation.get("security", OPENAPI.get("security")) == []
    )


def _leaves_out_authorization(case: Case[Any]) -> bool:
    """Whether the case is negative by leaving out the `Authorization` header (required by the
    document's security scheme)."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.HEADER):
        return False
    data = meta.phase.data
    named = [(getattr(data, "parameter", None), getattr(data, "parameter_location", None))] + [
        (f"{m.parameter} {m.original_value}", m.parameter_location)
        for m in getattr(data, "mutations", ())
        if "required" in m.keywords
    ]
    return any(
        location == ParameterLocation.HEADER and "authorization" in str(name).lower()
        for name, location in named
    )


@settings(
    max_examples=MIN_GENERATED_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # `api` is function-scoped on purpose: each operation gets one freshly seeded organization,
    # shared by its examples (they may change it, as any client may).
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@schema.parametrize()
def test_api_conforms_to_its_schema(case: Case[Any], api: Api) -> None:
    label = case.operation.label
    if ONLY_OPERATIONS and not re.search(ONLY_OPERATIONS, label):
        pytest.skip(f"HIRELOOP_FUZZ_OPERATIONS leaves out {label}")
    if case.meta is not None and case.meta.phase.name.value == "fuzzing":
        GENERATED[label] = GENERATED.get(label, 0) + 1
    # A case made invalid by leaving out the credentials is sent without them (401 expected).
    headers = {} if _leaves_out_authorization(case) else api.headers
    try:
        skipped = CHECKS_NOT_APPLYING.get(label, (None, ""))[0]
        checks = [c for c in CHECKS if c is not skipped]
        case.call_and_validate(base_url=api.url, headers=headers, checks=checks, timeout=30)
    except BaseException:
        FAILED.add(label)
        raise


async def test_each_operation_gets_a_fresh_copy_of_its_own(served: Served, seeded: Seed) -> None:
    """The organization an operation runs on is the seeded one under new ids, keys, OAuth
    states and push channels: its admin sees the same roles under the copy's ids, the original's
    ids are not found there, and its push channels, OAuth states and document files are its
    own."""
    original, copy = served.org, seeded.org
    assert copy.tenant.organization_id != original.tenant.organization_id
    assert not set(copy.role_ids) & set(original.role_ids)
    async with httpx.AsyncClient(base_url=served.url, timeout=30.0) as client:
        mine = await client.get("/api/v1/roles", headers=copy.admin.headers)
        theirs = await client.get("/api/v1/roles", headers=original.admin.headers)
        assert mine.status_code == theirs.status_code == 200, (mine.text, theirs.text)
        assert {r["id"] for r in mine.json()["items"]} == {str(r) for r in copy.role_ids}
        assert {r["title"] for r in mine.json()["items"]} == {
            r["title"] for r in theirs.json()["items"]
        }
        # The cursors drawn for the copy are the ones its lists issue.
        issued = await client.get(
            "/api/v1/members", headers=copy.admin.headers, params={"limit": 1}
        )
        assert issued.status_code == 200, issued.text
        assert issued.json()["next_cursor"] in seeded.cursors
        foreign = await client.get(
            f"/api/v1/roles/{original.role_ids[0]}", headers=copy.admin.headers
        )
        assert foreign.status_code == 404, foreign.text
        documents = await client.get(
            f"/api/v1/candidates/{copy.candidate_ids[0]}/documents", headers=copy.admin.headers
        )
        assert documents.status_code == 200, documents.text
        assert [d["id"] for d in documents.json()["items"]] == [
            str(d) for d in copy.documents[copy.candidate_ids[0]]
        ]
    org = copy.tenant.organization_id
    channels = await served.conn.fetch(
        "SELECT channel_id FROM member_calendars WHERE organization_id = $1 "
        "AND channel_id IS NOT NULL",
        org,
    )
    assert {r["channel_id"] for r in channels} == {
        channel for channel, _, _ in seeded.calendars.channels.values()
    }
    states = await served.conn.fetch(
        "SELECT state_hash FROM calendar_oauth_states WHERE organization_id = $1", org
    )
    assert {r["state_hash"] for r in states} == {
        hashlib.sha256(s.encode()).hexdigest() for s in seeded.oauth_states
    }
    stored = await served.conn.fetch(
        "SELECT storage_key FROM documents WHERE organization_id = $1", org
    )
    assert stored
    for row in stored:
        assert str(org) in row["storage_key"]
        assert (served.cloner.storage / row["storage_key"]).is_file()
