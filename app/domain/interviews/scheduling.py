"""Slot suggestions: gather everyone's availability from the database, then compute (slots.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Actor, PermissionSet
from app.clock import utcnow
from app.db import settings_of
from app.domain.applications.service import visible_application
from app.domain.availability import repository as availability_repo
from app.domain.calendars import repository as calendars_repo
from app.domain.candidates import repository as candidates_repo
from app.domain.interviews import repository
from app.domain.interviews.schemas import (
    SuggestedInterviewer,
    SuggestedStage,
    SuggestionPublic,
    SuggestionRequest,
    SuggestionsPublic,
)
from app.domain.interviews.slots import Person, SlotRequest, Stage, find_slots
from app.domain.organizations import repository as members_repo
from app.domain.organizations.models import Member
from app.errors import FieldError, InvalidInput


async def load_people(
    session: AsyncSession,
    organization_id: uuid.UUID,
    members: list[Member],
    start: datetime,
    end: datetime,
) -> list[Person]:
    """Everyone's hours, overrides, busy time (blocks and interviews) and load around a range."""
    ids = [m.id for m in members]
    # Load caps count whole local days and ISO weeks, so look a week beyond both ends.
    wide_start, wide_end = start - timedelta(days=8), end + timedelta(days=8)
    overrides = await availability_repo.overrides_for(
        session,
        organization_id,
        ids,
        (start - timedelta(days=2)).date(),
        (end + timedelta(days=2)).date(),
    )
    blocks = await availability_repo.busy_intervals(
        session, organization_id, ids, start - timedelta(days=1), end + timedelta(days=1)
    )
    interviews = await repository.member_interviews(
        session, organization_id, ids, wide_start, wide_end
    )
    unchecked = await calendars_repo.unchecked_members(session, organization_id, ids)
    tentative: dict[uuid.UUID, set[date]] = defaultdict(set)
    by_member_overrides: dict[uuid.UUID, dict[date, list[tuple[str, str]]]] = defaultdict(dict)
    for o in overrides:
        by_member_overrides[o.member_id][o.day] = [(h["start"], h["end"]) for h in o.hours]
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    zones = {m.id: ZoneInfo(m.time_zone) for m in members}
    for member_id, busy_start, busy_end, is_tentative in blocks:
        busy[member_id].append((busy_start, busy_end))
        if is_tentative:
            tentative[member_id].add(busy_start.astimezone(zones[member_id]).date())
    per_day: dict[uuid.UUID, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    per_week: dict[uuid.UUID, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for member_id, s, e, _ in interviews:
        busy[member_id].append((s, e))
        local = s.astimezone(zones[member_id]).date()
        per_day[member_id][local] += 1
        iso = local.isocalendar()
        per_week[member_id][(iso.year, iso.week)] += 1
    return [
        Person(
            id=m.id,
            name=m.name,
            time_zone=m.time_zone,
            working_hours={
                d: [(r["start"], r["end"]) for r in rs] for d, rs in m.working_hours.items()
            },
            overrides=dict(by_member_overrides[m.id]),
            busy=busy[m.id],
            interviews_by_day=dict(per_day[m.id]),
            interviews_by_week=dict(per_week[m.id]),
            cap_per_day=m.max_interviews_per_day,
            cap_per_week=m.max_interviews_per_week,
            calendar_unchecked=unchecked.get(m.id),
            tentative_days=frozenset(tentative[m.id]),
        )
        for m in members
    ]


async def suggest(
    session: AsyncSession, actor: Actor, data: SuggestionRequest
) -> SuggestionsPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    application = await visible_application(session, actor, data.application_id)
    pool_ids = list(dict.fromkeys(pid for s in data.stages for pid in s.interviewer_ids))
    members = {
        m.id: m for m in await members_repo.get_members(session, actor.organization_id, pool_ids)
    }
    errors = [
        FieldError(
            f"stages.{j}.interviewer_ids", f"{pid} is not an active member of your organization"
        )
        for j, s in enumerate(data.stages)
        for pid in s.interviewer_ids
        if pid not in members or not members[pid].is_active
    ]
    if errors:
        raise InvalidInput("Unknown interviewers", errors)
    settings = settings_of(session)
    notice = (
        data.min_notice_hours
        if data.min_notice_hours is not None
        else settings.scheduling_min_notice_hours
    )
    earliest = utcnow() + timedelta(hours=notice)
    people = await load_people(
        session, actor.organization_id, list(members.values()), data.date_from, data.date_to
    )
    windows = await availability_repo.windows_for(session, actor.organization_id, application.id)
    candidate = await candidates_repo.get_candidate(
        session, actor.organization_id, application.candidate_id
    )
    candidate_zone = (
        (windows[0].time_zone if windows else None)
        or (candidate.time_zone if candidate else None)
        or "UTC"
    )
    result = find_slots(
        SlotRequest(
            stages=[
                Stage(s.name, s.duration_minutes, s.interviewer_ids, s.required)
                for s in data.stages
            ],
            range_start=data.date_from,
            range_end=data.date_to,
            earliest=earliest,
            buffer_before_minutes=data.buffer_before_minutes,
            buffer_after_minutes=data.buffer_after_minutes,
            max_gap_minutes=data.max_gap_minutes,
            allow_back_to_back=data.allow_back_to_back,
            candidate_windows=[(w.start_at, w.end_at) for w in windows] or None,
            candidate_time_zone=candidate_zone,
            granularity_minutes=settings.scheduling_granularity_minutes,
            limit=data.limit,
        ),
        people,
    )
    zone = ZoneInfo(candidate_zone)
    return SuggestionsPublic(
        suggestions=[
            SuggestionPublic(
                rank=rank,
                score=s.score,
                start_at=s.start,
                end_at=s.end,
                candidate_time_zone=candidate_zone,
                candidate_local_start=s.start.astimezone(zone),
                candidate_local_end=s.end.astimezone(zone),
                stages=[
                    SuggestedStage(
                        name=p.name,
                        start_at=p.start,
                        end_at=p.end,
                        interviewers=[
                            SuggestedInterviewer(
                                member_id=pid,
                                name=members[pid].name,
                                time_zone=members[pid].time_zone,
                                local_start=p.start.astimezone(ZoneInfo(members[pid].time_zone)),
                                local_end=p.end.astimezone(ZoneInfo(members[pid].time_zone)),
                            )
                            for pid in p.interviewers
                        ],
                    )
                    for p in s.stages
                ],
                reasons=list(s.reasons),
            )
            for rank, s in enumerate(result.suggestions, start=1)
        ],
        blocked_by=list(result.blocked_by),
        considered=result.considered,
    )
