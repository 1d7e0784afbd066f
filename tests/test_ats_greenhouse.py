"""The Greenhouse adapter against its documented webhook samples and a local Harvest v3 fake
served over real HTTP on 127.0.0.1 (no database)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.integrations.ats import greenhouse
from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateAnonymized,
    CandidateDeleted,
    CandidatesMerged,
    Credentials,
    Hired,
    HirePush,
    Ignored,
    InterviewPush,
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
from app.integrations.ats.greenhouse import client as greenhouse_client
from app.settings import Settings
from tests.conftest import make_settings
from tests.fakes.greenhouse import SAMPLES as SAMPLE_DIR
from tests.fakes.greenhouse import (
    GreenhouseFake,
    load_sample,
    sign,
    signed_delivery,
    signed_sample,
)
from tests.fakes.server import ServedApp

SECRET = "whsec-greenhouse-test"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ADAPTER = greenhouse.GreenhouseAdapter(per_page=50)
SETTINGS = make_settings()


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


# --- verification ------------------------------------------------------------------------

SAMPLES = [
    "new_candidate_application",
    "candidate_stage_change",
    "reject_candidate",
    "hire_candidate",
    "offer_created",
    "scorecard_deleted",
    "merge_candidate",
    "delete_candidate",
    "candidate_anonymized",
    "ping",
]


@pytest.mark.parametrize("action", SAMPLES)
def test_valid_delivery_is_verified_with_every_field_kept(action: str) -> None:
    headers, body = signed_sample(action, SECRET)
    inbound = ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    assert inbound.vendor_event_id == headers["Greenhouse-Event-ID"]
    assert inbound.event_type == action
    assert inbound.payload == load_sample(action)
    assert inbound.ping is (action == "ping")


def test_retries_of_one_delivery_keep_their_event_id() -> None:
    payload = load_sample("reject_candidate")["payload"]
    first = signed_delivery("reject_candidate", payload, SECRET, event_id="evt-1")
    again = signed_delivery("reject_candidate", payload, SECRET, event_id="evt-1")
    ids = {
        ADAPTER.verify(lower(h), b, SECRET, NOW, SETTINGS).vendor_event_id
        for h, b in (first, again)
    }
    assert ids == {"evt-1"}


def test_signature_covers_escaped_unicode_exactly_as_sent() -> None:
    headers, body = signed_delivery("application_updated", {"note": "<p>héllo & bye</p>"}, SECRET)
    assert b"\\u003cp\\u003e" in body
    assert b"\\u00e9" in body
    inbound = ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    assert inbound.payload["payload"]["note"] == "<p>héllo & bye</p>"


def test_forged_signature_is_refused() -> None:
    headers, body = signed_sample("hire_candidate", "someone-elses-secret")
    with pytest.raises(WebhookRefused, match="mismatch"):
        ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)


def test_tampered_body_is_refused() -> None:
    headers, body = signed_sample("hire_candidate", SECRET)
    tampered = body.replace(b'"Johnny"', b'"Mallory"')
    assert tampered != body
    with pytest.raises(WebhookRefused, match="mismatch"):
        ADAPTER.verify(lower(headers), tampered, SECRET, NOW, SETTINGS)


def test_unsigned_delivery_is_refused() -> None:
    headers, body = signed_sample("hire_candidate", SECRET)
    del headers["Signature"]
    with pytest.raises(WebhookRefused, match="unsigned"):
        ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)


@pytest.mark.parametrize("value", ["", "sha1 abc", "deadbeef", "sha256"])
def test_malformed_signature_header_is_refused(value: str) -> None:
    headers, body = signed_sample("hire_candidate", SECRET)
    headers["Signature"] = value
    with pytest.raises(WebhookRefused):
        ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)


def test_signed_body_that_is_not_a_json_object_is_malformed_not_forged() -> None:
    # The signature held: WebhookMalformed, answered 422 naming the body (not 401).
    for body, words in ((b"action=ping", "not JSON"), (b"[1, 2]", "not a JSON object")):
        headers = {"signature": sign(body, SECRET), "greenhouse-event-id": "e1"}
        with pytest.raises(WebhookMalformed, match=words):
            ADAPTER.verify(headers, body, SECRET, NOW, SETTINGS)
        forged = {"signature": sign(body, "other"), "greenhouse-event-id": "e1"}
        with pytest.raises(WebhookRefused) as refused:
            ADAPTER.verify(forged, body, SECRET, NOW, SETTINGS)
        assert not isinstance(refused.value, WebhookMalformed)


def test_signature_header_and_hex_case_do_not_matter() -> None:
    headers, body = signed_sample("ping", SECRET)
    algorithm, digest = headers["Signature"].split(" ")
    inbound = ADAPTER.verify(
        {"signature": f"SHA256 {digest.upper()}", "greenhouse-event-id": "e2"},
        body,
        SECRET,
        NOW,
        SETTINGS,
    )
    assert inbound.ping
    assert algorithm == "sha256"


# --- parsing -----------------------------------------------------------------------------


def parse(action: str) -> list[object]:
    headers, body = signed_sample(action, SECRET)
    return list(ADAPTER.parse(ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)))


def test_parse_new_application() -> None:
    [change] = parse("new_candidate_application")
    assert isinstance(change, ApplicationSeen)
    app = change.application
    assert (app.external_id, app.job_external_id, app.job_title) == (
        "71980812",
        "274075",
        "Data Scientist",
    )
    assert app.stage == "Preliminary Phone Screen"
    assert app.status == "active"
    assert app.updated_at == datetime(2017, 10, 27, 14, 44, 42, tzinfo=UTC)
    candidate = app.candidate
    assert (candidate.external_id, candidate.name) == ("60304594", "Jane Smith")
    assert (candidate.email, candidate.phone) == ("person@work.com", "555-555-5555")
    assert candidate.source == "LinkedIn (Prospecting)"
    assert candidate.extra["company"] == "Current Company Co."
    assert candidate.extra["tags"] == ["Ruby", "Comp Sci"]


def test_parse_stage_change() -> None:
    [change] = parse("candidate_stage_change")
    assert isinstance(change, StageChanged)
    assert change.application.stage == "Assessment"
    assert change.application.candidate.name == "Giuseppe Hurley"
    assert change.application.candidate.source == "Agency"


def test_parse_rejection() -> None:
    [change] = parse("reject_candidate")
    assert isinstance(change, Rejected)
    app = change.application
    assert (app.external_id, app.status, app.rejection_reason) == (
        "265293",
        "rejected",
        "Too Junior",
    )
    assert app.candidate.source == "LinkedIn"


def test_parse_hire() -> None:
    [change] = parse("hire_candidate")
    assert isinstance(change, Hired)
    app = change.application
    assert (app.external_id, app.job_external_id, app.candidate.email) == (
        "46194062",
        "323753",
        "personal@example.com",
    )


def test_parse_offer_created() -> None:
    assert parse("offer_created") == [OfferChanged("234556", "12345", "Accepted")]


def test_parse_candidate_lifecycle_events() -> None:
    assert parse("merge_candidate") == [CandidatesMerged("457456", "37031511")]
    assert parse("delete_candidate") == [CandidateDeleted("37031511")]
    assert parse("candidate_anonymized") == [CandidateAnonymized("37031511")]


def test_parse_scorecard_deleted_is_ignored_with_reason() -> None:
    [change] = parse("scorecard_deleted")
    assert isinstance(change, Ignored)
    assert "scorecard_deleted" in change.reason


def test_ping_is_answered_and_ignored() -> None:
    assert parse("ping") == [Ignored("ping")]


def test_unexpected_payload_shape_is_ignored_not_raised() -> None:
    headers, body = signed_delivery("merge_candidate", {"person": {"id": 1}}, SECRET)
    inbound = ADAPTER.verify(lower(headers), body, SECRET, NOW, SETTINGS)
    [change] = ADAPTER.parse(inbound)
    assert isinstance(change, Ignored)
    assert "unexpected payload" in change.reason


# --- the Harvest v3 fake over HTTP -------------------------------------------------------


@dataclass
class Harvest:
    fake: GreenhouseFake
    url: str
    credentials: Credentials
    settings: Settings


@pytest.fixture
def harvest() -> Iterator[Harvest]:
    greenhouse.clear_token_cache()
    fake = GreenhouseFake(client_id=f"gh-{uuid.uuid4().hex[:8]}", client_secret="s3cret")
    served = ServedApp(fake.app).start()
    try:
        yield Harvest(
            fake,
            served.url,
            Credentials(
                {"client_id": fake.client_id, "client_secret": fake.client_secret},
                base_url=f"{served.url}/v3",
            ),
            make_settings(),
        )
    finally:
        served.stop()


async def test_list_applications_across_pages_returns_each_once_with_candidate(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    seeded = harvest.fake.seed(jobs=3, applications=250, rejected_every=7)
    seen: list[VendorApplication] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await ADAPTER.list_page(
            http, harvest.credentials, "applications", cursor, None, harvest.settings
        )
        pages += 1
        seen.extend(app for app in page.items if isinstance(app, VendorApplication))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 5
    assert sorted(a.external_id for a in seen) == sorted(str(a["id"]) for a in seeded)
    by_id = {a.external_id: a for a in seen}
    for row in seeded:
        app = by_id[str(row["id"])]
        candidate = harvest.fake.tables["candidates"].rows[row["candidate_id"]]
        assert app.candidate.external_id == str(candidate["id"])
        assert app.candidate.email == candidate["email_addresses"][0]["value"]
        assert app.job_external_id == str(row["job_id"])
        assert app.stage == harvest.fake.current_stage_name(row["id"])
        if row["status"] == "rejected":
            assert app.status == "rejected"
            assert app.rejection_reason == "Lacking skill(s)/qualification(s)"
        else:
            assert app.status == "active"
            assert app.rejection_reason is None
    # Later pages carry only the cursor; lookups are batched per page, never per application.
    listing = harvest.fake.api_requests("GET", "/v3/applications")
    assert listing[0].query == {"per_page": "50"}
    assert all(set(r.query) == {"cursor"} for r in listing[1:])
    assert len(harvest.fake.api_requests()) <= pages * 6
    assert len(harvest.fake.requests) - len(harvest.fake.api_requests()) == 1  # one token


async def test_list_jobs_and_candidates_with_updated_since(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    old = datetime.now(UTC) - timedelta(days=30)
    harvest.fake.seed(jobs=2, applications=3, updated_at=old)
    fresh = harvest.fake.add_candidate("Grace", "Hopper", email="grace@example.com", phone="555")
    since = datetime.now(UTC) - timedelta(days=1)
    page = await ADAPTER.list_page(
        http, harvest.credentials, "candidates", None, since, harvest.settings
    )
    assert page.next_cursor is None
    assert page.items == [
        VendorCandidate(
            str(fresh["id"]),
            "Grace Hopper",
            "grace@example.com",
            "555",
            extra={k: fresh[k] for k in ("company", "title", "tags", "created_at", "updated_at")},
        )
    ]
    [request] = harvest.fake.api_requests("GET", "/v3/candidates")
    assert request.query["updated_at"].startswith("gte|")
    jobs = await ADAPTER.list_page(http, harvest.credentials, "jobs", None, None, harvest.settings)
    assert [j for j in jobs.items if isinstance(j, VendorJob)] == [
        VendorJob(str(job["id"]), job["name"], "open")
        for job in harvest.fake.tables["jobs"].rows.values()
    ]


async def test_ten_thousand_applications_import(harvest: Harvest, http: httpx.AsyncClient) -> None:
    started = time.monotonic()
    harvest.fake.seed(jobs=5, applications=10_000, rejected_every=50)
    adapter = greenhouse.GreenhouseAdapter(per_page=500)
    ids: set[str] = set()
    cursor: str | None = None
    while True:
        page = await adapter.list_page(
            http, harvest.credentials, "applications", cursor, None, harvest.settings
        )
        ids.update(a.external_id for a in page.items if isinstance(a, VendorApplication))
        if (cursor := page.next_cursor) is None:
            break
    assert len(ids) == 10_000
    assert time.monotonic() - started < 15


async def test_429_storm_is_waited_out_not_hammered(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    harvest.fake.seed(jobs=1)
    harvest.fake.fail_with_429(3, retry_after=1)
    started = time.monotonic()
    page = await ADAPTER.list_page(http, harvest.credentials, "jobs", None, None, harvest.settings)
    elapsed = time.monotonic() - started
    assert len(page.items) == 1
    assert len(harvest.fake.api_requests()) == 4  # three 429s, then the answer
    assert elapsed >= 3.0


async def test_5xx_is_retried(harvest: Harvest, http: httpx.AsyncClient) -> None:
    harvest.fake.seed(jobs=1)
    harvest.fake.fail_with_500(2)
    page = await ADAPTER.list_page(http, harvest.credentials, "jobs", None, None, harvest.settings)
    assert len(page.items) == 1
    assert len(harvest.fake.api_requests()) == 3


async def test_4xx_is_not_retried(harvest: Harvest, http: httpx.AsyncClient) -> None:
    [app] = harvest.fake.seed(jobs=1, applications=1)
    harvest.fake.tables["applications"].rows[app["id"]]["status"] = "hired"
    with pytest.raises(VendorError) as caught:
        await ADAPTER.push(http, harvest.credentials, HirePush(str(app["id"])), harvest.settings)
    assert caught.value.status == 422
    assert not caught.value.transient
    assert len(harvest.fake.api_requests("POST")) == 1


async def test_token_is_cached_and_refreshed_after_401(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    harvest.fake.seed(jobs=1)
    for _ in range(3):
        await ADAPTER.list_page(http, harvest.credentials, "jobs", None, None, harvest.settings)
    tokens = [r for r in harvest.fake.requests if r.path == "/token"]
    assert len(tokens) == 1
    assert tokens[0].form == {"grant_type": "client_credentials"}
    harvest.fake.expire_tokens()
    await ADAPTER.list_page(http, harvest.credentials, "jobs", None, None, harvest.settings)
    assert len([r for r in harvest.fake.requests if r.path == "/token"]) == 2


async def test_bad_client_credentials_are_refused(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    wrong = Credentials(
        {"client_id": harvest.fake.client_id, "client_secret": "nope"}, base_url=f"{harvest.url}/v3"
    )
    with pytest.raises(VendorError) as caught:
        await ADAPTER.list_page(http, wrong, "jobs", None, None, harvest.settings)
    assert caught.value.status == 401
    assert not caught.value.transient
    assert harvest.fake.api_requests() == []


# --- pushes ------------------------------------------------------------------------------


async def test_stage_push_moves_to_the_named_stage(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    [app] = harvest.fake.seed(jobs=1, applications=1)
    target = next(s for s in harvest.fake.stages_of(app["job_id"]) if s["name"] == "Face to Face")
    await ADAPTER.push(
        http, harvest.credentials, StagePush(str(app["id"]), "face to face"), harvest.settings
    )
    [move] = harvest.fake.api_requests("POST", f"/v3/applications/{app['id']}/move")
    assert move.json == {"to_stage_id": target["id"]}
    assert harvest.fake.current_stage_name(app["id"]) == "Face to Face"
    # With the job known, no application lookup is needed.
    await ADAPTER.push(
        http,
        harvest.credentials,
        StagePush(str(app["id"]), "Offer", job_external_id=str(app["job_id"])),
        harvest.settings,
    )
    assert harvest.fake.current_stage_name(app["id"]) == "Offer"
    assert len(harvest.fake.api_requests("GET", "/v3/applications")) == 1


async def test_stage_push_to_unknown_stage_is_a_permanent_error(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    [app] = harvest.fake.seed(jobs=1, applications=1)
    with pytest.raises(VendorError, match="no stage named") as caught:
        await ADAPTER.push(
            http, harvest.credentials, StagePush(str(app["id"]), "Nope"), harvest.settings
        )
    assert not caught.value.transient
    assert harvest.fake.api_requests("POST") == []


async def test_rejection_push(harvest: Harvest, http: httpx.AsyncClient) -> None:
    [app] = harvest.fake.seed(jobs=1, applications=1)
    push = RejectionPush(str(app["id"]), "Too Junior", note="Needs more experience")
    await ADAPTER.push(http, harvest.credentials, push, harvest.settings)
    [reject] = harvest.fake.api_requests("POST", f"/v3/applications/{app['id']}/reject")
    reasons = harvest.fake.tables["rejection_reasons"].rows
    assert reject.json == {
        "rejection_reason_id": next(i for i, r in reasons.items() if r["name"] == "Too Junior"),
        "notes": "Needs more experience",
    }
    assert harvest.fake.tables["applications"].rows[app["id"]]["status"] == "rejected"
    with pytest.raises(VendorError, match="requires a rejection reason"):
        await ADAPTER.push(
            http, harvest.credentials, RejectionPush(str(app["id"]), None), harvest.settings
        )


async def test_hire_push(harvest: Harvest, http: httpx.AsyncClient) -> None:
    [app] = harvest.fake.seed(jobs=1, applications=1)
    await ADAPTER.push(http, harvest.credentials, HirePush(str(app["id"])), harvest.settings)
    [hire] = harvest.fake.api_requests("POST", f"/v3/applications/{app['id']}/hire")
    assert hire.json == {}
    assert harvest.fake.tables["applications"].rows[app["id"]]["status"] == "hired"


async def test_scorecard_and_interview_pushes_become_private_notes(
    harvest: Harvest, http: httpx.AsyncClient
) -> None:
    [app] = harvest.fake.seed(jobs=1, applications=1)
    scorecard = ScorecardPush(
        str(app["id"]), "iv@example.com", "strong_yes", "Great systems design", NOW
    )
    interview = InterviewPush(
        str(app["id"]), "int-1", NOW, NOW + timedelta(hours=1), ("iv@example.com",)
    )
    for push in (scorecard, interview):
        await ADAPTER.push(http, harvest.credentials, push, harvest.settings)
    notes = harvest.fake.api_requests("POST", "/v3/notes")
    assert len(notes) == 2
    for note in notes:
        assert isinstance(note.json, dict)
        assert note.json["candidate_id"] == app["candidate_id"]
        assert note.json["application_id"] == app["id"]
        assert note.json["visibility"] == "private"
    assert "strong_yes" in notes[0].json["body"]
    assert "Great systems design" in notes[0].json["body"]
    assert "int-1" in notes[1].json["body"]
    assert "iv@example.com" in notes[1].json["body"]


def test_samples_are_the_documented_ones() -> None:
    for action in SAMPLES:
        source = (SAMPLE_DIR / f"greenhouse_{action}.source.txt").read_text()
        assert "greenhouse" in source.lower()
        assert "developers.greenhouse.io" in source
        json.loads((SAMPLE_DIR / f"greenhouse_{action}.json").read_text())


def test_next_cursor_is_taken_from_the_next_link_only() -> None:
    header = (
        '<https://harvest.greenhouse.io/v3/jobs?cursor=prev1>; rel="prev", '
        '<https://harvest.greenhouse.io/v3/jobs?cursor=abc%3D%3D>; rel="next"'
    )
    assert greenhouse_client._next_cursor(header) == "abc=="
    assert greenhouse_client._next_cursor("") is None
    assert greenhouse_client._next_cursor('<https://x/v3/jobs?cursor=p>; rel="prev"') is None
