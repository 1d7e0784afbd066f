"""Vendor events applied set-based (app/domain/integrations/batch.py, issue 13): a claimed batch
is read, worked out in memory in the vendor's order and written with a few statements per
table, with the same rules as one event at a time.

The worker's inbox step is driven directly (`ats.apply_due`) on a pool of its own, whose
statements are counted.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text

from app.db import Database
from app.domain.integrations import batch
from app.worker import ats
from tests.conftest import Tenant
from tests.fakes import greenhouse as gh_fake
from tests.helpers_worker import count, worker_settings
from tests.test_ats_integration import (
    SECRET,
    application_state,
    deliver,
    gh_application,
    gh_connect,
    resource_of,
    served,
)

WORKER = "batch-worker"
JOB = 5_000_001


@pytest.fixture
def greenhouse() -> Iterator[tuple[gh_fake.GreenhouseFake, str]]:
    fake = gh_fake.GreenhouseFake(client_id=f"gh-{uuid.uuid4().hex[:8]}")
    with served(fake.app) as server:
        yield fake, server.url


class Counted:
    """The worker's own pool, counting the SQL statements it sends."""

    def __init__(self, db: Database) -> None:
        self.db = Database.connect(
            db.engine.url.render_as_string(hide_password=False), worker_settings()
        )
        self.statements = 0

        @event.listens_for(self.db.engine.sync_engine, "before_cursor_execute")
        def counted(*_: Any) -> None:
            self.statements += 1


@pytest.fixture
async def worker_db(db: Database) -> AsyncIterator[Counted]:
    counted = Counted(db)
    try:
        yield counted
    finally:
        await counted.db.dispose()


def new_application(n: int, tag: str) -> dict[str, Any]:
    return gh_application(
        "new_candidate_application",
        app_id=7_000_000 + n,
        candidate_id=8_000_000 + n,
        job_id=JOB,
        email=f"batch-{tag}-{n}@example.com",
    )


def moved(n: int, tag: str, action: str) -> dict[str, Any]:
    return gh_application(
        action,
        app_id=7_000_000 + n,
        candidate_id=8_000_000 + n,
        job_id=JOB,
        email=f"batch-{tag}-{n}@example.com",
    )


async def send(
    client: httpx.AsyncClient, cid: str, deliveries: list[tuple[str, dict[str, Any]]]
) -> None:
    for action, payload in deliveries:
        headers, body = gh_fake.signed_delivery(action, payload, SECRET)
        assert (await deliver(client, cid, headers, body)).status_code == 202


async def apply_all(worker_db: Counted) -> int:
    """Apply everything due in one claim; the statements it took."""
    before = worker_db.statements
    async with httpx.AsyncClient() as http:
        await ats.apply_due(worker_db.db, http, worker_settings(), WORKER, limit=500)
    return worker_db.statements - before


async def outcomes(db: Database, cid: str) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(
            text(
                "SELECT status, count(*) FROM ats_inbound_events WHERE connection_id = :c "
                "GROUP BY status"
            ),
            {"c": cid},
        )
        return {r[0]: int(r[1]) for r in rows}


async def story(db: Database, application_id: uuid.UUID) -> dict[str, Any]:
    """What an application went through: its history and its outbox events, oldest first."""
    async with db.transaction() as session:
        moves = await session.execute(
            text(
                "SELECT action, from_stage, to_stage, from_outcome, to_outcome, reason "
                "FROM application_transitions WHERE application_id = :a ORDER BY created_at, id"
            ),
            {"a": application_id},
        )
        events = await session.execute(
            text(
                "SELECT type, data - 'application_id' - 'role_id' - 'candidate_id', "
                "origin_connection_id IS NOT NULL FROM events "
                "WHERE resource_id = :a ORDER BY occurred_at, id"
            ),
            {"a": application_id},
        )
        return {"moves": [tuple(m) for m in moves], "events": [tuple(e) for e in events]}


async def test_a_batch_applies_each_applications_events_in_the_vendors_order(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Counted, greenhouse: Any
) -> None:
    fake, url = greenhouse
    cid = await gh_connect(client, tenant, fake, url)
    # Ten applications; the first is then moved, rejected and moved again (reopened), all
    # delivered before the worker looks, so they are one batch.
    await send(
        client, cid, [("new_candidate_application", new_application(n, "o")) for n in range(10)]
    )
    await send(
        client,
        cid,
        [
            ("candidate_stage_change", moved(0, "o", "candidate_stage_change")),
            ("reject_candidate", moved(0, "o", "reject_candidate")),
            ("candidate_stage_change", moved(0, "o", "candidate_stage_change")),
        ],
    )
    await apply_all(worker_db)
    assert await outcomes(db, cid) == {"applied": 13}

    first = await resource_of(db, cid, "application", str(7_000_000))
    assert await application_state(db, first) == ("interviewing", "active")
    seen = await story(db, first)
    assert [m[0] for m in seen["moves"]] == ["create", "move", "reject", "reopen"]
    assert [(m[2], m[4]) for m in seen["moves"]] == [
        ("submitted", "active"),
        ("interviewing", "active"),
        ("offer", "rejected"),
        ("interviewing", "active"),
    ]
    assert [e[0] for e in seen["events"]] == [
        "application.created",
        "application.moved",
        "application.rejected",
        "application.reopened",
    ]
    # Marked as coming from the connection, so it is never pushed back there.
    assert all(e[2] for e in seen["events"])
    # Each application, candidate and role once, each linked once.
    assert (
        await count(
            db,
            "SELECT count(*) FROM applications WHERE organization_id = :o",
            o=tenant.organization_id,
        )
        == 10
    )
    assert (
        await count(db, "SELECT count(*) FROM external_refs WHERE connection_id = :c", c=cid)
        == 10 + 10 + 1
    )
    assert (
        await count(
            db,
            "SELECT count(*) FROM events WHERE type = 'candidate.created' AND organization_id = :o",
            o=tenant.organization_id,
        )
        == 10
    )


async def test_a_batchs_statements_do_not_grow_with_its_size(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Counted, greenhouse: Any
) -> None:
    fake, url = greenhouse
    cid = await gh_connect(client, tenant, fake, url)
    # The job's role is made first, so both batches below find it.
    await send(client, cid, [("new_candidate_application", new_application(0, "s"))])
    await apply_all(worker_db)
    await send(
        client, cid, [("new_candidate_application", new_application(n, "s")) for n in range(1, 6)]
    )
    small = await apply_all(worker_db)
    await send(
        client, cid, [("new_candidate_application", new_application(n, "s")) for n in range(6, 66)]
    )
    large = await apply_all(worker_db)
    assert await outcomes(db, cid) == {"applied": 66}
    assert large == small, (small, large)
    assert large < 30


async def test_a_batch_that_cannot_go_in_whole_goes_in_event_by_event(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, worker_db: Counted, greenhouse: Any
) -> None:
    fake, url = greenhouse
    cid = await gh_connect(client, tenant, fake, url)
    jobless = new_application(3, "f")
    jobless["application"]["jobs"] = []
    await send(
        client,
        cid,
        [("new_candidate_application", new_application(n, "f")) for n in range(3)]
        + [("new_candidate_application", jobless)],
    )
    await apply_all(worker_db)
    assert await outcomes(db, cid) == {"applied": 3, "failed": 1}
    failed = await count(
        db,
        "SELECT count(*) FROM ats_inbound_events WHERE connection_id = :c AND status = 'failed' "
        "AND outcome LIKE '%names no job%'",
        c=cid,
    )
    assert failed == 1
    assert (
        await count(
            db,
            "SELECT count(*) FROM applications WHERE organization_id = :o",
            o=tenant.organization_id,
        )
        == 3
    )


async def test_a_batch_ends_where_one_event_at_a_time_ends(
    client: httpx.AsyncClient,
    tenant: Tenant,
    db: Database,
    worker_db: Counted,
    greenhouse: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same deliveries to two connections, one applied as a batch and one event by event
    (apply.py, as before batches): the same records, histories and events."""
    fake, url = greenhouse
    offer: dict[str, Any] = copy.deepcopy(gh_fake.load_sample("offer_created")["payload"])

    def deliveries(tag: str) -> list[tuple[str, dict[str, Any]]]:
        made = [("new_candidate_application", new_application(n, tag)) for n in range(4)]
        made += [
            ("candidate_stage_change", moved(1, tag, "candidate_stage_change")),
            ("reject_candidate", moved(2, tag, "reject_candidate")),
            ("offer_created", {**offer, "application_id": 7_000_003, "offer_status": "created"}),
            ("hire_candidate", moved(3, tag, "hire_candidate")),
            ("offer_created", {**offer, "application_id": 7_000_003, "offer_status": "accepted"}),
            ("offer_created", {**offer, "application_id": 7_999_999}),
        ]
        return made

    batched = await gh_connect(client, tenant, fake, url)
    await send(client, batched, deliveries("b"))
    await apply_all(worker_db)

    one_by_one = await gh_connect(client, tenant, fake, url)
    await send(client, one_by_one, deliveries("r"))
    monkeypatch.setattr(batch, "fits", lambda _changes: False)
    await apply_all(worker_db)

    assert await outcomes(db, batched) == await outcomes(db, one_by_one)
    for n in range(4):
        external = str(7_000_000 + n)
        a = await resource_of(db, batched, "application", external)
        b = await resource_of(db, one_by_one, "application", external)
        assert await application_state(db, a) == await application_state(db, b)
        assert await story(db, a) == await story(db, b)

    async def notes(cid: str) -> list[tuple[str, str]]:
        async with db.transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT status, outcome FROM ats_inbound_events WHERE connection_id = :c "
                    "ORDER BY received_at, id"
                ),
                {"c": cid},
            )
            return [(r[0], r[1]) for r in rows]

    assert await notes(batched) == await notes(one_by_one)
