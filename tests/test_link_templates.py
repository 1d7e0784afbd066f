"""Link templates: set through REST and GraphQL, validated, and what messages do with them (a
link a person can open, or the thing named; never an API URL)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.db import Database
from app.domain.notifications import messages
from app.domain.organizations.link_templates import check, link_for
from app.templates import render
from tests.conftest import Tenant
from tests.helpers_domain import gql, gql_data
from tests.helpers_interviews import API, events_of, ok, problem

URL = f"{API}/organization/link-templates"
ATS = "https://ats.example.com"


def _by_kind(page: dict[str, Any]) -> dict[str, str | None]:
    """The templates of a page (the read and the update answer the same whole page)."""
    assert page["next_cursor"] is None
    return {t["kind"]: t["template"] for t in page["items"]}


async def test_admins_set_and_remove_templates_per_kind(
    client: httpx.AsyncClient, tenant: Tenant, db: Database
) -> None:
    empty = ok(await client.get(URL, headers=tenant.admin.headers))
    assert _by_kind(empty) == dict.fromkeys(
        ("slate", "scorecard", "packet", "interview", "application")
    )
    assert next(t for t in empty["items"] if t["kind"] == "slate")["placeholders"] == [
        "slate_id",
        "role_id",
    ]
    updated = ok(
        await client.patch(
            URL,
            headers=tenant.admin.headers,
            json={
                "slate": f"{ATS}/slates/{{slate_id}}?role={{role_id}}",
                "packet": f"  {ATS}/interviews/{{interview_id}}/packet  ",
            },
        )
    )
    assert _by_kind(updated)["slate"] == f"{ATS}/slates/{{slate_id}}?role={{role_id}}"
    assert _by_kind(updated)["packet"] == f"{ATS}/interviews/{{interview_id}}/packet"
    # Left out: kept; null: removed.
    after = ok(await client.patch(URL, headers=tenant.admin.headers, json={"packet": None}))
    assert _by_kind(after)["slate"] is not None
    assert _by_kind(after)["packet"] is None
    # Every change is an event on the organization.
    events = await events_of(db, tenant.organization_id, "organization.updated")
    changed = [e["data"]["changed"] for e in events]
    assert ["link_templates.packet", "link_templates.slate"] in changed
    assert ["link_templates.packet"] in changed

    recruiter = await tenant.add("recruiter", "Rae")
    problem(await client.patch(URL, headers=recruiter.headers, json={"slate": None}), 403)
    # Anyone in the organization may read them (messages to them use them).
    assert ok(await client.get(URL, headers=recruiter.headers))


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("http://ats.example.com/slates/{slate_id}", "https"),
        ("https://ats.example.com/slates/{interview_id}", "unknown placeholder {interview_id}"),
        ("https://ats.example.com/slates/", "at least one placeholder"),
        ("https://{slate_id}.example.com/x", "after the host"),
        ("https://ats.example.com/slates/{slate_id", "unmatched"),
        ("https://ats.example.com/slates/{slate_id!r}", "no format or conversion"),
        ("https://ats.example.com/s/{slate_id}<script>", "angle brackets"),
        ("javascript:alert({slate_id})", "https"),
        ("/slates/{slate_id}", "https"),
        ("https://ats.example.com/s/\x01{slate_id}", "control characters"),
        ("https://ats.example.com:x/{slate_id}", "a host without placeholders, then a path"),
    ],
)
async def test_a_bad_template_is_refused_naming_the_kind_and_what_is_wrong(
    client: httpx.AsyncClient, tenant: Tenant, template: str, says: str
) -> None:
    body = problem(
        await client.patch(URL, headers=tenant.admin.headers, json={"slate": template}), 422
    )
    assert says in str(body), body
    assert "slate" in str(body)
    assert _by_kind(ok(await client.get(URL, headers=tenant.admin.headers)))["slate"] is None


async def test_unknown_kinds_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    problem(
        await client.patch(URL, headers=tenant.admin.headers, json={"offer": f"{ATS}/{{id}}"}),
        422,
    )


async def test_graphql_reads_sets_and_removes_templates(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    result = """... on LinkTemplatePayload { linkTemplate { kind template placeholders } }
        ... on MutationError { code message fields { field message } }"""
    data = await gql_data(
        client,
        tenant.admin,
        "mutation($t: String!) { r: setLinkTemplate(input: {kind: scorecard, template: $t}) { "
        + result
        + " } }",
        {"t": f"{ATS}/interviews/{{interview_id}}/scorecard"},
    )
    assert data["r"]["linkTemplate"]["template"] == f"{ATS}/interviews/{{interview_id}}/scorecard"
    bad = await gql_data(
        client,
        tenant.admin,
        'mutation { r: setLinkTemplate(input: {kind: scorecard, template: "http://x/{interview_id}"}) { '
        + result
        + " } }",
    )
    assert bad["r"]["code"] == "invalid_input"
    # The kind is an enum: one outside it is refused before anything runs.
    unknown = await gql(
        client,
        tenant.admin,
        'mutation { r: setLinkTemplate(input: {kind: offer, template: "https://x/{id}"}) { '
        + result
        + " } }",
    )
    assert unknown.json()["errors"][0]["extensions"]["code"] == "invalid_query", unknown.text
    listed = await gql_data(client, tenant.admin, "{ linkTemplates { kind template } }")
    assert {t["kind"]: t["template"] for t in listed["linkTemplates"]}["scorecard"]
    removed = await gql_data(
        client,
        tenant.admin,
        "mutation { r: removeLinkTemplate(input: {kind: scorecard}) { " + result + " } }",
    )
    assert removed["r"]["linkTemplate"]["template"] is None
    interviewer = await tenant.add("interviewer", "Ines")
    refused = await gql(
        client,
        interviewer,
        "mutation { r: removeLinkTemplate(input: {kind: slate}) { " + result + " } }",
    )
    assert refused.json()["data"]["r"]["code"] == "forbidden"


def test_a_template_fills_its_placeholders_quoted() -> None:
    slate = uuid.uuid4()
    template = check("slate", f"{ATS}/slates/{{slate_id}}")
    assert link_for({"slate": template}, "slate", slate_id=slate, role_id=uuid.uuid4()) == (
        f"{ATS}/slates/{slate}"
    )
    assert link_for({}, "slate", slate_id=slate) is None
    assert link_for(None, "packet", interview_id=slate) is None
    assert (
        link_for(
            {"application": f"{ATS}/a/{{application_id}}"}, "application", application_id="a/b?c"
        )
        == f"{ATS}/a/a%2Fb%3Fc"
    )


def test_messages_never_present_an_api_url_as_a_link_for_a_person() -> None:
    api_link = "http://hireloop.test/api/v1/slates/0193"
    context: dict[str, Any] = {
        "person_name": "Hugo",
        "sender": "Rita",
        "candidates": 1,
        "questions": 0,
        "lines": [],
        "role_title": "Content Writer",
        "due": None,
        "note": None,
    }
    for link in (None, api_link):
        text = render("notifications/slate_review.txt.j2", **context, link=link)
        assert "/api/" not in text
        assert "the slate for Content Writer from Rita" in text
        html = messages.email_html("Subject", "Subject", text, "Acme", link)
        assert "/api/" not in html
        assert "<a href" not in html
        blocks = messages.slack_blocks("Title", text, link)
        assert all(b["type"] != "actions" for b in blocks)
    ats = f"{ATS}/slates/0193"
    text = render("notifications/slate_review.txt.j2", **context, link=ats)
    assert f"Review it: {ats}" in text
    assert f'href="{ats}"' in messages.email_html("S", "S", text, "Acme", ats)

    for name, extra in (
        ("feedback_overdue.txt.j2", {"due": "Mon 7 Dec"}),
        ("feedback_due_soon.txt.j2", {"due": "Mon 7 Dec"}),
        (
            "interview_panel.txt.j2",
            {"when": "Mon 7 Dec", "change": "scheduled", "reason": None},
        ),
    ):
        for link in (None, "http://hireloop.test/api/v1/interviews/1/scorecard"):
            text = render(
                f"notifications/{name}",
                person_name="Ivy",
                candidate_name="Ann Lee",
                interview_kind="technical",
                role_title="Content Writer",
                link=link,
                **extra,
            )
            assert "/api/" not in text, name
            assert "Ann Lee" in text
