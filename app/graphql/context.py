"""Per-request GraphQL context: the caller, one read session, and the DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.fastapi import BaseContext

from app.auth import current_actor
from app.core.actor import Actor
from app.db import Database, settings_of
from app.graphql.loaders import Loaders


@dataclass
class Context(BaseContext):
    actor: Actor
    db: Database
    session: AsyncSession
    # The app's shared client, for mutations that ask a calendar provider (SSRF-checked).
    http: httpx.AsyncClient
    loaders: Loaders = field(init=False)
    # GraphQL objects already made in this request, by type and id: a page of 50 roles with one
    # hiring manager makes that Member once, not 50 times.
    shaped: dict[tuple[str, uuid.UUID], Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self.loaders = Loaders(self.session, self.actor)

    @property
    def max_first(self) -> int:
        """The largest `first` a connection takes (`HIRELOOP_GRAPHQL_MAX_FIRST`)."""
        return settings_of(self.session).graphql_max_first


async def get_context(
    request: Request, actor: Actor = Depends(current_actor)
) -> AsyncIterator[Any]:
    db: Database = request.app.state.db
    async with db.read() as session:
        context = Context(actor=actor, db=db, session=session, http=request.app.state.http)
        try:
            yield context
        finally:
            context.loaders.release()
