"""One DataLoader per edge, per request: a page costs one statement per edge, whatever its size."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from app.auth import Actor
from app.domain.integrations import service as integrations
from app.domain.integrations.schemas import ExternalRefPublic
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberPublic
from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.schemas import IntakeRevisionPublic, RolePublic

K = uuid.UUID
V = TypeVar("V")


def _loader(
    fetch: Callable[[AsyncSession, Actor, list[K]], Awaitable[dict[K, V]]],
    session: AsyncSession,
    actor: Actor,
    default: Callable[[], V | None] = lambda: None,
) -> DataLoader[K, V | None]:
    async def load(keys: Sequence[K]) -> list[V | None]:
        found = await fetch(session, actor, list(dict.fromkeys(keys)))
        return [found.get(k, default()) for k in keys]

    return DataLoader(load_fn=load)


MISSING = object()


def peek(loader: DataLoader[K, V], key: K) -> V | object:
    """The loaded value if this request already has it, else MISSING.

    Lets an edge resolver answer synchronously after the page's resolver prefetched the edge for
    all its rows: graphql-core then completes the whole list without a task per row.
    """
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.exception() is not None:
        return MISSING
    return future.result()


class Loaders:
    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.member: DataLoader[K, MemberPublic | None] = _loader(
            organizations.get_members, session, actor
        )
        self.role: DataLoader[K, RolePublic | None] = _loader(roles.get_roles, session, actor)
        self.current_intake: DataLoader[K, IntakeRevisionPublic | None] = _loader(
            intake.current_intakes, session, actor
        )
        self.intake_revisions: DataLoader[K, list[IntakeRevisionPublic] | None] = _loader(
            intake.revisions_for_roles, session, actor, list
        )
        self.role_refs: DataLoader[K, list[ExternalRefPublic] | None] = _loader(
            integrations.refs_for_roles, session, actor, list
        )
