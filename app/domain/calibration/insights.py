"""What the hiring manager's decisions teach about a role, recomputed from them on every read.

The counting happens in PostgreSQL (six aggregate statements whatever the number of
decisions); Python only turns the few aggregated rows into words and suggestions.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.calibration import repository
from app.domain.calibration.schemas import (
    Count,
    FollowUpInsights,
    FollowUpSummary,
    RoleInsights,
    SlateApproval,
    Suggestion,
    WaitlistedItem,
)
from app.domain.roles import repository as roles_repo
from app.domain.roles.access import managed_scope
from app.domain.roles.schemas import IntakeContent
from app.errors import NotFound

# A pattern is "strong" when it shows in at least this many rejections and this share of them.
MIN_REJECTIONS = 3
STRONG_SHARE = 0.5


async def role_insights(session: AsyncSession, actor: Actor, role_id: uuid.UUID) -> RoleInsights:
    role = await roles_repo.get_role(
        session, actor.organization_id, role_id, managed_by=managed_scope(actor)
    )
    if role is None:
        raise NotFound("role", role_id)
    rows = await repository.insight_rows(session, actor.organization_id, role_id)
    revision = await roles_repo.current_intake(session, actor.organization_id, role_id)
    intake = IntakeContent.model_validate(revision.content) if revision else None
    return build_insights(role_id, rows, intake)


async def insights_for_roles(
    session: AsyncSession, actor: Actor, role_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RoleInsights]:
    """GraphQL's loader: insights of several roles in a fixed number of statements (the roles
    the actor may not see are left out)."""
    visible = await roles_repo.read_roles(
        session, actor.organization_id, role_ids, managed_by=managed_scope(actor)
    )
    ids = [r["id"] for r in visible]
    if not ids:
        return {}
    rows = await repository.insight_rows_for_roles(session, actor.organization_id, ids)
    intakes = {
        r["role_id"]: IntakeContent.model_validate(r["content"])
        for r in await roles_repo.current_intakes(session, actor.organization_id, ids)
    }
    return {
        role_id: build_insights(role_id, rows[role_id], intakes.get(role_id)) for role_id in ids
    }


def build_insights(
    role_id: uuid.UUID, rows: dict[str, Any], intake: IntakeContent | None
) -> RoleInsights:
    by_slate = [
        SlateApproval(
            slate_id=r.id,
            sent_at=r.sent_at,
            decided=r.decided,
            approved=r.approved,
            approval_rate=round(r.approved / r.decided, 3) if r.decided else 0.0,
        )
        for r in rows["by_slate"]
    ]
    totals = rows["totals"]
    tags: dict[str, list[Count]] = {"category": [], "skill": [], "red_flag": []}
    for kind, value, n in rows["tags"]:
        tags[kind].append(Count(value=value, count=n))
    median = rows["median_hours"]
    insights = RoleInsights(
        role_id=role_id,
        slates_reviewed=sum(1 for s in by_slate if s.decided),
        decisions=totals.decisions,
        approvals=totals.approvals,
        rejections=totals.rejections,
        waitlisted=totals.waitlisted,
        approval_rate_by_slate=by_slate,
        top_rejection_reasons=_top_reasons(tags),
        most_missing_skills=tags["skill"][:10],
        red_flags=tags["red_flag"][:10],
        median_review_hours=round(float(median), 2) if median is not None else None,
        waitlist=[
            WaitlistedItem(
                application_id=a,
                slate_id=s,
                question=q,
                follow_up=FollowUpSummary(
                    follow_up_id=f[0],
                    question=f[1],
                    state=f[2],
                    answer=f[3],
                    link=f[4],
                    document_id=f[5],
                    answered_at=f[6],
                )
                if f[0] is not None
                else None,
            )
            for a, s, q, *f in rows["waitlist"]
        ],
        follow_ups=_follow_ups(rows["follow_ups"]),
        suggestions=[],
    )
    insights.suggestions = suggest(insights, intake)
    return insights


def _follow_ups(row: tuple[Any, ...]) -> FollowUpInsights:
    sent, answered, median, settled, approved, rejected = row
    return FollowUpInsights(
        sent=sent,
        answered=answered,
        settled_by_answer=settled,
        settled_approved=approved,
        settled_rejected=rejected,
        median_hours_to_answer=round(float(median), 2) if median is not None else None,
    )


def _top_reasons(tags: dict[str, list[Count]]) -> list[Count]:
    """Categories, missing skills and red flags in one ranking, each labelled by its kind."""
    labelled = [
        Count(value=f"{label}: {c.value}", count=c.count)
        for kind, label in (
            ("category", "category"),
            ("skill", "missing skill"),
            ("red_flag", "red flag"),
        )
        for c in tags[kind]
    ]
    return sorted(labelled, key=lambda c: (-c.count, c.value))[:10]


def suggest(insights: RoleInsights, intake: IntakeContent | None) -> list[Suggestion]:
    """Plain suggestions when a pattern is strong; deterministic for the same decisions."""
    suggestions: list[Suggestion] = []
    rejections = insights.rejections
    if rejections >= MIN_REJECTIONS and intake is not None:
        priorities = {s.name.casefold(): s.priority for s in intake.skills}
        for skill in insights.most_missing_skills:
            share = skill.count / rejections
            if skill.count < MIN_REJECTIONS or share < STRONG_SHARE:
                continue
            evidence = f"{skill.count} of {rejections} rejections cite missing {skill.value}"
            if priorities.get(skill.value.casefold()) == "nice":
                suggestions.append(
                    Suggestion(
                        kind="make_must",
                        message=f"Most rejections cite missing {skill.value}, which the intake marks nice-to-have: "
                        f"propose making it a must-have so sourcing screens for it.",
                        evidence=evidence,
                    )
                )
            else:
                suggestions.append(
                    Suggestion(
                        kind="tighten_screening",
                        message=f"{skill.value} is already a must-have, yet most rejected candidates lack it: "
                        f"screen for it before putting candidates on a slate.",
                        evidence=evidence,
                    )
                )
        categories = {
            c.value: c.count
            for c in insights.top_rejection_reasons
            if c.value.startswith("category: ")
        }
        negotiable = {n.variable: n.flexibility for n in intake.negotiables}
        for category, variable, words in (
            ("experience", "years_experience", "years of experience"),
            ("compensation", "pay", "pay"),
            ("location", "remote", "remote work"),
        ):
            count = categories.get(f"category: {category}", 0)
            if (
                count >= MIN_REJECTIONS
                and count / rejections >= STRONG_SHARE
                and variable in negotiable
            ):
                suggestions.append(
                    Suggestion(
                        kind="renegotiate",
                        message=f"Most rejections cite {category}, and {words} is a negotiable variable of the intake "
                        f"({negotiable[variable]}): renegotiate how far it may move, or source differently.",
                        evidence=f"{count} of {rejections} rejections are about {category}",
                    )
                )
    decided = [s for s in insights.approval_rate_by_slate if s.decided]
    if len(decided) >= 3:
        first, last = decided[0].approval_rate, decided[-1].approval_rate
        if last >= first + 0.2:
            suggestions.append(
                Suggestion(
                    kind="calibration_trend",
                    message="Calibration is improving: the latest slate's approval rate is well above the first's.",
                    evidence=f"approval rate {first:.0%} on the first slate, {last:.0%} on the latest",
                )
            )
        elif last <= first - 0.2:
            suggestions.append(
                Suggestion(
                    kind="calibration_trend",
                    message="Approval rates are falling: revisit the intake with the hiring manager before the next slate.",
                    evidence=f"approval rate {first:.0%} on the first slate, {last:.0%} on the latest",
                )
            )
    return suggestions
