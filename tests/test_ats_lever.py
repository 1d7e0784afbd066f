"""The Lever adapter against its documented scheme and a local fake of Lever's API over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateDeleted,
    Credentials,
    Hired,
    HirePush,
    Ignored,
    Inbound,
    InterviewPush,
    Rejected,
    RejectionPush,
    ScorecardPush,
    StageChanged,
    StagePush,
    VendorApplication,
    VendorCandidate,
    VendorError,
    VendorJob,
    WebhookRefused,
)
from app.integrations.ats.lever import LeverAdapter, fetch_application
from app.integrations.ats.lever import client as lever_client
from app.integrations.ats.lever import mapping as lever_mapping
from app.integrations.http import _throttles
from app.settings import Settings
from tests.conftest import make_settings
from tests.fakes.lever import DEFAULT_ARCHIVE_REASONS, HIRED_REASON_ID, LeverFake, signed_delivery
from tests.fakes.server import ServedApp

SAMPLES = Path(__file__).parent / "fakes" / "samples" / "lever"
SECRET = "lever-webhook-signature-token"
API_KEY = "lever-test-key"
adapter = LeverAdapter()


@pytest.fixture(scope="module")
def lever_settings() -> Settings:
    return make_settings()


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return data


def _verify(headers: dict[str, str], body: bytes, now: datetime | None = None) -> Inbound:
    return adapter.verify(headers, body, SECRET, now or datetime.now(UTC), make_settings())


# --- verification ---------------------------------------------------------------------------


def test_a_signed_delivery_verifies_and_keeps_the_whole_payload() -> None:
    sample = _sample("candidateStageChange")
    headers, body = signed_delivery("candidateStageChange", sample["data"], SECRET)
    inbound = _verify(headers, body)
    sent = json.loads(body)
    assert inbound.vendor_event_id == sent["token"]
    assert inbound.event_type == "candidateStageChange"
    assert inbound.payload == sent
    assert not inbound.ping


def test_the_documented_sample_signature_checks_out_with_its_token() -> None:
    sample = _sample("candidateHired")
    expected = hmac.new(
        b"lever-sample-signature-token",
        f"{sample['token']}{sample['triggeredAt']}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert sample["signature"] == expected
    # At the time it was sent it verifies; today it is stale.
    sent_at = datetime.fromtimestamp(sample["triggeredAt"] / 1000, tz=UTC)
    body = json.dumps(sample).encode()
    inbound = adapter.verify(
        {}, body, "lever-sample-signature-token", sent_at + timedelta(seconds=5), make_settings()
    )
    assert inbound.vendor_event_id == sample["token"]
    with pytest.raises(WebhookRefused, match="stale"):
        adapter.verify({}, body, "lever-sample-signature-token", datetime.now(UTC), make_settings())


def test_a_forged_signature_is_refused() -> None:
    _, body = signed_delivery("candidateHired", _sample("candidateHired")["data"], "other-secret")
    with pytest.raises(WebhookRefused, match="signature mismatch"):
        _verify({}, body)


def test_a_tampered_token_or_timestamp_is_refused() -> None:
    _, body = signed_delivery("candidateHired", _sample("candidateHired")["data"], SECRET)
    payload = json.loads(body)
    for field, value in (("token", "f" * 32), ("triggeredAt", payload["triggeredAt"] + 1)):
        tampered = {**payload, field: value}
        with pytest.raises(WebhookRefused, match="signature mismatch"):
            _verify({}, json.dumps(tampered).encode())


def test_an_unsigned_delivery_is_refused() -> None:
    _, body = signed_delivery("candidateHired", _sample("candidateHired")["data"], SECRET)
    payload = json.loads(body)
    for missing in ("signature", "token", "triggeredAt"):
        stripped = {k: v for k, v in payload.items() if k != missing}
        with pytest.raises(WebhookRefused, match="unsigned"):
            _verify({}, json.dumps(stripped).encode())


def test_a_body_that_is_not_json_is_refused() -> None:
    with pytest.raises(WebhookRefused, match="not JSON"):
        _verify({}, b"token=abc&signature=def")
    with pytest.raises(WebhookRefused, match="not JSON"):
        _verify({}, b"[1, 2]")


def test_stale_and_future_deliveries_are_refused() -> None:
    data = _sample("candidateHired")["data"]
    now = datetime.now(UTC)
    max_age = make_settings().lever_webhook_max_age_seconds
    old = int((now - timedelta(seconds=max_age + 1)).timestamp() * 1000)
    _, body = signed_delivery("candidateHired", data, SECRET, triggered_at=old)
    with pytest.raises(WebhookRefused, match="stale"):
        _verify({}, body, now)
    recent = int((now - timedelta(seconds=max_age - 5)).timestamp() * 1000)
    _, body = signed_delivery("candidateHired", data, SECRET, triggered_at=recent)
    assert _verify({}, body, now).event_type == "candidateHired"
    future = int((now + timedelta(hours=1)).timestamp() * 1000)
    _, body = signed_delivery("candidateHired", data, SECRET, triggered_at=future)
    with pytest.raises(WebhookRefused, match="future"):
        _verify({}, body, now)


def test_a_replayed_delivery_keeps_its_token_as_the_event_id() -> None:
    """A retry (or a replay) carries the same token: the inbox stores it once per connection."""
    data = _sample("candidateHired")["data"]
    triggered = int(time.time() * 1000)
    _, first = signed_delivery(
        "candidateHired", data, SECRET, token="t" * 32, triggered_at=triggered
    )
    _, again = signed_delivery(
        "candidateHired", data, SECRET, token="t" * 32, triggered_at=triggered
    )
    assert _verify({}, first).vendor_event_id == _verify({}, again).vendor_event_id == "t" * 32


# --- parsing ----------------------------------------------------------------------------------


def _inbound(name: str) -> Inbound:
    sample = _sample(name)
    return Inbound(vendor_event_id=sample["token"], event_type=sample["event"], payload=sample)


OPP = "250d8f03-738a-4bba-a671-8a3d73477145"
CONTACT = "7f23e772-a1d8-4f4e-9a3a-1d5a9e7c2a01"


def test_parse_application_created() -> None:
    [change] = adapter.parse(_inbound("applicationCreated"))
    assert isinstance(change, ApplicationSeen)
    assert change.application.external_id == OPP
    assert change.application.candidate.external_id == CONTACT
    assert change.application.status == "active"


def test_parse_stage_change_reports_the_stage_id() -> None:
    [change] = adapter.parse(_inbound("candidateStageChange"))
    assert isinstance(change, StageChanged)
    assert change.application.external_id == OPP
    assert change.application.stage == "offer"


def test_parse_archive_change_is_a_rejection_with_its_reason() -> None:
    [change] = adapter.parse(_inbound("candidateArchiveChange"))
    assert isinstance(change, Rejected)
    assert change.application.status == "rejected"
    assert change.application.rejection_reason == "63dd55b2-a99f-4e7b-985f-22c7bf80ab42"
    assert change.application.updated_at == datetime.fromtimestamp(1485386612.734, tz=UTC)


def test_parse_archive_change_with_the_hired_reason_is_a_hire_once_known() -> None:
    sample = _sample("candidateArchiveChange")
    sample["data"]["toArchived"]["reason"] = HIRED_REASON_ID
    inbound = Inbound(sample["token"], sample["event"], sample)
    lever_mapping.hired_reason_ids.add(HIRED_REASON_ID)
    try:
        [change] = adapter.parse(inbound)
    finally:
        lever_mapping.hired_reason_ids.discard(HIRED_REASON_ID)
    assert isinstance(change, Hired)


def test_parse_unarchive_is_an_update_read_from_lever() -> None:
    [change] = adapter.parse(_inbound("candidateArchiveChange_unarchived"))
    assert isinstance(change, ApplicationSeen)
    assert change.application.status == "active"


def test_parse_hired_deleted_and_interviews() -> None:
    [hired] = adapter.parse(_inbound("candidateHired"))
    assert isinstance(hired, Hired)
    assert hired.application.status == "hired"
    [deleted] = adapter.parse(_inbound("candidateDeleted"))
    assert deleted == CandidateDeleted(candidate_external_id=CONTACT)
    [interview] = adapter.parse(_inbound("interviewCreated"))
    assert isinstance(interview, Ignored)
    unknown = Inbound("x", "somethingNew", {"event": "somethingNew", "data": {}})
    assert isinstance(adapter.parse(unknown)[0], Ignored)


# --- the API, against the fake ------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[tuple[LeverFake, ServedApp]]:
    lever = LeverFake(api_key=API_KEY)
    served = ServedApp(lever.app).start()
    _throttles.clear()
    lever_client._vocabulary_cache.clear()
    lever_client._posting_titles.clear()
    try:
        yield lever, served
    finally:
        served.stop()


def _credentials(served: ServedApp, **extra: str) -> Credentials:
    return Credentials(values={"api_key": API_KEY, **extra}, base_url=served.url)


async def _all(
    http: httpx.AsyncClient,
    credentials: Credentials,
    resource: Any,
    settings: Settings,
    updated_since: datetime | None = None,
) -> tuple[list[Any], int]:
    items: list[Any] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await adapter.list_page(http, credentials, resource, cursor, updated_since, settings)
        items.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return items, pages


async def test_applications_across_many_pages_come_once_with_their_candidate(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=4, applications=250, archived_every=10, hired_every=25)
    items, pages = await _all(http, _credentials(served), "applications", lever_settings)
    assert pages == 3
    assert len(items) == 250
    assert len({a.external_id for a in items}) == 250
    first = items[0]
    assert isinstance(first, VendorApplication)
    assert first.candidate == VendorCandidate(
        external_id="contact-000000",
        name="Candidate 0",
        email="candidate0@example.com",
        source="Job site",
        extra={"origin": "applied"},
    )
    assert first.job_external_id == "posting-00000"
    assert first.stage == "lead-new"
    assert first.updated_at == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    by_id = {a.external_id: a for a in items}
    assert by_id["opp-000024"].status == "hired"
    assert by_id["opp-000009"].status == "rejected"
    assert by_id["opp-000009"].rejection_reason == DEFAULT_ARCHIVE_REASONS[0]["id"]
    listed = lever.requests_to("GET", "/opportunities")
    assert [r.query.get("limit") for r in listed] == [["100"]] * 3
    assert listed[0].query["expand"] == ["applications"]


async def test_updated_since_is_the_documented_filter(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=2, applications=30)
    since = datetime.fromtimestamp(1_700_000_020, tz=UTC)
    items, _ = await _all(http, _credentials(served), "applications", lever_settings, since)
    assert [a.external_id for a in items] == [f"opp-{n:06d}" for n in range(20, 30)]
    assert lever.requests_to("GET", "/opportunities")[0].query["updated_at_start"] == [
        "1700000020000"
    ]


async def test_jobs_and_candidates(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=120, applications=120)
    jobs, pages = await _all(http, _credentials(served), "jobs", lever_settings)
    assert pages == 2
    assert jobs[0] == VendorJob(external_id="posting-00000", title="Job 0", status="published")
    assert len({j.external_id for j in jobs}) == 120
    candidates, _ = await _all(http, _credentials(served), "candidates", lever_settings)
    assert len({c.external_id for c in candidates}) == 120


async def test_a_429_storm_is_waited_out_not_hammered(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=5)
    lever.storm_429(3, retry_after=1)
    started = time.monotonic()
    page = await adapter.list_page(
        http, _credentials(served), "applications", None, None, lever_settings
    )
    elapsed = time.monotonic() - started
    assert len(page.items) == 5
    assert len(lever.requests) == 4  # three 429s, then the answer
    assert elapsed >= 3.0


async def test_a_4xx_is_not_retried(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    bad = Credentials(values={"api_key": "wrong"}, base_url=served.url)
    with pytest.raises(VendorError) as refused:
        await adapter.list_page(http, bad, "jobs", None, None, lever_settings)
    assert refused.value.status == 401
    assert not refused.value.transient
    assert len(lever.requests) == 1


async def test_a_5xx_is_retried(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=3, applications=0)
    lever.fail_500(2)
    page = await adapter.list_page(http, _credentials(served), "jobs", None, None, lever_settings)
    assert len(page.items) == 3
    assert len(lever.requests) == 3


async def test_missing_credentials_are_a_permanent_error(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    _, served = fake
    with pytest.raises(VendorError, match="api_key"):
        await adapter.list_page(
            http, Credentials(values={}, base_url=served.url), "jobs", None, None, lever_settings
        )


# --- pushes -------------------------------------------------------------------------------------


async def test_stage_push_looks_up_the_stage_by_name_or_id(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=1)
    credentials = _credentials(served, perform_as="user-1")
    await adapter.push(http, credentials, StagePush("opp-000000", "Phone screen"), lever_settings)
    [put] = lever.requests_to("PUT", "/opportunities/opp-000000/stage")
    assert put.json == {"stage": "d0d0a1b6-0e1a-4c39-9f4c-3b0a2f3f1a01"}
    assert put.query == {"perform_as": ["user-1"]}
    await adapter.push(http, credentials, StagePush("opp-000000", "offer"), lever_settings)
    assert lever.opportunity("opp-000000")["stage"] == "offer"
    with pytest.raises(VendorError, match="no stage"):
        await adapter.push(http, credentials, StagePush("opp-000000", "Nope"), lever_settings)


async def test_rejection_push_archives_with_the_reason_and_leaves_the_note(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=2)
    credentials = _credentials(served)
    await adapter.push(
        http,
        credentials,
        RejectionPush("opp-000000", "offer declined", note="Chose another offer"),
        lever_settings,
    )
    [put] = lever.requests_to("PUT", "/opportunities/opp-000000/archived")
    assert put.json == {"reason": "73ea2610-057a-4576-92ab-551de1835189"}
    assert put.query == {}
    [note] = lever.requests_to("POST", "/opportunities/opp-000000/notes")
    assert note.json == {"value": "Chose another offer"}
    await adapter.push(http, credentials, RejectionPush("opp-000001", None), lever_settings)
    assert lever.opportunity("opp-000001")["archived"]["reason"] == DEFAULT_ARCHIVE_REASONS[0]["id"]


async def test_hire_push_archives_with_the_hired_reason(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=1)
    await adapter.push(http, _credentials(served), HirePush("opp-000000"), lever_settings)
    [put] = lever.requests_to("PUT", "/opportunities/opp-000000/archived")
    assert put.json == {"reason": HIRED_REASON_ID}
    # Once learnt, a candidateArchiveChange with that reason reads as a hire.
    assert HIRED_REASON_ID in lever_mapping.hired_reason_ids


async def test_scorecard_push_is_a_note(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=1)
    submitted = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    await adapter.push(
        http,
        _credentials(served, perform_as="user-9"),
        ScorecardPush(
            "opp-000000", "ann@example.com", "strong_yes", "Great systems design", submitted
        ),
        lever_settings,
    )
    [note] = lever.requests_to("POST", "/opportunities/opp-000000/notes")
    assert note.query == {"perform_as": ["user-9"]}
    assert note.json["createdAt"] == int(submitted.timestamp() * 1000)
    assert "strong yes" in note.json["value"]
    assert "Great systems design" in note.json["value"]


async def test_interview_push_creates_moves_and_cancels_a_panel(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=1)
    lever.add_user("user-ann", "ann@example.com")
    credentials = _credentials(served, perform_as="user-1")
    start = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
    push = InterviewPush(
        "opp-000000", "iv-1", start, start + timedelta(minutes=45), ("ann@example.com",)
    )
    await adapter.push(http, credentials, push, lever_settings)
    [created] = lever.requests_to("POST", "/opportunities/opp-000000/panels")
    assert created.query == {"perform_as": ["user-1"]}
    assert created.json["externallyManaged"] is True
    assert created.json["externalUrl"].endswith("/interviews/iv-1")
    assert created.json["interviews"] == [
        {
            "subject": "Interview",
            "interviewers": [{"id": "user-ann"}],
            "date": int(start.timestamp() * 1000),
            "duration": 45,
        }
    ]
    [panel] = lever.panels["opp-000000"]
    moved = InterviewPush(
        "opp-000000",
        "iv-1",
        start + timedelta(days=1),
        start + timedelta(days=1, hours=1),
        ("ann@example.com",),
        status="rescheduled",
    )
    await adapter.push(http, credentials, moved, lever_settings)
    [put] = lever.requests_to("PUT", f"/opportunities/opp-000000/panels/{panel['id']}")
    assert put.json["interviews"][0]["duration"] == 60
    assert len(lever.panels["opp-000000"]) == 1
    cancelled = InterviewPush(
        "opp-000000", "iv-1", start, start, ("ann@example.com",), status="cancelled"
    )
    await adapter.push(http, credentials, cancelled, lever_settings)
    assert lever.requests_to("DELETE", f"/opportunities/opp-000000/panels/{panel['id']}")
    assert lever.panels["opp-000000"] == []


async def test_fetch_application_fills_in_a_webhook(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    lever.seed(jobs=1, applications=1)
    application = await fetch_application(http, _credentials(served), "opp-000000", lever_settings)
    assert application.candidate.email == "candidate0@example.com"
    assert application.job_external_id == "posting-00000"
    # The opportunity names its posting by id; the title is the posting's `text` in Lever.
    assert application.job_title == "Job 0"
    assert len(lever.requests_to("GET", "/postings/posting-00000")) == 1
    with pytest.raises(VendorError) as missing:
        await fetch_application(http, _credentials(served), "nope", lever_settings)
    assert missing.value.status == 404


def test_the_fake_seeds_ten_thousand_quickly() -> None:
    started = time.monotonic()
    LeverFake().seed(jobs=50, applications=10_000)
    assert time.monotonic() - started < 2.0


async def test_the_posting_title_comes_from_get_posting_once_and_a_missing_one_is_none(
    fake: tuple[LeverFake, ServedApp], http: httpx.AsyncClient, lever_settings: Settings
) -> None:
    lever, served = fake
    posting = lever.add_posting("Senior Platform Engineer", posting_id="posting-title")
    for n, posting_id in enumerate((posting, posting, "posting-gone")):
        lever.add_opportunity(
            opportunity_id=f"opp-t{n}",
            contact_id=f"contact-t{n}",
            name=f"Title {n}",
            email=None,
            posting_id=posting_id,
        )
    first = await fetch_application(http, _credentials(served), "opp-t0", lever_settings)
    second = await fetch_application(http, _credentials(served), "opp-t1", lever_settings)
    assert first.job_title == second.job_title == "Senior Platform Engineer"
    # Read once for both (kept for five minutes), by Lever's documented path.
    assert len(lever.requests_to("GET", "/postings/posting-title")) == 1
    # A posting Lever does not have (404) leaves the title unknown; the event still applies.
    gone = await fetch_application(http, _credentials(served), "opp-t2", lever_settings)
    assert (gone.job_external_id, gone.job_title) == ("posting-gone", None)
    # A transient failure is raised, so the event is retried rather than titled wrongly.
    lever_client._posting_titles.clear()
    lever.storm_429(1, retry_after=120)  # longer than is waited inline: handed back
    with pytest.raises(VendorError) as failing:
        await lever_client.fetch_posting_title(
            http, _credentials(served), "posting-title", lever_settings
        )
    assert failing.value.transient
