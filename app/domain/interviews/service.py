"""Rules for interviews: scheduling re-checks availability inside the transaction, every change
raises the iCalendar SEQUENCE, and each schedule, move or cancellation is an event."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.domain.applications.models import Application
from app.domain.applications.service import visible_application
from app.domain.availability import repository as availability_repo
from app.domain.calendars import freebusy
from app.domain.candidates import repository as candidates_repo
from app.domain.events import service as events
from app.domain.interviewer_pools import repository as pools_repo
from app.domain.interviewer_pools import service as pools_service
from app.domain.interviewer_pools.schemas import ReplacementPublic, ReplacementRequest
from app.domain.interviews import replacement, repository
from app.domain.interviews.access import interview_scope
from app.domain.interviews.models import Interview, InterviewParticipant
from app.domain.interviews.schemas import (
    InterviewCancel,
    InterviewFilters,
    InterviewPublic,
    InterviewReschedule,
    InterviewResponseSet,
    InterviewsCreate,
    InterviewStatusSet,
    ParticipantPublic,
)
from app.domain.organizations.models import Member
from app.domain.pagination import Page, PageRequest, to_page
from app.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from app.ids import new_id

SCHEDULABLE_STAGES = ("interviewing", "decision")
_WEEK = timedelta(days=8)


async def visible_interview(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, *, for_update: bool = False
) -> Interview:
    interview = await repository.get_interview(
        session,
        actor.organization_id,
        interview_id,
        actor_member=actor.member_id,
        scope=interview_scope(actor),
        for_update=for_update,
    )
    if interview is None:
        raise NotFound("interview", interview_id)
    return interview


async def publics(
    session: AsyncSession, organization_id: uuid.UUID, interviews: Sequence[Interview]
) -> list[InterviewPublic]:
    people: dict[uuid.UUID, list[ParticipantPublic]] = defaultdict(list)
    for p in await repository.participants(session, organization_id, [i.id for i in interviews]):
        people[p.interview_id].append(ParticipantPublic.model_validate(p))
    return [
        InterviewPublic.model_validate(
            {
                **{k: getattr(i, k) for k in InterviewPublic.model_fields if k != "interviewers"},
                "interviewers": people[i.id],
            }
        )
        for i in interviews
    ]


async def _public(session: AsyncSession, interview: Interview) -> InterviewPublic:
    return (await publics(session, interview.organization_id, [interview]))[0]


async def check_free(
    session: AsyncSession,
    actor: Actor,
    member_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    *,
    exclude: uuid.UUID | None = None,
    field: str = "interviewer_ids",
) -> list[Member]:
    """Lock the interviewers and refuse (409) if any is busy, already interviewing or at a cap."""
    members = {
        m.id: m for m in await repository.lock_members(session, actor.organization_id, member_ids)
    }
    missing = [m for m in member_ids if m not in members or not members[m].is_active]
    if missing:
        raise InvalidInput(
            "Unknown interviewers",
            [
                FieldError(field, f"{m} is not an active member of your organization")
                for m in missing
            ],
        )
    problems: list[str] = []
    for member_id, other in await repository.overlapping(
        session, actor.organization_id, member_ids, start, end, exclude
    ):
        problems.append(
            f"{members[member_id].name} is already interviewing then ({other.kind}, {other.start_at.isoformat()})"
        )
    for block in await availability_repo.busy_for(
        session, actor.organization_id, member_ids, start, end
    ):
        problems.append(
            f"{members[block.member_id].name} is busy then ({block.start_at.isoformat()} to {block.end_at.isoformat()})"
        )
    if not problems:
        counts = await repository.member_interviews(
            session, actor.organization_id, member_ids, start - _WEEK, end + _WEEK
        )
        for member_id in member_ids:
            member = members[member_id]
            zone = ZoneInfo(member.time_zone)
            day, week = (
                start.astimezone(zone).date(),
                start.astimezone(zone).date().isocalendar()[:2],
            )
            mine = [s for m, s, _, i in counts if m == member_id and i != exclude]
            on_day = sum(1 for s in mine if s.astimezone(zone).date() == day)
            in_week = sum(1 for s in mine if s.astimezone(zone).date().isocalendar()[:2] == week)
            if (
                member.max_interviews_per_day is not None
                and on_day >= member.max_interviews_per_day
            ):
                problems.append(
                    f"{member.name} is at their cap of {member.max_interviews_per_day} interviews that day"
                )
            if (
                member.max_interviews_per_week is not None
                and in_week >= member.max_interviews_per_week
            ):
                problems.append(
                    f"{member.name} is at their cap of {member.max_interviews_per_week} interviews that week"
                )
    if problems:
        raise Conflict("Not everyone is free: " + "; ".join(problems), problems=problems)
    return [members[m] for m in member_ids]


async def schedule(
    session: AsyncSession,
    actor: Actor,
    data: InterviewsCreate,
    http: httpx.AsyncClient | None = None,
) -> list[InterviewPublic]:
    """`http` given: the interviewers' connected calendars are asked first whether they are
    still free (app/domain/calendars/freebusy.py), before anything is locked or written."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    if http is not None:
        await freebusy.recheck(
            session,
            actor,
            [freebusy.Slot(s.interviewer_ids, s.start_at, s.end_at) for s in data.interviews],
            http,
        )
    application = await visible_application(session, actor, data.application_id, for_update=True)
    _check_application(application)
    now = utcnow()
    for index, slot in enumerate(data.interviews):
        if slot.start_at <= now:
            raise InvalidInput.for_field(f"interviews.{index}.start_at", "is in the past")
    ordered = sorted(data.interviews, key=lambda s: s.start_at)
    for a, b in itertools.pairwise(ordered):
        if b.start_at < a.end_at:
            raise InvalidInput.for_field("interviews", "the interviews of one schedule overlap")
    zone = data.time_zone or await _candidate_zone(session, application)
    seats = await _trainee_seats(session, actor, data)
    # Every interviewer of the request is locked at once, in id order, before any check: two
    # requests booking the same people in another order then queue instead of deadlocking.
    await repository.lock_members(
        session,
        actor.organization_id,
        sorted({m for slot in data.interviews for m in (*slot.interviewer_ids, *slot.trainee_ids)}),
    )
    created: list[Interview] = []
    for index, slot in enumerate(data.interviews):
        await check_free(
            session,
            actor,
            [*slot.interviewer_ids, *slot.trainee_ids],
            slot.start_at,
            slot.end_at,
            field=f"interviews.{index}.interviewer_ids",
        )
        interview_id = new_id()
        interview = Interview(
            id=interview_id,
            organization_id=actor.organization_id,
            application_id=application.id,
            role_id=application.role_id,
            kind=slot.kind,
            start_at=slot.start_at,
            end_at=slot.end_at,
            time_zone=zone,
            location=data.location,
            video_url=data.video_url,
            status=data.status,
            organizer_id=actor.member_id,
            ical_uid=f"{interview_id}@hireloop",
            pool_id=slot.pool_id,
        )
        session.add(interview)
        await session.flush()
        for member_id in slot.interviewer_ids:
            session.add(
                InterviewParticipant(
                    organization_id=actor.organization_id,
                    interview_id=interview.id,
                    member_id=member_id,
                )
            )
        for member_id in slot.trainee_ids:
            session.add(
                InterviewParticipant(
                    organization_id=actor.organization_id,
                    interview_id=interview.id,
                    member_id=member_id,
                    seat=seats[(index, member_id)],
                )
            )
        await session.flush()
        events.record(
            session,
            actor.organization_id,
            actor,
            "interview.scheduled",
            "interview",
            interview.id,
            {
                "interview_id": str(interview.id),
                "application_id": str(application.id),
                "kind": slot.kind,
                "start_at": slot.start_at.isoformat(),
                "end_at": slot.end_at.isoformat(),
                "interviewer_ids": [str(m) for m in slot.interviewer_ids],
                "status": data.status,
            },
        )
        created.append(interview)
    return await publics(session, actor.organization_id, created)


async def _trainee_seats(
    session: AsyncSession, actor: Actor, data: InterviewsCreate
) -> dict[tuple[int, uuid.UUID], str]:
    """Each trainee's seat (shadow until their shadow rounds are done, then reverse shadow);
    refuses pools that are not the organization's and trainees not in training in them."""
    seats: dict[tuple[int, uuid.UUID], str] = {}
    for index, slot in enumerate(data.interviews):
        if slot.pool_id is None:
            if slot.trainee_ids:
                raise InvalidInput.for_field(
                    f"interviews.{index}.trainee_ids", "trainees need the slot's pool_id"
                )
            continue
        pool = await pools_repo.get_pool(session, actor.organization_id, slot.pool_id)
        if pool is None:
            raise InvalidInput.for_field(
                f"interviews.{index}.pool_id", f"{slot.pool_id} is not a pool of yours"
            )
        if not slot.trainee_ids:
            continue
        rows = {
            r.member_id: r
            for r in await pools_repo.members_of(session, actor.organization_id, [pool.id])
        }
        done = await pools_repo.rounds_sat(session, pool, slot.trainee_ids)
        for member_id in slot.trainee_ids:
            row = rows.get(member_id)
            if row is None or row.status != "in_training":
                raise InvalidInput.for_field(
                    f"interviews.{index}.trainee_ids",
                    f"{member_id} is not in training in the pool {pool.name!r}",
                )
            if member_id in slot.interviewer_ids:
                raise InvalidInput.for_field(
                    f"interviews.{index}.trainee_ids", f"{member_id} is already an interviewer"
                )
            seats[(index, member_id)] = pools_service.next_seat(pool, row, done) or (
                "reverse_shadow"
            )
    return seats


def _check_application(application: Application) -> None:
    if application.outcome != "active":
        raise Conflict(f"The application is {application.outcome}; it cannot be interviewed")
    if application.stage not in SCHEDULABLE_STAGES:
        raise Conflict(
            f"The application is at {application.stage}; interviews are scheduled at "
            f"{' or '.join(SCHEDULABLE_STAGES)} (the hiring manager approves from a slate first)"
        )


async def _candidate_zone(session: AsyncSession, application: Application) -> str:
    windows = await availability_repo.windows_for(
        session, application.organization_id, application.id
    )
    if windows:
        return windows[0].time_zone
    candidate = await candidates_repo.get_candidate(
        session, application.organization_id, application.candidate_id
    )
    return (candidate.time_zone if candidate else None) or "UTC"


async def get_interview(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID
) -> InterviewPublic:
    return await _public(session, await visible_interview(session, actor, interview_id))


async def list_interviews(
    session: AsyncSession, actor: Actor, filters: InterviewFilters, page: PageRequest
) -> Page[InterviewPublic]:
    rows = await repository.list_interviews(
        session,
        actor.organization_id,
        page,
        actor_member=actor.member_id,
        scope=interview_scope(actor),
        application_id=filters.application_id,
        member_id=filters.member_id,
        status=filters.status,
        starts_after=filters.starts_after,
        starts_before=filters.starts_before,
    )
    result = to_page(rows, page, lambda i: (i.created_at, i.id))
    return Page(await publics(session, actor.organization_id, result.items), result.next_cursor)


async def for_applications(
    session: AsyncSession, actor: Actor, application_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[InterviewPublic]]:
    rows = await repository.for_applications(session, actor.organization_id, application_ids)
    if interview_scope(actor) == "participant":
        mine = {
            p.interview_id
            for p in await repository.participants(
                session, actor.organization_id, [r.id for r in rows]
            )
            if p.member_id == actor.member_id
        }
        rows = [r for r in rows if r.id in mine]
    result: dict[uuid.UUID, list[InterviewPublic]] = {a: [] for a in application_ids}
    for interview in await publics(session, actor.organization_id, rows):
        result.setdefault(interview.application_id, []).append(interview)
    return result


def _bump(interview: Interview) -> None:
    interview.ical_sequence += 1
    interview.version += 1
    interview.updated_at = utcnow()


async def reschedule(
    session: AsyncSession,
    actor: Actor,
    interview_id: uuid.UUID,
    data: InterviewReschedule,
    http: httpx.AsyncClient | None = None,
) -> InterviewPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    if http is not None:
        found = await visible_interview(session, actor, interview_id)
        wanted_ids = data.interviewer_ids or [
            p.member_id
            for p in await repository.participants(session, actor.organization_id, [found.id])
        ]
        await freebusy.recheck(
            session,
            actor,
            [
                freebusy.Slot(
                    wanted_ids, data.start_at, data.end_at, own=(found.start_at, found.end_at)
                )
            ],
            http,
        )
    interview = await visible_interview(session, actor, interview_id, for_update=True)
    if interview.status not in ("scheduled", "proposed"):
        raise Conflict(
            f"The interview is {interview.status}; only a scheduled or proposed one can move"
        )
    if data.start_at <= utcnow():
        raise InvalidInput.for_field("start_at", "is in the past")
    current = [
        p.member_id
        for p in await repository.participants(session, actor.organization_id, [interview.id])
    ]
    wanted = data.interviewer_ids or current
    await check_free(session, actor, wanted, data.start_at, data.end_at, exclude=interview.id)
    previous = (interview.start_at, interview.end_at)
    interview.start_at, interview.end_at = data.start_at, data.end_at
    if "location" in data.model_fields_set:
        interview.location = data.location
    if "video_url" in data.model_fields_set:
        interview.video_url = data.video_url
    interview.status_reason = data.reason
    if set(wanted) != set(current):
        await repository.remove_participants_except(session, interview.id, wanted)
        for member_id in wanted:
            if member_id not in current:
                session.add(
                    InterviewParticipant(
                        organization_id=actor.organization_id,
                        interview_id=interview.id,
                        member_id=member_id,
                    )
                )
    await repository.reset_responses(session, interview.id)
    _bump(interview)
    events.record(
        session,
        actor.organization_id,
        actor,
        "interview.rescheduled",
        "interview",
        interview.id,
        {
            "interview_id": str(interview.id),
            "application_id": str(interview.application_id),
            "previous_start_at": previous[0].isoformat(),
            "start_at": interview.start_at.isoformat(),
            "end_at": interview.end_at.isoformat(),
            "reason": data.reason,
        },
    )
    await session.flush()
    return await _public(session, interview)


async def cancel(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, data: InterviewCancel
) -> InterviewPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    interview = await visible_interview(session, actor, interview_id, for_update=True)
    if interview.status not in ("scheduled", "proposed"):
        raise Conflict(
            f"The interview is {interview.status}; only a scheduled or proposed one can be cancelled"
        )
    interview.status, interview.status_reason = "cancelled", data.reason
    _bump(interview)
    events.record(
        session,
        actor.organization_id,
        actor,
        "interview.cancelled",
        "interview",
        interview.id,
        {
            "interview_id": str(interview.id),
            "application_id": str(interview.application_id),
            "reason": data.reason,
        },
    )
    await session.flush()
    return await _public(session, interview)


async def respond(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, data: InterviewResponseSet
) -> InterviewPublic:
    interview = await visible_interview(session, actor, interview_id, for_update=True)
    people = await repository.participants(session, actor.organization_id, [interview.id])
    mine = next((p for p in people if p.member_id == actor.member_id), None)
    if mine is None:
        raise PermissionDenied("Only the interview's interviewers answer its invitation")
    if interview.status in ("cancelled", "completed", "no_show"):
        raise Conflict(f"The interview is {interview.status}")
    mine.response, mine.responded_at = data.response, utcnow()
    events.record(
        session,
        actor.organization_id,
        actor,
        "interview.responded",
        "interview",
        interview.id,
        {
            "interview_id": str(interview.id),
            "member_id": str(actor.member_id),
            "response": data.response,
        },
    )
    if data.response == "declined":
        events.record(
            session,
            actor.organization_id,
            actor,
            "interview.declined",
            "interview",
            interview.id,
            {
                "interview_id": str(interview.id),
                "member_id": str(actor.member_id),
                "via": "hireloop",
            },
        )
        if mine.seat == "interviewer":
            await session.flush()
            await replacement.after_decline(session, actor, interview, actor.member_id)
    await session.flush()
    return await _public(session, interview)


async def replace(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, data: ReplacementRequest
) -> ReplacementPublic:
    """A recruiter asks for an interviewer to be replaced now (the pool, the cutoff and the
    limit apply as after a decline); when none is allowed or possible, a 409 says why and
    nothing changes."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    interview = await visible_interview(session, actor, interview_id, for_update=True)
    seat = await repository.participant(session, interview.id, data.member_id)
    if seat is None or seat.seat != "interviewer":
        raise InvalidInput.for_field("member_id", "is not an interviewer on this interview")
    outcome = await replacement.choose(session, interview, data.member_id)
    if outcome.replacement is None:
        raise Conflict(f"No replacement: {outcome.reason}", reason=outcome.reason)
    await replacement.apply(session, actor, interview, data.member_id, outcome)
    return ReplacementPublic(
        interview_id=interview.id,
        replaced_member_id=data.member_id,
        replacement_member_id=outcome.replacement,
        replaced=True,
        reason=outcome.reason,
        replacements=interview.replacements,
    )


STATUS_MOVES = {
    "proposed": {"scheduled"},
    "scheduled": {"completed", "no_show"},
    "completed": {"no_show"},
    "no_show": {"completed"},
    "cancelled": set(),
}


async def set_status(
    session: AsyncSession, actor: Actor, interview_id: uuid.UUID, data: InterviewStatusSet
) -> InterviewPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    interview = await visible_interview(session, actor, interview_id, for_update=True)
    allowed = STATUS_MOVES[interview.status]
    if data.status not in allowed:
        raise Conflict(
            f"An interview that is {interview.status} cannot become {data.status}",
            allowed=sorted(allowed),
        )
    if data.status in ("completed", "no_show") and interview.start_at > utcnow():
        raise Conflict("The interview has not started yet")
    interview.status, interview.status_reason = data.status, data.reason
    _bump(interview)
    event = {
        "completed": "interview.completed",
        "no_show": "interview.missed",
        "scheduled": "interview.confirmed",
    }[data.status]
    events.record(
        session,
        actor.organization_id,
        actor,
        event,
        "interview",
        interview.id,
        {
            "interview_id": str(interview.id),
            "application_id": str(interview.application_id),
            "status": data.status,
        },
    )
    await session.flush()
    return await _public(session, interview)


async def complete_past_interviews(session: AsyncSession) -> int:
    """The periodic job: an interview whose end has passed is completed unless recorded otherwise."""
    done = await repository.complete_past(session, utcnow())
    for interview_id, organization_id, application_id in done:
        events.record(
            session,
            organization_id,
            None,
            "interview.completed",
            "interview",
            interview_id,
            {
                "interview_id": str(interview_id),
                "application_id": str(application_id),
                "status": "completed",
            },
        )
    return len(done)
