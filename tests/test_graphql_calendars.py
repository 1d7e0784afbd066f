"""Calendars over GraphQL, against a real Radicale: the same service functions, rules and error
codes as REST.

createCalendarConnection (a real read first; credentials never shown, only their names),
Member.calendars with their health, updateMemberCalendar (busy, receivesInterviews),
calendarConnections / calendarConnection / node with the connection's health,
updateCalendarConnection with expectedVersion (If-Match), deleteCalendarConnection,
startCalendarOAuth; another organization's ids are not found; a members page with calendars
costs the same statements whatever its size."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.settings import Settings
from tests.conftest import Person, Tenant
from tests.fakes.radicale import Radicale
from tests.helpers_domain import API, JSON, global_id, gql, gql_data, ok

ERROR = "... on MutationError { code status message fields { field message } }"

HEALTH = """
    calendars failingCalendars lastSyncedAt lagSeconds pendingWrites failedWrites
    recentErrors { at source reason } unmatchedMembers { memberId email reason }
"""

CONNECTION_FIELDS = f"""
    id databaseId provider scope memberId name status statusReason accountEmail baseUrl
    invitations video access credentialNames version createdAt updatedAt health {{ {HEALTH} }}
"""

CALENDAR_FIELDS = """
    id databaseId connectionId memberId provider name primary canWrite busy receivesInterviews
    timeZone health { status lastSyncedAt lagSeconds lastError lastErrorAt push channelExpiresAt }
"""

CONNECTION_RESULT = f"""
    __typename
    ... on CalendarConnectionPayload {{ calendarConnection {{ {CONNECTION_FIELDS} }} }}
    {ERROR}
"""

CREATE = f"""
mutation($input: CreateCalendarConnectionInput!) {{
  createCalendarConnection(input: $input) {{ {CONNECTION_RESULT} }}
}}"""

UPDATE = f"""
mutation($input: UpdateCalendarConnectionInput!) {{
  updateCalendarConnection(input: $input) {{ {CONNECTION_RESULT} }}
}}"""

DELETE = f"""
mutation($id: ID!) {{
  deleteCalendarConnection(id: $id) {{
    __typename
    ... on CalendarConnectionDeletedPayload {{ deletedId }}
    {ERROR}
  }}
}}"""

UPDATE_CALENDAR = f"""
mutation($input: UpdateMemberCalendarInput!) {{
  updateMemberCalendar(input: $input) {{
    __typename
    ... on MemberCalendarPayload {{ memberCalendar {{ {CALENDAR_FIELDS} }} }}
    {ERROR}
  }}
}}"""

START_OAUTH = f"""
mutation($input: StartCalendarOAuthInput!) {{
  startCalendarOAuth(input: $input) {{
    __typename
    ... on OAuthStartedPayload {{ oauth {{ consentUrl expiresAt }} }}
    {ERROR}
  }}
}}"""

MEMBER_CALENDARS = f"""
query($id: ID!) {{ member(id: $id) {{ id name calendars {{ edges {{ node {{ {CALENDAR_FIELDS} }} }} }} }} }}
"""

ONE = f"query($id: ID!) {{ calendarConnection(id: $id) {{ {CONNECTION_FIELDS} }} }}"

LIST = f"""
query($first: Int!, $after: String) {{
  calendarConnections(first: $first, after: $after) {{
    edges {{ cursor node {{ {CONNECTION_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

NODE = "query($id: ID!) { node(id: $id) { __typename id ... on CalendarConnection { name } } }"

MEMBERS_PAGE = """
query($first: Int!) {
  members(first: $first) {
    edges { node { name calendars {
      edges { node { name busy receivesInterviews health { status push } } } } } }
    pageInfo { hasNextPage }
  }
}"""

PASSWORD = "app-password-0f3c9e"


@pytest.fixture(scope="module")
def radicale() -> Iterator[Radicale]:
    with Radicale() as server:
        yield server


def caldav_input(radicale: Radicale, user: str, **extra: Any) -> JSON:
    return {
        "provider": "caldav",
        "credentials": {"url": f"{radicale.url}/{user}/", "username": user, "password": PASSWORD},
        **extra,
    }


async def mutate(
    client: httpx.AsyncClient, who: Person, document: str, field: str, **variables: Any
) -> JSON:
    response = await gql(client, who, document, variables)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    assert not body.get("errors"), body
    assert PASSWORD not in response.text, "a credential value was answered"
    result: JSON = body["data"][field]
    return result


def assert_error(result: JSON, code: str, status: int, *fields: str) -> JSON:
    assert result["__typename"] == "MutationError", result
    assert (result["code"], result["status"]) == (code, status), result
    assert result["message"]
    named = {f["field"] for f in result["fields"]}
    for field in fields:
        assert field in named, (field, result)
    return result


async def connect(client: httpx.AsyncClient, who: Person, radicale: Radicale, user: str) -> JSON:
    radicale.make_calendar(user, "work")
    result = await mutate(
        client, who, CREATE, "createCalendarConnection", input=caldav_input(radicale, user)
    )
    assert result["__typename"] == "CalendarConnectionPayload", result
    connection: JSON = result["calendarConnection"]
    return connection


async def calendars_of(client: httpx.AsyncClient, who: Person, member: Person) -> list[JSON]:
    data = await gql_data(client, who, MEMBER_CALENDARS, {"id": global_id("Member", member.id)})
    assert data["member"] is not None, data
    calendars: list[JSON] = [e["node"] for e in data["member"]["calendars"]["edges"]]
    return calendars


async def connection_rows(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM calendar_connections")) or 0)


# ---------------------------------------------------------------------------------------------


async def test_connect_read_calendars_and_choose_them(
    client: httpx.AsyncClient, tenant: Tenant, radicale: Radicale
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    user = f"ivy-{uuid.uuid4().hex[:6]}"
    connection = await connect(client, ivy, radicale, user)
    assert connection["provider"] == "caldav"
    assert connection["scope"] == "member"
    assert connection["memberId"] == global_id("Member", ivy.id)
    assert connection["credentialNames"] == ["password", "url", "username"]
    assert connection["status"] == "active"
    assert connection["version"] == 1
    assert connection["health"] is None  # as REST's 201 answer
    assert connection["id"] == global_id("CalendarConnection", connection["databaseId"])

    # The member's calendars: the one "work" calendar, busy and receiving interviews.
    (calendar,) = await calendars_of(client, ivy, ivy)
    assert calendar["name"] == "work"
    assert calendar["connectionId"] == connection["id"]
    assert calendar["memberId"] == global_id("Member", ivy.id)
    assert calendar["provider"] == "caldav"
    assert calendar["primary"] is True
    assert calendar["canWrite"] is True
    assert calendar["busy"] is True
    assert calendar["receivesInterviews"] is True
    assert calendar["health"]["status"] == "syncing"  # busy and not read yet
    assert calendar["health"]["push"] == "polling"
    # The same as REST answers.
    rest = ok(await client.get(f"{API}/members/{ivy.id}/calendars", headers=ivy.headers))["items"]
    assert [c["id"] for c in rest] == [calendar["databaseId"]]
    assert rest[0]["busy"] is True
    assert rest[0]["receives_interviews"] is True

    # The connection with its health, by id, through node, and in the list.
    for asked in (connection["id"], connection["databaseId"]):
        seen = (await gql_data(client, ivy, ONE, {"id": asked}))["calendarConnection"]
        assert seen["health"]["calendars"] == 1
        assert seen["health"]["failingCalendars"] == 0
        assert seen["health"]["unmatchedMembers"] == []
        assert seen["credentialNames"] == ["password", "url", "username"]
    node = (await gql_data(client, ivy, NODE, {"id": connection["id"]}))["node"]
    assert node == {"__typename": "CalendarConnection", "id": connection["id"], "name": "CalDAV"}
    listed = (await gql_data(client, tenant.admin, LIST, {"first": 10}))["calendarConnections"]
    assert [e["node"]["id"] for e in listed["edges"]] == [connection["id"]]
    assert listed["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    assert listed["edges"][0]["node"]["health"]["calendars"] == 1

    # Flip busy and receivesInterviews, by global id and by database id.
    off = await mutate(
        client,
        ivy,
        UPDATE_CALENDAR,
        "updateMemberCalendar",
        input={"id": calendar["id"], "busy": False},
    )
    assert off["__typename"] == "MemberCalendarPayload", off
    assert off["memberCalendar"]["busy"] is False
    assert off["memberCalendar"]["receivesInterviews"] is True
    assert off["memberCalendar"]["health"]["push"] == "none"
    nowhere = await mutate(
        client,
        ivy,
        UPDATE_CALENDAR,
        "updateMemberCalendar",
        input={"id": calendar["databaseId"], "receivesInterviews": False},
    )
    assert nowhere["memberCalendar"]["receivesInterviews"] is False
    (after,) = await calendars_of(client, ivy, ivy)
    assert (after["busy"], after["receivesInterviews"]) == (False, False)
    back = await mutate(
        client,
        ivy,
        UPDATE_CALENDAR,
        "updateMemberCalendar",
        input={"id": calendar["id"], "busy": True, "receivesInterviews": True},
    )
    assert (back["memberCalendar"]["busy"], back["memberCalendar"]["receivesInterviews"]) == (
        True,
        True,
    )

    # null is refused as REST refuses it, naming the field; an id of another type is refused.
    assert_error(
        await mutate(
            client,
            ivy,
            UPDATE_CALENDAR,
            "updateMemberCalendar",
            input={"id": calendar["id"], "busy": None},
        ),
        "invalid_input",
        422,
        "busy",
    )
    assert_error(
        await mutate(
            client,
            ivy,
            UPDATE_CALENDAR,
            "updateMemberCalendar",
            input={"id": global_id("Member", ivy.id), "busy": True},
        ),
        "invalid_input",
        422,
        "id",
    )


async def test_update_connection_with_expected_version_and_pause(
    client: httpx.AsyncClient, tenant: Tenant, radicale: Radicale
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    connection = await connect(client, ivy, radicale, f"ivy-{uuid.uuid4().hex[:6]}")

    renamed = await mutate(
        client,
        ivy,
        UPDATE,
        "updateCalendarConnection",
        input={"id": connection["id"], "expectedVersion": 1, "name": "My CalDAV", "video": True},
    )
    assert renamed["__typename"] == "CalendarConnectionPayload", renamed
    updated = renamed["calendarConnection"]
    assert (updated["name"], updated["video"], updated["version"]) == ("My CalDAV", True, 2)
    assert updated["health"]["calendars"] == 1
    assert updated["updatedAt"]

    # A stale version is refused as REST refuses a stale If-Match, and changes nothing.
    assert_error(
        await mutate(
            client,
            ivy,
            UPDATE,
            "updateCalendarConnection",
            input={"id": connection["id"], "expectedVersion": 1, "name": "Stale"},
        ),
        "precondition_failed",
        412,
    )
    paused = await mutate(
        client,
        ivy,
        UPDATE,
        "updateCalendarConnection",
        input={"id": connection["databaseId"], "status": "paused"},
    )
    assert paused["calendarConnection"]["status"] == "paused"
    assert paused["calendarConnection"]["name"] == "My CalDAV"
    assert paused["calendarConnection"]["version"] == 3
    rest = ok(
        await client.get(
            f"{API}/calendar-connections/{connection['databaseId']}", headers=ivy.headers
        )
    )
    assert rest["status"] == "paused"
    assert rest["version"] == 3

    # The same input schema as REST: unknown values and nulls are named.
    bad = assert_error(
        await mutate(
            client,
            ivy,
            UPDATE,
            "updateCalendarConnection",
            input={"id": connection["id"], "status": "needs_reauth", "name": None},
        ),
        "invalid_input",
        422,
        "status",
        "name",
    )
    assert bad["fields"]
    # Credentials must be complete for the provider.
    assert_error(
        await mutate(
            client,
            ivy,
            UPDATE,
            "updateCalendarConnection",
            input={"id": connection["id"], "credentials": {"url": f"{radicale.url}/x/"}},
        ),
        "invalid_input",
        422,
        "credentials",
    )
    # Someone else in the organization neither sees nor changes Ivy's own connection.
    bo = await tenant.add("interviewer", "Bo")
    assert_error(
        await mutate(
            client,
            bo,
            UPDATE,
            "updateCalendarConnection",
            input={"id": connection["id"], "name": "x"},
        ),
        "not_found",
        404,
    )


async def test_bad_credentials_and_urls_are_typed_errors_and_save_nothing(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, radicale: Radicale
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")

    cases: list[tuple[JSON, str]] = [
        # Not a URL the service may call: named down to the credential.
        (
            {
                "provider": "caldav",
                "credentials": {"url": "ftp://x/", "username": "a", "password": PASSWORD},
            },
            "credentials.url",
        ),
        # A real read that fails: nothing listens there.
        (
            {
                "provider": "caldav",
                "credentials": {
                    "url": "http://127.0.0.1:9/dav/",
                    "username": "ivy",
                    "password": PASSWORD,
                },
            },
            "credentials",
        ),
        ({"provider": "caldav", "credentials": {"url": f"{radicale.url}/ivy/"}}, "credentials"),
        ({"provider": "caldav", "scope": "organization"}, "scope"),
        ({"provider": "caldav", "credentials": {"Bad-Name": "x"}}, "credentials"),
        ({"provider": "caldav", "memberId": global_id("Role", uuid.uuid4())}, "memberId"),
    ]
    # A provider outside the enum: refused by the schema, naming the field, before anything runs.
    refused = (await gql(client, ivy, CREATE, {"input": {"provider": "exchange"}})).json()
    assert refused["errors"][0]["extensions"]["code"] == "invalid_query", refused
    assert "provider" in refused["errors"][0]["message"], refused
    for data, field in cases:
        result = await mutate(client, ivy, CREATE, "createCalendarConnection", input=data)
        named = assert_error(result, "invalid_input", 422)
        fields = {f["field"] for f in named["fields"]}
        assert any(f == field or f.startswith(field + ".") for f in fields), (data, named)

    # A wrong password at a server that checks it.
    with Radicale(passwords={"ivy": "right"}) as locked:
        locked.make_calendar("ivy", "work")
        wrong = await mutate(
            client,
            ivy,
            CREATE,
            "createCalendarConnection",
            input={
                "provider": "caldav",
                "credentials": {"url": f"{locked.url}/ivy/", "username": "ivy", "password": "no"},
            },
        )
        assert_error(wrong, "invalid_input", 422, "credentials")
    # An organization-wide connection needs its provider's credentials, and is for admins.
    assert_error(
        await mutate(
            client,
            ivy,
            CREATE,
            "createCalendarConnection",
            input={"provider": "microsoft", "credentials": {"tenant_id": "t"}},
        ),
        "invalid_input",
        422,
        "credentials",
    )
    assert_error(
        await mutate(
            client,
            ivy,
            CREATE,
            "createCalendarConnection",
            input={
                "provider": "microsoft",
                "credentials": {"tenant_id": "t", "client_id": "c", "client_secret": "s"},
            },
        ),
        "forbidden",
        403,
    )
    assert await connection_rows(db) == 0


async def test_another_organizations_ids_are_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, radicale: Radicale
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    bo = await tenant.add("interviewer", "Bo")
    connection = await connect(client, ivy, radicale, f"ivy-{uuid.uuid4().hex[:6]}")
    (calendar,) = await calendars_of(client, ivy, ivy)
    stranger = other_tenant.admin

    for asked in (connection["id"], connection["databaseId"]):
        data = await gql_data(client, stranger, ONE, {"id": asked})
        assert data == {"calendarConnection": None}
    assert (await gql_data(client, stranger, NODE, {"id": connection["id"]})) == {"node": None}
    listed = await gql_data(client, stranger, LIST, {"first": 10})
    assert listed["calendarConnections"]["edges"] == []
    # Ivy herself is not theirs to see, so neither are her calendars.
    data = await gql_data(client, stranger, MEMBER_CALENDARS, {"id": global_id("Member", ivy.id)})
    assert data == {"member": None}

    for document, field, variables in (
        (UPDATE, "updateCalendarConnection", {"input": {"id": connection["id"], "name": "x"}}),
        (DELETE, "deleteCalendarConnection", {"id": connection["id"]}),
        (
            UPDATE_CALENDAR,
            "updateMemberCalendar",
            {"input": {"id": calendar["id"], "busy": False}},
        ),
    ):
        assert_error(await mutate(client, stranger, document, field, **variables), "not_found", 404)

    # The same organization: Bo does not see Ivy's own connection nor choose her calendars.
    assert (await gql_data(client, bo, ONE, {"id": connection["id"]})) == {
        "calendarConnection": None
    }
    assert_error(
        await mutate(
            client,
            bo,
            UPDATE_CALENDAR,
            "updateMemberCalendar",
            input={"id": calendar["id"], "busy": False},
        ),
        "forbidden",
        403,
    )
    # Nothing changed.
    (unchanged,) = await calendars_of(client, ivy, ivy)
    assert unchanged["busy"] is True
    assert (await gql_data(client, ivy, ONE, {"id": connection["id"]}))["calendarConnection"][
        "name"
    ] == "CalDAV"


async def test_delete_connection(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, radicale: Radicale
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    connection = await connect(client, ivy, radicale, f"ivy-{uuid.uuid4().hex[:6]}")
    assert len(await calendars_of(client, ivy, ivy)) == 1

    deleted = await mutate(client, ivy, DELETE, "deleteCalendarConnection", id=connection["id"])
    assert deleted == {
        "__typename": "CalendarConnectionDeletedPayload",
        "deletedId": connection["id"],
    }
    assert await calendars_of(client, ivy, ivy) == []
    assert (await gql_data(client, ivy, ONE, {"id": connection["id"]})) == {
        "calendarConnection": None
    }
    assert await connection_rows(db) == 0
    again = await mutate(
        client, ivy, DELETE, "deleteCalendarConnection", id=connection["databaseId"]
    )
    assert_error(again, "not_found", 404)


async def test_start_oauth(
    client: httpx.AsyncClient,
    tenant: Tenant,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ivy = await tenant.add("interviewer", "Ivy")
    unconfigured = assert_error(
        await mutate(client, ivy, START_OAUTH, "startCalendarOAuth", input={"provider": "google"}),
        "invalid_input",
        422,
        "provider",
    )
    assert "HIRELOOP_GOOGLE_OAUTH_CLIENT_ID" in unconfigured["message"]
    assert_error(
        await mutate(client, ivy, START_OAUTH, "startCalendarOAuth", input={"provider": "caldav"}),
        "invalid_input",
        422,
        "provider",
    )

    monkeypatch.setattr(settings, "google_oauth_client_id", "graphql-test-client")
    started = await mutate(
        client,
        ivy,
        START_OAUTH,
        "startCalendarOAuth",
        input={"provider": "google", "loginHint": "ivy@example.com"},
    )
    assert started["__typename"] == "OAuthStartedPayload", started
    query = parse_qs(urlsplit(started["oauth"]["consentUrl"]).query)
    assert query["client_id"] == ["graphql-test-client"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0]
    assert query["login_hint"] == ["ivy@example.com"]
    assert started["oauth"]["expiresAt"]

    free_busy = await mutate(
        client,
        ivy,
        START_OAUTH,
        "startCalendarOAuth",
        input={"provider": "google", "access": "free_busy"},
    )
    scopes = parse_qs(urlsplit(free_busy["oauth"]["consentUrl"]).query)["scope"][0].split()
    assert scopes == ["openid", "email", "https://www.googleapis.com/auth/calendar.freebusy"]
    refused = (
        await gql(client, ivy, START_OAUTH, {"input": {"provider": "google", "access": "x"}})
    ).json()
    assert refused["errors"][0]["extensions"]["code"] == "invalid_query", refused
    assert "access" in refused["errors"][0]["message"], refused


# --- SQL statements per page --------------------------------------------------------------------


async def counted(
    client: httpx.AsyncClient, who: Person, query: str, variables: dict[str, Any]
) -> tuple[int, JSON]:
    # Warm the credential cache first so both measurements count the same work.
    await gql_data(client, who, "{ organization { name } }")
    response = await gql(client, who, query, variables)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    assert not body.get("errors"), body
    return int(response.headers["x-statement-count"]), body["data"]


async def test_member_calendars_over_a_page_cost_the_same_statements_whatever_its_size(
    client: httpx.AsyncClient, tenant: Tenant, radicale: Radicale
) -> None:
    people = [await tenant.add("interviewer", f"Cal {i:02}") for i in range(12)]
    for person in people:
        await connect(client, person, radicale, f"cal-{uuid.uuid4().hex[:8]}")

    small_count, small = await counted(client, tenant.admin, MEMBERS_PAGE, {"first": 3})
    large_count, large = await counted(client, tenant.admin, MEMBERS_PAGE, {"first": 13})

    assert len(small["members"]["edges"]) == 3
    edges = large["members"]["edges"]
    assert len(edges) == 13
    with_calendars = [e["node"] for e in edges if e["node"]["calendars"]["edges"]]
    assert len(with_calendars) == 12
    for node in with_calendars:
        assert [c["node"] for c in node["calendars"]["edges"]] == [
            {
                "name": "work",
                "busy": True,
                "receivesInterviews": True,
                "health": {"status": "syncing", "push": "polling"},
            }
        ]
    assert small_count == large_count, (small_count, large_count)
    # One statement for the page, one for every member's calendars.
    assert large_count <= 2, large_count

    # Not prefetched (members reached one by one, by alias): batched all the same.
    aliases = " ".join(
        f'm{i}: member(id: "{global_id("Member", p.id)}") {{ calendars {{ edges {{ node {{ name }} }} }} }}'
        for i, p in enumerate(people[:2])
    )
    few, _ = await counted(client, tenant.admin, f"{{ {aliases} }}", {})
    aliases = " ".join(
        f'm{i}: member(id: "{global_id("Member", p.id)}") {{ calendars {{ edges {{ node {{ name }} }} }} }}'
        for i, p in enumerate(people[:10])
    )
    many, data = await counted(client, tenant.admin, f"{{ {aliases} }}", {})
    assert all(v["calendars"]["edges"] == [{"node": {"name": "work"}}] for v in data.values()), data
    assert few == many, (few, many)
