"""Erasure (GDPR Art. 17): a candidate who went through every flow is erased, and then no text,
JSON or byte column of any table, no stored document and no .eml in the mail folder holds their
name, email or phone. Plus permissions, the organization setting, GraphQL, ATS erasures going
through the same code, and tenancy."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

from app.db import Database
from app.domain.notifications import jobs as notification_jobs
from app.settings import Settings
from app.worker.outbox import dispatch_batch
from tests.conftest import Tenant
from tests.helpers_domain import API, ok, problem
from tests.helpers_feedback import hiring, now, rows, scalar, sql
from tests.helpers_pipeline import MINIMAL_PDF, apply, decide, make_candidate, move, sent_slate
from tests.helpers_worker import eventually, running_worker, worker_settings
from tests.receivers import Receiver

# Unique per run: the storage and mail folders are shared by every test of the session.
_RUN = secrets.randbelow(10**6)
NAME = f"Quentin Zabrowski{_RUN:06d}"
EMAIL = f"q.zabrowski.{_RUN:06d}@example.org"
PHONE = f"+44 20 79{_RUN:06d}"
NEEDLES = [NAME.lower(), EMAIL.lower(), PHONE.lower()]
# Bytes are searched as stored, so the original spelling too.
RAW = [NAME, EMAIL, PHONE]

TEXT_TYPES = ("text", "character varying", "json", "jsonb", "ARRAY", "bytea")


async def database_hits(db: Database, needles: list[str]) -> set[tuple[str, str]]:
    """(table, column) of every text, varchar, array, JSON, JSONB or bytea column of every table
    in which any row holds one of the needles (case-insensitive; bytes as stored)."""
    async with db.engine.connect() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND data_type = ANY(:types) "
                    "ORDER BY table_name, column_name"
                ),
                {"types": list(TEXT_TYPES)},
            )
        ).all()
        assert len(columns) > 100, "the scan must cover every table's text columns"
        hits: set[tuple[str, str]] = set()
        for table, column, data_type in columns:
            if data_type == "bytea":
                condition = f"position(convert_to(n, 'UTF8') IN \"{column}\") > 0"
            else:
                condition = f'strpos(lower("{column}"::text), n) > 0'
            found = await conn.scalar(
                text(
                    f'SELECT EXISTS (SELECT 1 FROM "{table}" t, unnest(CAST(:needles AS text[])) n '
                    f"WHERE {condition})"
                ),
                {"needles": needles + RAW if data_type == "bytea" else needles},
            )
            if found:
                hits.add((table, column))
        return hits


def file_hits(root: Path, needles: list[str]) -> list[Path]:
    if not root.exists():
        return []
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes().lower()
            if any(n.encode() in content for n in needles):
                found.append(path)
    return found


async def fan_out(db: Database) -> None:
    while True:
        async with db.transaction() as session:
            if not await dispatch_batch(session):
                return


async def settled(db: Database) -> bool:
    pending = await scalar(
        db,
        "SELECT (SELECT count(*) FROM events WHERE dispatched_at IS NULL) + "
        "(SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') + "
        "(SELECT count(*) FROM notifications WHERE status = 'pending')",
    )
    return int(pending) == 0


async def test_an_erased_candidate_who_went_through_every_flow_leaves_no_trace(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, settings: Settings
) -> None:
    admin = tenant.admin.headers
    # A receiver that echoes the person's name back: its answers are stored as attempts.
    receiver = Receiver(
        behaviour="status", status_code=200, answer_body=f"thanks, got {NAME}".encode()
    ).start()
    try:
        h = await hiring(client, db, tenant)
        ivy = await tenant.add("interviewer", "Ivy Interviewer")
        ok(
            await client.post(
                f"{API}/webhook-endpoints", headers=admin, json={"url": receiver.url}
            ),
            201,
        )
        # Created with an Idempotency-Key: the stored answer carries the profile.
        created = await client.post(
            f"{API}/candidates",
            headers={**h.recruiter.headers, "Idempotency-Key": f"erase-{uuid.uuid4()}"},
            json={
                "name": NAME,
                "email": EMAIL,
                "phone": PHONE,
                "location": "Leeds",
                "current_company": "Northwind",
                "skills": ["SQL", "Kafka"],
                "source": "referral",
                "consent_given": True,
                "consent_note": f"{NAME} agreed by phone on {PHONE}",
            },
        )
        candidate = ok(created, 201)
        cid = candidate["id"]
        other = await make_candidate(client, h.recruiter, "Olga Otherperson")
        application = await apply(client, h.recruiter, cid, h.role_id, stage="submitted")
        app_id = application["id"]
        await apply(client, h.recruiter, other["id"], h.role_id, stage="submitted")

        # Documents: the bytes name them.
        resume = MINIMAL_PDF + f"% {NAME} {EMAIL} {PHONE}\n".encode()
        document = ok(
            await client.post(
                f"{API}/candidates/{cid}/documents",
                headers=h.recruiter.headers,
                files={"file": ("quentin-zabrowski-cv.pdf", resume, "application/pdf")},
                data={"kind": "resume", "application_id": app_id},
            ),
            201,
        )
        # The slate, its question and the manager's decision with a note about them.
        slate = await sent_slate(
            client, h.recruiter, h.role_id, [app_id], questions={app_id: f"Is {NAME} senior?"}
        )
        ok(await decide(client, h.hm, slate, app_id, "approve", note=f"{NAME} looks right"))
        found = ok(await client.get(f"{API}/applications/{app_id}", headers=admin))
        if found["stage"] != "interviewing":
            ok(await move(client, h.recruiter, app_id, "interviewing", reason=f"Call {NAME}"))
        # Availability: windows and a link.
        start = (now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
        ok(
            await client.put(
                f"{API}/applications/{app_id}/candidate-windows",
                headers=admin,
                json={
                    "time_zone": "Europe/London",
                    "windows": [
                        {
                            "start_at": start.isoformat(),
                            "end_at": (start + timedelta(hours=4)).isoformat(),
                        }
                    ],
                },
            )
        )
        ok(
            await client.post(
                f"{API}/applications/{app_id}/availability-links",
                headers=admin,
                json={"time_zone": "Europe/London"},
            ),
            201,
        )
        # Interviews (invitations with an .ics go out by mail), a scorecard, a rejection.
        await h.schedule(app_id, [ivy])
        held = await h.held(app_id, [ivy])
        await h.submit(held, ivy, recommendation="no", reasons=f"{NAME} struggled; call {PHONE}")
        reason = await h.reason()
        ok(await h.decide(app_id, "reject", note=f"{NAME} lacked depth", reason_id=reason), 201)
        [message] = await h.messages(app_id)
        await sql(
            db,
            "UPDATE outcome_messages SET send_at = now() - interval '1 minute', "
            "personal_note = :note WHERE id = :m",
            note=f"Dear {NAME}, thank you.",
            m=uuid.UUID(message["id"]),
        )
        # An ATS link, and a vendor webhook that carried them.
        connection = ok(
            await client.post(
                f"{API}/integrations", headers=admin, json={"provider": "greenhouse", "name": "GH"}
            ),
            201,
        )
        await sql(
            db,
            "INSERT INTO external_refs (id, organization_id, connection_id, resource_type, "
            "resource_id, external_id, created_at) VALUES (gen_random_uuid(), :org, :conn, "
            "'candidate', :cid, 'gh-4711', now())",
            org=tenant.organization_id,
            conn=uuid.UUID(connection["id"]),
            cid=uuid.UUID(cid),
        )
        await sql(
            db,
            "INSERT INTO ats_inbound_events (id, organization_id, connection_id, "
            "vendor_event_id, event_type, payload, received_at, status, attempts, "
            "next_attempt_at) VALUES (gen_random_uuid(), :org, :conn, 'v-1', 'candidate_hired', "
            "CAST(:payload AS jsonb), now(), 'ignored', 1, now())",
            org=tenant.organization_id,
            conn=uuid.UUID(connection["id"]),
            payload=f'{{"candidate": {{"name": "{NAME}", "email": "{EMAIL}"}}}}',
        )

        # Everything is delivered: webhooks, invitations, the outcome message (to .eml files).
        wsettings = worker_settings(data_dir=settings.data_dir)
        async with running_worker(db, wsettings):
            await eventually(lambda: settled(db), within=30)
            async with db.transaction() as session:
                await notification_jobs.plan_outcomes(session)
            await eventually(lambda: settled(db), within=30)
        assert receiver.requests, "webhooks were delivered"
        sent = await rows(
            db,
            "SELECT kind, status FROM notifications WHERE organization_id = :o",
            o=tenant.organization_id,
        )
        assert {"interview_scheduled", "outcome_rejection"} <= {n["kind"] for n in sent}, sent

        # Before: the person is everywhere the scan looks (so the scan can find them).
        storage_root = settings.data_dir / "documents"
        mail_root = settings.data_dir / "mail"
        before = await database_hits(db, NEEDLES)
        for expected in (
            ("candidates", "name"),
            ("notifications", "body_text"),
            ("webhook_attempts", "response_body"),
            ("idempotency_records", "response_body"),
            ("ats_inbound_events", "payload"),
            ("scorecards", "reasons"),
            ("hiring_decisions", "note"),
            ("slate_decisions", "note"),
            ("slate_items", "question"),
        ):
            assert expected in before, (expected, sorted(before))
        assert file_hits(storage_root, NEEDLES), "the document's bytes name them"
        assert file_hits(mail_root, NEEDLES), "the mail folder names them"

        # Erase.
        receiver.answer_body = b"ok"
        erased = ok(
            await client.post(
                f"{API}/candidates/{cid}/erase", headers=admin, json={"reason": "subject_request"}
            )
        )
        assert erased["candidate_id"] == cid
        assert erased["counts"]["documents"] == 1
        assert erased["ats"] == [
            {"connection_id": connection["id"], "provider": "greenhouse", "forwarded": True}
        ]
        async with running_worker(db, wsettings):
            await eventually(lambda: settled(db), within=30)

        # After: nothing anywhere.
        assert await database_hits(db, NEEDLES) == set()
        assert file_hits(storage_root, NEEDLES) == []
        assert file_hits(mail_root, NEEDLES) == []
        gone = await client.get(
            f"{API}/candidates/{cid}/documents/{document['id']}/content", headers=admin
        )
        problem(gone, 404)

        # What the organization keeps: the tombstone, its application and decisions with their
        # structured reasons, and the events (ids only).
        tomb = ok(await client.get(f"{API}/candidates/{cid}", headers=admin))
        assert tomb["name"] == "Anonymised candidate"
        assert tomb["phone"] is None
        assert tomb["skills"] == ["SQL", "Kafka"]
        kept = await rows(
            db,
            "SELECT decision, rejection_reason_id, note FROM hiring_decisions "
            "WHERE application_id = :a",
            a=uuid.UUID(app_id),
        )
        assert [(k["decision"], str(k["rejection_reason_id"]), k["note"]) for k in kept] == [
            ("reject", reason, "")
        ]
        assert ok(await client.get(f"{API}/applications/{app_id}", headers=admin))["outcome"] == (
            "rejected"
        )
        erased_events = await rows(
            db,
            "SELECT data FROM events WHERE type = 'candidate.erased' AND resource_id = :c",
            c=uuid.UUID(cid),
        )
        assert erased_events == [
            {
                "data": {
                    "candidate_id": cid,
                    "application_ids": [app_id],
                    "external_refs": [
                        {"connection_id": connection["id"], "external_id": "gh-4711"}
                    ],
                }
            }
        ]
        redacted = await scalar(
            db,
            "SELECT count(*) FROM events WHERE organization_id = :o AND data ? 'redacted'",
            o=tenant.organization_id,
        )
        assert redacted > 5
        # The other candidate is untouched.
        still = ok(await client.get(f"{API}/candidates/{other['id']}", headers=admin))
        assert still["name"] == "Olga Otherperson"
        # Recorded in the audit trail, with ids only.
        audit = ok(
            await client.get(f"{API}/audit", headers=admin, params={"action": "candidate.erased"})
        )
        assert [(a["subject_id"], a["detail"]["reason"]) for a in audit["items"]] == [
            (cid, "subject_request")
        ]
        # A second erasure is a conflict, not a second record.
        problem(
            await client.post(
                f"{API}/candidates/{cid}/erase", headers=admin, json={"reason": "subject_request"}
            ),
            409,
        )
    finally:
        receiver.stop()


async def test_who_may_erase_and_bad_input(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rita Recruiter")
    manager = await tenant.add("hiring_manager", "Hank Manager")
    candidate = await make_candidate(client, recruiter, "Petra Permission")
    url = f"{API}/candidates/{candidate['id']}/erase"
    body = {"reason": "subject_request"}

    problem(await client.post(url, headers=manager.headers, json=body), 403)
    # Recruiters only when the organization allows it.
    problem(await client.post(url, headers=recruiter.headers, json=body), 403)
    problem(await client.post(url, headers=tenant.admin.headers, json={"reason": "bored"}), 422)
    problem(await client.post(url, headers=tenant.admin.headers, json={**body, "x": 1}), 422)
    # Another organization's candidate is a 404, for erasure and export alike.
    problem(await client.post(url, headers=other_tenant.admin.headers, json=body), 404)
    problem(
        await client.get(
            f"{API}/candidates/{candidate['id']}/export", headers=other_tenant.admin.headers
        ),
        404,
    )
    problem(
        await client.post(
            f"{API}/candidates/{uuid.uuid4()}/erase", headers=tenant.admin.headers, json=body
        ),
        404,
    )

    ok(
        await client.patch(
            f"{API}/organization", headers=tenant.admin.headers, json={"recruiters_may_erase": True}
        )
    )
    problem(
        await client.patch(
            f"{API}/organization",
            headers=tenant.admin.headers,
            json={"recruiters_may_erase": None},
        ),
        422,
    )
    erased = ok(await client.post(url, headers=recruiter.headers, json=body))
    assert erased["source"] == "api"
    assert (
        await scalar(
            db,
            "SELECT count(*) FROM candidate_erasures WHERE candidate_id = :c",
            c=uuid.UUID(candidate["id"]),
        )
        == 1
    )


async def test_graphql_erase_candidate_with_typed_errors(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    from tests.helpers_domain import global_id
    from tests.helpers_feedback import gql

    recruiter = await tenant.add("recruiter", "Rita Recruiter")
    candidate = await make_candidate(client, recruiter, "Gregor Graphson")
    mutation = """
      mutation($input: EraseCandidateInput!) {
        eraseCandidate(input: $input) {
          __typename
          ... on CandidateErasedPayload { candidateId reason counts ats { provider } }
          ... on MutationError { code status fields { field message } }
        }
      }"""
    gid = global_id("Candidate", candidate["id"])
    denied = await gql(
        client, recruiter, mutation, {"input": {"candidateId": gid, "reason": "subject_request"}}
    )
    assert denied["data"]["eraseCandidate"]["status"] == 403
    # `reason` is the ErasureReason enum: GraphQL refuses an unknown code before the
    # mutation runs, naming the variable (no data, nothing erased).
    unknown = await gql(
        client, tenant.admin, mutation, {"input": {"candidateId": gid, "reason": "whim"}}
    )
    assert unknown["data"] is None
    assert [e["message"] for e in unknown["errors"]] == [
        "Variable '$input' has invalid value at .reason: Value 'whim' does not exist in "
        "'ErasureReason' enum."
    ]
    # What the schema cannot refuse comes back as the typed error naming the field.
    wrong_kind = global_id("Role", candidate["id"])
    bad = await gql(
        client,
        tenant.admin,
        mutation,
        {"input": {"candidateId": wrong_kind, "reason": "subject_request"}},
    )
    assert bad["data"]["eraseCandidate"]["code"] == "invalid_input", bad
    assert bad["data"]["eraseCandidate"]["status"] == 422
    assert [f["field"] for f in bad["data"]["eraseCandidate"]["fields"]] == ["candidateId"]
    done = await gql(
        client,
        tenant.admin,
        mutation,
        {"input": {"candidateId": gid, "reason": "consent_withdrawn"}},
    )
    payload = done["data"]["eraseCandidate"]
    assert payload["__typename"] == "CandidateErasedPayload", done
    assert payload["reason"] == "consent_withdrawn"
    name = await scalar(
        db, "SELECT name FROM candidates WHERE id = :c", c=uuid.UUID(candidate["id"])
    )
    assert name == "Anonymised candidate"
    source = await scalar(
        db,
        "SELECT source FROM candidate_erasures WHERE candidate_id = :c",
        c=uuid.UUID(candidate["id"]),
    )
    assert source == "graphql"


async def test_an_erasure_from_an_ats_goes_through_the_same_code(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, settings: Settings
) -> None:
    """The vendor's anonymisation reaches `erase_candidate`: the same record, event and audit,
    and it is not forwarded back to the connection it came from."""
    from app.core.actor import Actor, PermissionSet
    from app.domain.integrations.apply import _erase_from_ats
    from app.domain.integrations.models import Connection

    candidate = await make_candidate(client, tenant.admin, "Anton Atsperson", phone="+1 555 0100")
    connection = ok(
        await client.post(
            f"{API}/integrations",
            headers=tenant.admin.headers,
            json={"provider": "lever", "name": "L"},
        ),
        201,
    )
    await sql(
        db,
        "INSERT INTO external_refs (id, organization_id, connection_id, resource_type, "
        "resource_id, external_id, created_at) VALUES (gen_random_uuid(), :org, :conn, "
        "'candidate', :cid, 'lv-1', now())",
        org=tenant.organization_id,
        conn=uuid.UUID(connection["id"]),
        cid=uuid.UUID(candidate["id"]),
    )
    actor = Actor(
        member_id=tenant.admin.id,
        organization_id=tenant.organization_id,
        permission_set=PermissionSet.admin,
        email="a@example.com",
        name="A",
    )
    async with db.transaction() as session:
        conn = await session.get(Connection, uuid.UUID(connection["id"]))
        assert conn is not None
        assert await _erase_from_ats(session, actor, conn, uuid.UUID(candidate["id"]))
    erasure = (
        await rows(
            db,
            "SELECT source, reason, connection_id FROM candidate_erasures WHERE candidate_id = :c",
            c=uuid.UUID(candidate["id"]),
        )
    )[0]
    assert (erasure["source"], erasure["reason"]) == ("ats", "ats_request")
    assert str(erasure["connection_id"]) == connection["id"]
    data = await scalar(
        db,
        "SELECT data FROM events WHERE type = 'candidate.erased' AND resource_id = :c",
        c=uuid.UUID(candidate["id"]),
    )
    assert data["external_refs"] == []  # never echoed back to where it came from
    assert await database_hits(db, ["anton atsperson", "+1 555 0100"]) == set()
    # Already erased: a second report from the vendor changes nothing.
    async with db.transaction() as session:
        conn = await session.get(Connection, uuid.UUID(connection["id"]))
        assert conn is not None
        assert await _erase_from_ats(session, actor, conn, uuid.UUID(candidate["id"]))
    assert await scalar(db, "SELECT count(*) FROM candidate_erasures") == 1


async def test_erasure_is_forwarded_to_greenhouse_and_listed_by_hand_for_lever(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, settings: Settings
) -> None:
    from app.domain.integrations import pushes
    from app.domain.integrations.models import Connection, OutboundPush
    from app.integrations.ats.base import Credentials, ErasurePush
    from app.integrations.ats.greenhouse import GreenhouseAdapter

    admin = tenant.admin.headers
    candidate = await make_candidate(client, tenant.admin, "Fiona Forwarded")
    connections = {}
    for provider, external_id in (("greenhouse", "9001"), ("lever", "lv-abc")):
        created = ok(
            await client.post(
                f"{API}/integrations", headers=admin, json={"provider": provider, "name": provider}
            ),
            201,
        )
        connections[provider] = created["id"]
        await sql(
            db,
            "INSERT INTO external_refs (id, organization_id, connection_id, resource_type, "
            "resource_id, external_id, created_at) VALUES (gen_random_uuid(), :org, :conn, "
            "'candidate', :cid, :ext, now())",
            org=tenant.organization_id,
            conn=uuid.UUID(created["id"]),
            cid=uuid.UUID(candidate["id"]),
            ext=external_id,
        )
    erased = ok(
        await client.post(
            f"{API}/candidates/{candidate['id']}/erase",
            headers=admin,
            json={"reason": "subject_request"},
        )
    )
    assert sorted((a["provider"], a["forwarded"]) for a in erased["ats"]) == [
        ("greenhouse", True),
        ("lever", False),
    ]
    await fan_out(db)
    planned = await rows(
        db,
        "SELECT connection_id::text AS connection_id, kind, status, payload FROM ats_pushes "
        "WHERE organization_id = :o ORDER BY kind",
        o=tenant.organization_id,
    )
    by_connection = {p["connection_id"]: p for p in planned}
    assert by_connection[connections["greenhouse"]]["status"] == "pending"
    assert by_connection[connections["greenhouse"]]["payload"]["candidate_external_id"] == "9001"
    assert by_connection[connections["lever"]]["status"] == "manual"
    # Lever's health lists it as to do by hand; Greenhouse's lists nothing.
    lever = ok(await client.get(f"{API}/integrations/{connections['lever']}", headers=admin))
    assert [m["candidate_external_id"] for m in lever["health"]["manual_erasures"]] == ["lv-abc"]
    gh = ok(await client.get(f"{API}/integrations/{connections['greenhouse']}", headers=admin))
    assert gh["health"]["manual_erasures"] == []

    # The Greenhouse push is Harvest's Anonymize Candidate.
    async with db.transaction() as session:
        push = (
            await session.execute(
                text("SELECT id FROM ats_pushes WHERE connection_id = :c AND kind = 'erasure'"),
                {"c": uuid.UUID(connections["greenhouse"])},
            )
        ).scalar_one()
        row = await session.get(OutboundPush, push)
        conn = await session.get(Connection, uuid.UUID(connections["greenhouse"]))
        assert row is not None
        assert conn is not None
        built = await pushes.build(session, conn, row)
    assert built == ErasurePush(candidate_external_id="9001")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        return httpx.Response(200, json={"id": 9001, "first_name": "Anonymized"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as mock:
        await GreenhouseAdapter().push(
            mock,
            Credentials({"client_id": "c", "client_secret": "s"}, base_url="http://127.0.0.1:9/v3"),
            built,
            settings,
        )
    [call] = [r for r in seen if r.url.path != "/token"]
    assert (call.method, call.url.path) == ("PUT", "/v3/candidates/9001/anonymize")
    fields = call.url.params["fields"].split(",")
    assert {"full_name", "emails", "phone_numbers", "attachments", "notes"} <= set(fields)
