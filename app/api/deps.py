"""What every REST endpoint may ask for: the caller, a session, paging and conditional headers.

Sessions are function-scoped dependencies: a write session commits after the endpoint returns
and before the response is sent (so a 2xx never leaves before its commit), and rolls back on
any exception.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

import httpx
from fastapi import Depends, Header, Query, Request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.auth import current_actor
from app.core.actor import Actor
from app.db import Database, Driver, discard_connection
from app.domain import pagination
from app.domain.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, Sort
from app.errors import PreconditionFailed
from app.integrations.storage import DocumentStorage


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _db(request).read() as session:
        try:
            yield session
        except DBAPIError:
            await discard_connection(session)
            raise


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _db(request).write() as session:
        try:
            yield session
        except DBAPIError:
            await discard_connection(session)
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


def _http(request: Request) -> httpx.AsyncClient:
    """The app's shared client for calls to providers (SSRF-checked by each caller)."""
    http: httpx.AsyncClient = request.app.state.http
    return http


def _storage(request: Request) -> DocumentStorage:
    storage: DocumentStorage = request.app.state.storage
    return storage


async def _rows(request: Request) -> AsyncIterator[AsyncConnection]:
    async with _db(request).rows() as connection:
        yield connection


def open_driver(request: Request) -> AbstractAsyncContextManager[Driver]:
    """A pooled asyncpg connection opened by the endpoint itself (`async with
    open_driver(request) as driver:`), for the hottest one-row reads: FastAPI's generator
    dependencies (an exit stack and a cancel scope per request) and SQLAlchemy's `Connection`
    cost more than the statement (`make bench`, rows `role` and `pages`)."""
    return _db(request).driver()


CurrentActor = Annotated[Actor, Depends(current_actor)]
Storage = Annotated[DocumentStorage, Depends(_storage)]
HttpClient = Annotated[httpx.AsyncClient, Depends(_http)]
# For a flow that calls a provider between two transactions of its own (an OAuth callback).
Db = Annotated[Database, Depends(_db)]
# For the hottest reads, whose repositories select rows: a plain connection, no Session.
ReadRows = Annotated[AsyncConnection, Depends(_rows, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]
# For a write that is one statement (storing an inbound vendor webhook): the same plain
# connection in autocommit, so the statement is its own transaction and commits at once.
SingleStatement = Annotated[AsyncConnection, Depends(_rows, scope="function")]
WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=pagination.CURSOR_MAX_LENGTH,
            pattern=pagination.CURSOR_PATTERN,
            description=pagination.CURSOR_HELP,
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


Paging = Annotated[PageRequest, Depends(page_request)]


def sorted_paging(
    name: str, fields: Sequence[str], default: str = "-created_at"
) -> Callable[..., PageRequest]:
    """`Paging` plus `sort`, one of `fields` ascending or, with a leading `-`, descending.

    The allow-list is an enum in the OpenAPI document (`<name>Sort`). The list's own order
    (`default`) is no sort at all, so its cursors stay those of the unsorted list.
    """
    values = [text for field in fields for text in (f"-{field}", field)]
    choices = enum.StrEnum(  # type: ignore[misc]
        f"{name}Sort",
        {text.removeprefix("-") + ("_desc" if text[0] == "-" else ""): text for text in values},
    )
    choices.__doc__ = (
        f"The orders a list of {name.lower()}s can be sorted in (the `sort` query parameter); "
        "a leading `-` is descending."
    )
    help_text = (
        f"The order: one of {', '.join(f'`{v}`' for v in values)}; a leading `-` is "
        f"descending. Default `{default}`. A cursor belongs to the sort it was issued for."
    )

    def sorted_page_request(
        limit: int = DEFAULT_LIMIT, cursor: str | None = None, sort: Any = None
    ) -> PageRequest:
        chosen = None if sort is None or sort == default else Sort.parse(str(sort))
        return PageRequest(limit=limit, cursor=cursor, sort=chosen)

    plain = inspect.signature(page_request).parameters
    sorted_page_request.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            plain["limit"],
            plain["cursor"],
            inspect.Parameter(
                "sort",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[choices | None, Query(description=help_text)],
            ),
        ]
    )
    return sorted_page_request


RolePaging = Annotated[PageRequest, Depends(sorted_paging("Role", ["created_at", "updated_at"]))]
CandidatePaging = Annotated[
    PageRequest, Depends(sorted_paging("Candidate", ["created_at", "updated_at"]))
]
ApplicationPaging = Annotated[
    PageRequest, Depends(sorted_paging("Application", ["created_at", "updated_at"]))
]
InterviewPaging = Annotated[
    PageRequest, Depends(sorted_paging("Interview", ["created_at", "start_at"]))
]


def etag(version: int | str) -> str:
    return f'"{version}"'


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            description="The ETag you read; a stale one gets 412 and changes nothing",
            max_length=100,
        ),
    ] = None,
) -> int | None:
    """The version `If-Match` names: `"3"`, `W/"3"` or a bare `3`; `*` or no header: none.

    Anything else (a list of tags, unbalanced quotes, a sign, digits outside ASCII, more digits
    than a version can have) is 412, as docs/api.md says; over 100 characters, FastAPI's 422
    naming `if-match` comes first. Async, so a PATCH does not hop to a thread for this.
    """
    if if_match is None:
        return None
    value = if_match.strip()
    if value == "*":
        return None
    weak = value.startswith("W/")
    tag = value[2:] if weak else value
    if len(tag) > 2 and tag[0] == tag[-1] == '"':
        tag = tag[1:-1]
    elif weak:
        tag = ""  # a weak tag must be quoted
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):
        raise PreconditionFailed(
            'If-Match must be the ETag you read, such as "3" (or W/"3", or *); '
            "this value names no version of the resource, so nothing was changed"
        )
    return int(tag)


IfMatch = Annotated[int | None, Depends(expected_version)]


def not_modified(request: Request, tag: str) -> bool:
    sent = request.headers.get("if-none-match")
    if not sent:
        return False
    return tag in {t.strip().removeprefix("W/") for t in sent.split(",")} or sent.strip() == "*"
