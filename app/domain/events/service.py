"""Recording events in the outbox, and reading them back for consumers that pull."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor, PermissionSet
from app.domain.events import repository
from app.domain.events.catalogue import CATALOGUE
from app.domain.events.models import Event
from app.domain.events.schemas import EventPage, EventPublic
from app.domain.pagination import PageRequest, encode_cursor, to_page
from app.errors import FieldError, InvalidInput, NotFound


def record(
    session: AsyncSession,
    organization_id: uuid.UUID,
    actor: Actor | None,
    type: str,
    resource_type: str,
    resource_id: uuid.UUID,
    data: dict[str, Any],
) -> Event:
    """Add an outbox row to the caller's transaction: it commits or vanishes with the change."""
    if type not in CATALOGUE:
        raise ValueError(f"event type {type} is not in the catalogue")
    event = Event(
        organization_id=organization_id,
        type=type,
        actor_member_id=actor.member_id if actor else None,
        resource_type=resource_type,
        resource_id=resource_id,
        data=data,
        # A change applied from an ATS connection is marked, so the push to that ATS skips it.
        origin_connection_id=session.info.get("origin_connection_id"),
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed with each event's own cursor (a GraphQL edge's): `page` is what REST
    answers."""

    page: EventPage
    cursors: list[str]


async def list_events(
    session: AsyncSession, actor: Actor, types: Sequence[str], page: PageRequest
) -> EventPage:
    return (await list_feed(session, actor, types, page)).page


async def list_feed(
    session: AsyncSession, actor: Actor, types: Sequence[str], page: PageRequest
) -> FeedPage:
    """The feed in commit order, oldest first. Its only order: a consumer polls with the last
    cursor, and ordering by anything else (occurred_at included) could put an event that
    commits late before that cursor, where the consumer never sees it."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    unknown = [t for t in types if t not in CATALOGUE]
    if unknown:
        raise InvalidInput(
            f"Unknown event type(s): {', '.join(unknown)}",
            [FieldError("type", f"unknown event type {t}") for t in unknown],
        )
    rows = await repository.list_events(session, actor.organization_id, types, page)
    result = to_page(rows, page, lambda e: (e.tx_seq, e.id))
    cursors = [encode_cursor(e.tx_seq, e.id) for e in result.items]
    resume = result.next_cursor
    if resume is None:
        resume = cursors[-1] if cursors else page.cursor
    return FeedPage(
        EventPage(
            items=[EventPublic.model_validate(e) for e in result.items],
            next_cursor=resume,
            has_more=result.next_cursor is not None,
        ),
        cursors,
    )


async def get_event(session: AsyncSession, actor: Actor, event_id: uuid.UUID) -> EventPublic:
    """One event of the caller's organization (admins, recruiters, as the feed); another
    organization's is not found."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    event = await repository.get_event(session, actor.organization_id, event_id)
    if event is None:
        raise NotFound("event", event_id)
    return EventPublic.model_validate(event)
