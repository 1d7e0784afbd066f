"""Schemathesis over /openapi.json, in process: no 5xx and no answer that breaks the schema.

The app runs under uvicorn in a background thread of this test process (its own event loop and
engine) on a free 127.0.0.1 port, and schemathesis talks to it over real HTTP, authenticated
with a real admin API key of a seeded organization.

Each operation runs against a freshly seeded organization and gets schemathesis' coverage cases
plus at least 25 generated examples (valid and invalid input alike), derandomized so CI is
repeatable. Path parameters, id fields of bodies and list cursors are drawn from the seeded
organization's real values as often as from generated ones, so reads, updates, links and
sign-offs of real resources run too, and so do cursors the service issued (for another list,
too) and cursors at the edges of what they can hold.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
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

from app.main import create_app
from tests.conftest import Tenant, make_settings
from tests.helpers_safety import LiveServer, SeededOrg, end_busy_connections, seed_organization

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

# Generated (fuzzing-phase) examples sent per operation, and the operations that failed.
GENERATED: dict[str, int] = {}
FAILED: set[str] = set()


def _sometimes_real(generated: dict[str, Any], real_values: dict[str, list[Any]]) -> Any:
    """The generated values, or (as likely) the same with every known name given a real value."""
    known = {name: real_values[name] for name in generated if real_values.get(name)}
    if not known:
        return st.just(generated)
    real = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in known.items()})
    return st.one_of(st.just(generated), real.map(lambda chosen: {**generated, **chosen}))


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if not path_parameters:
        return st.just(path_parameters)
    return _sometimes_real(path_parameters, REAL_PATH_VALUES)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    if not query:
        return st.just(query)
    return _sometimes_real(query, REAL_QUERY_VALUES)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if not isinstance(body, dict):
        return st.just(body)
    return _sometimes_real(body, REAL_BODY_VALUES)


@pytest.fixture
async def live_server(database_url: str) -> AsyncIterator[str]:
    """A fresh server for each operation, so that nothing one run leaves behind reaches the next.

    Afterwards, a database session the server left busy fails the test (the app must never
    hand a connection back to its pool mid-statement), and is ended so later tests can run.
    """
    server = LiveServer(create_app(make_settings(), database_url=database_url))
    server.start()
    left_busy: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30.0) as client:
            served = await client.get("/openapi.json")
        assert served.status_code == 200, served.text
        assert served.json() == OPENAPI, "the live /openapi.json is not the document under test"
        yield server.url
    finally:
        left_busy = await end_busy_connections(database_url)
        server.stop()
    assert not left_busy, f"the server left database sessions busy after answering: {left_busy}"


@pytest.fixture
async def seeded(live_server: str, tenant: Tenant) -> SeededOrg:
    """Seeded after the autouse table clean-up, which every test on the database gets first."""
    async with httpx.AsyncClient(base_url=live_server, timeout=30.0) as client:
        return await seed_organization(client, tenant, "Acme")


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
    )
    REAL_BODY_VALUES.update(
        recruiter_id=[str(seeded.recruiter.id), str(seeded.admin.id)],
        hiring_manager_id=[str(seeded.hiring_manager.id), str(seeded.admin.id)],
        member_id=[str(seeded.interviewer.id), str(seeded.recruiter.id)],
        delegate_id=[str(seeded.hiring_manager.id), str(seeded.interviewer.id)],
        connection_id=[str(seeded.connection_id)],
    )
    REAL_QUERY_VALUES.update(cursor=_cursors(live_server, seeded))
    GENERATED.clear()
    FAILED.clear()
    try:
        yield Api(url=live_server, headers=seeded.admin.headers)
    finally:
        REAL_PATH_VALUES.clear()
        REAL_BODY_VALUES.clear()
        REAL_QUERY_VALUES.clear()
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
