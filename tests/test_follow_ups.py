"""Waitlist follow-ups end to end, through the real API: the recruiter asks the candidate the
hiring manager's question (reworded), the candidate answers once through a signed link, the
answer reaches the slate, the insights, the fit check and the hiring manager's digest, and the
hiring manager's next decision records that the answer settled it. Then the refusals: who may
send, what a bad answer gets, and that nothing is half-saved."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from app.clock import utcnow
from app.db import Database
from app.domain.availability import tokens as availability_tokens
from app.domain.follow_ups import jobs, tokens
from app.domain.notifications.digests import build, digest_draft
from app.domain.notifications.repository import recipients
from app.templates import render
from app.worker.outbox import dispatch_batch
from tests.conftest import TEST_SECRET, Person, Tenant
from tests.helpers_interviews import book, monday
from tests.helpers_pipeline import (
    candidate_in_role,
    decide,
    gql_data,
    make_role,
    move,
    png_bytes,
    sent_slate,
    stored_event_types,
    zip_bytes,
)

API = "/api/v1"
JSON = dict[str, Any]
HM_QUESTION = "Did she write for B2B SaaS? Her samples read consumer-ish"
HM_NOTE = "Internal: worried she only knows lifestyle blogs"
QUESTION = "Have you written for B2B software companies? If so, which?"
SCRIPT = '<script>alert("x")</script> Yes: three years at Acme <b>Cloud</b> & friends'


@dataclass
class Waitlisted:
    recruiter: Person
    hm: Person
    interviewer: Person
    role_id: str
    candidate_id: str
    application_id: str
    slate: JSON


async def waitlisted(client: httpx.AsyncClient, tenant: Tenant) -> Waitlisted:
    recruiter = await tenant.add("recruiter", "Rita Recruiter")
    hm = await tenant.add("hiring_manager", "Hugo Manager")
    interviewer = await tenant.add("interviewer", "Ivy Interviewer")
    role_id = await make_role(client, recruiter, hm, title="Content Writer")
    candidate_id, application_id = await candidate_in_role(
        client, recruiter, role_id, "Wendy Writer", skills=["SQL"], years=5
    )
    slate = await sent_slate(client, recruiter, role_id, [application_id])
    response = await decide(
        client, hm, slate, application_id, "waitlist", note=HM_NOTE, waitlist_question=HM_QUESTION
    )
    assert response.status_code == 200, response.text
    return Waitlisted(
        recruiter, hm, interviewer, role_id, candidate_id, application_id, response.json()
    )


async def send(client: httpx.AsyncClient, who: Person, application_id: str, **body: Any) -> Any:
    return await client.post(
        f"{API}/applications/{application_id}/follow-ups",
        headers=who.headers,
        json={"question": QUESTION, **body},
    )


def token_of(created: JSON) -> str:
    url: str = created["url"]
    assert "/pages/follow-ups/" in url, url
    return url.rsplit("/", 1)[1]


async def fan_out(db: Database) -> None:
    """The worker's outbox round, run here so the test controls when."""
    while True:
        async with db.transaction() as session:
            if not await dispatch_batch(session):
                return


async def rows(db: Database, sql: str, **params: Any) -> list[JSON]:
    async with db.read() as session:
        return [dict(r) for r in (await session.execute(text(sql), params)).mappings().all()]


async def count(db: Database, sql: str, **params: Any) -> int:
    async with db.read() as session:
        return int((await session.execute(text(sql), params)).scalar_one())


# ---------------------------------------------------------------------------------------------
# The whole flow


async def test_a_waitlist_is_settled_by_the_candidates_answer(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    # The insights show what the hiring manager asked before anything was sent.
    insights = (
        await client.get(f"{API}/roles/{w.role_id}/insights", headers=w.recruiter.headers)
    ).json()
    assert insights["waitlist"][0]["question"] == HM_QUESTION
    assert insights["waitlist"][0]["follow_up"] is None

    response = await send(client, w.recruiter, w.application_id)
    assert response.status_code == 201, response.text
    created = response.json()
    decision_id = w.slate["items"][0]["decision"]["id"]
    assert created["state"] == "sent"
    assert created["question"] == QUESTION
    assert created["decision_id"] == decision_id
    assert created["answer"] is None
    token = token_of(created)

    # The candidate's email is planned after the commit, once however often it is planned.
    await fan_out(db)
    await fan_out(db)
    mails = await rows(db, "SELECT * FROM notifications WHERE kind = 'follow_up_sent'")
    assert len(mails) == 1
    mail = mails[0]
    assert mail["recipient"] == "wendy.writer@example.com"
    assert mail["channel"] == "email"
    assert QUESTION in mail["body_text"]
    assert created["url"] in mail["body_text"]
    assert created["url"] in mail["body_html"]
    # The recruiter's words only: never the hiring manager's reasons or raw question.
    for private in (HM_NOTE, HM_QUESTION):
        assert private not in mail["body_text"]
        assert private not in mail["body_html"]

    # The candidate opens the link: their first name, the role, the organization, the question.
    view = (await client.get(f"{API}/public/follow-ups/{token}")).json()
    assert view["candidate_first_name"] == "Wendy"
    assert view["role_title"] == "Content Writer"
    assert view["organization_name"] == "Acme"
    assert view["question"] == QUESTION
    assert view["state"] == "sent"
    assert HM_NOTE not in str(view)

    answered = await client.post(
        f"{API}/public/follow-ups/{token}",
        json={"answer": SCRIPT, "link": "https://example.com/portfolio"},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["state"] == "answered"
    # A double submit: the first answer is kept, the second told so.
    again = await client.post(f"{API}/public/follow-ups/{token}", json={"answer": "Changed"})
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "already_answered"
    assert (await client.get(f"{API}/public/follow-ups/{token}")).status_code == 410

    # The hiring manager reads the answer, as the plain text the candidate typed.
    read = await client.get(f"{API}/follow-ups/{created['id']}", headers=w.hm.headers)
    assert read.status_code == 200, read.text
    assert read.json()["state"] == "answered"
    assert read.json()["answer"]["text"] == SCRIPT
    assert read.json()["answer"]["link"] == "https://example.com/portfolio"

    # ... on the slate they decide from, in the insights' waitlist and in the fit check.
    slate = (await client.get(f"{API}/slates/{w.slate['id']}", headers=w.hm.headers)).json()
    assert slate["items"][0]["follow_up"]["answer"] == SCRIPT
    assert slate["items"][0]["follow_up"]["question"] == QUESTION
    insights = (await client.get(f"{API}/roles/{w.role_id}/insights", headers=w.hm.headers)).json()
    assert insights["waitlist"][0]["follow_up"]["answer"] == SCRIPT
    fit = (
        await client.get(
            f"{API}/roles/{w.role_id}/fit-check/{w.candidate_id}", headers=w.recruiter.headers
        )
    ).json()
    assert [f["answer"] for f in fit["follow_ups"]] == [SCRIPT]

    # ... and in their digest, naming the candidate and the question, escaped where it is HTML
    # or Slack.
    preview = (
        await client.get(f"{API}/members/{w.hm.id}/digest/preview", headers=w.hm.headers)
    ).json()
    answers = [a for r in preview["roles"] for a in r["answers"]]
    assert [(a["candidate_name"], a["question"], a["answer"]) for a in answers] == [
        ("Wendy Writer", QUESTION, SCRIPT)
    ]
    async with db.read() as session:
        hm = (await recipients(session, [w.hm.id]))[w.hm.id]
        digest = await build(session, hm, utcnow())
    html = render("notifications/follow_up_digest.html.j2", role=digest.roles[0])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "Wendy Writer" in html
    assert "B2B software companies" in html
    text_part = render("notifications/follow_up_digest.txt.j2", role=digest.roles[0])
    assert SCRIPT in text_part
    slack_hm = dataclasses.replace(
        hm, update_channel="slack", slack_webhook_url="https://hooks.slack.test/x"
    )
    blocks = digest_draft(slack_hm, digest, "daily:x", "Acme").slack_blocks
    assert blocks is not None
    slack_text = " ".join(str(b) for b in blocks)
    assert "&lt;script&gt;" in slack_text
    assert "<script>" not in slack_text

    # The hiring manager decides again, with the answer in view: the decision records it.
    decided = await decide(
        client, w.hm, w.slate, w.application_id, "approve", note="Answer settles it", revision=True
    )
    assert decided.status_code == 200, decided.text
    decision = decided.json()["items"][0]["decision"]
    assert decision["decision"] == "approve"
    assert decision["settled_by_follow_up_id"] == created["id"]
    insights = (await client.get(f"{API}/roles/{w.role_id}/insights", headers=w.hm.headers)).json()
    follow_ups = insights["follow_ups"]
    assert follow_ups["sent"] == 1
    assert follow_ups["answered"] == 1
    assert follow_ups["settled_by_answer"] == 1
    assert follow_ups["settled_approved"] == 1
    assert follow_ups["settled_rejected"] == 0
    assert follow_ups["median_hours_to_answer"] is not None
    assert follow_ups["median_hours_to_answer"] >= 0
    # Decided on: the answer leaves the digest.
    preview = (
        await client.get(f"{API}/members/{w.hm.id}/digest/preview", headers=w.hm.headers)
    ).json()
    assert [a for r in preview["roles"] for a in r["answers"]] == []

    types = await stored_event_types(db, tenant.organization_id)
    assert types.count("follow_up.sent") == 1
    assert types.count("follow_up.answered") == 1
    reviewed = await rows(
        db,
        "SELECT data FROM events WHERE type = 'application.reviewed' ORDER BY tx_seq DESC LIMIT 1",
    )
    assert reviewed[0]["data"]["settled_by_follow_up_id"] == created["id"]


async def test_an_answer_with_a_document_lands_on_the_application(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    token = token_of(created)
    response = await client.post(
        f"{API}/public/follow-ups/{token}/answer-with-document",
        data={"answer": "Here is a sample from my B2B work"},
        files={"document": ("sample.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["document_filename"] == "sample.png"
    read = (await client.get(f"{API}/follow-ups/{created['id']}", headers=w.hm.headers)).json()
    document_id = read["answer"]["document_id"]
    assert read["answer"]["document_filename"] == "sample.png"
    documents = (
        await client.get(
            f"{API}/candidates/{w.candidate_id}/documents", headers=w.recruiter.headers
        )
    ).json()
    listed = documents["items"] if isinstance(documents, dict) else documents
    found = [d for d in listed if d["id"] == document_id]
    assert found
    assert found[0]["content_type"] == "image/png"
    assert found[0]["application_id"] == w.application_id


# ---------------------------------------------------------------------------------------------
# Who may send and read


async def test_interviewers_and_hiring_managers_cannot_send_and_nothing_is_sent(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    for who in (w.interviewer, w.hm):
        response = await send(client, who, w.application_id)
        assert response.status_code == 403, response.text
    data = await gql_data(
        client,
        w.interviewer,
        'mutation($id: ID!) { sendFollowUp(input: {applicationId: $id, question: "Hi?"}) {'
        " __typename ... on MutationError { code status } } }",
        {"id": w.application_id},
    )
    assert data["sendFollowUp"] == {
        "__typename": "MutationError",
        "code": "forbidden",
        "status": 403,
    }
    await fan_out(db)
    assert await count(db, "SELECT count(*) FROM follow_ups") == 0
    assert await count(db, "SELECT count(*) FROM notifications WHERE kind LIKE 'follow_up%'") == 0
    assert "follow_up.sent" not in await stored_event_types(db, tenant.organization_id)


async def test_a_rejected_application_gets_no_follow_up(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    rejected = await move(client, w.recruiter, w.application_id, action="reject", reason="Gone")
    assert rejected.status_code == 200, rejected.text
    response = await send(client, w.recruiter, w.application_id)
    assert response.status_code == 409, response.text
    assert "rejected" in response.json()["detail"]
    await fan_out(db)
    assert await count(db, "SELECT count(*) FROM follow_ups") == 0
    assert await count(db, "SELECT count(*) FROM notifications WHERE kind LIKE 'follow_up%'") == 0


async def test_from_any_active_application_and_one_open_at_a_time(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rita Recruiter")
    hm = await tenant.add("hiring_manager", "Hugo Manager")
    role_id = await make_role(client, recruiter, hm)
    _, application_id = await candidate_in_role(client, recruiter, role_id, "Sam Source")
    first = await send(client, recruiter, application_id)
    assert first.status_code == 201, first.text
    assert first.json()["decision_id"] is None
    second = await send(client, recruiter, application_id)
    assert second.status_code == 409, second.text
    # A decision id that is not the application's waitlist decision is named.
    bad = await send(client, recruiter, application_id, decision_id=str(uuid.uuid4()))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "decision_id"


async def test_reading_is_for_the_roles_people_and_interviewers_see_it_only_in_the_packet(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    url = f"{API}/follow-ups/{created['id']}"
    other_hm = await tenant.add("hiring_manager", "Olga Other")
    assert (await client.get(url, headers=w.hm.headers)).status_code == 200
    assert (await client.get(url, headers=other_hm.headers)).status_code == 404
    assert (await client.get(url, headers=w.interviewer.headers)).status_code == 403
    listing = f"{API}/applications/{w.application_id}/follow-ups"
    assert (await client.get(listing, headers=w.interviewer.headers)).status_code == 403
    assert len((await client.get(listing, headers=w.recruiter.headers)).json()["items"]) == 1
    # Another organization: not found, whoever asks.
    stranger = await other_tenant.add("recruiter", "Stan Stranger")
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    response = await send(client, stranger, w.application_id)
    assert response.status_code == 404
    withdraw = await client.post(f"{url}/withdraw", headers=stranger.headers)
    assert withdraw.status_code == 404
    data = await gql_data(
        client,
        stranger,
        "query($id: ID!) { followUp(id: $id) { id } }",
        {"id": created["id"]},
    )
    assert data == {"followUp": None}
    data = await gql_data(
        client,
        stranger,
        "mutation($id: ID!) { withdrawFollowUp(input: {id: $id}) { __typename"
        " ... on MutationError { code } } }",
        {"id": created["id"]},
    )
    assert data["withdrawFollowUp"] == {"__typename": "MutationError", "code": "not_found"}


async def test_withdrawn_follow_ups_close_the_link_and_send_nothing(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    url = f"{API}/follow-ups/{created['id']}/withdraw"
    assert (await client.post(url, headers=w.hm.headers)).status_code == 403
    withdrawn = await client.post(url, headers=w.recruiter.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn"
    assert (await client.post(url, headers=w.recruiter.headers)).status_code == 409
    # Withdrawn before the outbox ran: the candidate is never mailed.
    await fan_out(db)
    assert await count(db, "SELECT count(*) FROM notifications WHERE kind LIKE 'follow_up%'") == 0
    gone = await client.get(f"{API}/public/follow-ups/{token_of(created)}")
    assert gone.status_code == 410
    assert gone.json()["reason"] == "withdrawn"


# ---------------------------------------------------------------------------------------------
# Bad answers: refused with the field named, nothing half-saved


async def test_bad_answers_are_refused_and_leave_the_question_open(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    token = token_of(created)
    url = f"{API}/public/follow-ups/{token}"

    too_long = await client.post(url, json={"answer": "x" * 4001})
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "answer"
    blank = await client.post(url, json={"answer": "   "})
    assert blank.status_code == 422
    bad_link = await client.post(url, json={"answer": "Yes", "link": "javascript:alert(1)"})
    assert bad_link.status_code == 422
    assert bad_link.json()["errors"][0]["field"] == "link"

    with_document = f"{url}/answer-with-document"
    archive = await client.post(
        with_document,
        data={"answer": "See attached"},
        files={"document": ("work.zip", zip_bytes(), "application/zip")},
    )
    assert archive.status_code == 415, archive.text
    disguised = await client.post(
        with_document,
        data={"answer": "See attached"},
        files={"document": ("work.pdf", png_bytes(), "application/pdf")},
    )
    assert disguised.status_code == 415
    huge = await client.post(
        with_document,
        data={"answer": "See attached"},
        files={"document": ("big.txt", b"a" * (20 * 1024 * 1024 + 1024), "text/plain")},
    )
    assert huge.status_code == 413
    long_with_file = await client.post(
        with_document,
        data={"answer": "y" * 4001},
        files={"document": ("ok.png", png_bytes(), "image/png")},
    )
    assert long_with_file.status_code == 422
    assert long_with_file.json()["errors"][0]["field"] == "answer"

    # Nothing was kept: no document, no answer, no event; the link still works.
    assert await count(db, "SELECT count(*) FROM documents") == 0
    state = await rows(db, "SELECT state, answer_text FROM follow_ups")
    assert state == [{"state": "sent", "answer_text": None}]
    assert "follow_up.answered" not in await stored_event_types(db, tenant.organization_id)
    assert (await client.get(url)).status_code == 200


async def test_tampered_and_foreign_tokens_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    token = token_of(created)
    flipped = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    # An availability link's signature over the same id does not open a follow-up.
    follow_up_id = uuid.UUID(created["id"])
    expires = datetime.fromisoformat(created["expires_at"])
    foreign = availability_tokens.sign(TEST_SECRET, follow_up_id, expires)
    forged = tokens.sign("another-secret-of-enough-length-0123456789", follow_up_id, expires)
    for bad in (flipped, foreign, forged, "A" * 40):
        response = await client.get(f"{API}/public/follow-ups/{bad}")
        assert response.status_code == 404, (bad, response.text)
        posted = await client.post(f"{API}/public/follow-ups/{bad}", json={"answer": "hi"})
        assert posted.status_code == 404
    assert (await client.get(f"{API}/public/follow-ups/{token}")).status_code == 200


# ---------------------------------------------------------------------------------------------
# One reminder, then expiry


async def test_one_reminder_then_expiry(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    token = token_of(created)
    sent_at = utcnow()
    async with db.transaction() as session:
        assert await jobs.send_reminders(session, sent_at + timedelta(days=1)) == 0
    async with db.transaction() as session:
        assert await jobs.send_reminders(session, sent_at + timedelta(days=4)) == 1
    async with db.transaction() as session:
        assert await jobs.send_reminders(session, sent_at + timedelta(days=5)) == 0
    reminders = await rows(db, "SELECT * FROM notifications WHERE kind = 'follow_up_reminder'")
    assert len(reminders) == 1
    assert reminders[0]["subject"].startswith("Reminder:")
    assert created["url"] in reminders[0]["body_text"]
    read = (
        await client.get(f"{API}/follow-ups/{created['id']}", headers=w.recruiter.headers)
    ).json()
    assert read["state"] == "reminded"
    # Reminded is still open: the link works.
    assert (await client.get(f"{API}/public/follow-ups/{token}")).status_code == 200

    async with db.transaction() as session:
        assert await jobs.expire(session, sent_at + timedelta(days=6)) == 0
    async with db.transaction() as session:
        assert await jobs.expire(session, sent_at + timedelta(days=8)) == 1
    read = (
        await client.get(f"{API}/follow-ups/{created['id']}", headers=w.recruiter.headers)
    ).json()
    assert read["state"] == "expired"
    gone = await client.get(f"{API}/public/follow-ups/{token}")
    assert gone.status_code == 410
    assert gone.json()["reason"] == "expired"
    late = await client.post(f"{API}/public/follow-ups/{token}", json={"answer": "Sorry, late"})
    assert late.status_code == 410
    types = await stored_event_types(db, tenant.organization_id)
    assert types.count("follow_up.reminded") == 1
    assert types.count("follow_up.expired") == 1
    # Expired: a new follow-up may be sent.
    assert (await send(client, w.recruiter, w.application_id)).status_code == 201


# ---------------------------------------------------------------------------------------------
# GraphQL


async def test_graphql_sends_lists_and_withdraws(client: httpx.AsyncClient, tenant: Tenant) -> None:
    w = await waitlisted(client, tenant)
    sent = await gql_data(
        client,
        w.recruiter,
        "mutation($id: ID!, $q: String!) { sendFollowUp(input: {applicationId: $id, question: $q})"
        " { __typename ... on FollowUpSentPayload { url followUp { id databaseId state question"
        " application { databaseId } } } } }",
        {"id": w.application_id, "q": QUESTION},
    )
    payload = sent["sendFollowUp"]
    assert payload["__typename"] == "FollowUpSentPayload"
    follow_up = payload["followUp"]
    assert follow_up["state"] == "sent"
    assert follow_up["question"] == QUESTION
    assert follow_up["application"]["databaseId"] == w.application_id
    token = payload["url"].rsplit("/", 1)[1]
    answered = await client.post(f"{API}/public/follow-ups/{token}", json={"answer": SCRIPT})
    assert answered.status_code == 200
    listed = await gql_data(
        client,
        w.hm,
        "query($id: ID!) { followUps(applicationId: $id) { id state answer { text } } "
        "followUp(id: $f) { databaseId } }".replace("$id: ID!", "$id: ID!, $f: ID!"),
        {"id": w.application_id, "f": follow_up["id"]},
    )
    # Plain text: what the candidate typed, for the consumer to escape.
    assert listed["followUps"] == [
        {"id": follow_up["id"], "state": "answered", "answer": {"text": SCRIPT}}
    ]
    assert listed["followUp"] == {"databaseId": follow_up["databaseId"]}
    withdrawn = await gql_data(
        client,
        w.recruiter,
        "mutation($id: ID!) { withdrawFollowUp(input: {id: $id}) { __typename"
        " ... on MutationError { code } } }",
        {"id": follow_up["id"]},
    )
    assert withdrawn["withdrawFollowUp"] == {"__typename": "MutationError", "code": "conflict"}


# ---------------------------------------------------------------------------------------------
# Interviewers: only through the packet of an interview they are on


async def test_an_interviewer_on_the_panel_sees_the_answer_in_the_packet_only(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    answered = await client.post(
        f"{API}/public/follow-ups/{token_of(created)}", json={"answer": SCRIPT}
    )
    assert answered.status_code == 200
    decided = await decide(
        client, w.hm, w.slate, w.application_id, "approve", note="Good answer", revision=True
    )
    assert decided.status_code == 200, decided.text
    await book(
        client, w.recruiter, w.application_id, monday() + timedelta(hours=33), [w.interviewer]
    )
    outsider = await tenant.add("interviewer", "Otto Outsider")
    packet_url = f"{API}/applications/{w.application_id}/packet"
    packet = await client.get(packet_url, headers=w.interviewer.headers)
    assert packet.status_code == 200, packet.text
    shown = packet.json()["follow_ups"]
    assert [(f["question"], f["answer"]) for f in shown] == [(QUESTION, SCRIPT)]
    assert (await client.get(packet_url, headers=outsider.headers)).status_code == 404
    direct = f"{API}/follow-ups/{created['id']}"
    assert (await client.get(direct, headers=w.interviewer.headers)).status_code == 403


async def test_two_answers_at_once_keep_one(client: httpx.AsyncClient, tenant: Tenant) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    url = f"{API}/public/follow-ups/{token_of(created)}"
    first, second = await asyncio.gather(
        client.post(url, json={"answer": "First"}), client.post(url, json={"answer": "Second"})
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    kept = "First" if first.status_code == 200 else "Second"
    read = (await client.get(f"{API}/follow-ups/{created['id']}", headers=w.hm.headers)).json()
    assert read["answer"]["text"] == kept


async def test_posts_to_one_link_are_limited_even_when_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    url = f"{API}/public/follow-ups/{token_of(created)}"
    for _ in range(10):
        assert (await client.post(url, json={"answer": ""})).status_code == 422
    limited = await client.post(url, json={"answer": "A real answer"})
    assert limited.status_code == 429, limited.text
    assert "Retry-After" in limited.headers
    # Reading the question is not a post, and the question is still open.
    assert (await client.get(url)).status_code == 200
    # Another link is counted on its own.
    other = await tenant.add("recruiter", "Other Recruiter")
    _, application_id = await candidate_in_role(client, other, w.role_id, "Olive Other")
    second = (await send(client, other, application_id)).json()
    answered = await client.post(
        f"{API}/public/follow-ups/{token_of(second)}", json={"answer": "Yes"}
    )
    assert answered.status_code == 200


async def test_a_document_larger_than_an_ordinary_body_is_taken(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Above the 1 MiB body limit of other routes, within the document limit (the answer routes
    share the upload's body limit, app/main.py)."""
    w = await waitlisted(client, tenant)
    created = (await send(client, w.recruiter, w.application_id)).json()
    response = await client.post(
        f"{API}/public/follow-ups/{token_of(created)}/answer-with-document",
        data={"answer": "My writing samples, as text"},
        files={"document": ("samples.txt", b"B2B SaaS copy. " * 100_000, "text/plain")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["document_filename"] == "samples.txt"
