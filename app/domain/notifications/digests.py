"""The hiring manager's digest: what it says, when it is due, and sending it once per period.

Periods are named by the member's local date (`daily:2026-11-26`, `weekly:2026-11-23`) or, for
realtime, by the minute; a DigestRun per (member, period) is the claim, so however many workers
run the job a period goes out once. A realtime digest goes out only when it lists something the
last one did not."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import settings_of
from app.domain.events import service as events
from app.domain.notifications import messages, repository
from app.domain.notifications.repository import Draft, Recipient
from app.domain.notifications.schemas import (
    DigestAnswer,
    DigestInterview,
    DigestOverdue,
    DigestProposal,
    DigestQuestion,
    DigestRole,
    DigestSlate,
)
from app.templates import render

STAGE_ORDER = (
    "sourced",
    "screening",
    "submitted",
    "hm_review",
    "interviewing",
    "decision",
    "offer",
    "hired",
)


# --- when ----------------------------------------------------------------------------------


def _at(day: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The member's local time on that day, as the UTC instant the API promises."""
    return datetime.combine(day, local_time, zone).astimezone(UTC)


def current_period(
    cadence: str, local_time: time, zone_name: str, weekday: int, now: datetime
) -> tuple[str, datetime]:
    """The latest period whose send time has come, and that time. Computed in the member's
    zone, so 09:00 stays 09:00 for them across daylight-saving changes."""
    if cadence == "realtime":
        minute = now.replace(second=0, microsecond=0)
        return f"realtime:{minute.strftime('%Y-%m-%dT%H:%M')}", minute
    zone = ZoneInfo(zone_name)
    day = now.astimezone(zone).date()
    step = timedelta(days=1)
    if cadence == "weekly":
        day -= timedelta(days=(day.weekday() - weekday) % 7)
        step = timedelta(days=7)
    if _at(day, local_time, zone) > now:
        day -= step
    return f"{cadence}:{day.isoformat()}", _at(day, local_time, zone)


def following_send(
    cadence: str, local_time: time, zone_name: str, weekday: int, now: datetime
) -> datetime:
    """The send time of the period after the current one."""
    if cadence == "realtime":
        return now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    _, at = current_period(cadence, local_time, zone_name, weekday, now)
    zone = ZoneInfo(zone_name)
    step = timedelta(days=7 if cadence == "weekly" else 1)
    return _at(at.astimezone(zone).date() + step, local_time, zone)


# --- what ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    member_name: str
    cadence: str
    roles: list[DigestRole]

    @property
    def empty(self) -> bool:
        return not any(r.has_news for r in self.roles)

    def item_keys(self) -> list[str]:
        """What the digest lists, to tell whether a realtime digest has news."""
        keys = []
        for role in self.roles:
            keys += [f"slate:{s.slate_id}" for s in role.awaiting_review]
            keys += [
                f"interview:{i.interview_id}:{i.start_at.isoformat()}" for i in role.interviews
            ]
            keys += [f"overdue:{o.interview_id}:{o.interviewer_id}" for o in role.feedback_overdue]
            keys += [f"question:{q.slate_item_id}" for q in role.questions]
            keys += [f"proposal:{p.revision_id}" for p in role.proposals]
            keys += [f"answer:{a.follow_up_id}" for a in role.answers]
        return sorted(keys)

    def text(self) -> str:
        return render(f"{messages.TEMPLATES}digest.txt.j2", digest=self)

    def html(self) -> str:
        return render(f"{messages.TEMPLATES}digest.html.j2", digest=self)


async def build(session: AsyncSession, member: Recipient, now: datetime) -> Digest:
    roles = await repository.open_roles_of(session, member.organization_id, member.id)
    rows = await repository.digest_rows(session, member.organization_id, [r[0] for r in roles], now)
    by_role: dict[str, dict[uuid.UUID, list[Any]]] = {
        section: defaultdict(list) for section in rows
    }
    for section, found in rows.items():
        for row in found:
            by_role[section][row[0]].append(row)
    digest_roles = []
    for role_id, title in roles:
        counts = {stage: n for _, stage, n in by_role["stages"][role_id]}
        digest_roles.append(
            DigestRole(
                role_id=role_id,
                title=title,
                awaiting_review=[
                    DigestSlate(slate_id=r[1], due_at=r[2], undecided=r[4])
                    for r in by_role["slates"][role_id]
                    if r[4] > 0
                ],
                interviews=[
                    DigestInterview(
                        interview_id=r[1], kind=r[3], start_at=r[4], candidate_name=r[5]
                    )
                    for r in by_role["interviews"][role_id]
                ],
                feedback_overdue=[
                    DigestOverdue(
                        interview_id=r[1],
                        interviewer_id=r[2],
                        interviewer_name=r[3],
                        candidate_name=r[4],
                        due_at=r[5],
                    )
                    for r in by_role["overdue"][role_id]
                ],
                questions=[
                    DigestQuestion(slate_item_id=r[1], question=r[2], candidate_name=r[3])
                    for r in by_role["questions"][role_id]
                ],
                proposals=[
                    DigestProposal(revision_id=r[1], number=r[2], change_note=r[3])
                    for r in by_role["proposals"][role_id]
                ],
                answers=[
                    DigestAnswer(
                        follow_up_id=r[1],
                        candidate_name=r[2],
                        question=r[3],
                        answer=r[4],
                        link=r[5],
                        has_document=r[6],
                        answered_at=r[7],
                        application_id=r[8],
                    )
                    for r in by_role["answers"][role_id]
                ],
                pipeline={s: counts[s] for s in STAGE_ORDER if s in counts},
            )
        )
    return Digest(member.name, member.update_cadence, digest_roles)


# --- sending -------------------------------------------------------------------------------


def digest_draft(member: Recipient, digest: Digest, period: str, organization_name: str) -> Draft:
    subject = f"Your {digest.cadence} hiring update"
    key = f"digest:{member.id}:{period}"
    text = digest.text()
    slack_url = member.slack_webhook_url or member.org_slack_webhook_url
    if member.update_channel == "slack" and slack_url:
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": subject}}
        ]
        for role in digest.roles:
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": _slack_role(role)[:2900]},
                }
            )
        return Draft(
            organization_id=member.organization_id,
            kind="digest",
            channel="slack",
            recipient=f"slack ({'member' if member.slack_webhook_url else 'organization'} "
            f"webhook) for {member.email}",
            dedupe_key=key,
            subject=subject,
            body_text=text,
            slack_blocks=blocks[:50],
            member_id=member.id,
        )
    return Draft(
        organization_id=member.organization_id,
        kind="digest",
        channel="email",
        recipient=member.email,
        dedupe_key=key,
        subject=subject,
        body_text=text,
        body_html=digest.html(),
        member_id=member.id,
    )


def _slack_role(role: DigestRole) -> str:
    lines = [f"*{role.title}*"]
    if role.awaiting_review:
        undecided = sum(s.undecided for s in role.awaiting_review)
        lines.append(f"• Awaiting your review: {undecided} candidate(s)")
    if role.interviews:
        lines.append(f"• Interviews in the next 7 days: {len(role.interviews)}")
    if role.feedback_overdue:
        lines.append(f"• Feedback overdue: {len(role.feedback_overdue)}")
    for q in role.questions:
        lines.append(f"• Question on {q.candidate_name}: {q.question}")
    for p in role.proposals:
        lines.append(f"• Intake revision {p.number} awaits your sign-off: {p.change_note}")
    for a in role.answers:
        # The answer is the candidate's text: escaped for mrkdwn, so it cannot ping or link.
        lines.append(
            f"• {slack_escape(a.candidate_name)} answered “{slack_escape(a.question)}”: "
            f"{slack_escape(a.answer[:500])}"
        )
    pipeline = ", ".join(f"{s} {n}" for s, n in role.pipeline.items()) or "empty"
    lines.append(f"Pipeline: {pipeline}")
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    """Slack's three control characters, so text shows as typed (no <!channel>, no links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def before_start(member: Recipient, due_at: datetime) -> bool:
    """A period due before the member joined or last moved their digest is not theirs. (A
    realtime digest has no such period: it goes out when there is news.)"""
    return (
        member.update_cadence != "realtime"
        and member.digest_from is not None
        and due_at < member.digest_from
    )


async def send_digests(session: AsyncSession, now: datetime | None = None) -> int:
    """The periodic job: every member whose period came and has something to say gets one
    digest for it. Returns how many digests went out."""
    now = now or utcnow()
    weekday = settings_of(session).digest_weekday
    members = await repository.digest_members(session)
    times = await repository.local_times(session, [m.id for m in members])
    periods = {
        m.id: current_period(m.update_cadence, times[m.id], m.time_zone, weekday, now)
        for m in members
    }
    decided = await repository.runs_for(session, [(k, p[0]) for k, p in periods.items()])
    names = await repository.organization_names(session, [m.organization_id for m in members])
    sent = 0
    for member in members:
        period, due_at = periods[member.id]
        if (member.id, period) in decided or before_start(member, due_at):
            continue
        digest = await build(session, member, now)
        keys = digest.item_keys()
        if member.update_cadence == "realtime":
            # Nothing new since the last one: stay quiet, and record nothing (it is checked
            # again next minute).
            last = await repository.last_sent_keys(session, member.id)
            if digest.empty or (last is not None and not set(keys) - last):
                continue
        run_id = await repository.claim_run(
            session, member.organization_id, member.id, period, not digest.empty, keys
        )
        if run_id is None or digest.empty:
            continue
        await deliver(
            session, member, digest, period, names.get(member.organization_id, ""), run_id
        )
        sent += 1
    return sent


async def deliver(
    session: AsyncSession,
    member: Recipient,
    digest: Digest,
    period: str,
    organization_name: str,
    run_id: uuid.UUID,
) -> None:
    if member.update_channel == "webhook":
        events.record(
            session,
            member.organization_id,
            None,
            "digest.ready",
            "member",
            member.id,
            {
                "member_id": str(member.id),
                "period": period,
                "roles": [r.model_dump(mode="json") for r in digest.roles],
            },
        )
        return
    ids = await repository.add_notifications(
        session, [digest_draft(member, digest, period, organization_name)]
    )
    if ids:
        await repository.link_run(session, run_id, ids[0])
