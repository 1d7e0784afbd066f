"""Booking links: a recruiter offers a candidate a few ranked options for a whole panel; the
candidate books one, then may move or cancel it, through the same link, with no account.

Options come from the panel suggestion service (app/domain/interviews/scheduling.py) and are
held while the link is open (holds.py). Booking goes through the interviews' own booking path,
which locks the interviewers and re-checks that everyone is still free, after the connected
calendars were asked live with no transaction open (`_live_free`); when either fails (the
time was taken since the page was shown) the candidate is offered the next best options instead
of an error. The candidate acts through the recruiter who sent the link: suggestions, bookings
and events carry that recruiter as their actor."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.applications import repository as applications_repo
from app.domain.applications.service import visible_application
from app.domain.bookings import holds, repository, tokens
from app.domain.bookings.models import BookingLink
from app.domain.bookings.policy import Policy, policy_of
from app.domain.bookings.schemas import (
    BookedInterview,
    BookingCancel,
    BookingLinkCreate,
    BookingLinkCreated,
    BookingLinkPublic,
    BookingOption,
    BookingOutcome,
    BookingPick,
    BookingView,
    HoldPublic,
    OptionStage,
)
from app.domain.calendars import freebusy
from app.domain.candidates import repository as candidates_repo
from app.domain.interviewer_pools import service as pools_service
from app.domain.interviews import repository as interviews_repo
from app.domain.interviews import scheduling
from app.domain.interviews import service as interviews
from app.domain.interviews.schemas import (
    InterviewCancel,
    InterviewReschedule,
    InterviewsCreate,
    InterviewSlot,
    SuggestionRequest,
)
from app.domain.notifications import messages
from app.domain.notifications import repository as notifications_repo
from app.domain.organizations import repository as members_repo
from app.domain.organizations.branding import PublicBrand, brand_of
from app.domain.roles import repository as roles_repo
from app.errors import Conflict, DomainError, InvalidInput, NotFound, not_found

_REQUEST_FIELDS = {
    "stages",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "max_gap_minutes",
    "allow_back_to_back",
    "location",
    "video_url",
}
_INVALID = "This booking link is not valid; ask your recruiter for a new one"


class LinkGone(DomainError):
    """A 410 for a link that no longer does what was asked, and why (`expired`, `withdrawn`,
    `cancelled`, `recruiter_gone`), for the pages to say what to do next."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail=detail, code="gone", status=410, title="Gone")
        self.reason = reason


# --- the recruiter's side ------------------------------------------------------------------


async def create_link(
    session: AsyncSession, actor: Actor, data: BookingLinkCreate
) -> BookingLinkCreated:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    application = await visible_application(session, actor, data.application_id)
    if application.outcome != "active":
        raise Conflict(f"The application is {application.outcome}; it cannot be interviewed")
    if application.stage not in interviews.SCHEDULABLE_STAGES:
        raise Conflict(
            f"The application is at {application.stage}; interviews are booked at "
            f"{' or '.join(interviews.SCHEDULABLE_STAGES)}"
        )
    settings = settings_of(session)
    rules = await policy_of(session, actor.organization_id)
    request = data.model_dump(mode="json", include=_REQUEST_FIELDS)
    options, zone, blocked = await _offer(
        session, actor, application.id, request, data.time_zone, rules
    )
    if not options:
        raise Conflict(
            f"No time in the next {rules.horizon_days} days fits the whole panel; no link was made",
            blocked_by=blocked,
        )
    now = utcnow()
    expires = now + timedelta(hours=data.expires_in_hours or rules.link_hours)
    link = BookingLink(
        organization_id=actor.organization_id,
        application_id=application.id,
        created_by_id=actor.member_id,
        time_zone=zone,
        request=request,
        options=options,
        expires_at=expires,
        holds_expire_at=min(expires, now + timedelta(hours=rules.hold_hours)),
    )
    session.add(link)
    await session.flush()
    await holds.place(session, actor, link, options)
    token = tokens.sign(settings.secret_key, link.id)
    base = settings.public_url.rstrip("/")
    public = await _public(session, link)
    return BookingLinkCreated(
        **public.model_dump(),
        token=token,
        url=f"{base}/api/v1/public/bookings/{token}",
        page_url=f"{base}/pages/bookings/{token}",
    )


async def get_link(session: AsyncSession, actor: Actor, link_id: uuid.UUID) -> BookingLinkPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter, PermissionSet.hiring_manager)
    link = await _org_link(session, actor, link_id, for_update=False)
    return await _public(session, link)


async def withdraw(session: AsyncSession, actor: Actor, link_id: uuid.UUID) -> BookingLinkPublic:
    """The recruiter takes the offer back: its holds go, the link stops working."""
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    link = await _org_link(session, actor, link_id, for_update=True)
    if link.status != "open":
        raise Conflict(f"The link is {link.status}; only an open link can be withdrawn")
    await holds.release(session, actor, link, "withdrawn")
    link.status, link.options = "withdrawn", []
    _bump(link)
    await session.flush()
    return await _public(session, link)


async def _org_link(
    session: AsyncSession, actor: Actor, link_id: uuid.UUID, *, for_update: bool
) -> BookingLink:
    link = await repository.get_org_link(
        session, actor.organization_id, link_id, for_update=for_update
    )
    if link is None:
        raise NotFound("booking link", link_id)
    # Whoever may not see the application may not see its link either (404 alike).
    try:
        await visible_application(session, actor, link.application_id)
    except NotFound:
        raise NotFound("booking link", link_id) from None
    return link


async def _public(session: AsyncSession, link: BookingLink) -> BookingLinkPublic:
    zone = ZoneInfo(link.time_zone)
    return BookingLinkPublic(
        id=link.id,
        application_id=link.application_id,
        status=link.status,
        time_zone=link.time_zone,
        expires_at=link.expires_at,
        holds_expire_at=link.holds_expire_at,
        booked_at=link.booked_at,
        changes=link.changes,
        interview_ids=[uuid.UUID(str(i)) for i in link.interview_ids],
        options=[_option(o, zone) for o in link.options],
        holds=[
            HoldPublic(
                id=h.id,
                option_key=h.option_key,
                member_id=h.member_id,
                start_at=h.start_at,
                end_at=h.end_at,
                expires_at=h.expires_at,
                released_at=h.released_at,
                release_reason=h.release_reason,
                calendar_written=h.remote_id is not None and h.action == "put",
            )
            for h in await repository.holds_of(session, link.id)
        ],
        created_at=link.created_at,
    )


# --- the candidate's side ------------------------------------------------------------------


async def brand(session: AsyncSession, token: str) -> PublicBrand | None:
    """The organization's public face and the recruiter to contact, for the candidate's pages
    (also when the link no longer opens); None for a token that is not ours."""
    link_id = tokens.verify(settings_of(session).secret_key, token)
    link = await repository.get_link(session, link_id) if link_id else None
    if link is None:
        return None
    return await brand_of(session, link.organization_id, link.created_by_id)


async def view(session: AsyncSession, token: str) -> BookingView:
    link = await _by_token(session, token, for_update=False)
    return await _view(session, link)


async def book(
    session: AsyncSession,
    token: str,
    data: BookingPick,
    http: httpx.AsyncClient | None = None,
) -> BookingOutcome:
    """Book every stage of the picked option at once, or offer the next best options.

    `http` given: the interviewers' connected calendars are asked first, with no transaction
    open, whether the option's time is still free (the mirror may lag a new meeting by
    minutes); taken there, it is re-offered like a clash found in the mirror."""
    taken = http is not None and not await _live_free(session, token, data.option_key, http, "open")
    link = await _by_token(session, token, for_update=True)
    if link.status == "booked":
        raise Conflict(
            "This link was already used to book the interviews; "
            "it can now move or cancel them, not book again"
        )
    _usable(link, "cancelled")
    option = next((o for o in link.options if o["key"] == data.option_key), None)
    if option is None:
        raise InvalidInput.for_field(
            "option_key", "is not one of the options offered now; reload the page to see them"
        )
    actor = await _acting_recruiter(session, link)
    if taken:
        return await _reoffer(session, actor, link, data.option_key)
    request = link.request
    try:
        async with session.begin_nested():
            # Its own holds go first, so the re-check sees everyone else's time, not its own.
            # Released here, inside the savepoint, rather than ignored by the re-check
            # (`ignore_hold_ids` is the suggestions' tool): the held time and the booking change
            # in one commit, so there is no moment when the time is neither held nor booked; and
            # a failed re-check rolls the release back with it (the re-offer then releases them
            # as "reoffered").
            await holds.release(session, actor, link, "booked")
            created = await interviews.schedule(
                session,
                actor,
                InterviewsCreate(
                    application_id=link.application_id,
                    interviews=[
                        InterviewSlot(
                            kind=s["name"],
                            start_at=datetime.fromisoformat(s["start_at"]),
                            end_at=datetime.fromisoformat(s["end_at"]),
                            interviewer_ids=[uuid.UUID(m) for m in s["interviewer_ids"]],
                            pool_id=uuid.UUID(s["pool_id"]) if s.get("pool_id") else None,
                            trainee_ids=[uuid.UUID(m) for m in s.get("trainee_ids", [])],
                        )
                        for s in option["stages"]
                    ],
                    time_zone=link.time_zone,
                    location=request.get("location"),
                    video_url=request.get("video_url"),
                ),
            )
    except (Conflict, InvalidInput) as exc:
        if isinstance(exc, Conflict) and "problems" not in exc.extra:
            raise
        return await _reoffer(session, actor, link, data.option_key)
    link.status, link.booked_at, link.options = "booked", utcnow(), []
    link.interview_ids = [str(i.id) for i in created]
    _bump(link)
    await session.flush()
    await _tell_recruiter(session, link, "booked", f"booked {_when(option, link)}")
    return BookingOutcome(
        done=True, message="Your interviews are booked.", booking=await _view(session, link)
    )


async def reschedule(
    session: AsyncSession,
    token: str,
    data: BookingPick,
    http: httpx.AsyncClient | None = None,
) -> BookingOutcome:
    """Move the booked panel to one of the options offered now, within the policy.

    `http` given: the new time is first asked of the interviewers' connected calendars, as a
    booking is (their current interview times are theirs, not a clash)."""
    if http is not None and not await _live_free(session, token, data.option_key, http, "booked"):
        link = await _by_token(session, token, for_update=False)
        view_ = await _view(session, link, exclude={data.option_key})
        return BookingOutcome(done=False, message=_TAKEN, booking=view_)
    link = await _by_token(session, token, for_update=True)
    booked = await _booked(session, link)
    actor = await _acting_recruiter(session, link)
    rules = await policy_of(session, link.organization_id)
    _may_change(rules, link, booked, count_change=True)
    options, _, _ = await _offer(
        session, actor, link.application_id, link.request, link.time_zone, rules
    )
    option = next((o for o in options if o["key"] == data.option_key), None)
    if option is None:
        raise InvalidInput.for_field(
            "option_key", "is not one of the times offered now; reload the page to see them"
        )
    try:
        async with session.begin_nested():
            for interview, stage in zip(booked, option["stages"], strict=True):
                await _move(session, actor, interview, stage)
    except (Conflict, InvalidInput) as exc:
        if isinstance(exc, Conflict) and "problems" not in exc.extra:
            raise
        view_ = await _view(session, link, exclude={data.option_key})
        return BookingOutcome(done=False, message=_TAKEN, booking=view_)
    link.changes += 1
    _bump(link)
    await session.flush()
    await _tell_recruiter(session, link, "rescheduled", f"moved to {_when(option, link)}")
    return BookingOutcome(
        done=True, message="Your interviews are moved.", booking=await _view(session, link)
    )


async def _live_free(
    session: AsyncSession, token: str, option_key: str, http: httpx.AsyncClient, status: str
) -> bool:
    """Whether the connected calendars still show the option's interviewers free, asked as the
    recruiter's booking asks (app/domain/calendars/freebusy.py): what to ask is read in a short
    read-only transaction, which ends before the providers are called; the booking then runs in
    a new transaction that re-checks the mirror under the interviewers' locks. The link's own
    tentative hold events are its own time, not a clash; when moving, so is each interview's
    current time. A link or option that is no longer good answers True: the booking path that
    follows says why, as it always has; so does a link not in the `status` the action needs."""
    link = await _by_token(session, token, for_update=False)
    own: list[tuple[datetime, datetime] | None] = []
    if link.status != status:
        option = None
    elif status == "open":
        option = next((o for o in link.options if o["key"] == option_key), None)
    else:
        booked = await _booked(session, link)
        rules = await policy_of(session, link.organization_id)
        try:
            _may_change(rules, link, booked, count_change=True)
        except Conflict:
            return True
        options, _, _ = await _offer(
            session,
            await _acting_recruiter(session, link),
            link.application_id,
            link.request,
            link.time_zone,
            rules,
        )
        option = next((o for o in options if o["key"] == option_key), None)
        if option is not None and len(booked) != len(option["stages"]):
            option = None
        own = [(i.start_at, i.end_at) for i in booked]
    if option is None:
        return True
    actor = await _acting_recruiter(session, link)
    seats = int(link.status == "open")
    held = tuple(
        (h.member_id, h.start_at, h.end_at)
        for h in await repository.holds_of(session, link.id)
        if h.calendar_id is not None
    )
    slots = [
        freebusy.Slot(
            # A move keeps only the trainees free then (`_move`); a booking seats them all.
            [uuid.UUID(m) for m in (*s["interviewer_ids"], *(s.get("trainee_ids", []) * seats))],
            datetime.fromisoformat(s["start_at"]),
            datetime.fromisoformat(s["end_at"]),
            own=own[index] if index < len(own) else None,
            held=held,
        )
        for index, s in enumerate(option["stages"])
    ]
    try:
        await freebusy.recheck(session, actor, slots, http)
    except Conflict as exc:
        if "problems" not in exc.extra:
            raise
        return False
    return True


async def _move(session: AsyncSession, actor: Actor, interview: Any, stage: dict[str, Any]) -> None:
    """Move one booked interview to an option's stage, keeping its trainees: each one free at
    the new time stays in their seat; when none can, the trainee the suggestion placed there
    (free, in training in the pool) takes the seat their rounds call for."""
    start = datetime.fromisoformat(stage["start_at"])
    end = datetime.fromisoformat(stage["end_at"])
    panel = [uuid.UUID(m) for m in stage["interviewer_ids"]]
    seated = [
        p.member_id
        for p in await interviews_repo.participants(
            session, interview.organization_id, [interview.id]
        )
        if p.seat != "interviewer" and p.member_id not in panel
    ]
    kept = [m for m in seated if await _free(session, actor, m, start, end, interview.id)]
    newcomers: list[uuid.UUID] = []
    if seated and not kept and interview.pool_id is not None:
        newcomers = [
            uuid.UUID(m)
            for m in stage.get("trainee_ids", [])
            if uuid.UUID(m) not in panel and stage.get("pool_id") == str(interview.pool_id)
        ][: len(seated)]
    await interviews.reschedule(
        session,
        actor,
        interview.id,
        InterviewReschedule(
            start_at=start,
            end_at=end,
            interviewer_ids=[*panel, *kept, *newcomers],
            reason="Moved by the candidate through their booking link",
        ),
    )
    for member_id in newcomers:
        row = await interviews_repo.participant(session, interview.id, member_id)
        seat = await pools_service.seat_for(
            session, interview.organization_id, interview.pool_id, member_id
        )
        if row is not None:
            row.seat = seat or "reverse_shadow"
    await session.flush()


async def _free(
    session: AsyncSession,
    actor: Actor,
    member_id: uuid.UUID,
    start: datetime,
    end: datetime,
    interview_id: uuid.UUID,
) -> bool:
    """Whether a trainee could sit in at the new time (busy, interviewing, at a cap or gone:
    not), asked of the booking path's own check so the answer is the one the move gets."""
    try:
        async with session.begin_nested():
            await interviews.check_free(
                session, actor, [member_id], start, end, exclude=interview_id
            )
    except (Conflict, InvalidInput):
        return False
    return True


async def cancel(session: AsyncSession, token: str, data: BookingCancel) -> BookingView:
    link = await _by_token(session, token, for_update=True)
    booked = await _booked(session, link)
    actor = await _acting_recruiter(session, link)
    _may_change(await policy_of(session, link.organization_id), link, booked, count_change=False)
    reason = data.reason or "Cancelled by the candidate through their booking link"
    for interview in booked:
        await interviews.cancel(session, actor, interview.id, InterviewCancel(reason=reason))
    link.status = "cancelled"
    _bump(link)
    await session.flush()
    await _tell_recruiter(session, link, "cancelled", f"cancelled their interviews ({reason})")
    return await _view(session, link)


_TAKEN = "That time was taken a moment ago. Here are the next best options."


async def _reoffer(
    session: AsyncSession, actor: Actor, link: BookingLink, taken: str
) -> BookingOutcome:
    await holds.release(session, actor, link, "reoffered")
    options, _, _ = await _offer(
        session,
        actor,
        link.application_id,
        link.request,
        link.time_zone,
        await policy_of(session, link.organization_id),
        exclude={taken},
    )
    link.options = options
    _bump(link)
    await session.flush()
    if options:
        await holds.place(session, actor, link, options)
        message = _TAKEN
    else:
        message = "That time was taken a moment ago, and no other time fits now. Your recruiter will be in touch."
        await _tell_recruiter(session, link, "no_options", "found no time left that fits")
    return BookingOutcome(done=False, message=message, booking=await _view(session, link))


async def _by_token(session: AsyncSession, token: str, *, for_update: bool) -> BookingLink:
    link_id = tokens.verify(settings_of(session).secret_key, token)
    if link_id is None:
        raise not_found(_INVALID)
    link = await repository.get_link(session, link_id, for_update=for_update)
    if link is None:
        raise not_found(_INVALID)
    if link.status == "withdrawn":
        raise LinkGone(
            "This booking link was withdrawn; ask your recruiter for a new one", "withdrawn"
        )
    if link.status == "expired" or (link.status == "open" and link.expires_at <= utcnow()):
        raise LinkGone("This booking link has expired; ask your recruiter for a new one", "expired")
    return link


def _usable(link: BookingLink, *refused: str) -> None:
    if link.status in refused:
        raise LinkGone(f"The interviews booked through this link were {link.status}", link.status)


async def _booked(session: AsyncSession, link: BookingLink) -> list[Any]:
    if link.status == "open":
        raise Conflict("Nothing is booked through this link yet; pick one of the options first")
    _usable(link, "cancelled")
    ids = [uuid.UUID(str(i)) for i in link.interview_ids]
    rows = {i.id: i for i in await interviews_repo.by_ids(session, link.organization_id, ids)}
    # In stage order, as booked; the ones cancelled or completed meanwhile are not the link's.
    return [rows[i] for i in ids if i in rows]


def _deadline(link: BookingLink, booked: Sequence[Any], notice_hours: int) -> datetime | None:
    starts = [i.start_at for i in booked if i.status in ("scheduled", "proposed")]
    return min(starts) - timedelta(hours=notice_hours) if starts else None


def _may_change(
    rules: Policy, link: BookingLink, booked: Sequence[Any], *, count_change: bool
) -> None:
    notice, most = rules.change_notice_hours, rules.max_changes
    deadline = _deadline(link, booked, notice)
    if deadline is None or len(booked) != len(link.interview_ids):
        raise Conflict("The booked interviews changed since; ask your recruiter to change them")
    if utcnow() > deadline:
        raise Conflict(
            f"Changes are possible until {notice} hours before the first interview; "
            "ask your recruiter"
        )
    if count_change and link.changes >= most:
        raise Conflict(
            f"This booking was already moved {link.changes} times, the most allowed; "
            "ask your recruiter"
        )


async def _acting_recruiter(session: AsyncSession, link: BookingLink) -> Actor:
    members = (
        await members_repo.get_members(session, link.organization_id, [link.created_by_id])
        if link.created_by_id
        else []
    )
    if not members or not members[0].is_active:
        raise LinkGone(
            "The recruiter who sent this link can no longer book; reply to the email that brought "
            "you here for a new link",
            "recruiter_gone",
        )
    member = members[0]
    return Actor(
        member_id=member.id,
        organization_id=member.organization_id,
        permission_set=PermissionSet(member.permission_set),
        email=member.email,
        name=member.name,
    )


async def _offer(
    session: AsyncSession,
    actor: Actor,
    application_id: uuid.UUID,
    request: dict[str, Any],
    time_zone: str | None,
    rules: Policy,
    *,
    exclude: set[str] | None = None,
) -> tuple[list[dict[str, Any]], str, list[str]]:
    """The organization's number of best options for the panel within its notice and horizon,
    asked of the suggestion service: (options, the candidate's zone, what blocked everything)."""
    limit = rules.options
    now = utcnow()
    exclude = exclude or set()
    result = await scheduling.suggest(
        session,
        actor,
        SuggestionRequest(
            application_id=application_id,
            stages=request["stages"],
            date_from=now,
            date_to=now + timedelta(days=rules.horizon_days),
            min_notice_hours=rules.notice_hours,
            buffer_before_minutes=request["buffer_before_minutes"],
            buffer_after_minutes=request["buffer_after_minutes"],
            max_gap_minutes=request["max_gap_minutes"],
            allow_back_to_back=request["allow_back_to_back"],
            limit=min(50, limit + len(exclude)),
        ),
    )
    zone = time_zone or (result.suggestions[0].candidate_time_zone if result.suggestions else "UTC")
    options: list[dict[str, Any]] = []
    for s in result.suggestions:
        stages: list[dict[str, Any]] = [
            {
                "name": p.name,
                "start_at": p.start_at.isoformat(),
                "end_at": p.end_at.isoformat(),
                "interviewer_ids": [str(i.member_id) for i in p.interviewers],
                "interviewer_names": [i.name for i in p.interviewers],
                "pool_id": str(p.pool_id) if p.pool_id else None,
                "trainee_ids": [str(i.member_id) for i in p.trainees],
                "trainee_names": [i.name for i in p.trainees],
            }
            for p in s.stages
        ]
        key = hashlib.sha256(
            json.dumps(
                [[p["name"], p["start_at"], sorted(p["interviewer_ids"])] for p in stages]
            ).encode()
        ).hexdigest()[:16]
        if key in exclude:
            continue
        options.append(
            {
                "key": key,
                "rank": len(options) + 1,
                "start_at": s.start_at.isoformat(),
                "end_at": s.end_at.isoformat(),
                "stages": stages,
            }
        )
        if len(options) >= limit:
            break
    return options, zone, list(result.blocked_by)


def _option(option: dict[str, Any], zone: ZoneInfo) -> BookingOption:
    def local(value: str) -> datetime:
        return datetime.fromisoformat(value).astimezone(zone)

    return BookingOption(
        key=option["key"],
        rank=option["rank"],
        start_at=datetime.fromisoformat(option["start_at"]),
        end_at=datetime.fromisoformat(option["end_at"]),
        local_start=local(option["start_at"]),
        local_end=local(option["end_at"]),
        stages=[
            OptionStage(
                name=s["name"],
                start_at=datetime.fromisoformat(s["start_at"]),
                end_at=datetime.fromisoformat(s["end_at"]),
                local_start=local(s["start_at"]),
                local_end=local(s["end_at"]),
                interviewer_ids=[uuid.UUID(m) for m in s["interviewer_ids"]],
                interviewer_names=s["interviewer_names"],
                trainee_ids=[uuid.UUID(m) for m in s.get("trainee_ids", [])],
                trainee_names=s.get("trainee_names", []),
            )
            for s in option["stages"]
        ],
    )


def _when(option: dict[str, Any], link: BookingLink) -> str:
    start = datetime.fromisoformat(option["start_at"])
    return f"the panel for {messages.local(start, link.time_zone)}"


async def _view(
    session: AsyncSession, link: BookingLink, *, exclude: set[str] | None = None
) -> BookingView:
    zone = ZoneInfo(link.time_zone)
    application = await applications_repo.get_application(
        session, link.organization_id, link.application_id
    )
    if application is None:
        raise not_found(_INVALID)
    candidate = await candidates_repo.get_candidate(
        session, link.organization_id, application.candidate_id
    )
    role = await roles_repo.get_role(session, link.organization_id, application.role_id)
    org = await members_repo.get_organization(session, link.organization_id)
    booked: list[Any] = []
    if link.status in ("booked", "cancelled"):
        ids = [uuid.UUID(str(i)) for i in link.interview_ids]
        booked = list(await interviews_repo.by_ids(session, link.organization_id, ids))
    options = [_option(o, zone) for o in link.options] if link.status == "open" else []
    deadline = None
    can_change = False
    changes_left = 0
    if link.status == "booked":
        rules = await policy_of(session, link.organization_id)
        deadline = _deadline(link, booked, rules.change_notice_hours)
        changes_left = max(0, rules.max_changes - link.changes)
        can_change = (
            deadline is not None and utcnow() <= deadline and len(booked) == len(link.interview_ids)
        )
        if can_change and changes_left:
            actor = await _acting_recruiter(session, link)
            live, _, _ = await _offer(
                session,
                actor,
                link.application_id,
                link.request,
                link.time_zone,
                rules,
                exclude=exclude,
            )
            options = [_option(o, zone) for o in live]
    return BookingView(
        status=link.status,
        organization_name=org.name if org else "",
        role_title=role.title if role else "",
        candidate_first_name=(candidate.name.split() or [""])[0] if candidate else "",
        time_zone=link.time_zone,
        expires_at=link.expires_at,
        options=options,
        booked=[
            BookedInterview(
                interview_id=i.id,
                kind=i.kind,
                start_at=i.start_at,
                end_at=i.end_at,
                local_start=i.start_at.astimezone(zone),
                local_end=i.end_at.astimezone(zone),
                status=i.status,
            )
            for i in sorted(booked, key=lambda i: i.start_at)
        ],
        can_change=can_change,
        changes_left=changes_left,
        change_deadline=deadline,
    )


async def _tell_recruiter(session: AsyncSession, link: BookingLink, what: str, did: str) -> None:
    """The recruiter who sent the link hears of what the candidate did with it."""
    if link.created_by_id is None:
        return
    person = (await notifications_repo.recipients(session, [link.created_by_id])).get(
        link.created_by_id
    )
    if person is None or not person.is_active:
        return
    settings = settings_of(session)
    application = await applications_repo.get_application(
        session, link.organization_id, link.application_id
    )
    candidate = (
        await candidates_repo.get_candidate(session, link.organization_id, application.candidate_id)
        if application
        else None
    )
    org = await members_repo.get_organization(session, link.organization_id)
    name = candidate.name if candidate else "The candidate"
    subject = (
        f"{name} {did.split(' (')[0]}" if what != "booked" else f"{name} booked their interviews"
    )
    await notifications_repo.add_notifications(
        session,
        [
            messages.person_message(
                person,
                kind=f"booking_{what}",
                dedupe_key=f"booking:{link.id}:{what}:v{link.version}",
                subject=subject[:200],
                text=f"{name} {did} through the booking link you sent.",
                organization_name=org.name if org else "",
                link=f"{settings.public_url.rstrip('/')}/api/v1/booking-links/{link.id}",
            )
        ],
    )


def _bump(link: BookingLink) -> None:
    link.version += 1
    link.updated_at = utcnow()


async def expire_due(session: AsyncSession) -> int:
    """The periodic job: links past their expiry close, and holds past theirs are released
    (the link stays open; a pick is re-checked as always). Returns how many links it touched."""
    now = utcnow()
    links = await repository.links_to_expire(session, now, 200)
    for link in links:
        await holds.release(session, None, link, "expired")
        if link.expires_at <= now:
            link.status, link.options = "expired", []
            _bump(link)
    await session.flush()
    return len(links)
