"""Slot suggestions: gather everyone's availability from the database, then compute (slots.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.interviewer_pools import repository as pools_repo
from app.domain.interviewer_pools.models import InterviewerPoolMember
from app.domain.interviews import repository
from app.domain.interviews.schemas import (
    SuggestedInterviewer,
    SuggestedStage,
    SuggestionPublic,
    SuggestionRequest,
    SuggestionsPublic,
)
from app.domain.interviews.slots import Person, PlacedStage, SlotRequest, Stage, find_slots
from app.domain.roles.access import managed_scope
from app.errors import FieldError, InvalidInput, NotFound


@dataclass
class Candidate:
    """What the suggestion needs of the candidate, read with everyone's time."""

    windows: list[tuple[datetime, datetime]]
    window_zone: str | None
    time_zone: str | None


class Interviewer(Protocol):
    """What slot finding needs of a member: a `Member`, or a suggestion's `_Interviewer`."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def working_hours(self) -> dict[str, Any]: ...
    @property
    def max_interviews_per_day(self) -> int | None: ...
    @property
    def max_interviews_per_week(self) -> int | None: ...


@dataclass(frozen=True)
class _Interviewer:
    """A member as a suggestion reads them, in the same statement as their time."""

    id: uuid.UUID
    name: str
    time_zone: str
    working_hours: dict[str, Any]
    max_interviews_per_day: int | None
    max_interviews_per_week: int | None
    is_active: bool


_EPOCH_DAY = date(1970, 1, 1)


def _load_window(
    start: datetime, end: datetime
) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime], tuple[date, date]]:
    """What scheduling_load reads around a range: busy time a day beyond both ends, interviews
    a week beyond (load caps count whole local days and ISO weeks), overrides two days beyond
    (a local day reaches up to a day past the UTC one)."""
    return (
        (start - timedelta(days=1), end + timedelta(days=1)),
        (start - timedelta(days=8), end + timedelta(days=8)),
        ((start - timedelta(days=2)).date(), (end + timedelta(days=2)).date()),
    )


async def load_people(
    session: AsyncSession,
    organization_id: uuid.UUID,
    members: Sequence[Interviewer],
    start: datetime,
    end: datetime,
    *,
    preferences: Sequence[InterviewerPoolMember] = (),
    ignore_hold_ids: Sequence[uuid.UUID] = (),
    application_id: uuid.UUID | None = None,
    candidate: Candidate | None = None,
) -> list[Person]:
    """Everyone's hours, overrides, busy time (blocks and interviews), load, last interview and
    unreadable calendars around a range, in one statement (scheduling_load): busy time as epoch
    seconds with overlapping blocks merged by the database. `preferences`: pool memberships
    whose personal limits apply (the strictest of the member's own caps and each
    membership's). With `application_id`, the candidate's windows and zone come in the same
    statement, into `candidate`."""
    busy_range, interview_range, override_days = _load_window(start, end)
    rows = await repository.scheduling_load(
        session,
        organization_id,
        [m.id for m in members],
        busy_range,
        interview_range,
        utcnow(),
        ignore_hold_ids,
        override_days=override_days,
        application_id=application_id,
    )
    return _people(rows, members, preferences, candidate)


def _people(
    rows: Sequence[repository.LoadRow],
    members: Sequence[Interviewer],
    preferences: Sequence[InterviewerPoolMember],
    candidate: Candidate | None,
) -> list[Person]:
    """The people of `members` from scheduling_load's rows (and the candidate's windows and
    zone into `candidate`)."""
    by_member_overrides: dict[uuid.UUID, dict[date, list[tuple[str, str]]]] = defaultdict(dict)
    zones = {m.id: ZoneInfo(m.time_zone) for m in members}
    busy: dict[uuid.UUID, list[tuple[float, float]]] = defaultdict(list)
    tentative: dict[uuid.UUID, set[date]] = defaultdict(set)
    per_day: dict[uuid.UUID, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    per_week: dict[uuid.UUID, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    last: dict[uuid.UUID, datetime] = {}
    unchecked: dict[uuid.UUID, str] = {}
    windows: list[tuple[float, float, str | None]] = []
    for kind, member_id, s, e, flag, extra, starts, ends in rows:
        if kind == "b":
            if member_id not in zones:
                continue
            busy[member_id].extend(zip(starts, ends, strict=True))
            if flag:
                zone = zones[member_id]
                tentative[member_id].update(datetime.fromtimestamp(t, zone).date() for t in starts)
        elif kind == "i":
            if member_id not in zones:
                continue
            busy[member_id].append((s, e))
            local = datetime.fromtimestamp(s, zones[member_id]).date()
            per_day[member_id][local] += 1
            iso = local.isocalendar()
            per_week[member_id][(iso.year, iso.week)] += 1
        elif kind == "l":
            last[member_id] = datetime.fromtimestamp(s, UTC)
        elif kind == "o":
            by_member_overrides[member_id][_EPOCH_DAY + timedelta(days=int(s))] = [
                (h["start"], h["end"]) for h in orjson.loads(extra)
            ]
        elif kind == "u":
            status, name = orjson.loads(extra)
            unchecked.setdefault(member_id, _unchecked(name, status, s, e))
        elif kind == "w":
            windows.append((s, e, extra))
        elif kind == "c" and candidate is not None:
            candidate.time_zone = extra
    if candidate is not None:
        windows.sort()
        candidate.windows = [
            (datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC)) for s, e, _ in windows
        ]
        candidate.window_zone = windows[0][2] if windows else None
    limits: dict[uuid.UUID, list[InterviewerPoolMember]] = defaultdict(list)
    for p in preferences:
        limits[p.member_id].append(p)
    return [
        Person(
            id=m.id,
            name=m.name,
            time_zone=m.time_zone,
            working_hours={
                d: [(r["start"], r["end"]) for r in rs] for d, rs in m.working_hours.items()
            },
            overrides=dict(by_member_overrides[m.id]),
            busy_seconds=busy[m.id],
            interviews_by_day=dict(per_day[m.id]),
            interviews_by_week=dict(per_week[m.id]),
            cap_per_day=_strictest(m.max_interviews_per_day, [p.max_per_day for p in limits[m.id]]),
            cap_per_week=_strictest(
                m.max_interviews_per_week, [p.max_per_week for p in limits[m.id]]
            ),
            calendar_unchecked=unchecked.get(m.id),
            tentative_days=frozenset(tentative[m.id]),
            not_before=max(
                (_clock(p.not_before) for p in limits[m.id] if p.not_before), default=None
            ),
            last_interview_at=last.get(m.id),
        )
        for m in members
    ]


def _unchecked(name: str, status: str, synced: float | None, failures: float) -> str:
    """Why a busy calendar's time is unknown, as suggestions' reasons name it."""
    if status == "needs_reauth":
        return f"{name}: the connection needs to be reauthorized"
    if status == "paused":
        return f"{name}: the connection is paused"
    if synced is None:
        return f"{name}: not read yet"
    return f"{name}: the last {int(failures)} reads failed"


def _interviewers(rows: Sequence[repository.LoadRow]) -> dict[uuid.UUID, _Interviewer]:
    """The members among suggestion_load's rows."""
    members: dict[uuid.UUID, _Interviewer] = {}
    for kind, member_id, per_day, per_week, active, extra, _, _ in rows:
        if kind == "m":
            name, time_zone, hours = orjson.loads(extra)
            members[member_id] = _Interviewer(
                member_id,
                name,
                time_zone,
                hours or {},
                None if per_day is None else int(per_day),
                None if per_week is None else int(per_week),
                active,
            )
    return members


def _strictest(own: int | None, others: Sequence[int | None]) -> int | None:
    caps = [c for c in (own, *others) if c is not None]
    return min(caps) if caps else None


def _clock(hhmm: str) -> time:
    hour, minute = hhmm.split(":")
    return time(int(hour), int(minute))


@dataclass
class _Staffing:
    """Who a stage chooses from: explicit people, or a pool's trained members (and trainees)."""

    pool_id: uuid.UUID | None
    people: list[uuid.UUID]
    trainees: list[uuid.UUID]


async def _staffing(
    session: AsyncSession, actor: Actor, data: SuggestionRequest
) -> tuple[list[_Staffing], list[InterviewerPoolMember], list[FieldError]]:
    """Who each stage chooses from, the pool memberships whose preferences apply, and what
    makes a stage impossible to staff (raised by the caller, after the application's 404)."""
    pool_ids = list(dict.fromkeys(s.pool_id for s in data.stages if s.pool_id is not None))
    pools = {p.id: p for p in await pools_repo.get_pools(session, actor.organization_id, pool_ids)}
    rows = await pools_repo.members_of(session, actor.organization_id, list(pools))
    result: list[_Staffing] = []
    errors: list[FieldError] = []
    for j, stage in enumerate(data.stages):
        if stage.pool_id is None:
            result.append(_Staffing(None, list(dict.fromkeys(stage.interviewer_ids)), []))
            continue
        pool = pools.get(stage.pool_id)
        if pool is None:
            errors.append(
                FieldError(f"stages.{j}.pool_id", f"{stage.pool_id} is not a pool of yours")
            )
            continue
        mine = [r for r in rows if r.pool_id == pool.id]
        trained = [r.member_id for r in mine if r.status == "trained"]
        people = list(dict.fromkeys(stage.interviewer_ids)) or trained
        if not trained and not stage.interviewer_ids:
            errors.append(
                FieldError(f"stages.{j}.pool_id", f"nobody in the pool {pool.name!r} is trained")
            )
        elif len(people) < stage.required:
            errors.append(
                FieldError(
                    f"stages.{j}.required",
                    f"the stage needs {stage.required} interviewers but the pool "
                    f"{pool.name!r} has {len(people)} trained",
                )
            )
        trainees = (
            [r.member_id for r in mine if r.status == "in_training"] if stage.trainee_seat else []
        )
        result.append(_Staffing(pool.id, people, trainees))
    staffed = {p for s in result for p in s.people}
    return result, [r for r in rows if r.member_id in staffed], errors


async def suggest(
    session: AsyncSession,
    actor: Actor,
    data: SuggestionRequest,
    *,
    ignore_hold_ids: Sequence[uuid.UUID] = (),
) -> SuggestionsPublic:
    """Ranked panels. `ignore_hold_ids`: booking holds whose busy time does not count (a booking
    link re-offering the times it holds itself). The application, the interviewers and all
    their time come in one statement (suggestion_load), after the pools' two when stages name
    pools; its answers are checked in the order a statement each would have been: an
    application the actor cannot see, then the pools, then the interviewers."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    staffing, preferences, staffing_errors = (
        await _staffing(session, actor, data)
        if any(s.pool_id for s in data.stages)
        else (
            [_Staffing(None, list(dict.fromkeys(s.interviewer_ids)), []) for s in data.stages],
            [],
            [],
        )
    )
    wanted = list(dict.fromkeys(pid for s in staffing for pid in (*s.people, *s.trainees)))
    busy_range, interview_range, override_days = _load_window(data.date_from, data.date_to)
    rows = await repository.suggestion_load(
        session,
        actor.organization_id,
        wanted,
        busy_range,
        interview_range,
        utcnow(),
        ignore_hold_ids,
        override_days=override_days,
        application_id=data.application_id,
        managed_by=managed_scope(actor),
    )
    if not any(row[0] == "c" for row in rows):
        raise NotFound("application", data.application_id)
    if staffing_errors:
        raise InvalidInput("These stages cannot be staffed", staffing_errors)
    members = {m.id: m for m in _interviewers(rows).values() if m.is_active}
    errors = [
        FieldError(
            f"stages.{j}.interviewer_ids", f"{pid} is not an active member of your organization"
        )
        for j, s in enumerate(data.stages)
        for pid in s.interviewer_ids
        if pid not in members
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
    candidate = Candidate([], None, None)
    # In the order the members were asked for, as get_members' answer was never ordered: the
    # engine's choices never depend on it (ties are broken by name and id).
    people = _people(
        rows, [members[pid] for pid in wanted if pid in members], preferences, candidate
    )
    candidate_zone = candidate.window_zone or candidate.time_zone or "UTC"
    result = find_slots(
        SlotRequest(
            stages=[
                Stage(
                    s.name,
                    s.duration_minutes,
                    [pid for pid in staff.people if pid in members],
                    s.required,
                    trainees=[pid for pid in staff.trainees if pid in members],
                    trainee_seats=1 if s.trainee_seat else 0,
                )
                for s, staff in zip(data.stages, staffing, strict=True)
            ],
            range_start=data.date_from,
            range_end=data.date_to,
            earliest=earliest,
            buffer_before_minutes=data.buffer_before_minutes,
            buffer_after_minutes=data.buffer_after_minutes,
            max_gap_minutes=data.max_gap_minutes,
            allow_back_to_back=data.allow_back_to_back,
            candidate_windows=candidate.windows or None,
            candidate_time_zone=candidate_zone,
            granularity_minutes=settings.scheduling_granularity_minutes,
            limit=data.limit,
        ),
        people,
    )
    # Built with model_construct: every value comes from the engine's own typed results, so
    # validating tens of nested models again (their datetimes above all) is pure cost; the
    # response is still serialized through the schema.
    zone = ZoneInfo(candidate_zone)
    return SuggestionsPublic.model_construct(
        suggestions=[
            SuggestionPublic.model_construct(
                rank=rank,
                score=s.score,
                start_at=s.start,
                end_at=s.end,
                candidate_time_zone=candidate_zone,
                candidate_local_start=s.start.astimezone(zone),
                candidate_local_end=s.end.astimezone(zone),
                stages=[
                    SuggestedStage.model_construct(
                        name=p.name,
                        start_at=p.start,
                        end_at=p.end,
                        interviewers=[_suggested(members[pid], p) for pid in p.interviewers],
                        trainees=[_suggested(members[pid], p) for pid in p.trainees],
                        pool_id=staff.pool_id,
                    )
                    for p, staff in zip(s.stages, staffing, strict=True)
                ],
                reasons=list(s.reasons),
            )
            for rank, s in enumerate(result.suggestions, start=1)
        ],
        blocked_by=list(result.blocked_by),
        considered=result.considered,
    )


def _suggested(member: Interviewer, placed: PlacedStage) -> SuggestedInterviewer:
    zone = ZoneInfo(member.time_zone)
    return SuggestedInterviewer.model_construct(
        member_id=member.id,
        name=member.name,
        time_zone=member.time_zone,
        local_start=placed.start.astimezone(zone),
        local_end=placed.end.astimezone(zone),
    )
