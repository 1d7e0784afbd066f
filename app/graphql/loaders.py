"""One DataLoader per edge, per request: a page costs one statement per edge, whatever its size."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

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
        self.candidate: DataLoader[K, CandidatePublic | None] = _loader(_candidates, session, actor)
        self.application: DataLoader[K, ApplicationPublic | None] = _loader(
            _applications, session, actor
        )
        self.applications_by_role: DataLoader[K, list[ApplicationPublic] | None] = _loader(
            applications.for_roles, session, actor, list
        )
        self.applications_by_candidate: DataLoader[K, list[ApplicationPublic] | None] = _loader(
            applications.for_candidates, session, actor, list
        )
        self.history: DataLoader[K, list[TransitionPublic] | None] = _loader(
            applications.histories, session, actor, list
        )
        self.documents_by_candidate: DataLoader[K, list[DocumentPublic] | None] = _loader(
            documents.documents_for_candidates, session, actor, list
        )
        self.slates_by_role: DataLoader[K, list[SlateSummaryPublic] | None] = _loader(
            slates.slates_for_roles, session, actor, list
        )
        self.interviews_by_application: DataLoader[K, list[InterviewPublic] | None] = _loader(
            interviews.for_applications, session, actor, list
        )
        self.scorecards_by_interview: DataLoader[K, list[ScorecardPublic] | None] = _loader(
            scorecards.scorecards_for_interviews, session, actor, list
        )
        self.decision: DataLoader[K, DecisionPublic | None] = _loader(
            decisions.latest_decisions, session, actor
        )
        self.offers_by_role: DataLoader[K, list[OfferPublic] | None] = _loader(
            offers.offers_for_roles, session, actor, list
        )
        self.slate_items: DataLoader[K, list[SlateItemPublic] | None] = _loader(
            slates.items_for_slates, session, actor, list
        )
        self.calendars_by_member: DataLoader[K, list[MemberCalendarPublic] | None] = _loader(
            calendar_connections.calendars_of_members, session, actor, list
        )
        # Per-row figures computed in SQL: a page of roles costs their fixed set of statements.
        self.insights: DataLoader[K, RoleInsights | None] = _loader(
            insights.insights_for_roles, session, actor
        )
        self.dashboard: DataLoader[K, RoleDashboard | None] = _loader(
            closing.dashboards_for_roles, session, actor
        )
