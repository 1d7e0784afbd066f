"""Candidates over REST: create, read, change, search, one per email, consent, who sees whom."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.helpers_pipeline import apply, events_of, make_candidate, make_role


def _names(page: dict[str, Any]) -> list[str]:
    return [c["name"] for c in page["items"]]


async def test_create_and_read_a_candidate_with_consent_and_source(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    before = datetime.now(UTC)
    response = await client.post(
        "/api/v1/candidates",
        headers=recruiter.headers,
        json={
            "name": "Ada Lovelace",
            "email": "Ada.Lovelace@Example.COM",
            "phone": "+44 20 7946 0000",
            "location": "London",
            "time_zone": "Europe/London",
            "links": {"github": "https://github.com/ada"},
            "current_title": "Analyst",
            "current_company": "Engines Ltd",
            "years_experience": 7,
            "skills": ["Python", "SQL", "python"],
            "source": "referral",
            "source_detail": "Referred by Charles",
            "consent_given": True,
            "consent_note": "Agreed on the phone",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/candidates/{created['id']}"
    assert response.headers["etag"] == '"1"'
    assert created["email"] == "ada.lovelace@example.com"
    assert created["skills"] == ["Python", "SQL"]  # a skill twice in another case is one skill
    assert created["source"] == "referral"
    assert created["source_detail"] == "Referred by Charles"
    assert created["consent_given"] is True
    consent_at = datetime.fromisoformat(created["consent_at"])
    assert before - timedelta(seconds=5) <= consent_at <= datetime.now(UTC) + timedelta(seconds=5)
    assert created["links"]["github"] == "https://github.com/ada"
    assert created["organization_id"] == str(tenant.organization_id)

    read = await client.get(f"/api/v1/candidates/{created['id']}", headers=recruiter.headers)
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == '"1"'

    events = await events_of(client, tenant.admin, "candidate.created")
    assert [(e["resource_id"], e["data"]["source"]) for e in events] == [
        (created["id"], "referral")
    ]
    assert events[0]["actor_member_id"] == str(recruiter.id)


async def test_candidate_without_consent_has_no_consent_time(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "No Consent", consent=False)
    assert candidate["consent_given"] is False
    assert candidate["consent_at"] is None


async def test_consent_given_later_is_timed_and_withdrawn_consent_is_cleared(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Late Consent", consent=False)
    url = f"/api/v1/candidates/{candidate['id']}"

    given = await client.patch(url, headers=recruiter.headers, json={"consent_given": True})
    assert given.status_code == 200, given.text
    assert given.json()["consent_given"] is True
    assert given.json()["consent_at"] is not None

    withdrawn = await client.patch(url, headers=recruiter.headers, json={"consent_given": False})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["consent_given"] is False
    assert withdrawn.json()["consent_at"] is None
    stored = (await client.get(url, headers=recruiter.headers)).json()
    assert stored["consent_given"] is False
    assert stored["consent_at"] is None


async def test_update_with_if_match_and_a_stale_etag_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Grace Hopper", skills=["COBOL"], years=3)
    url = f"/api/v1/candidates/{candidate['id']}"

    first = await client.patch(
        url,
        headers={**recruiter.headers, "If-Match": '"1"'},
        json={
            "current_title": "Rear Admiral",
            "skills": ["COBOL", "Fortran"],
            "years_experience": 30,
        },
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    body = first.json()
    assert body["version"] == 2
    assert body["current_title"] == "Rear Admiral"
    assert body["skills"] == ["COBOL", "Fortran"]
    assert body["years_experience"] == 30

    stale = await client.patch(
        url, headers={**recruiter.headers, "If-Match": '"1"'}, json={"name": "Somebody Else"}
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["code"] == "precondition_failed"
    after = (await client.get(url, headers=recruiter.headers)).json()
    assert after["name"] == "Grace Hopper"
    assert after["version"] == 2

    # The new skills are searchable, the old list is gone.
    found = await client.get(
        "/api/v1/candidates", headers=recruiter.headers, params={"skill": "fortran"}
    )
    assert _names(found.json()) == ["Grace Hopper"]

    nulled = await client.patch(url, headers=recruiter.headers, json={"name": None})
    assert nulled.status_code == 422
    assert any(e["field"] == "name" for e in nulled.json()["errors"])

    events = await events_of(client, tenant.admin, "candidate.updated")
    assert len(events) == 1
    assert set(events[0]["data"]["changed"]) == {"current_title", "skills", "years_experience"}


async def test_search_by_name_email_skill_source_and_role(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    role_a = await make_role(client, recruiter, hm, title="Backend")
    role_b = await make_role(client, recruiter, hm, title="Frontend")
    ann = await make_candidate(
        client,
        recruiter,
        "Ann Archer",
        skills=["PostgreSQL", "Go"],
        source="referral",
        email="ann@archer.io",
    )
    bob = await make_candidate(
        client, recruiter, "Bob Baker", skills=["React"], source="inbound", email="bob@bakery.dev"
    )
    cat = await make_candidate(
        client,
        recruiter,
        "Cat Annley",
        skills=["go", "React"],
        source="referral",
        email="cat@example.org",
    )
    await apply(client, recruiter, ann["id"], role_a)
    await apply(client, recruiter, cat["id"], role_a)
    await apply(client, recruiter, bob["id"], role_b)

    async def search(**params: str) -> list[str]:
        response = await client.get("/api/v1/candidates", headers=recruiter.headers, params=params)
        assert response.status_code == 200, response.text
        return _names(response.json())

    # Newest first.
    assert await search() == ["Cat Annley", "Bob Baker", "Ann Archer"]
    # q matches the name or the email, in any case.
    assert await search(q="ANN") == ["Cat Annley", "Ann Archer"]
    assert await search(q="bakery") == ["Bob Baker"]
    assert await search(q="archer.io") == ["Ann Archer"]
    # LIKE wildcards are literal.
    assert await search(q="%") == []
    assert await search(q="_") == []
    # email is exact, whatever its case.
    assert await search(email="BOB@BAKERY.DEV") == ["Bob Baker"]
    assert await search(email="bob@bakery") == []
    # skill matches in any case, whole skill only.
    assert await search(skill="GO") == ["Cat Annley", "Ann Archer"]
    assert await search(skill="react") == ["Cat Annley", "Bob Baker"]
    assert await search(skill="Reac") == []
    assert await search(source="referral") == ["Cat Annley", "Ann Archer"]
    assert await search(role_id=role_a) == ["Cat Annley", "Ann Archer"]
    assert await search(role_id=role_b) == ["Bob Baker"]
    # Filters combine.
    assert await search(role_id=role_a, skill="postgresql") == ["Ann Archer"]
    assert await search(source="inbound", skill="go") == []

    bad = await client.get(
        "/api/v1/candidates", headers=recruiter.headers, params={"source": "telepathy"}
    )
    assert bad.status_code == 422
    assert any(e["field"] == "source" for e in bad.json()["errors"])


async def test_list_pages_through_every_candidate_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    for n in range(5):
        await make_candidate(client, recruiter, f"Page Person {n}")
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, str] = {"limit": "2"}
        if cursor:
            params["cursor"] = cursor
        page = (
            await client.get("/api/v1/candidates", headers=recruiter.headers, params=params)
        ).json()
        assert len(page["items"]) <= 2
        seen.extend(_names(page))
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"Page Person {n}" for n in reversed(range(5))]


async def test_same_email_twice_is_a_conflict_naming_the_existing_candidate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    first = await make_candidate(client, recruiter, "Dup One", email="dup@example.com")
    again = await client.post(
        "/api/v1/candidates",
        headers=recruiter.headers,
        json={
            "name": "Dup Two",
            "email": "DUP@example.com",
            "source": "inbound",
            "consent_given": True,
        },
    )
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["code"] == "conflict"
    assert problem["candidate_id"] == first["id"]
    assert first["id"] in problem["detail"]
    listed = await client.get(
        "/api/v1/candidates", headers=recruiter.headers, params={"email": "dup@example.com"}
    )
    assert _names(listed.json()) == ["Dup One"]

    # Another organization may have its own candidate with this email.
    elsewhere = await other_tenant.add("recruiter")
    theirs = await make_candidate(client, elsewhere, "Their Dup", email="dup@example.com")
    assert theirs["id"] != first["id"]

    # Changing another candidate's email to a taken one is the same conflict.
    second = await make_candidate(client, recruiter, "Other Person")
    clash = await client.patch(
        f"/api/v1/candidates/{second['id']}",
        headers=recruiter.headers,
        json={"email": "Dup@Example.com"},
    )
    assert clash.status_code == 409, clash.text
    assert clash.json()["candidate_id"] == first["id"]
    unchanged = await client.get(f"/api/v1/candidates/{second['id']}", headers=recruiter.headers)
    assert unchanged.json()["email"] == "other.person@example.com"


async def test_concurrent_creates_with_one_email_give_one_candidate(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    other = await tenant.add("recruiter")

    async def create(person_headers: dict[str, str], name: str, email: str) -> httpx.Response:
        return await client.post(
            "/api/v1/candidates",
            headers=person_headers,
            json={"name": name, "email": email, "source": "sourced", "consent_given": True},
        )

    for round_ in range(4):
        email = f"race{round_}@example.com"
        results = await asyncio.gather(
            create(recruiter.headers, f"Racer A{round_}", email),
            create(other.headers, f"Racer B{round_}", email),
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201, 409], [r.text for r in results]
        winner = next(r for r in results if r.status_code == 201).json()
        loser = next(r for r in results if r.status_code == 409).json()
        assert loser["candidate_id"] == winner["id"]
        listed = await client.get(
            "/api/v1/candidates", headers=recruiter.headers, params={"email": email}
        )
        assert [c["id"] for c in listed.json()["items"]] == [winner["id"]]


async def test_invalid_input_names_the_fields(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    response = await client.post(
        "/api/v1/candidates",
        headers=recruiter.headers,
        json={"name": "X", "email": "not-an-email", "source": "sourced", "years_experience": -1},
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"email", "consent_given", "years_experience"} <= fields
    assert (await client.get("/api/v1/candidates", headers=recruiter.headers)).json()["items"] == []


async def test_hiring_manager_sees_only_candidates_of_their_roles(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    hm = await tenant.add("hiring_manager")
    other_hm = await tenant.add("hiring_manager")
    mine = await make_role(client, recruiter, hm, title="Mine")
    theirs = await make_role(client, recruiter, other_hm, title="Theirs")
    in_mine = await make_candidate(client, recruiter, "In Mine", skills=["Go"])
    in_theirs = await make_candidate(client, recruiter, "In Theirs", skills=["Go"])
    nowhere = await make_candidate(client, recruiter, "Nowhere", skills=["Go"])
    await apply(client, recruiter, in_mine["id"], mine)
    await apply(client, recruiter, in_theirs["id"], theirs)

    listed = await client.get("/api/v1/candidates", headers=hm.headers)
    assert listed.status_code == 200
    assert _names(listed.json()) == ["In Mine"]
    searched = await client.get("/api/v1/candidates", headers=hm.headers, params={"skill": "go"})
    assert _names(searched.json()) == ["In Mine"]
    assert (
        await client.get(f"/api/v1/candidates/{in_mine['id']}", headers=hm.headers)
    ).status_code == 200
    for hidden in (in_theirs, nowhere):
        response = await client.get(f"/api/v1/candidates/{hidden['id']}", headers=hm.headers)
        assert response.status_code == 404, response.text
        patch = await client.patch(
            f"/api/v1/candidates/{hidden['id']}", headers=hm.headers, json={"name": "Changed"}
        )
        assert patch.status_code == 404

    # A hiring manager reads but does not write candidates.
    create = await client.post(
        "/api/v1/candidates",
        headers=hm.headers,
        json={
            "name": "By HM",
            "email": "by.hm@example.com",
            "source": "sourced",
            "consent_given": True,
        },
    )
    assert create.status_code == 403, create.text
    change = await client.patch(
        f"/api/v1/candidates/{in_mine['id']}", headers=hm.headers, json={"name": "Changed"}
    )
    assert change.status_code == 403
    assert (
        await client.get(f"/api/v1/candidates/{in_mine['id']}", headers=recruiter.headers)
    ).json()["name"] == "In Mine"

    # The other hiring manager's delegate sees the other role's candidate too.
    delegated = await client.patch(
        f"/api/v1/members/{other_hm.id}/preferences",
        headers=other_hm.headers,
        json={"delegate_id": str(hm.id)},
    )
    assert delegated.status_code == 200, delegated.text
    listed = await client.get("/api/v1/candidates", headers=hm.headers)
    assert _names(listed.json()) == ["In Theirs", "In Mine"]


async def test_interviewer_sees_no_candidates(client: httpx.AsyncClient, tenant: Tenant) -> None:
    recruiter = await tenant.add("recruiter")
    interviewer = await tenant.add("interviewer")
    candidate = await make_candidate(client, recruiter, "Hidden From Interviewers")
    assert (await client.get("/api/v1/candidates", headers=interviewer.headers)).status_code == 403
    read = await client.get(f"/api/v1/candidates/{candidate['id']}", headers=interviewer.headers)
    assert read.status_code == 403
    create = await client.post(
        "/api/v1/candidates",
        headers=interviewer.headers,
        json={
            "name": "X Y",
            "email": "x.y@example.com",
            "source": "sourced",
            "consent_given": True,
        },
    )
    assert create.status_code == 403


async def test_other_organization_cannot_see_or_change_a_candidate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    outsider = await other_tenant.add("recruiter")
    candidate = await make_candidate(client, recruiter, "Private Person")
    url = f"/api/v1/candidates/{candidate['id']}"
    assert (await client.get(url, headers=outsider.headers)).status_code == 404
    assert (await client.get(url, headers=other_tenant.admin.headers)).status_code == 404
    patch = await client.patch(url, headers=outsider.headers, json={"name": "Stolen"})
    assert patch.status_code == 404
    assert (await client.get("/api/v1/candidates", headers=outsider.headers)).json()["items"] == []
    assert (await client.get(url, headers=recruiter.headers)).json()["name"] == "Private Person"
