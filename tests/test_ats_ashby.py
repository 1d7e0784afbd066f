"""The Ashby adapter against its documented webhook scheme and a local fake of its API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from app.integrations.ats.ashby import AshbyAdapter, adapter
from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateDeleted,
    CandidatesMerged,
    Credentials,
    Hired,
    HirePush,
    Ignored,
    InterviewPush,
    ListResource,
    OfferChanged,
    Rejected,
    RejectionPush,
    ScorecardPush,
    StageChanged,
    StagePush,
    VendorApplication,
    VendorCandidate,
    VendorError,
    VendorJob,
    WebhookMalformed,
    WebhookRefused,
)
from app.settings import Settings
from tests.conftest import make_settings
from tests.fakes.ashby import AshbyFake, sample, sign, signed_delivery, signed_sample
from tests.fakes.server import ServedApp

SECRET = "8b943c474f5d1e1712f13e1a870b485c9b6b2b57"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SETTINGS: Settings = make_settings()


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


# --- verification --------------------------------------------------------------------------


def test_a_signed_delivery_is_verified_with_its_action_id_and_whole_payload() -> None:
    headers, body = signed_sample("application_submit", SECRET)
    inbound = adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    assert inbound.vendor_event_id == "75395d87-4044-4dc4-bc29-0cec185e5f01:applicationSubmit"
    assert inbound.event_type == "applicationSubmit"
    assert inbound.payload == sample("application_submit")
    assert not inbound.ping


def test_the_documented_digest_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"action":"ping","data":{"webhookActionType":"ping"}}'
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(body, SECRET) == f"sha256={digest}"
    inbound = adapter.verify({"ashby-signature": f"sha256={digest}"}, body, SECRET, NOW, SETTINGS)
    assert inbound.ping
    # No webhookActionId: the body's own digest identifies it, the same across retries.
    assert inbound.vendor_event_id == "sha256:" + hashlib.sha256(body).hexdigest()


def test_a_ping_is_answered_and_ignored() -> None:
    headers, body = signed_sample("ping", SECRET)
    inbound = adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    assert inbound.ping
    assert adapter.parse(inbound) == [Ignored("ping")]


def test_a_retry_of_the_same_action_keeps_its_id() -> None:
    headers, body = signed_delivery("candidateDelete", {"candidate": {"id": "c1"}}, SECRET)
    first = adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    again = adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    assert first.vendor_event_id == again.vendor_event_id


def test_unsigned_forged_tampered_and_malformed_deliveries_are_refused() -> None:
    headers, body = signed_sample("candidate_stage_change", SECRET)
    signed = lower(headers)
    with pytest.raises(WebhookRefused, match="unsigned"):
        adapter.verify({"content-type": "application/json"}, body, SECRET, NOW, SETTINGS)
    with pytest.raises(WebhookRefused, match="does not match"):  # forged: another secret
        adapter.verify(
            lower(signed_sample("candidate_stage_change", "x")[0]), body, SECRET, NOW, SETTINGS
        )
    with pytest.raises(WebhookRefused, match="does not match"):  # tampered body
        adapter.verify(signed, body.replace(b"Phone Screen", b"Offer"), SECRET, NOW, SETTINGS)
    digest = signed["ashby-signature"].partition("=")[2]
    for bad in (digest, f"sha1={digest}", "sha256=", "sha256=zz\u00e9", f"sha256={digest[:-2]}"):
        with pytest.raises(WebhookRefused):
            adapter.verify({"ashby-signature": bad}, body, SECRET, NOW, SETTINGS)
    with pytest.raises(WebhookRefused):  # no secret configured: nothing verifies
        adapter.verify(signed, body, "", NOW, SETTINGS)


def test_a_signed_body_that_is_not_a_json_object_is_malformed_not_forged() -> None:
    # The signature held, so it is no forgery: WebhookMalformed (422 naming the body).
    body = b"<html>not json</html>"
    with pytest.raises(WebhookMalformed, match="not JSON"):
        adapter.verify({"ashby-signature": sign(body, SECRET)}, body, SECRET, NOW, SETTINGS)
    array = b"[1, 2]"
    with pytest.raises(WebhookMalformed, match="not a JSON object"):
        adapter.verify({"ashby-signature": sign(array, SECRET)}, array, SECRET, NOW, SETTINGS)
    # Unsigned or forged, the same bodies are refused as such, never parsed.
    for bad in (body, array):
        with pytest.raises(WebhookRefused) as refused:
            adapter.verify({"ashby-signature": sign(bad, "other")}, bad, SECRET, NOW, SETTINGS)
        assert not isinstance(refused.value, WebhookMalformed)


def test_related_webhooks_of_one_action_are_different_deliveries() -> None:
    # Ashby: one hire fires applicationUpdate, candidateStageChange and candidateHire with the
    # same webhookActionId (https://developers.ashbyhq.com/docs/common-payload-data).
    data = sample("candidate_hire")["data"]
    ids = set()
    for action in ("applicationUpdate", "candidateStageChange", "candidateHire"):
        headers, body = signed_delivery(action, data, SECRET, webhook_action_id="action-1")
        first = adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)
        retry = adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)
        assert first.vendor_event_id == retry.vendor_event_id == f"action-1:{action}"
        ids.add(first.vendor_event_id)
    assert len(ids) == 3


# --- parsing the documented samples --------------------------------------------------------


def parsed(name: str) -> list[object]:
    headers, body = signed_sample(name, SECRET)
    return list(adapter.parse(adapter.verify(lower(headers), body, SECRET, NOW, SETTINGS)))


def test_application_submit_is_a_new_application_with_its_candidate() -> None:
    [change] = parsed("application_submit")
    assert isinstance(change, ApplicationSeen)
    app = change.application
    assert app.external_id == "3ae2b801-19f6-41ef-ad28-214bd731948f"
    assert app.job_external_id == "4071538b-3cac-4fbf-ac76-f78ed250ffdd"
    assert app.job_title == "First Designer"
    assert app.stage == "Application Review"
    assert app.status == "active"
    assert app.updated_at == datetime(2026, 5, 20, 14, 3, 11, 123000, tzinfo=UTC)
    candidate = app.candidate
    assert candidate.external_id == "f9e52a51-a075-4116-a7b8-484deba69004"
    assert (candidate.name, candidate.email, candidate.phone, candidate.source) == (
        "Adam Hart",
        "test@ashbyhq.com",
        "222-222-3344",
        "Applied",
    )


def test_application_update_carries_the_archived_state_and_reason() -> None:
    [change] = parsed("application_update")
    assert isinstance(change, ApplicationSeen)
    assert change.application.status == "rejected"
    assert change.application.rejection_reason == "Too inexperienced"
    assert change.application.stage == "Archived"


def test_stage_change_hire_and_rejection() -> None:
    [moved] = parsed("candidate_stage_change")
    assert isinstance(moved, StageChanged)
    assert moved.application.stage == "Phone Screen"
    hired = parsed("candidate_hire")
    assert isinstance(hired[0], Hired)
    assert hired[0].application.status == "hired"
    assert hired[1] == OfferChanged(
        application_external_id="3ae2b801-19f6-41ef-ad28-214bd731948f",
        offer_external_id="8a3c1b7e-6f1d-4c55-9a2e-3f7b0f0c1d22",
        status="CandidateAccepted",
    )
    body = sample("application_update")
    headers, raw = signed_delivery("candidateStageChange", body["data"], SECRET)
    [rejected] = adapter.parse(adapter.verify(lower(headers), raw, SECRET, NOW, SETTINGS))
    assert isinstance(rejected, Rejected)
    assert rejected.application.rejection_reason == "Too inexperienced"
    withdrawn = json.loads(json.dumps(body["data"]))
    withdrawn["application"]["archiveReason"]["reasonType"] = "RejectedByCandidate"
    headers, raw = signed_delivery("candidateStageChange", withdrawn, SECRET)
    [change] = adapter.parse(adapter.verify(lower(headers), raw, SECRET, NOW, SETTINGS))
    assert isinstance(change, Rejected)
    assert change.application.status == "withdrawn"


def test_offers_deletions_merges_and_the_rest() -> None:
    assert parsed("offer_create") == [
        OfferChanged(
            "3ae2b801-19f6-41ef-ad28-214bd731948f",
            "8a3c1b7e-6f1d-4c55-9a2e-3f7b0f0c1d22",
            "WaitingOnCandidateResponse",
        )
    ]
    [declined] = parsed("offer_update")
    assert isinstance(declined, OfferChanged)
    assert declined.status == "CandidateRejected"
    assert parsed("candidate_delete") == [CandidateDeleted("f9e52a51-a075-4116-a7b8-484deba69004")]
    assert parsed("candidate_merge") == [
        CandidatesMerged(
            kept_external_id="5b591aed-88e3-4395-b9c6-7d529f93354a",
            merged_external_id="f9e52a51-a075-4116-a7b8-484deba69004",
        )
    ]
    for name in ("offer_delete", "interview_schedule_create", "push_to_hris", "job_create"):
        [change] = parsed(name)
        assert isinstance(change, Ignored), name
        assert change.reason
    headers, raw = signed_delivery("applicationSubmit", {}, SECRET)
    [empty] = adapter.parse(adapter.verify(lower(headers), raw, SECRET, NOW, SETTINGS))
    assert isinstance(empty, Ignored)


# --- the API, through the fake ------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[tuple[AshbyFake, Credentials]]:
    ashby = AshbyFake(api_key="key-1")
    served = ServedApp(ashby.app()).start()
    try:
        yield ashby, Credentials({"api_key": "key-1"}, base_url=served.url)
    finally:
        served.stop()


async def all_pages(
    http: httpx.AsyncClient,
    credentials: Credentials,
    resource: ListResource,
    updated_since: datetime | None = None,
) -> tuple[list[object], int]:
    items: list[object] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await adapter.list_page(
            http,
            credentials,
            resource,
            cursor,
            updated_since,
            SETTINGS,
        )
        items.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return items, pages


async def test_every_application_arrives_once_across_pages_with_its_candidate(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=3, applications=250)
    items, pages = await all_pages(http, credentials, "applications")
    assert pages == 3
    assert len(items) == 250
    apps = [i for i in items if isinstance(i, VendorApplication)]
    assert len({a.external_id for a in apps}) == 250
    first = apps[0]
    assert first.candidate.name == "Candidate 1"
    assert first.candidate.email == "candidate1@example.com"
    assert first.stage == "Application Review"
    assert first.job_title == "Job 1"
    calls = ashby.calls("application.list")
    assert [c.json.get("limit") for c in calls] == [100, 100, 100]
    assert "cursor" not in calls[0].json
    assert calls[1].json["cursor"]
    assert all(c.query == {} for c in calls)


async def test_jobs_and_candidates_are_listed(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=2, applications=3, candidates=120)
    jobs, _ = await all_pages(http, credentials, "jobs")
    assert jobs == [
        VendorJob("job-1", "Job 1", "Open"),
        VendorJob("job-2", "Job 2", "Open"),
    ]
    candidates, pages = await all_pages(http, credentials, "candidates")
    assert pages == 2
    assert len({c.external_id for c in candidates if isinstance(c, VendorCandidate)}) == 123


async def test_updated_since_keeps_only_records_updated_since(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=5)
    cand = ashby.add_candidate("Late", "late@example.com")
    ashby.add_application(cand, "job-1", updated_at="2026-05-30T00:00:00.000Z")
    items, _ = await all_pages(http, credentials, "applications", datetime(2026, 5, 1, tzinfo=UTC))
    assert [i.candidate.name for i in items if isinstance(i, VendorApplication)] == ["Late"]


async def test_a_429_storm_is_waited_out_not_hammered(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=10)
    ashby.rate_limit_next(3, retry_after=1)
    started = time.monotonic()
    page = await adapter.list_page(http, credentials, "applications", None, None, SETTINGS)
    elapsed = time.monotonic() - started
    assert len(page.items) == 10
    assert len(ashby.requests) == 4
    assert elapsed >= 3.0


async def test_a_bad_key_is_refused_once_and_not_retried(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    wrong = Credentials({"api_key": "nope"}, base_url=credentials.base_url)
    with pytest.raises(VendorError) as refused:
        await adapter.list_page(http, wrong, "jobs", None, None, SETTINGS)
    assert not refused.value.transient
    assert refused.value.status == 401
    assert len(ashby.requests) == 1
    with pytest.raises(VendorError, match="api_key"):
        await adapter.list_page(
            http, Credentials({}, base_url=credentials.base_url), "jobs", None, None, SETTINGS
        )
    assert len(ashby.requests) == 1


async def test_a_success_false_answer_is_a_permanent_error_sent_once(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    with pytest.raises(VendorError, match="application_not_found") as refused:
        await adapter.push(http, credentials, HirePush("no-such-app"), SETTINGS)
    assert not refused.value.transient
    assert len(ashby.requests) == 1


async def test_server_errors_are_retried(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1)
    ashby.fail_next(2)
    page = await adapter.list_page(http, credentials, "jobs", None, None, SETTINGS)
    assert len(page.items) == 1
    assert len(ashby.requests) == 3


# --- pushes ------------------------------------------------------------------------------


async def test_a_stage_push_moves_to_the_named_stage_of_the_plan(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=1)
    await adapter.push(http, credentials, StagePush("app-1", "phone screen"), SETTINGS)
    assert ashby.calls("interviewStage.list")[0].json == {"interviewPlanId": "plan-default"}
    [change] = ashby.calls("application.changeStage")
    assert change.json == {
        "applicationId": "app-1",
        "interviewStageId": ashby.stage_id("Phone Screen"),
    }
    await adapter.push(http, credentials, StagePush("app-1", "Phone Screen"), SETTINGS)
    assert len(ashby.calls("application.changeStage")) == 1  # already there: no write
    with pytest.raises(VendorError, match="no stage named") as missing:
        await adapter.push(http, credentials, StagePush("app-1", "Bake-off"), SETTINGS)
    assert not missing.value.transient


async def test_a_rejection_archives_with_the_named_reason_and_notes(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=2)
    await adapter.push(
        http, credentials, RejectionPush("app-1", "not a culture fit", note="Thanks!"), SETTINGS
    )
    [change] = ashby.calls("application.changeStage")
    assert change.json == {
        "applicationId": "app-1",
        "interviewStageId": ashby.stage_id("Archived"),
        "archiveReasonId": "reason-1",
    }
    assert ashby.applications["app-1"].status == "Archived"
    assert ashby.calls("candidate.createNote")[0].json == {
        "candidateId": "cand-1",
        "note": {"type": "text/plain", "value": "Thanks!"},
    }
    await adapter.push(http, credentials, RejectionPush("app-2", None), SETTINGS)
    assert ashby.calls("application.changeStage")[1].json["archiveReasonId"] == "reason-0"
    ashby.applications["app-2"].status = "Active"
    with pytest.raises(VendorError, match="no archive reason"):
        await adapter.push(http, credentials, RejectionPush("app-2", "Astrology"), SETTINGS)


async def test_a_hire_moves_to_the_hired_stage(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=1)
    await adapter.push(http, credentials, HirePush("app-1"), SETTINGS)
    [change] = ashby.calls("application.changeStage")
    assert change.json == {"applicationId": "app-1", "interviewStageId": ashby.stage_id("Hired")}
    await adapter.push(http, credentials, HirePush("app-1"), SETTINGS)
    assert len(ashby.calls("application.changeStage")) == 1


async def test_a_scorecard_is_a_note_or_a_feedback_submission(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=1)
    card = ScorecardPush("app-1", "ada@example.com", "strong_yes", "Clear thinker.", NOW)
    await adapter.push(http, credentials, card, SETTINGS)
    [note] = ashby.calls("candidate.createNote")
    assert note.json["candidateId"] == "cand-1"
    assert "Strong Hire" in note.json["note"]["value"]
    assert "ada@example.com" in note.json["note"]["value"]

    form = ashby.add_feedback_form()
    with_form = Credentials(
        {"api_key": "key-1", "feedback_form_definition_id": form}, base_url=credentials.base_url
    )
    await adapter.push(http, with_form, card, SETTINGS)
    [submit] = ashby.calls("applicationFeedback.submit")
    submissions = submit.json["feedbackForm"]["fieldSubmissions"]
    assert submit.json["applicationId"] == "app-1"
    assert submit.json["formDefinitionId"] == form
    assert submissions[0] == {"path": "overall_recommendation", "value": "strong_hire"}
    assert submissions[1]["path"] == "detailed_feedback"
    assert submissions[1]["value"]["type"] == "PlainText"
    no = ScorecardPush("app-1", "ada@example.com", "no", "Not yet.", NOW)
    await adapter.push(http, with_form, no, SETTINGS)
    assert ashby.calls("applicationFeedback.submit")[1].json["feedbackForm"]["fieldSubmissions"][
        0
    ] == {"path": "overall_recommendation", "value": "no_hire"}


async def test_interviews_are_created_moved_and_cancelled_once(
    fake: tuple[AshbyFake, Credentials], http: httpx.AsyncClient
) -> None:
    ashby, credentials = fake
    ashby.seed(jobs=1, applications=1)
    start, end = datetime(2026, 6, 3, 15, tzinfo=UTC), datetime(2026, 6, 3, 16, tzinfo=UTC)
    push = InterviewPush("app-1", "iv-1", start, end, ("ada@example.com",))
    await adapter.push(http, credentials, push, SETTINGS)
    [create] = ashby.calls("interviewSchedule.create")
    assert create.json == {
        "applicationId": "app-1",
        "interviewEvents": [
            {
                "startTime": "2026-06-03T15:00:00+00:00",
                "endTime": "2026-06-03T16:00:00+00:00",
                "interviewers": [{"email": "ada@example.com", "feedbackRequired": True}],
                "extraData": {"hireloopInterviewId": "iv-1"},
            }
        ],
    }
    await adapter.push(http, credentials, push, SETTINGS)  # a retried push: no second schedule
    assert len(ashby.calls("interviewSchedule.create")) == 1
    moved = InterviewPush(
        "app-1",
        "iv-1",
        start.replace(hour=17),
        end.replace(hour=18),
        ("ada@example.com",),
        "rescheduled",
    )
    await adapter.push(http, credentials, moved, SETTINGS)
    update = ashby.calls("interviewSchedule.update")[-1].json
    assert update["interviewScheduleId"] == "schedule-1"
    assert update["interviewEvent"]["interviewEventId"] == "schedule-1-event-0"
    assert update["interviewEvent"]["startTime"] == "2026-06-03T17:00:00+00:00"
    cancelled = InterviewPush("app-1", "iv-1", start, end, (), "cancelled")
    await adapter.push(http, credentials, cancelled, SETTINGS)
    assert ashby.calls("interviewSchedule.update")[-1].json == {
        "interviewScheduleId": "schedule-1",
        "interviewEventIdToCancel": "schedule-1-event-0",
    }
    assert ashby.schedules["schedule-1"]["status"] == "Cancelled"
    writes = len(ashby.calls("interviewSchedule.update"))
    await adapter.push(
        http, credentials, InterviewPush("app-1", "iv-2", start, end, (), "cancelled"), SETTINGS
    )
    assert len(ashby.calls("interviewSchedule.update")) == writes  # never sent: nothing to cancel


def test_the_fake_seeds_ten_thousand_applications_quickly() -> None:
    ashby = AshbyFake()
    started = time.monotonic()
    ashby.seed(jobs=20, applications=10_000)
    assert time.monotonic() - started < 2
    assert len(ashby.applications) == 10_000
    assert ashby.application_json("app-10000")["candidate"]["name"] == "Candidate 10000"


def test_the_adapter_is_the_ashby_provider() -> None:
    assert isinstance(adapter, AshbyAdapter)
    assert adapter.provider == "ashby"
