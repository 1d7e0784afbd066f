"""app/graphql/execution.py's FastExecutor answers exactly as graphql-core's own executor: the
same data, and the same errors (message, path, where null propagates to) for nulls where none may
be, values that are not of their type, failing and awaitable resolvers, lists and fragments."""

from __future__ import annotations

import asyncio
import enum
from typing import Any

import httpx
import pytest
import strawberry
from fastapi import FastAPI
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.graphql import fast
from app.graphql.execution import FastExecutor
from tests.conftest import Tenant
from tests.helpers_domain import global_id, gql_data
from tests.helpers_pipeline import candidate_in_role, draft_slate, make_role, move


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):
    number: int
    maybe: str | None
    colour: Colour
    tags: list[str]
    optional_tags: list[str | None] | None
    strict_tags: list[str] | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("broken on purpose")

    @strawberry.field
    def broken_strict(self) -> str:
        raise ValueError("strictly broken")

    @strawberry.field
    def later(self) -> str:
        return _later(self.name)  # type: ignore[return-value]


async def _later(value: str) -> str:
    await asyncio.sleep(0)
    return value + "!"


@strawberry.type
class Other:
    name: str


@strawberry.type
class Branch:
    title: str
    leaf: Leaf | None
    strict_leaf: Leaf | None
    leaves: list[Leaf]
    nullable_leaves: list[Leaf | None]
    named: Named | None

    @strawberry.field
    def context_title(self, info: strawberry.Info) -> str:
        return f"{self.title}/{info.context['suffix']}"


def leaf(label: str, **overrides: Any) -> Leaf:
    values: dict[str, Any] = {
        "name": label,
        "number": len(label),
        "maybe": None,
        "colour": Colour.RED,
        "tags": ["a", "b"],
        "optional_tags": ["x", None],
        "strict_tags": ["s"],
    }
    values.update(overrides)
    return Leaf(**values)


def branches() -> list[Branch]:
    good = [leaf("ann"), leaf("bo", maybe="yes", colour=Colour.BLUE)]
    bad_number = leaf("cy", number="not a number")
    null_name = leaf("di", name=None)
    null_in_strict = leaf("ed", strict_tags=["ok", None])
    return [
        Branch(
            title="plain",
            leaf=good[0],
            strict_leaf=good[1],
            leaves=good,
            nullable_leaves=[good[0], None],
            named=good[1],
        ),
        Branch(
            title="broken",
            leaf=bad_number,
            strict_leaf=null_name,
            leaves=[good[0], null_in_strict],
            nullable_leaves=[null_name, good[1]],
            named=None,
        ),
        Branch(
            title="wrong type",
            leaf=Other(name="x"),  # type: ignore[arg-type]
            strict_leaf=None,
            leaves=[good[1], Other(name="y")],  # type: ignore[list-item]
            nullable_leaves=[],
            named=good[0],
        ),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def branches(self) -> list[Branch | None]:
        return branches()  # type: ignore[return-value]

    @strawberry.field
    async def later_branches(self) -> list[Branch | None]:
        await asyncio.sleep(0)
        return branches()  # type: ignore[return-value]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    reference = strawberry.Schema(Query)
    quick = strawberry.Schema(Query, execution_context_class=FastExecutor)
    installed = fast.install(quick)
    assert {"Leaf.shout", "Leaf.broken", "Branch.contextTitle"} <= set(installed)
    return reference, quick


LEAF_FIELDS = "name number maybe colour tags optionalTags strictTags shout broken later"
QUERIES = [
    "{ branches { title leaf { name number maybe colour tags optionalTags strictTags } } }",
    "{ branches { title strictLeaf { name shout } } }",
    "{ branches { leaves { name strictTags } } }",
    "{ branches { nullableLeaves { name number } } }",
    "{ branches { leaf { brokenStrict } title } }",
    "{ branches { leaf { broken later } contextTitle } }",
    "{ branches { named { name ... on Leaf { number __typename } } } }",
    "{ laterBranches { title leaves { " + LEAF_FIELDS + " } } }",
    """{ branches { ...B leaf { name } first: leaf { n: number } } }
    fragment B on Branch { title leaf { colour } leaves @include(if: true) { name } }""",
    "{ branches { leaf { name @skip(if: true) number } __typename } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_fast_executor_answers_as_graphql_core(query: str) -> None:
    reference, quick = schemas()
    context = {"suffix": "ctx"}
    expected = await reference.execute(query, context_value=context)
    found = await quick.execute(query, context_value=context)
    assert expected.data is not None
    assert found.data == expected.data
    assert [(e.message, e.path, e.locations) for e in found.errors or []] == [
        (e.message, e.path, e.locations) for e in expected.errors or []
    ]


async def test_the_fast_executor_plans_the_simple_fields() -> None:
    """The plain fields are taken aside, the others keep graphql-core's path (and answer)."""
    _, quick = schemas()
    seen: list[FastExecutor] = []

    class Watching(FastExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            seen.append(self)

    quick.execution_context_class = Watching
    result = await quick.execute(
        "{ branches { title contextTitle named { name } leaf { name shout __typename } } }",
        context_value={"suffix": "s"},
    )
    assert result.data is not None
    planned = {
        f"{parent.name}.{entry[0]}": entry[2] is not None
        for _, parent, plan in seen[0]._plans.values()
        for entry in plan or []
    }
    assert planned == {
        "Branch.title": True,
        "Branch.contextTitle": True,
        "Branch.named": False,  # an interface: graphql-core resolves the runtime type
        "Branch.leaf": True,
        "Leaf.name": True,
        "Leaf.shout": True,
        "Leaf.__typename": False,
    }


QUERY = """
query($id: ID!) {
  roles(first: 10) { edges { node { title status intake { mustHaveSkills } hiringManager { name } } } }
  role(id: $id) {
    slates { edges { node { status items { position application { stage candidate { name } }
      decision { decision } } } } }
  }
}"""


async def test_the_real_schema_answers_the_same_either_way(
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
    schema: strawberry.Schema = app.state.graphql_schema
    assert schema.execution_context_class is FastExecutor
    quick = await gql_data(client, recruiter, QUERY, variables)
    try:
        schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
        slow = await gql_data(client, recruiter, QUERY, variables)
    finally:
        schema.execution_context_class = FastExecutor
    assert quick == slow
    items = quick["role"]["slates"]["edges"][0]["node"]["items"]
    assert sorted(i["application"]["candidate"]["name"] for i in items) == ["Ann Lee", "Bo Chan"]
