"""SQL for roles and intake revisions. Every query is scoped by organization, and for a hiring
manager by the roles they manage or stand in for as delegate."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Text, any_, bindparam, cast, func, or_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.engine import Result, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col, select, update

from app.db import Driver, Reader, count_statement, driver_connection
from app.domain.columns import UUID_ARRAY
from app.domain.organizations.models import Member
from app.domain.organizations.repository import escape_like
from app.domain.pagination import (
    PageRequest,
    Sort,
    keyset,
    keyset_bound,
    keyset_params,
    sort_column,
)
from app.domain.roles.models import IntakeRevision, Role


def roles_managed_by(organization_id: uuid.UUID, member_id: uuid.UUID) -> ColumnElement[bool]:
    delegators = select(Member.id).where(
        Member.organization_id == organization_id, Member.delegate_id == member_id
    )
    return or_(
        col(Role.hiring_manager_id) == member_id, col(Role.hiring_manager_id).in_(delegators)
    )


def _roles(organization_id: uuid.UUID, managed_by: uuid.UUID | None) -> Any:
    stmt = select(Role).where(Role.organization_id == organization_id)
    if managed_by is not None:
        stmt = stmt.where(roles_managed_by(organization_id, managed_by))
    return stmt


async def get_role(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    *,
    managed_by: uuid.UUID | None = None,
    for_update: bool = False,
) -> Role | None:
    stmt = _roles(organization_id, managed_by).where(Role.id == role_id)
    # Locked reads refresh the object even if this session already loaded it: the lock is
    # taken to act on the latest row, not on what the identity map remembers.
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


# Reads that only answer (no change follows) select plain rows rather than ORM objects: the
# identity map and attribute instrumentation cost more than the query on the hot read path.
_ROLE = Role.metadata.tables["roles"]
_MEMBERS = Member.metadata.tables["members"]


@lru_cache(maxsize=64)
def _role_rows(scoped: bool) -> Any:
    """All columns of the organization's roles (bind `org`); with `scoped`, only those the
    member bound as `manager` manages, as hiring manager or as the hiring manager's delegate."""
    stmt = select(*_ROLE.columns).where(_ROLE.c.organization_id == bindparam("org"))
    if scoped:
        delegators = select(_MEMBERS.c.id).where(
            _MEMBERS.c.organization_id == bindparam("org"),
            _MEMBERS.c.delegate_id == bindparam("manager"),
        )
        stmt = stmt.where(
            or_(
                _ROLE.c.hiring_manager_id == bindparam("manager"),
                _ROLE.c.hiring_manager_id.in_(delegators),
            )
        )
    return stmt


@lru_cache(maxsize=8)
def _read_one(scoped: bool) -> Any:
    return _role_rows(scoped).where(_ROLE.c.id == bindparam("role_id"))


@lru_cache(maxsize=8)
def _read_many(scoped: bool) -> Any:
    return _role_rows(scoped).where(_ROLE.c.id == any_(bindparam("role_ids", type_=UUID_ARRAY)))


# What `sort` may name on the roles list (docs/api.md), each a column that is never null.
SORTABLE = {"created_at": _ROLE.c.created_at, "updated_at": _ROLE.c.updated_at}


@lru_cache(maxsize=128)
def _list(
    scoped: bool,
    status: bool,
    manager: bool,
    recruiter: bool,
    text: bool,
    after: bool,
    sort: Sort | None = None,
) -> Any:
    stmt = _role_rows(scoped)
    if status:
        stmt = stmt.where(_ROLE.c.status == bindparam("status"))
    if manager:
        stmt = stmt.where(_ROLE.c.hiring_manager_id == bindparam("hiring_manager_id"))
    if recruiter:
        stmt = stmt.where(_ROLE.c.recruiter_id == bindparam("recruiter_id"))
    if text:
        stmt = stmt.where(_ROLE.c.title.ilike(bindparam("title_pattern"), escape="\\"))
    order = sort_column(PageRequest(sort=sort), _ROLE.c.created_at, SORTABLE)
    descending = sort.descending if sort else True
    return keyset_bound(stmt, order, _ROLE.c.id, after=after, descending=descending)


def _scope_params(organization_id: uuid.UUID, managed_by: uuid.UUID | None) -> dict[str, Any]:
    return (
        {"org": organization_id, "manager": managed_by} if managed_by else {"org": organization_id}
    )


# The single-role read is the API's hottest path, so it goes to the driver with fixed SQL
# (asyncpg prepares and caches it per connection); the clauses match _role_rows above.
_ROLE_COLUMNS = ", ".join(c.name for c in _ROLE.columns)
_READ_ROLE_SQL = f"SELECT {_ROLE_COLUMNS} FROM roles WHERE organization_id = $1 AND id = $2"
_MANAGED_CLAUSE = (
    " AND (hiring_manager_id = $3 OR hiring_manager_id IN"
    " (SELECT id FROM members WHERE organization_id = $1 AND delegate_id = $3))"
)
_READ_MANAGED_ROLE_SQL = _READ_ROLE_SQL + _MANAGED_CLAUSE


async def read_role(
    session: Reader | Driver,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    *,
    managed_by: uuid.UUID | None = None,
) -> dict[str, Any] | None:
    if isinstance(session, AsyncSession):
        # A Session may be shared by concurrent resolvers (GraphQL); only SQLAlchemy's own
        # execution path serialises their use of its connection.
        params = {**_scope_params(organization_id, managed_by), "role_id": role_id}
        row = (await session.execute(_read_one(managed_by is not None), params)).mappings().first()
        return dict(row) if row is not None else None
    if isinstance(session, AsyncConnection):
        driver = await driver_connection(session)
    else:
        driver = session  # a `Database.driver()` connection (GET /roles/{id})
        count_statement()
    if managed_by is None:
        record = await driver.fetchrow(_READ_ROLE_SQL, organization_id, role_id)
    else:
        record = await driver.fetchrow(_READ_MANAGED_ROLE_SQL, organization_id, role_id, managed_by)
    return dict(record) if record is not None else None


async def read_roles(
    session: Reader,
    organization_id: uuid.UUID,
    role_ids: Sequence[uuid.UUID],
    *,
    managed_by: uuid.UUID | None = None,
) -> Sequence[RowMapping]:
    if not role_ids:
        return []
    params = {**_scope_params(organization_id, managed_by), "role_ids": list(role_ids)}
    return (await session.execute(_read_many(managed_by is not None), params)).mappings().all()


async def list_roles(
    session: Reader,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    managed_by: uuid.UUID | None,
    status: str | None,
    hiring_manager_id: uuid.UUID | None,
    recruiter_id: uuid.UUID | None,
    q: str | None,
) -> list[dict[str, Any]]:
    params = {
        **_scope_params(organization_id, managed_by),
        **keyset_params(page, _ROLE.c.created_at),
    }
    if status:
        params["status"] = status
    if hiring_manager_id:
        params["hiring_manager_id"] = hiring_manager_id
    if recruiter_id:
        params["recruiter_id"] = recruiter_id
    if q:
        params["title_pattern"] = f"%{escape_like(q)}%"
    stmt = _list(
        managed_by is not None,
        bool(status),
        bool(hiring_manager_id),
        bool(recruiter_id),
        bool(q),
        "after_key" in params,
        page.sort,
    )
    return _dicts(await session.execute(stmt, params))


def _dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """The rows as plain dicts, for reads that only answer: zipped with the keys read once,
    three times cheaper than a dict of each RowMapping (a list page is 50 of them)."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


async def current_intake(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID
) -> IntakeRevision | None:
    stmt = (
        select(IntakeRevision)
        .where(
            IntakeRevision.organization_id == organization_id,
            IntakeRevision.role_id == role_id,
            IntakeRevision.status == "agreed",
        )
        .order_by(col(IntakeRevision.number).desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


_INTAKES = IntakeRevision.metadata.tables["intake_revisions"]
_READ_CURRENT_INTAKES = (
    select(*_INTAKES.columns)
    .where(
        _INTAKES.c.organization_id == bindparam("org"),
        _INTAKES.c.role_id == any_(bindparam("role_ids", type_=UUID_ARRAY)),
        _INTAKES.c.status == "agreed",
    )
    .ext(distinct_on(_INTAKES.c.role_id))
    .order_by(_INTAKES.c.role_id, _INTAKES.c.number.desc())
)


async def current_intakes(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> Sequence[RowMapping]:
    """The agreed revision of many roles in one prebuilt statement (GraphQL loaders)."""
    if not role_ids:
        return []
    params = {"org": organization_id, "role_ids": list(role_ids)}
    return (await session.execute(_READ_CURRENT_INTAKES, params)).mappings().all()


# The same read with the content as its JSON text: a revision's content never changes, so the
# service decodes it only for a revision it has not validated before (GraphQL's page of roles
# selects 50 of them per request; decoding them all was a tenth of the request's CPU).
_READ_CURRENT_INTAKES_RAW = (
    select(
        *[cast(c, Text).label("content") if c.name == "content" else c for c in _INTAKES.columns]
    )
    .where(
        _INTAKES.c.organization_id == bindparam("org"),
        _INTAKES.c.role_id == any_(bindparam("role_ids", type_=UUID_ARRAY)),
        _INTAKES.c.status == "agreed",
    )
    .ext(distinct_on(_INTAKES.c.role_id))
    .order_by(_INTAKES.c.role_id, _INTAKES.c.number.desc())
)


async def current_intakes_raw(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> list[dict[str, Any]]:
    """As current_intakes, with `content` left as JSON text."""
    if not role_ids:
        return []
    params = {"org": organization_id, "role_ids": list(role_ids)}
    return _dicts(await session.execute(_READ_CURRENT_INTAKES_RAW, params))


async def list_revisions(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID, page: PageRequest
) -> Sequence[IntakeRevision]:
    stmt = select(IntakeRevision).where(
        IntakeRevision.organization_id == organization_id, IntakeRevision.role_id == role_id
    )
    return (
        await session.scalars(
            keyset(stmt, IntakeRevision.created_at, IntakeRevision.id, page, descending=False)
        )
    ).all()


async def revisions_for_roles(
    session: AsyncSession, organization_id: uuid.UUID, role_ids: Sequence[uuid.UUID]
) -> Sequence[IntakeRevision]:
    if not role_ids:
        return []
    stmt = (
        select(IntakeRevision)
        .where(
            IntakeRevision.organization_id == organization_id,
            col(IntakeRevision.role_id).in_(role_ids),
        )
        .order_by(col(IntakeRevision.role_id), col(IntakeRevision.number))
    )
    return (await session.scalars(stmt)).all()


async def get_revision(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    number: int,
    *,
    for_update: bool = False,
) -> IntakeRevision | None:
    stmt = select(IntakeRevision).where(
        IntakeRevision.organization_id == organization_id,
        IntakeRevision.role_id == role_id,
        IntakeRevision.number == number,
    )
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_revision_by_id(
    session: AsyncSession, organization_id: uuid.UUID, revision_id: uuid.UUID
) -> IntakeRevision | None:
    stmt = select(IntakeRevision).where(
        IntakeRevision.organization_id == organization_id, IntakeRevision.id == revision_id
    )
    return (await session.scalars(stmt)).first()


async def last_revision_number(
    session: AsyncSession, organization_id: uuid.UUID, role_id: uuid.UUID
) -> int:
    stmt = select(func.max(IntakeRevision.number)).where(
        IntakeRevision.organization_id == organization_id, IntakeRevision.role_id == role_id
    )
    return int(await session.scalar(stmt) or 0)


async def supersede_others(
    session: AsyncSession,
    organization_id: uuid.UUID,
    role_id: uuid.UUID,
    keep_number: int,
    statuses: Sequence[str],
    *,
    only_older: bool,
) -> None:
    stmt = update(IntakeRevision).where(
        col(IntakeRevision.organization_id) == organization_id,
        col(IntakeRevision.role_id) == role_id,
        col(IntakeRevision.number) != keep_number,
        col(IntakeRevision.status).in_(statuses),
    )
    if only_older:
        stmt = stmt.where(col(IntakeRevision.number) < keep_number)
    await session.execute(
        stmt.values(status="superseded").execution_options(synchronize_session=False)
    )
