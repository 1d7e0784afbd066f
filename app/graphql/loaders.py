"""One DataLoader per edge, per request: a page costs one statement per edge, whatever its size."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from app.core.actor import Actor
from app.domain.applications import repository as applications_repo
from app.domain.applications import service as applications
from app.domain.applications.schemas import ApplicationPublic, TransitionPublic
from app.domain.calendars import connections as calendar_connections
from app.domain.calendars.schemas import MemberCalendarPublic
from app.domain.calibration import insights, slates
from app.domain.calibration.schemas import RoleInsights, SlateItemPublic, SlateSummaryPublic
from app.domain.candidates import documents
from app.domain.candidates import repository as candidates_repo
from app.domain.candidates.schemas import CandidatePublic, DocumentPublic
from app.domain.feedback import closing, decisions, offers, scorecards
from app.domain.feedback.schemas import (
    DecisionPublic,
    OfferPublic,
    RoleDashboard,
    ScorecardPublic,
)
from app.domain.integrations import service as integrations
from app.domain.integrations.schemas import ExternalRefPublic
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import InterviewPublic
from app.domain.organizations import service as organizations
from app.domain.organizations.schemas import MemberPublic
from app.domain.roles import intake
from app.domain.roles import service as roles
from app.domain.roles.access import managed_scope
from app.domain.roles.schemas import IntakeRevisionPublic, RolePublic

K = uuid.UUID
V = TypeVar("V")
M = TypeVar("M", bound=BaseModel)


def _columns(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(model.model_fields)


def _built(model: type[M], row: dict[str, Any]) -> M:
    # From a plain row, not an ORM object: pydantic's validation of a dict (in Rust) is cheaper
    # than `from_attributes` on an instrumented object, and even than `model_construct`.
    return model.model_validate(row)


APPLICATION_COLUMNS = _columns(ApplicationPublic)
CANDIDATE_COLUMNS = _columns(CandidatePublic)


async def _applications(
    session: AsyncSession, actor: Actor, ids: list[K]
) -> dict[K, ApplicationPublic]:
    """As applications.get_applications (same rows, same scope), read as plain rows."""
    rows = await applications_repo.application_rows(
        session, actor.organization_id, ids, APPLICATION_COLUMNS, manager_id=managed_scope(actor)
    )
    return {r["id"]: _built(ApplicationPublic, r) for r in rows}


async def _candidates(
    session: AsyncSession, actor: Actor, ids: list[K]
) -> dict[K, CandidatePublic]:
    """As candidates.get_candidates (same rows, same scope), read as plain rows."""
    rows = await candidates_repo.candidate_rows(
        session, actor.organization_id, ids, CANDIDATE_COLUMNS, manager_id=managed_scope(actor)
    )
    return {r["id"]: _built(CandidatePublic, r) for r in rows}


class Loader(DataLoader[K, V]):  # K is uuid.UUID: generic in the value only
    """A DataLoader that a page's resolver can also fill for all its rows at once (`fill`): the
    values go in a plain dict, without the future per key and the gather `load_many` makes."""

    def __init__(self, load_fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> None:
        super().__init__(load_fn=load_fn)
        self.filled: dict[K, V] = {}
        # Keys asked for by fill_together in this turn of the event loop, and the one future
        # their callers await.
        self._pending: tuple[dict[K, None], asyncio.Future[None]] | None = None

    def _wanted(self, keys: Sequence[K]) -> list[K]:
        filled = self.filled
        return [k for k in dict.fromkeys(keys) if k not in filled and not self.cache_map.get(k)]

    async def fill(self, keys: Sequence[K]) -> None:
        """Load the keys this request has not loaded yet, in one statement."""
        wanted = self._wanted(keys)
        if wanted:
            await self._fill(wanted)

    async def _fill(self, wanted: list[K]) -> None:
        filled = self.filled
        for key, value in zip(wanted, await self.load_fn(wanted), strict=True):
            if isinstance(value, BaseException):
                raise value
            filled[key] = value

    async def fill_together(self, keys: Sequence[K]) -> None:
        """`fill` for resolvers that run side by side (each role of a page prefetching its
        slates' items): what they ask for in the same turn of the event loop is loaded in one
        statement, as a DataLoader batches, but each caller awaits one future for all its keys
        where `load_many` makes a future, a callback and a gather entry per key."""
        wanted = self._wanted(keys)
        if not wanted:
            return
        if self._pending is None:
            self._pending = ({}, self.loop.create_future())
            # After the callbacks already queued: the sibling resolvers woken in this turn add
            # their keys first, as strawberry's DataLoader dispatches its batch.
            self.loop.call_soon(self._dispatch_pending)
        keys_of_batch, done = self._pending
        keys_of_batch.update(dict.fromkeys(wanted))
        await done

    def _dispatch_pending(self) -> None:
        assert self._pending is not None
        keys, done = self._pending
        self._pending = None
        self.loop.create_task(self._fill_pending(list(keys), done))

    async def _fill_pending(self, keys: list[K], done: asyncio.Future[None]) -> None:
        try:
            wanted = self._wanted(keys)
            if wanted:
                await self._fill(wanted)
        except asyncio.CancelledError:
            done.cancel()
            raise
        except Exception as exc:  # every caller of the batch gets it
            done.set_exception(exc)
            return
        done.set_result(None)

    def value(self, key: K) -> V | None:
        """What this request loaded for the key (filled, or a finished load), else None."""
        if key in self.filled:
            return self.filled[key]
        found = peek(self, key)
        return None if found is MISSING else cast(V, found)

    def release(self) -> None:
        """Drop what this request loaded. A DataLoader and its batches refer to each other, so
        the loader is freed only by the cyclic garbage collector; emptied first, it takes
        nothing else with it there (a page of roles left some 10,000 objects a request to a
        collector pass of up to 0.7 s under load)."""
        self.filled.clear()
        self.clear_all()
        self.batch = None
        self._pending = None

    def load(self, key: K) -> Awaitable[V]:
        if key in self.filled:
            future: asyncio.Future[V] = self.loop.create_future()
            future.set_result(self.filled[key])
            return future
        return super().load(key)


def _loader(
    fetch: Callable[[AsyncSession, Actor, list[K]], Awaitable[dict[K, V]]],
    session: AsyncSession,
    actor: Actor,
    default: Callable[[], V | None] = lambda: None,
) -> Loader[V | None]:
    async def load(keys: Sequence[K]) -> list[V | None]:
        found = await fetch(session, actor, list(dict.fromkeys(keys)))
        return [found.get(k, default()) for k in keys]

    return Loader(load)


MISSING = object()


def peek(loader: DataLoader[K, V], key: K) -> V | object:
    """The loaded value if this request already has it, else MISSING.

    Lets an edge resolver answer synchronously after the page's resolver prefetched the edge for
    all its rows: graphql-core then completes the whole list without a task per row.
    """
    if isinstance(loader, Loader) and key in loader.filled:
        return cast(V, loader.filled[key])
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.exception() is not None:
        return MISSING
    return future.result()


class Loaders:
    def release(self) -> None:
        """At the end of the request: every loader's values dropped (Loader.release)."""
        for loader in vars(self).values():
            if isinstance(loader, Loader):
                loader.release()

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.member: Loader[MemberPublic | None] = _loader(
            organizations.get_members, session, actor
        )
        self.role: Loader[RolePublic | None] = _loader(roles.get_roles, session, actor)
        self.current_intake: Loader[IntakeRevisionPublic | None] = _loader(
            intake.current_intakes, session, actor
        )
        self.intake_revisions: Loader[list[IntakeRevisionPublic] | None] = _loader(
            intake.revisions_for_roles, session, actor, list
        )
        self.role_refs: Loader[list[ExternalRefPublic] | None] = _loader(
            integrations.refs_for_roles, session, actor, list
        )
        self.candidate: Loader[CandidatePublic | None] = _loader(_candidates, session, actor)
        self.application: Loader[ApplicationPublic | None] = _loader(_applications, session, actor)
        self.applications_by_role: Loader[list[ApplicationPublic] | None] = _loader(
            applications.for_roles, session, actor, list
        )
        self.applications_by_candidate: Loader[list[ApplicationPublic] | None] = _loader(
            applications.for_candidates, session, actor, list
        )
        self.history: Loader[list[TransitionPublic] | None] = _loader(
            applications.histories, session, actor, list
        )
        self.documents_by_candidate: Loader[list[DocumentPublic] | None] = _loader(
            documents.documents_for_candidates, session, actor, list
        )
        self.slates_by_role: Loader[list[SlateSummaryPublic] | None] = _loader(
            slates.slates_for_roles, session, actor, list
        )
        self.interviews_by_application: Loader[list[InterviewPublic] | None] = _loader(
            interviews.for_applications, session, actor, list
        )
        self.scorecards_by_interview: Loader[list[ScorecardPublic] | None] = _loader(
            scorecards.scorecards_for_interviews, session, actor, list
        )
        self.decision: Loader[DecisionPublic | None] = _loader(
            decisions.latest_decisions, session, actor
        )
        self.offers_by_role: Loader[list[OfferPublic] | None] = _loader(
            offers.offers_for_roles, session, actor, list
        )
        self.slate_items: Loader[list[SlateItemPublic] | None] = _loader(
            slates.items_for_slates, session, actor, list
        )
        self.calendars_by_member: Loader[list[MemberCalendarPublic] | None] = _loader(
            calendar_connections.calendars_of_members, session, actor, list
        )
        # Per-row figures computed in SQL: a page of roles costs their fixed set of statements.
        self.insights: Loader[RoleInsights | None] = _loader(
            insights.insights_for_roles, session, actor
        )
        self.dashboard: Loader[RoleDashboard | None] = _loader(
            closing.dashboards_for_roles, session, actor
        )
