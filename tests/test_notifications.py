"""Messages to people, end to end: events become notifications, the worker sends them to a real
SMTP server and a real Slack receiver, each once, and every status is visible."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.domain.events.repository import OutboxEvent
from app.domain.feedback import scorecards
from app.domain.notifications import delivery, jobs, planner
from app.worker.outbox import dispatch_batch
from tests.conftest import Person, Tenant
from tests.helpers_domain import API, ok, problem
from tests.helpers_feedback import hiring, now, rows, scalar, sql
from tests.helpers_notifications import SlackReceiver, SmtpServer, smtp_settings
from tests.helpers_pipeline import candidate_in_role, move, sent_slate
from tests.helpers_worker import count, eventually, running_worker, worker_settings

JSON = dict[str, Any]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    receiver = SlackReceiver().start()
    yield receiver
    receiver.stop()


async def fan_out(db: Database) -> None:
    """What the worker's outbox round does, run here so a test controls when."""
    while True:
        async with db.transaction() as session:
            if not await dispatch_batch(session):
                return


async def notifications(db: Database, **where: Any) -> list[JSON]:
    clause = " AND ".join(f"{k} = :{k}" for k in where) or "true"
    return await rows(
        db, f"SELECT * FROM notifications WHERE {clause} ORDER BY created_at", **where
    )


async def all_events(db: Database, organization_id: uuid.UUID) -> list[OutboxEvent]:
    async with db.transaction() as session:
        found = await session.execute(
            text(
                "SELECT id, organization_id, type, occurred_at, actor_member_id, resource_type, "
                "resource_id, data FROM events WHERE organization_id = :org ORDER BY occurred_at"
            ),
            {"org": organization_id},
        )
        return [OutboxEvent(*r) for r in found]


# ---------------------------------------------------------------------------------------------
# Interview invitations: the candidate and the panel, with the .ics; reschedule and cancel


async def test_interview_invitations_reschedule_and_cancel_each_sent_once_with_two_workers(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, smtp: SmtpServer
) -> None:
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer", time_zone="Asia/Tokyo")
    application_id = await h.application("Ann Lee")
    candidate_email = await scalar(
        db,
        "SELECT c.email FROM candidates c JOIN applications a ON a.candidate_id = c.id "
        "WHERE a.id = :a",
        a=uuid.UUID(application_id),
    )
    interview_id = await h.schedule(application_id, [ivy])

    settings = worker_settings(**smtp_settings(smtp))
    async with (
        running_worker(db, settings, name="worker-a"),
        running_worker(db, settings, name="worker-b"),
    ):
        await eventually(lambda: _mails(smtp, 2), within=20)

        candidate_mail = smtp.to(candidate_email)
        assert len(candidate_mail) == 1
        mail = candidate_mail[0]
        assert mail.subject == "Invitation: technical interview for Data Engineer"
        assert "Ann Lee" in mail.text
        assert "YOUR INTERVIEWS" in mail.text  # the prep
        assert "<html" in mail.html
        assert "Your interviews" in mail.html
        calendar = mail.calendar()
        assert calendar is not None
        assert str(calendar["METHOD"]) == "REQUEST"
        event = next(iter(calendar.walk("VEVENT")))
        assert int(str(event["SEQUENCE"])) == 0
        panel = smtp.to(ivy.member.email)
        assert len(panel) == 1
        assert panel[0].subject == "Invitation: technical interview with Ann Lee"
        assert "(Asia/Tokyo)" in panel[0].text  # the interviewer's own zone
        assert panel[0].calendar() is not None

        start = now() + timedelta(days=5)
        ok(
            await client.post(
                f"{API}/interviews/{interview_id}/reschedule",
                headers=h.recruiter.headers,
                json={
                    "start_at": start.isoformat(),
                    "end_at": (start + timedelta(hours=1)).isoformat(),
                    "reason": "The candidate asked for another day",
                },
            )
        )
        await eventually(lambda: _mails(smtp, 4), within=20)
        moved = smtp.to(candidate_email)[-1]
        assert moved.subject.startswith("Moved:")
        moved_calendar = moved.calendar()
        assert moved_calendar is not None
        assert str(moved_calendar["METHOD"]) == "REQUEST"
        assert int(str(next(iter(moved_calendar.walk("VEVENT")))["SEQUENCE"])) == 1

        ok(
            await client.post(
                f"{API}/interviews/{interview_id}/cancel",
                headers=h.recruiter.headers,
                json={"reason": "The role was put on hold"},
            )
        )
        await eventually(lambda: _mails(smtp, 6), within=20)
        cancelled = smtp.to(candidate_email)[-1]
        assert cancelled.subject.startswith("Cancelled:")
        cancel_calendar = cancelled.calendar()
        assert cancel_calendar is not None
        assert str(cancel_calendar["METHOD"]) == "CANCEL"
        assert str(next(iter(cancel_calendar.walk("VEVENT")))["STATUS"]) == "CANCELLED"
        # Settle: nothing more arrives however long the two workers run.
        await asyncio.sleep(0.5)

    assert len(smtp.snapshot()) == 6
    per_recipient = Counter(r for m in smtp.snapshot() for r in m.recipients)
    assert per_recipient == {candidate_email: 3, ivy.member.email: 3}
    sent = await notifications(db, status="sent")
    assert len(sent) == 6

    # Planning every event again (a worker that died before its commit) makes nothing new.
    async with db.transaction() as session:
        await planner.plan(session, await all_events(db, tenant.organization_id))
    assert await count(db, "SELECT count(*) FROM notifications") == 6


async def _mails(smtp: SmtpServer, n: int) -> bool:
    return len(smtp.snapshot()) >= n


# ---------------------------------------------------------------------------------------------
# Slates: the hiring manager and their delegate; the reminder when due passes


async def test_slate_goes_to_the_hiring_manager_and_delegate_and_is_reminded_once(
    client: httpx.AsyncClient,
    db: Database,
    tenant: Tenant,
    smtp: SmtpServer,
    slack: SlackReceiver,
    http: httpx.AsyncClient,
) -> None:
    h = await hiring(client, db, tenant)
    deputy = await tenant.add("hiring_manager", "Dana Deputy")
    # The hiring manager reads Slack through the organization's webhook; the delegate, email.
    ok(
        await client.patch(
            f"{API}/organization",
            headers=tenant.admin.headers,
            json={"slack_webhook_url": slack.url},
        )
    )
    org = ok(await client.get(f"{API}/organization", headers=h.recruiter.headers))
    assert org["slack_webhook_configured"] is True
    assert "slack_webhook_url" not in org
    ok(
        await client.patch(
            f"{API}/members/{h.hm.id}/preferences",
            headers=h.hm.headers,
            json={"update_channel": "slack", "delegate_id": str(deputy.id)},
        )
    )
    _, application_id = await candidate_in_role(
        client, h.recruiter, h.role_id, "Bea Stone", years=7
    )
    ok(await move(client, h.recruiter, application_id, "screening"))
    _, second_id = await candidate_in_role(client, h.recruiter, h.role_id, "Cy Lowe")
    ok(await move(client, h.recruiter, second_id, "screening"))
    slate = await sent_slate(
        client,
        h.recruiter,
        h.role_id,
        [application_id, second_id],
        questions={application_id: "Is the Kafka depth enough?"},
    )
    await fan_out(db)
    await fan_out(db)
    settings = worker_settings(**smtp_settings(smtp))
    assert await delivery.send_due(db, settings, http, "w") == 2

    [posted] = slack.snapshot()
    assert posted["text"].startswith("A slate for Data Engineer awaits your review")
    assert posted["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "A slate for Data Engineer awaits your review"},
    }
    body = posted["blocks"][1]["text"]["text"]
    assert "1 of them comes with a question" in body
    # The message names whom to open, in the slate's order, with the recruiter's question.
    assert "1. Bea Stone (7 years)\n   Question for you: Is the Kafka depth enough?" in body
    assert "2. Cy Lowe\n" in body
    # No link template: no button to an API URL (401 in a browser); the text says where to look.
    assert all(block["type"] != "actions" for block in posted["blocks"])
    assert "/api/" not in body
    assert "the slate for Data Engineer" in body
    [mail] = smtp.to(deputy.member.email)
    assert mail.subject == "A slate for Data Engineer awaits your review"
    assert "Hello Dana Deputy" in mail.text
    assert "1. Bea Stone (7 years)" in mail.text
    assert "Question for you: Is the Kafka depth enough?" in mail.text
    assert "Cy Lowe" in mail.html

    # The due time passes with no decision: one reminder, however often the job runs.
    await sql(
        db,
        "UPDATE slates SET due_at = now() - interval '1 hour' WHERE id = :s",
        s=uuid.UUID(slate["id"]),
    )
    for _ in range(2):
        async with db.transaction() as session:
            await jobs.plan_slate_reminders(session)
    assert await delivery.send_due(db, settings, http, "w") == 1
    assert len(slack.snapshot()) == 2
    reminder = slack.snapshot()[1]["text"]
    assert reminder.startswith("Reminder: the slate for Data Engineer is due")
    assert "Still waiting for your decision:\n- Bea Stone (7 years)" in reminder
    assert "- Cy Lowe" in reminder
    assert await count(db, "SELECT count(*) FROM notifications WHERE kind = 'slate_reminder'") == 1


# ---------------------------------------------------------------------------------------------
# Feedback reminders to the interviewer


async def test_overdue_feedback_reaches_the_interviewer(
    client: httpx.AsyncClient,
    db: Database,
    tenant: Tenant,
    smtp: SmtpServer,
    http: httpx.AsyncClient,
) -> None:
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer")
    application_id = await h.application("Cal Ode")
    interview_id = await h.held(application_id, [ivy], hours_ago=100)
    await fan_out(db)
    async with db.transaction() as session:
        await scorecards.feedback_reminders(session)
    await fan_out(db)
    settings = worker_settings(**smtp_settings(smtp))
    await delivery.send_due(db, settings, http, "w")
    [mail] = smtp.to(ivy.member.email)
    assert mail.subject == "Overdue: your scorecard for Cal Ode"
    # No link template: the scorecard is named, never linked to the API.
    assert f"/api/v1/interviews/{interview_id}/scorecard" not in mail.text
    assert "the scorecard of your" in mail.text
    assert "is overdue" in mail.html
    # Recording the reminders again changes nothing.
    async with db.transaction() as session:
        await scorecards.feedback_reminders(session)
    await fan_out(db)
    assert (
        await count(db, "SELECT count(*) FROM notifications WHERE kind = 'feedback_overdue'") == 1
    )


# ---------------------------------------------------------------------------------------------
# Outcomes: sent at send_at and marked sent; a rescinded offer is not sent


async def test_rejection_goes_out_at_send_at_and_a_rescinded_offer_does_not(
    client: httpx.AsyncClient,
    db: Database,
    tenant: Tenant,
    smtp: SmtpServer,
    http: httpx.AsyncClient,
) -> None:
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer")
    rejected = await h.interviewed("Dee Nied", [ivy])
    reason = await h.reason()
    ok(await h.decide(rejected, "reject", reason_id=reason), 201)
    [message] = await h.messages(rejected)
    settings = worker_settings(**smtp_settings(smtp))

    # Not due yet: nothing is planned.
    async with db.transaction() as session:
        assert await jobs.plan_outcomes(session) == 0
    await sql(
        db,
        "UPDATE outcome_messages SET send_at = now() - interval '1 minute', "
        "personal_note = 'Your system design answer impressed the panel.' WHERE id = :m",
        m=uuid.UUID(message["id"]),
    )

    offered = await h.at_offer("Oona Offer", [ivy])
    offer_id = await h.sent_offer(offered)  # an offer message is due at once
    for _ in range(2):
        async with db.transaction() as session:
            await jobs.plan_outcomes(session)
    assert (
        await count(db, "SELECT count(*) FROM notifications WHERE outcome_message_id IS NOT NULL")
        == 2
    )
    ok(await h.move_offer(offer_id, "rescinded", reason="The budget was withdrawn"))

    await delivery.send_due(db, settings, http, "w")
    [mail] = smtp.snapshot()
    assert mail.subject == "Your application for Data Engineer at Acme"
    assert "Dee Nied" in mail.text
    assert "Your system design answer impressed the panel." in mail.text
    assert "impressed the panel" in mail.html
    [after] = await h.messages(rejected)
    assert after["status"] == "sent"
    assert await count(db, "SELECT count(*) FROM events WHERE type = 'outcome.sent'") == 1
    offer_note = await notifications(db, kind="outcome_offer")
    assert [n["status"] for n in offer_note] == ["cancelled"]


# ---------------------------------------------------------------------------------------------
# Failures: retried on the schedule, then failed with notification.failed


async def test_a_refusing_smtp_server_is_retried_then_the_message_fails(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, http: httpx.AsyncClient
) -> None:
    server = SmtpServer(refuse=True).start()
    try:
        h = await hiring(client, db, tenant)
        ivy = await tenant.add("interviewer", "Ivy Interviewer")
        application_id = await h.application("Fay Lure")
        await h.held(application_id, [ivy], hours_ago=100)
        async with db.transaction() as session:
            await scorecards.feedback_reminders(session)
        await fan_out(db)
        settings = worker_settings(**smtp_settings(server), notification_retry_schedule=[0, 0])
        for attempt in (1, 2, 3):
            assert await delivery.send_due(db, settings, http, "w") == 1
            [n] = await notifications(db)
            assert n["attempts"] == attempt
            assert "550" in n["last_error"]
            assert n["status"] == ("failed" if attempt == 3 else "pending")
        assert await delivery.send_due(db, settings, http, "w") == 0
        assert server.refused == 3
        failed = await rows(db, "SELECT data FROM events WHERE type = 'notification.failed'")
        assert len(failed) == 1
        assert failed[0]["data"]["kind"] == "feedback_overdue"
        assert failed[0]["data"]["channel"] == "email"
    finally:
        server.stop()


async def test_without_an_smtp_host_development_writes_eml_files(
    client: httpx.AsyncClient, db: Database, tenant: Tenant, http: httpx.AsyncClient, tmp_path: Any
) -> None:
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer")
    await h.schedule(await h.application("Gil Eml"), [ivy])
    await fan_out(db)
    settings = worker_settings(data_dir=tmp_path, env="development")
    assert await delivery.send_due(db, settings, http, "w") == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    assert b"text/calendar" in files[0].read_bytes()
    assert {n["status"] for n in await notifications(db)} == {"sent"}

    # Production with no SMTP server: a clear failure, not a silent drop.
    await sql(db, "UPDATE notifications SET status = 'pending', attempts = 0")
    production = worker_settings(env="production", data_dir=tmp_path)
    await delivery.send_due(db, production, http, "w")
    failed = await notifications(db, status="failed")
    assert len(failed) == 2
    assert "HIRELOOP_SMTP_HOST" in failed[0]["last_error"]


# ---------------------------------------------------------------------------------------------
# The list


async def test_notifications_list_shows_every_status_to_recruiters_and_own_to_others(
    client: httpx.AsyncClient, db: Database, tenant: Tenant
) -> None:
    h = await hiring(client, db, tenant)
    ivy = await tenant.add("interviewer", "Ivy Interviewer")
    other = await tenant.add("interviewer", "Otto Other")
    await h.schedule(await h.application("Hal List"), [ivy])
    await fan_out(db)

    everything = ok(await client.get(f"{API}/notifications", headers=h.recruiter.headers))
    assert len(everything["items"]) == 2
    item = everything["items"][0]
    assert item["status"] == "pending"
    assert item["attachments"] == ["invite.ics"]
    assert "body_html" not in item
    first = ok(
        await client.get(f"{API}/notifications", headers=h.recruiter.headers, params={"limit": 1})
    )
    second = ok(
        await client.get(
            f"{API}/notifications",
            headers=h.recruiter.headers,
            params={"limit": 1, "cursor": first["next_cursor"]},
        )
    )
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {
        i["id"] for i in everything["items"]
    }
    mine = ok(await client.get(f"{API}/notifications", headers=ivy.headers))
    assert [i["member_id"] for i in mine["items"]] == [str(ivy.id)]
    assert ok(await client.get(f"{API}/notifications", headers=other.headers))["items"] == []
    problem(
        await client.get(
            f"{API}/notifications", headers=other.headers, params={"member_id": str(ivy.id)}
        ),
        403,
    )
    filtered = ok(
        await client.get(
            f"{API}/notifications", headers=h.recruiter.headers, params={"status": "sent"}
        )
    )
    assert filtered["items"] == []


async def test_slack_channel_needs_a_url_of_the_member_or_the_organization(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hm: Person = await tenant.add("hiring_manager")
    problem(
        await client.patch(
            f"{API}/members/{hm.id}/preferences",
            headers=hm.headers,
            json={"update_channel": "slack"},
        ),
        422,
    )
    ok(
        await client.patch(
            f"{API}/organization",
            headers=tenant.admin.headers,
            json={"slack_webhook_url": "https://hooks.slack.com/services/T/B/X"},
        )
    )
    ok(
        await client.patch(
            f"{API}/members/{hm.id}/preferences",
            headers=hm.headers,
            json={"update_channel": "slack"},
        )
    )
