"""Input is taken only in the JSON type it is documented as (issue 12).

Pydantic's lax mode would take `1` or `"true"` for a boolean, `"3"` for a number and a number
for a timestamp (seconds since 1970). Bodies refuse all of them with a 422 naming the field;
the query string, where every value is text, takes numbers as text, but a boolean only as
`true` or `false` and a timestamp only as ISO 8601.

The first test walks every input schema, so a field added later with a lax type fails here
before a client finds it.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

import app.domain
from app.domain import types
from app.domain.types import StrictModel
from tests.conftest import Tenant
from tests.helpers_pipeline import make_candidate

# The validators that make a lax type strict, by the type they guard.
_GUARDS: dict[type, tuple[Any, ...]] = {
    datetime: (types.iso_timestamp,),
    date: (types.iso_date,),
    bool: (types.query_flag,),
    time: (types._wall_clock,),
}


def _input_models() -> list[type[BaseModel]]:
    for info in pkgutil.iter_modules(app.domain.__path__):
        try:
            importlib.import_module(f"app.domain.{info.name}.schemas")
        except ModuleNotFoundError:
            continue
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [StrictModel]
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return [m for m in found if m is not StrictModel]


def _leaves(annotation: Any, metadata: tuple[Any, ...] = ()) -> list[tuple[Any, tuple[Any, ...]]]:
    """Every type an annotation is made of, with the metadata (validators, Strict) on its way."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _leaves(inner, metadata + tuple(extra))
    if origin is not None:
        return [leaf for arg in typing.get_args(annotation) for leaf in _leaves(arg, metadata)]
    return [(annotation, metadata)]


def _is_strict(leaf: Any, metadata: tuple[Any, ...]) -> bool:
    if any(getattr(m, "strict", None) is True for m in metadata):
        return True
    if leaf in (int, float) and any(isinstance(m, types.JsonNumber) for m in metadata):
        return True
    guards = _GUARDS.get(leaf, ())
    return any(getattr(m, "func", None) in guards for m in metadata)


def test_every_input_field_is_strict_about_its_json_type() -> None:
    models = _input_models()
    assert len(models) > 50, "the input schemas were not all found"
    lax = []
    for model in models:
        for name, field in model.model_fields.items():
            assert isinstance(field, FieldInfo)
            for leaf, metadata in _leaves(field.annotation, tuple(field.metadata)):
                if leaf in (bool, int, float, Decimal, datetime, date, time) and not _is_strict(
                    leaf, metadata
                ):
                    lax.append(f"{model.__module__}.{model.__name__}.{name}: {leaf.__name__}")
    assert not lax, (
        "lax input fields (use pydantic's StrictBool, or Integer, Number, Timestamp, Day or "
        f"QueryFlag from app/domain/types.py): {lax}"
    )


def test_the_walk_finds_a_lax_field() -> None:
    """The guard above can fail: a model with plain `bool` and `datetime` fields is caught."""

    class Lax(StrictModel):
        flag: bool
        at: datetime | None = None
        count: list[int] = []

    try:
        found = [
            leaf
            for field in Lax.model_fields.values()
            for leaf, metadata in _leaves(field.annotation, tuple(field.metadata))
            if leaf in (bool, datetime, int) and not _is_strict(leaf, metadata)
        ]
        assert found == [bool, datetime, int]
    finally:
        del Lax


def _fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return {e["field"] for e in response.json()["errors"]}


CANDIDATE = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "source": "referral",
    "consent_given": True,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent_given": 1}, "consent_given"),
        ({"consent_given": "true"}, "consent_given"),
        ({"consent_given": "false"}, "consent_given"),
        ({"consent_given": 0}, "consent_given"),
        ({"years_experience": "3"}, "years_experience"),
        ({"years_experience": True}, "years_experience"),
        ({"years_experience": 3.5}, "years_experience"),
        ({"years_experience": "3.0"}, "years_experience"),
    ],
)
async def test_a_body_takes_booleans_and_numbers_only_as_such(
    client: httpx.AsyncClient, tenant: Tenant, change: dict[str, Any], field: str
) -> None:
    refused = await client.post(
        "/api/v1/candidates", headers=tenant.admin.headers, json={**CANDIDATE, **change}
    )
    assert _fields(refused) == {field}


async def test_a_body_takes_real_booleans_and_numbers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await make_candidate(client, tenant.admin, "Ada Lovelace", years=3, consent=False)
    assert created["years_experience"] == 3
    assert created["consent_given"] is False
    # JSON Schema counts 4.0 as an integer, so the API does too.
    whole = await make_candidate(client, tenant.admin, "Bo Byte", years=4.0)  # type: ignore[arg-type]
    assert whole["years_experience"] == 4
    member = await tenant.add("interviewer")
    for value in (1, "false"):
        refused = await client.patch(
            f"/api/v1/members/{member.id}", headers=tenant.admin.headers, json={"is_active": value}
        )
        assert _fields(refused) == {"is_active"}
    changed = await client.patch(
        f"/api/v1/members/{member.id}",
        headers=tenant.admin.headers,
        json={"is_active": False, "max_interviews_per_day": 3},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["is_active"] is False


@pytest.mark.parametrize(
    "start_at",
    [1700000000, "1700000000", 1700000000.5, "2030-01-07", True, "next monday"],
)
async def test_a_body_takes_a_timestamp_only_as_an_iso_string(
    client: httpx.AsyncClient, tenant: Tenant, start_at: Any
) -> None:
    refused = await client.post(
        f"/api/v1/members/{tenant.admin.id}/busy-blocks",
        headers=tenant.admin.headers,
        json={"start_at": start_at, "end_at": "2030-01-07T11:00:00Z"},
    )
    assert _fields(refused) == {"start_at"}


async def test_a_body_takes_iso_timestamps_and_dates(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    member = f"/api/v1/members/{tenant.admin.id}"
    added = await client.post(
        f"{member}/busy-blocks",
        headers=tenant.admin.headers,
        json={"start_at": "2030-01-07T10:00:00+01:00", "end_at": "2030-01-07T11:00:00Z"},
    )
    assert added.status_code == 201, added.text
    assert datetime.fromisoformat(added.json()["start_at"]) == datetime.fromisoformat(
        "2030-01-07T09:00:00+00:00"
    )
    for day in (20300107, "2030-01-07T00:00:00Z"):
        refused = await client.put(
            f"{member}/availability/overrides",
            headers=tenant.admin.headers,
            json={"day": day, "hours": []},
        )
        assert _fields(refused) == {"day"}
    day_off = await client.put(
        f"{member}/availability/overrides",
        headers=tenant.admin.headers,
        json={"day": "2030-01-07", "hours": []},
    )
    assert day_off.status_code == 200, day_off.text


async def test_a_query_boolean_is_true_or_false(client: httpx.AsyncClient, tenant: Tenant) -> None:
    gone = await tenant.add("interviewer", "Gone Member")
    removed = await client.patch(
        f"/api/v1/members/{gone.id}", headers=tenant.admin.headers, json={"is_active": False}
    )
    assert removed.status_code == 200, removed.text
    for value in ("1", "yes", "on", "True", "0"):
        refused = await client.get(
            "/api/v1/members", headers=tenant.admin.headers, params={"include_inactive": value}
        )
        assert _fields(refused) == {"include_inactive"}, value
    names = {}
    for value in ("true", "false"):
        listed = await client.get(
            "/api/v1/members", headers=tenant.admin.headers, params={"include_inactive": value}
        )
        assert listed.status_code == 200, listed.text
        names[value] = {m["name"] for m in listed.json()["items"]}
    assert "Gone Member" in names["true"]
    assert "Gone Member" not in names["false"]


async def test_a_query_timestamp_is_iso(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for value in ("1700000000", "2030-01-07"):
        refused = await client.get(
            "/api/v1/interviews", headers=tenant.admin.headers, params={"starts_after": value}
        )
        assert _fields(refused) == {"starts_after"}, value
    listed = await client.get(
        "/api/v1/interviews",
        headers=tenant.admin.headers,
        params={"starts_after": "2030-01-07T00:00:00Z"},
    )
    assert listed.status_code == 200, listed.text


def test_cursors_are_documented_as_opaque_tokens(app: Any) -> None:
    openapi = app.openapi()
    lists = 0
    for path, item in openapi["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            if parameter["name"] == "cursor":
                lists += 1
                schema = parameter["schema"]["anyOf"][0]
                assert "opaque" in parameter["description"], path
                assert schema["pattern"] == "^[A-Za-z0-9_-]+$", path
                assert schema["maxLength"] == 500, path
    assert lists > 10
    pages = [
        s
        for name, s in openapi["components"]["schemas"].items()
        if "next_cursor" in s.get("properties", {})
    ]
    assert len(pages) > 10
    for page in pages:
        field = page["properties"]["next_cursor"]
        assert "opaque" in field["description"]
        assert field["anyOf"][0]["pattern"] == "^[A-Za-z0-9_-]+$"


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "abc",
        "W10",  # []
        "WyJ4IiwgIjEiXQ",  # ["x", "1"]
        "WzEsICJub3QtYS11dWlkIl0",  # [1, "not-a-uuid"]
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgIjVmMGM2YTNlLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMCJd",
        "x" * 501,
    ],
)
async def test_a_malformed_cursor_is_a_422_naming_cursor(
    client: httpx.AsyncClient, tenant: Tenant, cursor: str
) -> None:
    refused = await client.get(
        "/api/v1/members", headers=tenant.admin.headers, params={"cursor": cursor}
    )
    assert _fields(refused) == {"cursor"}


async def test_a_cursor_of_another_list_is_a_422_naming_cursor(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for n in range(2):
        await tenant.add("interviewer", f"Member {n}")
    first = await client.get("/api/v1/members", headers=tenant.admin.headers, params={"limit": 1})
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    assert cursor
    nxt = await client.get(
        "/api/v1/members", headers=tenant.admin.headers, params={"limit": 1, "cursor": cursor}
    )
    assert nxt.status_code == 200, nxt.text
    events = await client.get(
        "/api/v1/events", headers=tenant.admin.headers, params={"cursor": cursor}
    )
    assert _fields(events) == {"cursor"}
