"""Keeping a panel whole: a declined interviewer is replaced from the interview's pool.

The candidate's time never moves. A replacement is someone trained in the pool, not already on
the interview, working then (and not before their preferred start), free of busy blocks and
other interviews, and under their daily and weekly caps (their own and the pool's); of those,
the least loaded that week, then that day, then the one whose last interview is longest ago.
It happens only when the interview is far enough ahead (a setting, 48 hours by default) and has
not been re-staffed too often (3 by default); otherwise the recruiter is told at once. Everything
happens in the decline's transaction, with the interview and the chosen member locked; under
that lock the chosen member is checked again as they were chosen (a booking, busy time or a
cap may have come since), and a decline then chooses again among those still free."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor
from app.db import settings_of
from app.domain.events import service as events
from app.domain.interviewer_pools import repository as pools_repo
from app.domain.interviewer_pools.models import InterviewerPool
from app.domain.interviews import repository
from app.domain.interviews.models import Interview, InterviewParticipant
from app.domain.interviews.scheduling import load_people
from app.domain.interviews.slots import unavailable
from app.domain.notifications import messages
from app.domain.notifications import repository as notifications_repo
from app.domain.organizations import repository as members_repo
from app.errors import Conflict


@dataclass(frozen=True)
class Outcome:
    replacement: uuid.UUID | None
    reason: str
    pool: InterviewerPool | None = None


async def _pool_of(session: AsyncSession, interview: Interview) -> InterviewerPool | None:
    if interview.pool_id is not None:
        return await pools_repo.get_pool(session, interview.organization_id, interview.pool_id)
    return await pools_repo.pool_for_kind(session, interview.organization_id, interview.kind)


async def choose(
    session: AsyncSession,
    interview: Interview,
    declined: uuid.UUID,
    *,
    not_free: Mapping[uuid.UUID, str] | None = None,
) -> Outcome:
    """Who replaces `declined` on `interview`, or why no one may (nothing is written).
    `not_free`: members found no longer free under their lock, with why (left out)."""
    not_free = not_free or {}
    settings = settings_of(session)
    if interview.status not in ("scheduled", "proposed"):
        return Outcome(None, f"the interview is {interview.status}")
    hours_left = (interview.start_at - utcnow()).total_seconds() / 3600
    cutoff = settings.scheduling_replacement_cutoff_hours
    if hours_left < cutoff:
        return Outcome(
            None,
            f"the interview starts in {max(hours_left, 0):.0f} hours, inside the {cutoff}-hour "
            "cutoff for replacing an interviewer",
        )
    limit = settings.scheduling_max_replacements
    if interview.replacements >= limit:
        return Outcome(
            None, f"the interview has already had an interviewer replaced {limit} time(s)"
        )
    pool = await _pool_of(session, interview)
    if pool is None:
        return Outcome(None, f"no interviewer pool staffs '{interview.kind}' interviews")
    on_it = {
        p.member_id
        for p in await repository.participants(session, interview.organization_id, [interview.id])
    }
    rows = await pools_repo.members_of(session, interview.organization_id, [pool.id])
    trained = [r for r in rows if r.status == "trained" and r.member_id not in on_it]
    if not trained:
        return Outcome(None, f"nobody else in the pool {pool.name!r} is trained", pool)
    members = [
        m
        for m in await members_repo.get_members(
            session, interview.organization_id, [r.member_id for r in trained]
        )
        if m.is_active
    ]
    people = await load_people(
        session,
        interview.organization_id,
        members,
        interview.start_at,
        interview.end_at,
        preferences=trained,
    )
    why_not: list[str] = []
    free = []
    for person in people:
        problem = not_free.get(person.id) or unavailable(
            person, interview.start_at, interview.end_at
        )
        if problem is None:
            free.append(person)
        else:
            why_not.append(problem)
    if not free:
        return Outcome(
            None,
            f"nobody trained in the pool {pool.name!r} is free then: " + "; ".join(sorted(why_not)),
            pool,
        )

    def load(person_index: int) -> tuple[int, int, float, str, str]:
        person = free[person_index]
        local = interview.start_at.astimezone(ZoneInfo(person.time_zone)).date()
        iso = local.isocalendar()
        last = person.last_interview_at
        return (
            person.interviews_by_week.get((iso.year, iso.week), 0),
            person.interviews_by_day.get(local, 0),
            float("-inf") if last is None else last.timestamp(),
            person.name,
            str(person.id),
        )

    order = sorted(range(len(free)), key=load)
    best = free[order[0]]
    week, day, _, _, _ = load(order[0])
    last = (
        f"last interviewed {best.last_interview_at:%Y-%m-%d}"
        if best.last_interview_at
        else "no interview yet"
    )
    return Outcome(
        best.id,
        f"{best.name}: trained in {pool.name!r}, free then, {week} interview(s) that week and "
        f"{day} that day, {last}; the least loaded of {len(free)} free",
        pool,
    )


class NoLongerFree(Conflict):
    """The chosen replacement, checked again under their lock, is not free any more."""

    def __init__(self, member_id: uuid.UUID, problem: str) -> None:
        super().__init__(
            f"The replacement chosen is no longer free: {problem}; ask again", reason=problem
        )
        self.member_id = member_id
        self.problem = problem


async def recheck(session: AsyncSession, interview: Interview, outcome: Outcome) -> str | None:
    """Why the chosen member may not join after all, or None: the check `choose` made (still
    active and trained in the pool, working then, not before their preferred start, free of busy
    blocks, holds and other interviews, under every cap), made again now that they are locked,
    so it sees whatever was committed while they were being chosen."""
    assert outcome.replacement is not None
    assert outcome.pool is not None
    organization_id = interview.organization_id
    row = next(
        (
            r
            for r in await pools_repo.members_of(session, organization_id, [outcome.pool.id])
            if r.member_id == outcome.replacement
        ),
        None,
    )
    members = await members_repo.get_members(session, organization_id, [outcome.replacement])
    if not members or not members[0].is_active:
        return "they are no longer an active member"
    if row is None or row.status != "trained":
        return f"{members[0].name} is no longer trained in the pool {outcome.pool.name!r}"
    (person,) = await load_people(
        session, organization_id, members, interview.start_at, interview.end_at, preferences=[row]
    )
    return unavailable(person, interview.start_at, interview.end_at)


async def apply(
    session: AsyncSession,
    actor: Actor | None,
    interview: Interview,
    declined: uuid.UUID,
    outcome: Outcome,
) -> None:
    """Swap the interviewer in (the interview row is locked by the caller). The newcomer is
    locked as scheduling locks interviewers, then checked again (`recheck`): a booking, busy
    time or a cap that came while they were chosen is a NoLongerFree (409) and nothing
    changes."""
    assert outcome.replacement is not None
    assert outcome.pool is not None
    await repository.lock_members(session, interview.organization_id, [outcome.replacement])
    problem = await recheck(session, interview, outcome)
    if problem is not None:
        raise NoLongerFree(outcome.replacement, problem)
    await repository.remove_participant(session, interview.id, declined)
    session.add(
        InterviewParticipant(
            organization_id=interview.organization_id,
            interview_id=interview.id,
            member_id=outcome.replacement,
        )
    )
    interview.replacements += 1
    interview.ical_sequence += 1
    interview.version += 1
    interview.updated_at = utcnow()
    events.record(
        session,
        interview.organization_id,
        actor,
        "interview.reassigned",
        "interview",
        interview.id,
        {
            "interview_id": str(interview.id),
            "application_id": str(interview.application_id),
            "pool_id": str(outcome.pool.id),
            "replaced_member_id": str(declined),
            "replacement_member_id": str(outcome.replacement),
            "reason": outcome.reason,
            "replacements": interview.replacements,
        },
    )
    await session.flush()


async def tell_recruiter(
    session: AsyncSession,
    actor: Actor | None,
    interview: Interview,
    declined: uuid.UUID,
    reason: str,
) -> None:
    """No replacement: an event, and a message to the interview's organizer right away."""
    events.record(
        session,
        interview.organization_id,
        actor,
        "interview.replacement_needed",
        "interview",
        interview.id,
        {
            "interview_id": str(interview.id),
            "application_id": str(interview.application_id),
            "member_id": str(declined),
            "reason": reason,
        },
    )
    if interview.organizer_id is None:
        return
    people = await notifications_repo.recipients(session, [interview.organizer_id, declined])
    organizer = people.get(interview.organizer_id)
    if organizer is None or not organizer.is_active:
        return
    who = people[declined].name if declined in people else "An interviewer"
    settings = settings_of(session)
    names = await notifications_repo.organization_names(session, [interview.organization_id])
    when = messages.local(interview.start_at, organizer.time_zone)
    draft = messages.person_message(
        organizer,
        kind="interview_replacement_needed",
        dedupe_key=f"interview.replacement_needed:{interview.id}:{declined}:{interview.version}",
        subject=f"{who} declined the {interview.kind} interview on {when}",
        text=(
            f"{who} declined the {interview.kind} interview on {when}. Hireloop did not replace "
            f"them because {reason}. The candidate's time is unchanged; please find someone or "
            "move the interview."
        ),
        organization_name=names.get(interview.organization_id, ""),
        link=f"{settings.public_url}/api/v1/interviews/{interview.id}",
    )
    await notifications_repo.add_notifications(session, [draft])


async def after_decline(
    session: AsyncSession, actor: Actor | None, interview: Interview, declined: uuid.UUID
) -> Outcome:
    """Called in the decline's transaction: replace them, or tell the recruiter. The interview
    row is locked first (a calendar decline arrives without it), so two declines of one
    interview are handled one after the other."""
    await repository.lock_interview(session, interview.id)
    not_free: dict[uuid.UUID, str] = {}
    while True:
        outcome = await choose(session, interview, declined, not_free=not_free)
        if outcome.replacement is None:
            await tell_recruiter(session, actor, interview, declined, outcome.reason)
            return outcome
        try:
            await apply(session, actor, interview, declined, outcome)
        except NoLongerFree as exc:
            # Taken while being chosen: choose again without them (each pass leaves one more
            # out, so this ends), rather than undoing the decline.
            not_free[exc.member_id] = exc.problem
            continue
        return outcome
