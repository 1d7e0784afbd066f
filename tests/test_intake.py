"""A role's intake: numbered revisions, sign-off by both sides, the current agreed one, diffs,
validation, events, and two proposals racing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import Tenant
from tests.helpers_domain import (
    API,
    JSON,
    create_role,
    error_fields,
    intake_content,
    names_field,
    of_resource,
    ok,
    problem,
    propose,
    proposed,
    revisions,
    role_team,
    settled_events,
    sign_off,
    skill,
)


def statuses(found: list[JSON]) -> list[tuple[int, str]]:
    return [(r["number"], r["status"]) for r in found]


# --- proposing ----------------------------------------------------------------------------------


async def test_propose_needs_a_change_note(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    url = f"{API}/roles/{team.role_id}/intake/revisions"
    for body in (
        {"content": intake_content()},
        {"content": intake_content(), "change_note": ""},
        {"content": intake_content(), "change_note": "   "},
        {"content": intake_content(), "change_note": None},
    ):
        problem_body = problem(
            await client.post(url, headers=team.recruiter.headers, json=body), 422
        )
        assert "change_note" in error_fields(problem_body), problem_body
    assert await revisions(client, team.recruiter, team.role_id) == []


async def test_who_may_propose(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    other_recruiter = await tenant.add("recruiter")
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")

    by_recruiter = await proposed(client, team.recruiter, team.role_id, note="First draft")
    by_hm = await proposed(client, team.hiring_manager, team.role_id, note="HM view")
    by_admin = await proposed(client, tenant.admin, team.role_id, note="Admin tidy-up")
    by_colleague = await proposed(client, other_recruiter, team.role_id, note="Colleague covering")
    assert [r["number"] for r in (by_recruiter, by_hm, by_admin, by_colleague)] == [1, 2, 3, 4]
    assert by_hm["proposed_by_id"] == str(team.hiring_manager.id)
    assert by_recruiter["proposed_by_id"] == str(team.recruiter.id)
    assert by_hm["change_note"] == "HM view"

    assert problem(await propose(client, other_hm, team.role_id), 404)["code"] == "not_found"
    assert problem(await propose(client, interviewer, team.role_id), 403)["code"] == "forbidden"
    problem(await propose(client, other_tenant.admin, team.role_id), 404)
    assert len(await revisions(client, tenant.admin, team.role_id)) == 4


async def test_role_created_with_an_intake_starts_at_revision_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    role = await create_role(client, recruiter, title="With intake", intake=intake_content())
    found = await revisions(client, recruiter, role["id"])
    assert statuses(found) == [(1, "draft")]
    assert found[0]["change_note"] == "Initial intake"
    assert found[0]["content"]["skills"][0]["name"] == "Python"


async def test_numbering_and_newer_proposal_supersedes_unsigned_drafts(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    for expected in (1, 2, 3):
        revision = await proposed(client, team.recruiter, team.role_id, note=f"Round {expected}")
        assert revision["number"] == expected
        assert revision["status"] == "draft"
        assert revision["recruiter_signed_off_at"] is None
        assert revision["hiring_manager_signed_off_at"] is None
    found = await revisions(client, team.recruiter, team.role_id)
    assert statuses(found) == [(1, "superseded"), (2, "superseded"), (3, "draft")]
    assert [r["change_note"] for r in found] == ["Round 1", "Round 2", "Round 3"]

    one = ok(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/revisions/1", headers=team.hiring_manager.headers
        )
    )
    assert one["status"] == "superseded"
    problem(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/revisions/9", headers=team.recruiter.headers
        ),
        404,
    )


async def test_closed_role_refuses_new_revisions(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    ok(
        await client.patch(
            f"{API}/roles/{team.role_id}", headers=team.recruiter.headers, json={"status": "closed"}
        )
    )
    problem(await propose(client, team.recruiter, team.role_id), 409)
    assert await revisions(client, team.recruiter, team.role_id) == []


# --- signing off --------------------------------------------------------------------------------


async def test_both_sides_sign_off_and_the_revision_is_agreed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id)
    intake_url = f"{API}/roles/{team.role_id}/intake"

    problem(await client.get(intake_url, headers=team.recruiter.headers), 404)

    half = ok(await sign_off(client, team.recruiter, team.role_id, 1))
    assert half["status"] == "draft"
    assert half["recruiter_signed_off_at"] is not None
    assert half["recruiter_signed_off_by_id"] == str(team.recruiter.id)
    assert half["hiring_manager_signed_off_at"] is None
    assert half["agreed_at"] is None
    problem(await client.get(intake_url, headers=team.recruiter.headers), 404)

    agreed = ok(await sign_off(client, team.hiring_manager, team.role_id, 1))
    assert agreed["status"] == "agreed"
    assert agreed["hiring_manager_signed_off_by_id"] == str(team.hiring_manager.id)
    assert agreed["agreed_at"] is not None

    response = await client.get(intake_url, headers=team.hiring_manager.headers)
    current = ok(response)
    assert current["number"] == 1
    assert current["status"] == "agreed"
    sent = intake_content()
    assert current["content"]["summary"] == sent["summary"]
    assert [(s["name"], s["priority"]) for s in current["content"]["skills"]] == [
        (s["name"], s["priority"]) for s in sent["skills"]
    ]
    assert current["content"]["compensation"]["max"] == 90000
    assert current["content"]["screening_questions"] == sent["screening_questions"]
    assert current["must_have_skills"] == ["Python", "Go"]
    tag = response.headers["etag"]
    cached = await client.get(intake_url, headers={**team.recruiter.headers, "If-None-Match": tag})
    assert cached.status_code == 304


async def test_hiring_manager_may_sign_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.hiring_manager, team.role_id)
    assert ok(await sign_off(client, team.hiring_manager, team.role_id, 1))["status"] == "draft"
    assert ok(await sign_off(client, team.recruiter, team.role_id, 1))["status"] == "agreed"


async def test_only_the_roles_recruiter_and_hiring_manager_sign_off(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id)
    other_recruiter = await tenant.add("recruiter")
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")

    for third_party in (other_recruiter, tenant.admin):
        body = problem(await sign_off(client, third_party, team.role_id, 1), 403)
        assert body["code"] == "forbidden"
    problem(await sign_off(client, other_hm, team.role_id, 1), 404)
    problem(await sign_off(client, interviewer, team.role_id, 1), 403)
    problem(await sign_off(client, team.recruiter, team.role_id, 2), 404)

    (revision,) = await revisions(client, team.recruiter, team.role_id)
    assert revision["recruiter_signed_off_at"] is None
    assert revision["hiring_manager_signed_off_at"] is None


async def test_double_sign_off_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id)
    first = ok(await sign_off(client, team.recruiter, team.role_id, 1))
    body = problem(await sign_off(client, team.recruiter, team.role_id, 1), 409)
    assert body["code"] == "conflict"
    (revision,) = await revisions(client, team.recruiter, team.role_id)
    assert revision["recruiter_signed_off_at"] == first["recruiter_signed_off_at"]
    assert revision["status"] == "draft"

    ok(await sign_off(client, team.hiring_manager, team.role_id, 1))
    # Signing an agreed revision again is refused as well.
    problem(await sign_off(client, team.hiring_manager, team.role_id, 1), 409)


async def test_superseded_revision_cannot_be_signed_off(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id)
    await proposed(client, team.hiring_manager, team.role_id)
    body = problem(await sign_off(client, team.recruiter, team.role_id, 1), 409)
    assert "superseded" in body["detail"]
    assert statuses(await revisions(client, team.recruiter, team.role_id)) == [
        (1, "superseded"),
        (2, "draft"),
    ]


async def test_role_without_both_sides_cannot_agree(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter")
    role = await create_role(client, recruiter, recruiter_id=recruiter.id)
    await proposed(client, recruiter, role["id"])
    problem(await sign_off(client, recruiter, role["id"], 1), 409)
    assert statuses(await revisions(client, recruiter, role["id"])) == [(1, "draft")]


async def test_agreeing_a_newer_revision_supersedes_the_older_agreed_one(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    intake_url = f"{API}/roles/{team.role_id}/intake"
    await team.agree(client, intake_content(summary="First"))
    renegotiated = intake_content(summary="Second")
    await proposed(client, team.hiring_manager, team.role_id, renegotiated, note="Relax Go to nice")

    # While the renegotiation is a draft, the first agreement still holds.
    current = ok(await client.get(intake_url, headers=team.recruiter.headers))
    assert current["number"] == 1
    assert current["status"] == "agreed"
    assert statuses(await revisions(client, team.recruiter, team.role_id)) == [
        (1, "agreed"),
        (2, "draft"),
    ]

    ok(await sign_off(client, team.recruiter, team.role_id, 2))
    ok(await sign_off(client, team.hiring_manager, team.role_id, 2))
    current = ok(await client.get(intake_url, headers=team.recruiter.headers))
    assert current["number"] == 2
    assert current["content"]["summary"] == "Second"
    assert statuses(await revisions(client, team.recruiter, team.role_id)) == [
        (1, "superseded"),
        (2, "agreed"),
    ]


async def test_intake_is_hidden_from_outsiders(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await team.agree(client)
    other_hm = await tenant.add("hiring_manager")
    interviewer = await tenant.add("interviewer")
    for path in ("intake", "intake/revisions", "intake/revisions/1", "intake/diff?from=1&to=1"):
        url = f"{API}/roles/{team.role_id}/{path}"
        problem(await client.get(url, headers=other_hm.headers), 404)
        problem(await client.get(url, headers=other_tenant.admin.headers), 404)
        problem(await client.get(url, headers=interviewer.headers), 403)
        ok(await client.get(url, headers=team.hiring_manager.headers))


# --- revisions and diffs ------------------------------------------------------------------------


async def test_revisions_list_oldest_first_with_paging(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    for n in range(1, 6):
        await proposed(client, team.recruiter, team.role_id, note=f"Note {n}")
    url = f"{API}/roles/{team.role_id}/intake/revisions"
    first = ok(await client.get(url, headers=team.hiring_manager.headers, params={"limit": 2}))
    assert [r["number"] for r in first["items"]] == [1, 2]
    second = ok(
        await client.get(
            url,
            headers=team.hiring_manager.headers,
            params={"limit": 2, "cursor": first["next_cursor"]},
        )
    )
    assert [r["number"] for r in second["items"]] == [3, 4]
    third = ok(
        await client.get(
            url,
            headers=team.hiring_manager.headers,
            params={"limit": 2, "cursor": second["next_cursor"]},
        )
    )
    assert [r["number"] for r in third["items"]] == [5]
    assert third["next_cursor"] is None


async def test_diff_is_field_by_field_with_skills_matched_by_name(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    before = intake_content()
    after = intake_content(
        skills=[
            skill("Kafka", "must", alternatives=["Pulsar", "Kinesis"]),  # moved up and nice -> must
            skill("Python", "must", why="The whole stack is Python"),  # unchanged, other position
            skill("Mentoring", "nice", category="behavioral"),
            skill("Rust", "nice"),  # added; Go removed
        ],
        experience={"min_years": 5, "max_years": 8, "mix": "Product and platform"},
    )
    await proposed(client, team.recruiter, team.role_id, before)
    await proposed(client, team.hiring_manager, team.role_id, after, note="Kafka is essential now")

    diff = ok(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/diff",
            headers=team.recruiter.headers,
            params={"from": 1, "to": 2},
        )
    )
    assert diff["from_revision"] == 1
    assert diff["to_revision"] == 2
    changes: dict[str, dict[str, Any]] = {c["field"]: c for c in diff["changes"]}
    assert set(changes) == {
        "skills.Kafka.priority",
        "skills.Go",
        "skills.Rust",
        "experience.min_years",
    }
    assert changes["skills.Kafka.priority"] == {
        "field": "skills.Kafka.priority",
        "change": "changed",
        "before": "nice",
        "after": "must",
    }
    assert changes["skills.Go"]["change"] == "removed"
    assert changes["skills.Go"]["before"]["priority"] == "must"
    assert changes["skills.Rust"]["change"] == "added"
    assert changes["skills.Rust"]["after"]["priority"] == "nice"
    assert changes["experience.min_years"] == {
        "field": "experience.min_years",
        "change": "changed",
        "before": 3,
        "after": 5,
    }

    backwards = ok(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/diff",
            headers=team.recruiter.headers,
            params={"from": 2, "to": 1},
        )
    )
    back: dict[str, dict[str, Any]] = {c["field"]: c for c in backwards["changes"]}
    assert back["skills.Go"]["change"] == "added"
    assert back["skills.Rust"]["change"] == "removed"
    assert back["skills.Kafka.priority"]["after"] == "nice"

    same = ok(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/diff",
            headers=team.recruiter.headers,
            params={"from": 1, "to": 1},
        )
    )
    assert same["changes"] == []
    problem(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/diff",
            headers=team.recruiter.headers,
            params={"from": 1, "to": 7},
        ),
        404,
    )
    body = problem(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/diff",
            headers=team.recruiter.headers,
            params={"from": 1},
        ),
        422,
    )
    assert "to" in error_fields(body)


async def test_diff_of_scalar_and_list_fields(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id, intake_content())
    await proposed(
        client,
        team.recruiter,
        team.role_id,
        intake_content(
            summary="Owns ingestion.",
            compensation={"currency": "EUR", "min": 75000, "max": 95000},
            must_not_haves=[],
        ),
    )
    diff = ok(
        await client.get(
            f"{API}/roles/{team.role_id}/intake/diff",
            headers=team.recruiter.headers,
            params={"from": 1, "to": 2},
        )
    )
    changes = {c["field"]: c for c in diff["changes"]}
    assert changes["summary"]["before"] == "Owns the event pipeline end to end."
    assert changes["summary"]["after"] == "Owns ingestion."
    assert changes["compensation.min"]["after"] == 75000
    assert changes["compensation.max"]["before"] == 90000
    assert changes["must_not_haves"]["after"] == []
    assert "compensation.currency" not in changes
    assert not any(f.startswith("skills") for f in changes)


# --- validation ---------------------------------------------------------------------------------


async def test_intake_content_is_validated(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    cases: list[tuple[JSON, str]] = [
        (intake_content(skills=[skill("Kafka"), skill("kafka", "nice")]), "content.skills"),
        (
            intake_content(compensation={"currency": "EUR", "min": 90000, "max": 70000}),
            "content.compensation",
        ),
        (
            intake_content(compensation={"currency": "euro", "min": 1, "max": 2}),
            "content.compensation",
        ),
        (intake_content(salary=100), "content.salary"),
        (intake_content(skills=[skill("Kafka", level=3)]), "content.skills"),
        (intake_content(skills=[skill("Kafka", "essential")]), "content.skills"),
        (intake_content(experience={"min_years": 9, "max_years": 2}), "content.experience"),
        (
            intake_content(negotiables=[{"variable": "equity", "flexibility": "some"}]),
            "content.negotiables",
        ),
    ]
    for content, field in cases:
        body = problem(await propose(client, team.recruiter, team.role_id, content), 422)
        assert body["code"] == "invalid_input"
        assert names_field(body, field), (field, body)
    body = problem(
        await client.post(
            f"{API}/roles/{team.role_id}/intake/revisions",
            headers=team.recruiter.headers,
            json={"content": intake_content(), "change_note": "x", "number": 7},
        ),
        422,
    )
    assert "number" in error_fields(body)
    assert await revisions(client, team.recruiter, team.role_id) == []

    # The same rules hold for an intake given when the role is created; nothing is created.
    body = problem(
        await client.post(
            f"{API}/roles",
            headers=team.recruiter.headers,
            json={
                "title": "Broken intake",
                "intake": intake_content(skills=[skill("Go"), skill("GO")]),
            },
        ),
        422,
    )
    assert names_field(body, "intake.skills"), body
    listed = ok(
        await client.get(f"{API}/roles", headers=team.recruiter.headers, params={"q": "Broken"})
    )
    assert listed["items"] == []


# --- events -------------------------------------------------------------------------------------


async def test_intake_events(client: httpx.AsyncClient, tenant: Tenant) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id, note="Draft one")
    ok(await sign_off(client, team.recruiter, team.role_id, 1))
    ok(await sign_off(client, team.hiring_manager, team.role_id, 1))
    problem(await sign_off(client, team.hiring_manager, team.role_id, 1), 409)  # refused: no event

    types = ("intake.revised", "intake.signed_off", "intake.agreed")
    found = of_resource(
        await settled_events(client, tenant.admin, *types),
        team.role_id,
    )
    assert [e["type"] for e in found] == [
        "intake.revised",
        "intake.signed_off",
        "intake.signed_off",
        "intake.agreed",
    ]
    revised, by_recruiter, by_hm, agreed = found
    assert revised["data"] == {"role_id": team.role_id, "revision": 1, "change_note": "Draft one"}
    assert revised["actor_member_id"] == str(team.recruiter.id)
    assert by_recruiter["data"]["side"] == "recruiter"
    assert by_recruiter["actor_member_id"] == str(team.recruiter.id)
    assert by_hm["data"]["side"] == "hiring_manager"
    assert by_hm["actor_member_id"] == str(team.hiring_manager.id)
    assert agreed["data"] == {"role_id": team.role_id, "revision": 1}


# --- concurrency --------------------------------------------------------------------------------


async def test_concurrent_proposals_get_consecutive_numbers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id, note="Base")
    # Both credentials are verified (and cached) first, so the two requests really overlap.
    ok(await client.get(f"{API}/roles/{team.role_id}", headers=team.hiring_manager.headers))
    expected_next = 2
    for _ in range(4):
        first, second = await asyncio.gather(
            propose(client, team.recruiter, team.role_id, note="Recruiter's take"),
            propose(client, team.hiring_manager, team.role_id, note="Hiring manager's take"),
        )
        assert first.status_code == 201, first.text
        assert second.status_code == 201, second.text
        numbers = sorted([first.json()["number"], second.json()["number"]])
        assert numbers == [expected_next, expected_next + 1]
        expected_next += 2

    found = await revisions(client, team.recruiter, team.role_id)
    assert [r["number"] for r in found] == list(range(1, expected_next))
    # Exactly one draft remains: the newest.
    assert [r["number"] for r in found if r["status"] == "draft"] == [expected_next - 1]


async def test_both_sides_signing_at_once_agree_exactly_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id)
    ok(await client.get(f"{API}/roles/{team.role_id}", headers=team.hiring_manager.headers))
    first, second = await asyncio.gather(
        sign_off(client, team.recruiter, team.role_id, 1),
        sign_off(client, team.hiring_manager, team.role_id, 1),
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert {first.json()["status"], second.json()["status"]} == {"draft", "agreed"}
    (revision,) = await revisions(client, team.recruiter, team.role_id)
    assert revision["status"] == "agreed"
    assert revision["recruiter_signed_off_at"] is not None
    assert revision["hiring_manager_signed_off_at"] is not None
    agreed = await settled_events(client, tenant.admin, "intake.agreed")
    assert len(agreed) == 1


async def test_same_sign_off_twice_at_once_counts_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id)
    first, second = await asyncio.gather(
        sign_off(client, team.recruiter, team.role_id, 1),
        sign_off(client, team.recruiter, team.role_id, 1),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    signed = await settled_events(client, tenant.admin, "intake.signed_off")
    assert len(signed) == 1


async def test_diff_when_compensation_is_added_or_dropped(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    team = await role_team(client, tenant)
    await proposed(client, team.recruiter, team.role_id, intake_content(compensation=None))
    await proposed(client, team.recruiter, team.role_id, intake_content())
    url = f"{API}/roles/{team.role_id}/intake/diff"

    added = ok(await client.get(url, headers=team.recruiter.headers, params={"from": 1, "to": 2}))
    changes = added["changes"]
    # Every entry of a diff shows a difference; agreeing on a pay range is not a removal.
    assert all(c["before"] != c["after"] for c in changes), changes
    assert not [c for c in changes if c["change"] == "removed"], changes
    after = {c["field"]: c["after"] for c in changes}
    flat = after.get("compensation") or {
        k.removeprefix("compensation."): v for k, v in after.items()
    }
    assert (flat["currency"], flat["min"], flat["max"]) == ("EUR", 70000, 90000), changes

    dropped = ok(await client.get(url, headers=team.recruiter.headers, params={"from": 2, "to": 1}))
    assert all(c["before"] != c["after"] for c in dropped["changes"]), dropped["changes"]
    assert not [c for c in dropped["changes"] if c["change"] == "added"], dropped["changes"]
    assert dropped["changes"]
