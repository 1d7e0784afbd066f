"""Schemathesis over /openapi.json, in process: no 5xx and no answer that breaks the schema.

The app runs under uvicorn in a background thread of this test process (its own event loop and
engine) on a free 127.0.0.1 port, and schemathesis talks to it over real HTTP, authenticated
with a real admin API key of a seeded organization.

Each operation runs against a freshly seeded organization and gets schemathesis' coverage cases
plus at least 25 generated examples (valid and invalid input alike), derandomized so CI is
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

import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import crypto
from app.clock import utcnow
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
    LiveServer,
    SeededOrg,
    due_at,
    end_busy_connections,
    seed_organization,
)
from tests.helpers_safety_interviews import InterviewSeed, seed_calendars

MIN_GENERATED_EXAMPLES = 25

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Operations skipped while a bug they hit is investigated; each entry names its bug. Keep empty.
SKIPPED_OPERATIONS: dict[str, str] = {}


# The document /openapi.json serves, rendered without starting the app (the live server's own
# /openapi.json is checked to be this very document before the run).
OPENAPI: dict[str, Any] = create_app(make_settings()).openapi()
# Whether a live server has been shown to serve OPENAPI (once per run is enough).
DOCUMENT_CHECKED: list[bool] = []
schema: BaseSchema = schemathesis.openapi.from_dict(
    OPENAPI, config=schemathesis.Config.from_dict({"generation": {"database": "none"}})
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


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters:
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
    return _sometimes_real(query, {**REAL_QUERY_VALUES, **extra})


@schema.hook
def flatmap_headers(context: Any, headers: dict[str, Any] | None) -> Any:
    real = [value for values in _under(context, REAL_HEADERS_BY_PREFIX) for value in values]
    if not real:
        return st.just(headers)
    return st.one_of(
        st.just(headers), st.sampled_from(real).map(lambda chosen: {**(headers or {}), **chosen})
    )


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if not isinstance(body, dict):
        return st.just(body)
    values = _merged(context, REAL_BODY_VALUES, REAL_BODY_VALUES_BY_PREFIX)
    linked = _merged(context, REAL_BODY_LINKED, REAL_BODY_LINKED_BY_PREFIX)
    return _or_real(_sometimes_real(body, values, linked), context, REAL_BODIES_BY_PREFIX)


@dataclass
class Template:
    """A database migrated and seeded once; each operation runs on a copy of it."""

    server_url: str
    name: str
    org: SeededOrg


@pytest.fixture(scope="session")
def radicale() -> Iterator[Radicale]:
    """The CalDAV server of the seeded member's account, alive for every operation's run."""
    with Radicale() as server:
        yield server


@pytest.fixture(scope="session")
async def template(pg_server_url: str, radicale: Radicale) -> AsyncIterator[Template]:
    """Seeding an organization over HTTP takes seconds; copying a seeded database
    (CREATE DATABASE ... TEMPLATE) takes a fraction of that, so each operation still starts
    from the same fresh organization without paying for the seeding again.

    The admin the run authenticates with is made the hiring manager's delegate, so that it may
    decide on every sent slate (on its own role it is the hiring manager)."""
    name = f"hireloop_st_{uuid.uuid4().hex[:12]}"
    await admin_sql(pg_server_url, f'CREATE DATABASE "{name}"')
    url = with_database(pg_server_url, name)
    try:
        await upgrade_head_async(url)
        server = LiveServer(create_app(make_settings(), database_url=url))
        server.start()
        db = Database.connect(url, make_settings())
        try:
            tenant = await create_tenant(db, "Acme")
            async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
                org = await _seed(client, db, tenant, radicale)
        finally:
            await db.dispose()
            server.stop()
        yield Template(pg_server_url, name, org)
    finally:
        await admin_sql(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
async def live_server(template: Template) -> AsyncIterator[str]:
    """A fresh server on a fresh copy of the seeded database for each operation, so that
    nothing one run leaves behind reaches the next.

    Afterwards, a database session the server left busy fails the test (the app must never
    hand a connection back to its pool mid-statement), and is ended so later tests can run.
    """
    name = f"{template.name}_{uuid.uuid4().hex[:8]}"
    await admin_sql(template.server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
    url = with_database(template.server_url, name)
    app = create_app(make_settings(), database_url=url)
    if DOCUMENT_CHECKED:
        # The first live server was shown to serve exactly the document under test; the same
        # code and settings give the same document, so the others are handed it instead of
        # building it again (1.3 s a time, for every operation).
        app.openapi_schema = OPENAPI
    server = LiveServer(app)
    left_busy: list[str] = []
    try:
        server.start()
        if not DOCUMENT_CHECKED:
            async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
                served = await client.get("/openapi.json")
            assert served.status_code == 200, served.text
            assert served.json() == OPENAPI, "the live /openapi.json is not the document under test"
            DOCUMENT_CHECKED.append(True)
        yield server.url
    finally:
        left_busy = await end_busy_connections(url)
        server.stop()
        await admin_sql(template.server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert not left_busy, f"the server left database sessions busy after answering: {left_busy}"


@pytest.fixture
def seeded(live_server: str, template: Template) -> SeededOrg:
    """The seeded organization: the same ids in every copy of the template."""
    return template.org


# The seeded webhook endpoint and its delivery (filled by `seeded`).
ENDPOINTS: list[str] = []
DELIVERIES: list[str] = []
# The seeded calendars, CalDAV accounts to connect with a real read, and OAuth states with the
# minutes each has left (filled by `_seed`).
CALENDARS = InterviewSeed()
CALDAV: list[dict[str, str]] = []
OAUTH_STATES: dict[str, int] = {
    "st-current-" + "x" * 32: 60 * 24 * 365,
    "st-expired-" + "y" * 32: -5,
}


def _pushes() -> tuple[list[dict[str, str]], list[Any]]:
    """Google push headers and Graph notifications for the seeded channels: genuine, with the
    other channel's token, and for a channel nobody has."""
    google_channel, google_token, _ = CALENDARS.channels["google"]
    graph_channel, graph_token, _ = CALENDARS.channels["microsoft"]
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
def api(live_server: str, seeded: SeededOrg) -> Iterator[Api]:
    """The live server, the seeded admin's credentials, and the seeded ids for path parameters."""
    REAL_PATH_VALUES.update(
        role_id=[str(r) for r in seeded.role_ids],
        member_id=[str(m) for m in seeded.member_ids],
        # Never the admin key the run authenticates with: revoking it would end the run.
        key_id=[str(seeded.spare_key_id)],
        number=[1, 2],
        candidate_id=[str(c) for c in seeded.candidate_ids],
        document_id=[str(d) for d in seeded.document_ids],
        application_id=[str(a) for a in seeded.application_ids],
        slate_id=[str(s) for s in seeded.slate_ids],
        item_id=[str(i) for i in seeded.item_ids],
        connection_id=[str(seeded.connection_id)],
        endpoint_id=list(ENDPOINTS),
        delivery_id=list(DELIVERIES),
        calendar_id=CALENDARS.calendar_ids,
    )
    # A calendar connection is named `connection_id` too.
    REAL_PATH_VALUES_BY_PREFIX.update(
        {"/api/v1/calendar-connections/": {"connection_id": CALENDARS.calendar_connection_ids}}
    )
    REAL_BODY_VALUES_BY_PREFIX.update(
        {"/api/v1/calendar-connections": {"credentials": list(CALDAV)}}
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
                "state": list(OAUTH_STATES),
                "error": ["access_denied"],
            },
            "/api/v1/calendar-push/": {"validationToken": ["Validation: Token 1 2 3"]},
        }
    )
    push_headers, push_bodies = _pushes()
    REAL_HEADERS_BY_PREFIX.update({"/api/v1/calendar-push/": push_headers})
    REAL_BODIES_BY_PREFIX.update({"/api/v1/calendar-push/": push_bodies})
    REAL_PATH_LINKED.update(
        {
            ("endpoint_id", "delivery_id"): [(ENDPOINTS[0], DELIVERIES[0])],
            ("candidate_id", "document_id"): [
                (str(c), str(d)) for c, docs in seeded.documents.items() for d in docs
            ],
            ("slate_id", "item_id"): [
                (str(s), str(i)) for s, items in seeded.slate_items.items() for i in items
            ],
        }
    )
    skills = [s["name"] for s in INTAKE["skills"]]
    # Ada's application to the second role waits on no slate: the one a new slate can take.
    free_application = str(seeded.application_ids[3])
    REAL_BODY_VALUES.update(
        recruiter_id=[str(seeded.recruiter.id), str(seeded.admin.id)],
        hiring_manager_id=[str(seeded.hiring_manager.id), str(seeded.admin.id)],
        member_id=[str(seeded.interviewer.id), str(seeded.recruiter.id)],
        delegate_id=[str(seeded.hiring_manager.id), str(seeded.interviewer.id)],
        connection_id=[str(seeded.connection_id)],
        candidate_id=[str(c) for c in seeded.candidate_ids],
        role_id=[str(r) for r in seeded.role_ids],
        application_id=[str(a) for a in seeded.application_ids],
        # Real files for uploads, slate items that can go on a slate, reasons naming skills of
        # the agreed intake, legal moves for some stage, a due date ahead.
        file=[MINIMAL_PDF, png_bytes()],
        items=[
            [{"application_id": free_application, "question": "What have I missed?"}],
            [{"application_id": str(a)} for a in seeded.application_ids[:3]],
        ],
        reasons=[
            {"note": "Strong on the basics"},
            {"missing_skills": skills[:1], "red_flags": ["Vague on outages"]},
            {"missing_skills": skills, "categories": ["skills"], "note": "Too junior"},
        ],
        to_stage=["screening", "submitted", "interviewing"],
        due_at=[due_at()],
    )
    REAL_BODY_LINKED.update(
        {
            # The one application that waits on no slate, with its role: a slate that can be
            # drafted (once).
            ("role_id", "items"): [(str(seeded.role_ids[1]), REAL_BODY_VALUES["items"][0])],
            # Candidates with roles they have not applied to: applications that can be made.
            ("candidate_id", "role_id"): [
                (str(seeded.candidate_ids[c]), str(seeded.role_ids[r]))
                for c, r in ((1, 1), (2, 1), (3, 0), (0, 2))
            ],
        }
    )
    REAL_QUERY_VALUES.update(
        cursor=_cursors(live_server, seeded), role_id=[str(r) for r in seeded.role_ids]
    )
    GENERATED.clear()
    FAILED.clear()
    try:
        yield Api(url=live_server, headers=seeded.admin.headers)
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
    short = {
        op: n for op, n in GENERATED.items() if op not in FAILED and n < MIN_GENERATED_EXAMPLES
    }
    assert not short, f"fewer than {MIN_GENERATED_EXAMPLES} generated examples ran: {short}"


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
    if case.meta is not None and case.meta.phase.name.value == "fuzzing":
        GENERATED[label] = GENERATED.get(label, 0) + 1
    try:
        case.call_and_validate(base_url=api.url, headers=api.headers, checks=CHECKS, timeout=30)
    except BaseException:
        FAILED.add(label)
        raise
