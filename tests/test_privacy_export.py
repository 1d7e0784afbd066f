"""Export (GDPR Art. 15): everything held about a candidate as one JSON document, with the
documents' download links, for admins and recruiters; audited; another tenant's id is a 404."""

from __future__ import annotations

import uuid

import httpx

from app.db import Database
from tests.conftest import Tenant
from tests.helpers_domain import API, ok, problem
from tests.helpers_feedback import hiring, sql
from tests.helpers_pipeline import MINIMAL_PDF, make_candidate


async def test_export_holds_profile_applications_history_documents_and_messages(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, other_tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer")
    application_id = await h.application("Xenia Exportova")
    found = await h.get_application(application_id)
    candidate_id = found["candidate_id"]
    other = await make_candidate(client, h.recruiter, "Una Unrelated")
    document = ok(
        await client.post(
            f"{API}/candidates/{candidate_id}/documents",
            headers=h.recruiter.headers,
            files={"file": ("xenia.pdf", MINIMAL_PDF, "application/pdf")},
            data={"kind": "resume", "application_id": application_id},
        ),
        201,
    )
    held = await h.held(application_id, [ivy])
    await h.submit(held, ivy, recommendation="no", reasons="Xenia missed the brief")
    reason = await h.reason()
    ok(await h.decide(application_id, "reject", note="Not now", reason_id=reason), 201)
    [message] = await h.messages(application_id)
    await sql(
        db,
        "UPDATE outcome_messages SET personal_note = 'Thank you, Xenia' WHERE id = :m",
        m=uuid.UUID(message["id"]),
    )
    await sql(
        db,
        "INSERT INTO notifications (id, organization_id, kind, channel, recipient, "
        "candidate_id, dedupe_key, subject, body_text, attachments, status, attempts, "
        "next_attempt_at, created_at) VALUES (gen_random_uuid(), :org, 'outcome_rejection', "
        "'email', 'xenia.exportova@example.com', :c, 'k-x', 'Your application', 'Dear Xenia', "
        "'[]'::jsonb, 'sent', 1, now(), now())",
        org=tenant.organization_id,
        c=uuid.UUID(candidate_id),
    )

    exported = ok(
        await client.get(f"{API}/candidates/{candidate_id}/export", headers=h.recruiter.headers)
    )
    assert exported["format"] == "hireloop.candidate-export/1"
    assert exported["erased"] is False
    assert exported["candidate"]["name"] == "Xenia Exportova"
    assert exported["candidate"]["email"] == "xenia.exportova@example.com"
    assert "organization_id" not in exported["candidate"]
    [app] = exported["applications"]
    assert app["id"] == application_id
    assert app["outcome"] == "rejected"
    assert [t["to_stage"] for t in app["history"]][:3] == ["submitted", "hm_review", "interviewing"]
    assert [i["id"] for i in app["interviews"]] == [held]
    [card] = app["scorecards"]
    assert card["reasons"] == "Xenia missed the brief"
    assert [r["revision"] for r in card["revisions"]] == [1]
    assert [d["decision"] for d in app["hiring_decisions"]] == ["reject"]
    assert [m["personal_note"] for m in app["outcome_messages"]] == ["Thank you, Xenia"]
    [doc] = exported["documents"]
    assert doc["id"] == document["id"]
    assert doc["download_url"] == document["download_url"]
    assert "storage_key" not in doc
    download = await client.get(doc["download_url"], headers=h.recruiter.headers)
    assert download.status_code == 200
    assert download.content == MINIMAL_PDF
    assert [m["body_text"] for m in exported["messages"]] == ["Dear Xenia"]
    # Nothing about anyone else.
    assert "Una Unrelated" not in str(exported)
    assert other["id"] not in str(exported)

    # Who may export: admins and recruiters; another tenant's id is a 404.
    problem(await client.get(f"{API}/candidates/{candidate_id}/export", headers=h.hm.headers), 403)
    problem(await client.get(f"{API}/candidates/{candidate_id}/export", headers=ivy.headers), 403)
    problem(
        await client.get(
            f"{API}/candidates/{candidate_id}/export", headers=other_tenant.admin.headers
        ),
        404,
    )
    problem(
        await client.get(f"{API}/candidates/{uuid.uuid4()}/export", headers=tenant.admin.headers),
        404,
    )
    audit = ok(
        await client.get(
            f"{API}/audit", headers=tenant.admin.headers, params={"action": "candidate.exported"}
        )
    )
    assert [(a["subject_id"], a["actor_member_id"]) for a in audit["items"]] == [
        (candidate_id, str(h.recruiter.id))
    ]
    assert audit["items"][0]["detail"] == {"document_ids": [document["id"]]}

    # After erasure the export shows the anonymous tombstone and says so.
    ok(
        await client.post(
            f"{API}/candidates/{candidate_id}/erase",
            headers=tenant.admin.headers,
            json={"reason": "subject_request"},
        )
    )
    after = ok(
        await client.get(f"{API}/candidates/{candidate_id}/export", headers=tenant.admin.headers)
    )
    assert after["erased"] is True
    assert after["documents"] == []
    assert after["messages"] == []
    assert "xenia" not in str(after).lower()
