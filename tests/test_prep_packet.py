"""Candidate prep (JSON, text and HTML) and the panel packet.

Prep is what the candidate may read: the role from the agreed intake, the interviewers, the
logistics in the candidate's time zone and the culture notes, and never the intake's internal
parts, which carry unmistakable markers here so their absence is a real check. The packet is
what the panel needs, reachable by an interviewer only through an interview they are on."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.db import Database
from tests.conftest import Person, Tenant
from tests.helpers_interviews import (
    API,
    JSON,
    Hiring,
    at,
    book,
    interviewing_application,
    local_at,
    monday,
    move_interview_to_past,
    ok,
    problem,
    upload,
)
from tests.helpers_pipeline import INTAKE, MINIMAL_PDF, png_bytes

KOLKATA = "Asia/Kolkata"
SUMMARY = "You will build the streaming platform behind our real-time pricing."
CULTURE = "We write things down, review each other's work kindly, and keep Fridays meeting-free."

# Internal parts of the intake: none of these may ever reach a candidate.
SECRETS = {
    "must_not_haves": "MNH-zebra-7781",
    "compensation notes": "COMP-otter-5521",
    "compensation min": "91234",
    "compensation max": "118765",
    "negotiables": "NEG-walrus-3319",
    "benchmark performer": "BENCH-heron-4410",
    "screening good answer": "GOOD-lynx-9902",
    "source organizations": "SRC-falcon-6643",
}

FULL_INTAKE: dict[str, Any] = {
    **copy.deepcopy(INTAKE),
    "summary": SUMMARY,
    "qualifications": ["Has run Kafka in production"],
    "success_metrics": ["Pricing events under 2 seconds end to end"],
    "suitability_evidence": ["GitHub", "A design document you wrote"],
    "must_not_haves": [f"{SECRETS['must_not_haves']} blames the team"],
    "compensation": {
        "currency": "EUR",
        "min": 91234,
        "max": 118765,
        "notes": f"{SECRETS['compensation notes']} stretch to the top for streaming experts",
    },
    "negotiables": [
        {"variable": "pay", "flexibility": f"{SECRETS['negotiables']} another 10 percent"},
        {"variable": "years_experience", "flexibility": "3 with streaming work"},
    ],
    "benchmark_performer": f"{SECRETS['benchmark performer']} someone like our Maria",
    "screening_questions": [
        {
            "question": "How would you backfill a week of events?",
            "good_answer": f"{SECRETS['screening good answer']} idempotent reruns",
        }
    ],
    "source_organizations": [f"{SECRETS['source organizations']} Streaming Corp"],
}


def _assert_nothing_internal(text: str) -> None:
    leaked = [name for name, marker in SECRETS.items() if marker in text]
    assert leaked == [], f"internal intake parts reached the candidate: {leaked}"
    assert "91,234" not in text
    assert "118,765" not in text


async def _panel(
    client: httpx.AsyncClient, tenant: Tenant
) -> tuple[Hiring, Person, Person, list[JSON]]:
    """A candidate in Kolkata with a two-stage panel on one day, and the culture notes set."""
    hiring = await interviewing_application(
        client,
        tenant,
        intake=FULL_INTAKE,
        candidate_name="Priya Raman",
        candidate_time_zone=KOLKATA,
    )
    ivan = await tenant.add(
        "interviewer",
        "Ivan Petrov",
        time_zone="Europe/Berlin",
        title="Staff Data Engineer",
        bio="Builds pipelines; <script>alert('bio')</script> & likes cycling.",
    )
    bea = await tenant.add(
        "interviewer", "Bea Schmidt", title="Engineering Manager", bio="Leads the data team."
    )
    ok(
        await client.patch(
            f"{API}/organization", headers=tenant.admin.headers, json={"culture_notes": CULTURE}
        )
    )
    tue = monday() + timedelta(days=1)
    first = await book(
        client,
        hiring.recruiter,
        hiring.app_id,
        tue + timedelta(hours=9),
        [ivan],
        kind="technical",
        video_url="https://meet.example/panel-1",
        location="Berlin office, room 4",
    )
    second = await book(
        client,
        hiring.recruiter,
        hiring.app_id,
        tue + timedelta(hours=10, minutes=15),
        [bea],
        minutes=45,
        kind="team",
    )
    return hiring, ivan, bea, [first, second]


# ---------------------------------------------------------------------------------------------
# Prep


async def test_prep_tells_the_candidate_what_they_need_in_their_time_zone(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, ivan, bea, (first, second) = await _panel(client, tenant)
    response = await client.get(
        f"{API}/interviews/{first['id']}/prep", headers=hiring.recruiter.headers
    )
    prep = ok(response)
    _assert_nothing_internal(response.text)
    assert prep["candidate_name"] == "Priya Raman"
    assert prep["organization_name"] == "Acme"
    role = prep["role"]
    assert role["title"] == "Data Engineer"
    assert role["summary"] == SUMMARY
    assert set(role["skills"]) >= {"SQL", "Airflow", "Kafka"}
    assert role["qualifications"] == ["Has run Kafka in production"]
    assert role["success_metrics"] == ["Pricing events under 2 seconds end to end"]
    assert role["suitability_evidence"] == ["GitHub", "A design document you wrote"]
    assert prep["culture_notes"] == CULTURE
    assert prep["time_zone"] == KOLKATA
    assert prep["video_url"] == "https://meet.example/panel-1"
    assert prep["location"] == "Berlin office, room 4"
    # The whole panel of the day, in order, in the candidate's local time.
    assert [s["kind"] for s in prep["stages"]] == ["technical", "team"]
    for shown, interview in zip(prep["stages"], (first, second), strict=True):
        assert at(shown["local_start"]) == at(interview["start_at"])
        assert at(shown["local_end"]) == at(interview["end_at"])
        assert shown["local_start"].endswith("+05:30")
    assert prep["stages"][0]["local_start"][11:16] == "14:30"  # 09:00 UTC
    assert prep["stages"][0]["interviewers"] == [
        {
            "name": "Ivan Petrov",
            "title": "Staff Data Engineer",
            "bio": "Builds pipelines; <script>alert('bio')</script> & likes cycling.",
        }
    ]
    assert prep["stages"][1]["interviewers"] == [
        {"name": "Bea Schmidt", "title": "Engineering Manager", "bio": "Leads the data team."}
    ]
    # Nothing about the internal people or notes either.
    assert hiring.recruiter.member.email not in response.text
    assert ivan.member.email not in response.text
    assert bea.member.email not in response.text


async def test_prep_as_text_and_html(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring, _, _, (first, _) = await _panel(client, tenant)
    url = f"{API}/interviews/{first['id']}/prep"
    local_start = at(first["start_at"]).astimezone(ZoneInfo(KOLKATA))
    when = local_start.strftime("%A %d %B %Y, %H:%M")

    text = await client.get(url, headers=hiring.recruiter.headers, params={"format": "text"})
    assert text.status_code == 200, text.text
    assert text.headers["content-type"].startswith("text/plain")
    body = text.text
    _assert_nothing_internal(body)
    for expected in (
        "Priya Raman",
        "Data Engineer",
        SUMMARY,
        "Ivan Petrov, Staff Data Engineer",
        "Bea Schmidt, Engineering Manager",
        "Leads the data team.",
        when,
        KOLKATA,
        "https://meet.example/panel-1",
        "Berlin office, room 4",
        CULTURE,
        "Pricing events under 2 seconds end to end",
    ):
        assert expected in body, expected

    html = await client.get(url, headers=hiring.recruiter.headers, params={"format": "html"})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    _assert_nothing_internal(page)
    assert page.lstrip().lower().startswith("<!doctype html>")
    for expected in ("Priya Raman", SUMMARY.replace("'", "&#39;"), "Ivan Petrov", when, KOLKATA):
        assert expected in page, expected
    assert "We write things down, review each other&#39;s work kindly" in page
    # User text is escaped: the bio's script tag arrives as text, not as markup.
    assert "<script>" not in page
    assert "&lt;script&gt;alert(" in page
    assert "&amp; likes cycling" in page
    problem(await client.get(url, headers=hiring.recruiter.headers, params={"format": "pdf"}), 422)


async def test_prep_leaves_out_cancelled_stages(client: httpx.AsyncClient, tenant: Tenant) -> None:
    hiring, _, _, (first, second) = await _panel(client, tenant)
    ok(
        await client.post(
            f"{API}/interviews/{second['id']}/cancel",
            headers=hiring.recruiter.headers,
            json={"reason": "Bea is ill"},
        )
    )
    prep = ok(
        await client.get(f"{API}/interviews/{first['id']}/prep", headers=hiring.recruiter.headers)
    )
    assert [s["kind"] for s in prep["stages"]] == ["technical"]
    text = await client.get(
        f"{API}/interviews/{first['id']}/prep",
        headers=hiring.recruiter.headers,
        params={"format": "text"},
    )
    assert "Bea Schmidt" not in text.text


async def test_prep_without_culture_notes_or_intake_extras(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    interview = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=33), [ivan]
    )
    prep = ok(await client.get(f"{API}/interviews/{interview['id']}/prep", headers=ivan.headers))
    assert prep["culture_notes"] is None
    assert prep["role"]["summary"] == INTAKE["summary"]
    assert prep["stages"][0]["interviewers"] == [{"name": "Ivan", "title": None, "bio": None}]
    text = await client.get(
        f"{API}/interviews/{interview['id']}/prep", headers=ivan.headers, params={"format": "text"}
    )
    assert "HOW WE WORK" not in text.text


# ---------------------------------------------------------------------------------------------
# The panel packet


async def _packet_case(
    client: httpx.AsyncClient, tenant: Tenant
) -> tuple[Hiring, Hiring, Person, dict[str, JSON]]:
    hiring = await interviewing_application(
        client,
        tenant,
        intake=FULL_INTAKE,
        screening_notes="SCREEN: strong streaming background, wants to mentor.",
        links={"github": "https://github.com/ann-lee", "portfolio": "https://ann.example/work"},
    )
    other = await interviewing_application(
        client,
        tenant,
        recruiter=hiring.recruiter,
        hm=hiring.hm,
        role_id=hiring.role_id,
        candidate_name="Bob Ray",
    )
    ivan = await tenant.add("interviewer", "Ivan")
    r = hiring.recruiter
    docs = {
        "resume": await upload(
            client, r, hiring.candidate_id, "ann-cv.pdf", MINIMAL_PDF, "application/pdf"
        ),
        "test": await upload(
            client,
            r,
            hiring.candidate_id,
            "take-home.pdf",
            MINIMAL_PDF,
            "application/pdf",
            kind="test_result",
        ),
        "sample": await upload(
            client,
            r,
            hiring.candidate_id,
            "dashboard.png",
            png_bytes(),
            "image/png",
            kind="portfolio_sample",
        ),
        "notes": await upload(
            client,
            r,
            hiring.candidate_id,
            "screen.txt",
            b"Phone screen: clear on exactly-once semantics.\n",
            "text/plain",
            kind="screening_notes",
            application_id=hiring.app_id,
        ),
        "offer": await upload(
            client,
            r,
            hiring.candidate_id,
            "offer.pdf",
            MINIMAL_PDF,
            "application/pdf",
            kind="offer_letter",
        ),
        "bob": await upload(
            client, r, other.candidate_id, "bob-cv.pdf", MINIMAL_PDF, "application/pdf"
        ),
    }
    return hiring, other, ivan, docs


async def test_packet_has_documents_notes_and_the_intake_summary(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, _, ivan, docs = await _packet_case(client, tenant)
    interview = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=33), [ivan]
    )
    packet = ok(
        await client.get(
            f"{API}/applications/{hiring.app_id}/packet", headers=hiring.recruiter.headers
        )
    )
    assert packet["application_id"] == hiring.app_id
    assert packet["candidate_id"] == hiring.candidate_id
    assert packet["candidate_name"] == "Ann Lee"
    assert packet["role_title"] == "Data Engineer"
    assert packet["screening_notes"] == "SCREEN: strong streaming background, wants to mentor."
    assert packet["links"]["github"] == "https://github.com/ann-lee"
    assert packet["links"]["portfolio"] == "https://ann.example/work"
    assert packet["skills"] == ["SQL"]
    assert packet["years_experience"] == 5
    listed = {d["id"]: d for d in packet["documents"]}
    assert set(listed) == {docs[k]["id"] for k in ("resume", "test", "sample", "notes")}
    assert {d["kind"] for d in packet["documents"]} == {
        "resume",
        "test_result",
        "portfolio_sample",
        "screening_notes",
    }
    resume = listed[docs["resume"]["id"]]
    assert resume["filename"] == "ann-cv.pdf"
    assert resume["content_type"] == "application/pdf"
    assert resume["size_bytes"] == len(MINIMAL_PDF)
    intake = packet["intake"]
    assert intake["revision"] == 1
    assert intake["summary"] == SUMMARY
    assert intake["must_have_skills"] == ["SQL", "Airflow"]
    assert intake["nice_to_have_skills"] == ["Kafka", "Go"]
    assert intake["screening_questions"] == ["How would you backfill a week of events?"]
    assert intake["success_metrics"] == ["Pricing events under 2 seconds end to end"]
    assert [(i["id"], i["interviewer_ids"]) for i in packet["interviews"]] == [
        (interview["id"], [str(ivan.id)])
    ]
    # Every download link works, for the interviewer too, and gives the exact bytes.
    expected_bytes = {
        docs["resume"]["id"]: MINIMAL_PDF,
        docs["test"]["id"]: MINIMAL_PDF,
        docs["sample"]["id"]: png_bytes(),
        docs["notes"]["id"]: b"Phone screen: clear on exactly-once semantics.\n",
    }
    for who in (hiring.recruiter, ivan):
        for document in packet["documents"]:
            download = await client.get(document["download_url"], headers=who.headers)
            assert download.status_code == 200, download.text
            assert download.content == expected_bytes[document["id"]]
            assert download.headers["content-type"].startswith(document["content_type"])
            assert "attachment" in download.headers["content-disposition"]


async def test_interviewer_reads_the_packet_but_nothing_else_of_the_candidate(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring, other, ivan, docs = await _packet_case(client, tenant)
    bystander = await tenant.add("interviewer", "Bystander")
    # Before any interview, Ivan has no way in.
    problem(
        await client.get(f"{API}/applications/{hiring.app_id}/packet", headers=ivan.headers), 404
    )
    interview = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=33), [ivan]
    )
    packet = ok(
        await client.get(f"{API}/applications/{hiring.app_id}/packet", headers=ivan.headers)
    )
    assert packet["candidate_name"] == "Ann Lee"
    resume_url = f"{API}/applications/{hiring.app_id}/packet/documents/{docs['resume']['id']}"
    assert (await client.get(resume_url, headers=ivan.headers)).content == MINIMAL_PDF

    cid = hiring.candidate_id
    for url in (
        f"{API}/candidates/{cid}",
        f"{API}/candidates/{cid}/documents",
        f"{API}/candidates/{cid}/documents/{docs['resume']['id']}/content",
        f"{API}/applications/{hiring.app_id}",
        f"{API}/candidates/{cid}/applications",
    ):
        response = await client.get(url, headers=ivan.headers)
        assert response.status_code == 403, (url, response.status_code, response.text)
    # Other applications' packets and documents are not there for him; nor are documents that
    # are not for the panel (the offer letter), even through the packet's own path.
    problem(
        await client.get(f"{API}/applications/{other.app_id}/packet", headers=ivan.headers), 404
    )
    for document in (docs["bob"], docs["offer"]):
        problem(
            await client.get(
                f"{API}/applications/{hiring.app_id}/packet/documents/{document['id']}",
                headers=ivan.headers,
            ),
            404,
        )
    problem(
        await client.get(
            f"{API}/applications/{other.app_id}/packet/documents/{docs['bob']['id']}",
            headers=ivan.headers,
        ),
        404,
    )
    problem(
        await client.get(
            f"{API}/applications/{hiring.app_id}/packet/documents/{uuid.uuid4()}",
            headers=hiring.recruiter.headers,
        ),
        404,
    )
    # Someone not on the panel has no packet; nor has Ivan once his interview is cancelled.
    problem(
        await client.get(f"{API}/applications/{hiring.app_id}/packet", headers=bystander.headers),
        404,
    )
    problem(await client.get(resume_url, headers=bystander.headers), 404)
    ok(
        await client.post(
            f"{API}/interviews/{interview['id']}/cancel",
            headers=hiring.recruiter.headers,
            json={"reason": "panel changed"},
        )
    )
    problem(
        await client.get(f"{API}/applications/{hiring.app_id}/packet", headers=ivan.headers), 404
    )
    problem(await client.get(resume_url, headers=ivan.headers), 404)


async def test_packet_of_another_organization_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    hiring, _, _, docs = await _packet_case(client, tenant)
    outsider = await other_tenant.add("recruiter")
    problem(
        await client.get(f"{API}/applications/{hiring.app_id}/packet", headers=outsider.headers),
        404,
    )
    problem(
        await client.get(
            f"{API}/applications/{hiring.app_id}/packet/documents/{docs['resume']['id']}",
            headers=outsider.headers,
        ),
        404,
    )


async def test_packet_includes_the_scorecards_of_earlier_interviews(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    hiring = await interviewing_application(client, tenant)
    ivan = await tenant.add("interviewer", "Ivan")
    bea = await tenant.add("interviewer", "Bea")
    earlier = await book(
        client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=33), [ivan]
    )
    await move_interview_to_past(db, earlier["id"], started_hours_ago=30)
    written = await client.put(
        f"{API}/interviews/{earlier['id']}/scorecard",
        headers=ivan.headers,
        json={
            "recommendation": "yes",
            "ratings": {"SQL": "strong_yes"},
            "reasons": "CARD-puffin-2207: explained window functions from first principles.",
            "submit": True,
        },
    )
    assert written.status_code == 200, written.text
    await book(client, hiring.recruiter, hiring.app_id, monday() + timedelta(hours=57), [bea])
    packet = ok(
        await client.get(
            f"{API}/applications/{hiring.app_id}/packet", headers=hiring.recruiter.headers
        )
    )
    assert "CARD-puffin-2207" in str(packet["scorecards"]), packet["scorecards"]


async def test_prep_and_packet_for_a_candidate_in_new_york_show_new_york_times(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    hiring = await interviewing_application(client, tenant, candidate_time_zone="America/New_York")
    ivan = await tenant.add("interviewer", "Ivan")
    tue = monday() + timedelta(days=1)
    start = local_at(tue, "11:00", "America/New_York")
    interview = await book(client, hiring.recruiter, hiring.app_id, start, [ivan])
    assert interview["time_zone"] == "America/New_York"
    prep = ok(
        await client.get(
            f"{API}/interviews/{interview['id']}/prep", headers=hiring.recruiter.headers
        )
    )
    assert prep["time_zone"] == "America/New_York"
    assert prep["stages"][0]["local_start"][11:16] == "11:00"
    assert at(prep["stages"][0]["local_start"]) == start
