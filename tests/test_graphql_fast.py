"""The plain calls of app/graphql/fast.py: the hot edges of a roles page and of a role's slates
take them, resolvers that need Strawberry's Info or arguments keep Strawberry's path, and the
answers are the same either way."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from app.graphql import fast
from app.graphql.schema import HireloopSchema, build_schema
from tests.conftest import Tenant, make_settings
from tests.helpers_domain import global_id, gql_data
from tests.helpers_pipeline import candidate_in_role, draft_slate, make_role, move

HOT = {
    "Role.intake",
    "Role.hiringManager",
    "Role.recruiter",
    "IntakeRevision.mustHaveSkills",
    "Slate.items",
    "SlateItem.application",
    "Application.candidate",
}
QUERY = """
query($id: ID!) {
  roles(first: 10) { edges { node { title intake { mustHaveSkills } hiringManager { name } } } }
  role(id: $id) {
    slates { edges { node { items { position application { candidate { name } } } } } }
    intakeRevisions { edges { node { number } } }
  }
}"""


def test_the_hot_edges_take_the_plain_call() -> None:
    installed = set(fast.install(build_schema(make_settings())))
    assert installed >= HOT, HOT - installed
    # Arguments (connections) and Strawberry's Info (selections) keep Strawberry's path.
    assert "Role.slates" not in installed
    assert "Member.calendars" not in installed


async def test_the_answer_is_the_same_on_both_paths(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    recruiter = await tenant.add("recruiter", "Rita")
    hm = await tenant.add("hiring_manager", "Hugo")
    role_id = await make_role(client, recruiter, hm)
    apps = []
    for name in ("Ann Lee", "Bo Chan"):
        _, application_id = await candidate_in_role(client, recruiter, role_id, name)
        await move(client, recruiter, application_id, "submitted")
        apps.append(application_id)
    await draft_slate(client, recruiter, role_id, apps)
    variables = {"id": global_id("Role", role_id)}
    # The serving schema (gc.get_objects() misses it: the app's start-up froze it).
    schema: HireloopSchema = app.state.graphql_schema
    try:
        fast.uninstall(schema)
        slow = await gql_data(client, recruiter, QUERY, variables)
    finally:
        fast.install(schema)
    quick = await gql_data(client, recruiter, QUERY, variables)
    assert quick == slow
    names = [
        i["application"]["candidate"]["name"]
        for e in quick["role"]["slates"]["edges"]
        for i in e["node"]["items"]
    ]
    assert sorted(names) == ["Ann Lee", "Bo Chan"]
