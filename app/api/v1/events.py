"""The outbox, for consumers that pull: oldest first, never skipping an event that commits late."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentActor, Paging, ReadSession
from app.api.problems import COMMON_RESPONSES
from app.domain.events import service
from app.domain.events.schemas import EventPage, EventSort

router = APIRouter(prefix="/events", tags=["events"], responses=COMMON_RESPONSES)

SORT_HELP = (
    "The order: `commit_order` (the default and the only one), oldest first. The feed is "
    "polled with its last cursor, and any other order (occurred_at included) could put an event "
    "that commits late before that cursor, where a consumer would never see it."
)


@router.get(
    "",
    summary="Events in commit order (admins, recruiters); poll with next_cursor to receive only newer ones",
)
async def list_events(
    actor: CurrentActor,
    session: ReadSession,
    page: Paging,
    type: Annotated[
        list[str] | None, Query(max_length=20, description="Only these event types")
    ] = None,
    sort: Annotated[EventSort, Query(description=SORT_HELP)] = "commit_order",
) -> EventPage:
    """The organization's event feed, in commit order, the same events every webhook carries.
    Admins and recruiters. Keep the last next_cursor and poll with it to receive only newer
    events; type narrows the feed, and an unknown event type is a 422. sort takes only
    commit_order: the feed's one order that never skips an event."""
    return await service.list_events(session, actor, type or [], page)
