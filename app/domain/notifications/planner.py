"""Which events become messages to people, rendered now so the row keeps what was sent.

Each message has a dedupe key, so a batch planned twice (a worker died before committing, or
two events describe one change) makes it once. Interview messages are keyed by the invitation's
SEQUENCE: a scheduled and a rescheduled event planned together after both happened describe
the same current invitation, and the candidate gets it once."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import settings_of
from app.domain.calendars import repository as calendars_repo
from app.domain.events.repository import OutboxEvent
from app.domain.follow_ups import messages as follow_up_messages
from app.domain.follow_ups import repository as follow_ups_repo
from app.domain.follow_ups.models import OPEN_STATES
from app.domain.interviews import repository as interviews_repo
from app.domain.interviews.invites import invitation_for
from app.domain.interviews.models import Interview
from app.domain.interviews.prep import prep_for, render_prep
from app.domain.interviews.service import publics
from app.domain.notifications import messages, repository
from app.domain.notifications.repository import Draft, InterviewFacts, Recipient
from app.domain.organizations import repository as organizations_repo
from app.templates import render

INTERVIEW_EVENTS = (
    "interview.scheduled",
    "interview.confirmed",
    "interview.rescheduled",
    "interview.cancelled",
)
FEEDBACK_EVENTS = ("feedback.due_soon", "feedback.overdue")


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def plan(session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
    """Create the notifications these events cause, in the caller's transaction."""
    drafts: list[Draft] = []
    slates = [e for e in events if e.type == "slate.sent"]
    feedback = [e for e in events if e.type in FEEDBACK_EVENTS]
    interviews = [e for e in events if e.type in INTERVIEW_EVENTS]
    if slates:
        drafts += await _slates(session, slates)
    if feedback:
        drafts += await _feedback(session, feedback)
    if interviews:
        drafts += await _interviews(session, interviews)
    follow_ups = [e for e in events if e.type == "follow_up.sent"]
    if follow_ups:
        drafts += await _follow_ups(session, follow_ups)
    await repository.add_notifications(session, drafts)


async def _follow_ups(session: AsyncSession, events: Sequence[OutboxEvent]) -> list[Draft]:
    """The candidate's question, with their single-use link; not once it was withdrawn."""
    settings = settings_of(session)
    facts = await follow_ups_repo.email_facts(
        session, [i for e in events if (i := _uuid(e.data.get("follow_up_id")))]
    )
    still_open = [f for f in facts if f.follow_up.state in OPEN_STATES]
    return follow_up_messages.candidate_emails(
        still_open, settings.public_url, settings.secret_key, reminder=False
    )


async def _slates(session: AsyncSession, events: Sequence[OutboxEvent]) -> list[Draft]:
    facts = await repository.slate_facts(
        session, [i for e in events if (i := _uuid(e.data.get("slate_id")))]
    )
    managers = await repository.recipients(
        session, [f.hiring_manager_id for f in facts.values() if f.hiring_manager_id]
    )
    delegates = await repository.recipients(
        session, [m.delegate_id for m in managers.values() if m.delegate_id]
    )
    names = await repository.organization_names(session, [e.organization_id for e in events])
    templates = await organizations_repo.link_templates_of(session, names)
    drafts = []
    for slate in facts.values():
        manager = managers.get(slate.hiring_manager_id) if slate.hiring_manager_id else None
        if manager is None:
            continue
        delegate = delegates.get(manager.delegate_id) if manager.delegate_id else None
        for person in (manager, delegate):
            if person is None or not person.is_active:
                continue
            drafts.append(
                slate_message(slate, person, names, templates.get(slate.organization_id), "review")
            )
    return drafts


def slate_message(
    slate: repository.SlateFacts,
    person: Recipient,
    names: dict[uuid.UUID, str],
    templates: dict[str, str] | None,
    which: str,
) -> Draft:
    due = messages.local(slate.due_at, person.time_zone) if slate.due_at else None
    # The organization's own page for the slate, or none: the text then says where to find it.
    link = messages.person_link(templates, "slate", slate_id=slate.id, role_id=slate.role_id)
    context = {
        "person_name": person.name,
        "sender": slate.sender_name,
        "candidates": slate.candidates,
        "questions": slate.questions,
        "lines": slate.lines,
        "role_title": slate.role_title,
        "due": due,
        "note": slate.note,
        "link": link,
    }
    if which == "review":
        subject = f"A slate for {slate.role_title} awaits your review"
        key = f"slate.sent:{slate.id}:{person.id}"
    else:
        subject = f"Reminder: the slate for {slate.role_title} is due"
        key = f"slate.reminder:{slate.id}:{person.id}"
    return messages.person_message(
        person,
        kind=f"slate_{which}",
        dedupe_key=key,
        subject=subject,
        text=render(f"{messages.TEMPLATES}slate_{which}.txt.j2", **context),
        organization_name=names.get(slate.organization_id, ""),
        link=link,
    )


async def _feedback(session: AsyncSession, events: Sequence[OutboxEvent]) -> list[Draft]:
    facts = await repository.interview_facts(
        session, [i for e in events if (i := _uuid(e.data.get("interview_id")))]
    )
    people = await repository.recipients(
        session, [i for e in events if (i := _uuid(e.data.get("interviewer_id")))]
    )
    templates = await organizations_repo.link_templates_of(
        session, [i.organization_id for i in facts.values()]
    )
    drafts = []
    for event in events:
        interview = facts.get(_uuid(event.data.get("interview_id")) or uuid.UUID(int=0))
        person = people.get(_uuid(event.data.get("interviewer_id")) or uuid.UUID(int=0))
        if interview is None or person is None or not person.is_active:
            continue
        due_at = interview.end_at + timedelta(hours=interview.feedback_due_hours)
        kind = event.type.replace(".", "_")
        link = messages.person_link(
            templates.get(interview.organization_id),
            "scorecard",
            interview_id=interview.id,
            application_id=interview.application_id,
            role_id=interview.role_id,
        )
        overdue = event.type == "feedback.overdue"
        subject = (
            f"{'Overdue' if overdue else 'Due soon'}: your scorecard for {interview.candidate_name}"
        )
        drafts.append(
            messages.person_message(
                person,
                kind=kind,
                dedupe_key=f"{event.type}:{interview.id}:{person.id}",
                subject=subject,
                text=render(
                    f"{messages.TEMPLATES}{kind}.txt.j2",
                    person_name=person.name,
                    candidate_name=interview.candidate_name,
                    interview_kind=interview.kind,
                    role_title=interview.role_title,
                    due=messages.local(due_at, person.time_zone),
                    link=link,
                ),
                organization_name=interview.organization_name,
                link=link,
            )
        )
    return drafts


async def _interviews(session: AsyncSession, events: Sequence[OutboxEvent]) -> list[Draft]:
    facts = await repository.interview_facts(
        session, [i for e in events if (i := _uuid(e.data.get("interview_id")))]
    )
    panels = await repository.participants(session, list(facts))
    people = await repository.recipients(session, [m for ids in panels.values() for m in ids])
    # Interviewers whose calendar provider sends the invitation itself get our email without
    # the .ics, so nobody holds two invitations for one interview.
    invited_by_provider = await calendars_repo.invited_by_provider(session, list(people))
    by_org: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for f in facts.values():
        by_org[f.organization_id].append(f.id)
    rows: dict[uuid.UUID, Interview] = {}
    for org_id, ids in by_org.items():
        rows.update({i.id: i for i in await interviews_repo.by_ids(session, org_id, ids)})
    templates = await organizations_repo.link_templates_of(session, by_org)
    # One invitation (and prep) per interview and batch, shared by every recipient.
    ics: dict[uuid.UUID, bytes] = {}
    drafts: list[Draft] = []
    for event in events:
        interview = facts.get(_uuid(event.data.get("interview_id")) or uuid.UUID(int=0))
        if interview is None or interview.id not in rows:
            continue
        cancelled = event.type == "interview.cancelled"
        # What is sent follows the interview as it is now: a proposed interview waits for its
        # confirmation, and a cancelled one gets only its cancellation.
        if cancelled != (interview.status == "cancelled") or interview.status == "proposed":
            continue
        if interview.status not in ("scheduled", "cancelled"):
            continue
        if interview.id not in ics:
            public = (await publics(session, interview.organization_id, [rows[interview.id]]))[0]
            ics[interview.id] = await invitation_for(session, interview.organization_id, public)
        attachment = messages.ics_attachment(ics[interview.id], cancelled)
        change = (
            "cancelled"
            if cancelled
            else "rescheduled"
            if event.type == "interview.rescheduled"
            else "scheduled"
        )
        reason = event.data.get("reason") if change != "scheduled" else None
        version = "cancelled" if cancelled else f"v{interview.ical_sequence}"
        drafts.append(
            await _candidate_invitation(
                session, interview, rows[interview.id], change, reason, version, attachment
            )
        )
        for member_id in panels.get(interview.id, []):
            person = people.get(member_id)
            if person is None or not person.is_active:
                continue
            drafts.append(
                _panel_invitation(
                    interview,
                    person,
                    change,
                    reason,
                    version,
                    None if member_id in invited_by_provider else attachment,
                    templates.get(interview.organization_id),
                )
            )
    return drafts


def _subject(change: str, interview: InterviewFacts, who: str) -> str:
    if change == "cancelled":
        return f"Cancelled: {interview.kind} interview {who}"
    if change == "rescheduled":
        return f"Moved: {interview.kind} interview {who}"
    return f"Invitation: {interview.kind} interview {who}"


async def _candidate_invitation(
    session: AsyncSession,
    interview: InterviewFacts,
    row: Interview,
    change: str,
    reason: object,
    version: str,
    attachment: dict[str, object],
) -> Draft:
    when = messages.local(interview.start_at, interview.time_zone)
    subject = _subject(change, interview, f"for {interview.role_title}")
    context = {
        "candidate_name": interview.candidate_name,
        "interview_kind": interview.kind,
        "role_title": interview.role_title,
        "organization_name": interview.organization_name,
        "when": when,
        "change": change,
        "reason": reason,
    }
    if change == "cancelled":
        text = render(f"{messages.TEMPLATES}interview_candidate.txt.j2", prep_text="", **context)
        html = messages.email_html(subject, subject, text, interview.organization_name)
    else:
        prep = await prep_for(session, interview.organization_id, row)
        text = render(
            f"{messages.TEMPLATES}interview_candidate.txt.j2",
            prep_text=render_prep(prep, "text"),
            **context,
        )
        # The prep sheet is the candidate's HTML: it already greets them and lists the panel.
        html = render_prep(prep, "html")
    return messages.candidate_email(
        interview.organization_id,
        kind=f"interview_{change}",
        candidate_id=interview.candidate_id,
        email=interview.candidate_email,
        dedupe_key=f"interview:{interview.id}:{version}:candidate:{interview.candidate_id}",
        subject=subject,
        text=text,
        html=html,
        attachments=[attachment],
    )


def _panel_invitation(
    interview: InterviewFacts,
    person: Recipient,
    change: str,
    reason: object,
    version: str,
    attachment: dict[str, object] | None,
    templates: dict[str, str] | None,
) -> Draft:
    link = messages.person_link(
        templates,
        "packet",
        interview_id=interview.id,
        application_id=interview.application_id,
        role_id=interview.role_id,
    )
    subject = _subject(change, interview, f"with {interview.candidate_name}")
    text = render(
        f"{messages.TEMPLATES}interview_panel.txt.j2",
        person_name=person.name,
        interview_kind=interview.kind,
        candidate_name=interview.candidate_name,
        role_title=interview.role_title,
        when=messages.local(interview.start_at, person.time_zone),
        change=change,
        reason=reason,
        link=link,
    )
    # Always email: the calendar invitation is the point, and only email carries it (unless the
    # member's calendar provider invites them itself: then the email only tells them).
    return Draft(
        organization_id=interview.organization_id,
        kind=f"interview_{change}",
        channel="email",
        recipient=person.email,
        dedupe_key=f"interview:{interview.id}:{version}:member:{person.id}",
        subject=subject,
        body_text=text,
        body_html=messages.email_html(
            subject,
            subject,
            text,
            interview.organization_name,
            None if change == "cancelled" else link,
        ),
        attachments=[attachment] if attachment is not None else [],
        member_id=person.id,
    )
