"""Fit check: how a candidate stands against a role's agreed intake and what its rejections taught.

Deterministic: the same candidate, intake and decisions always give the same answer, in words a
recruiter can forward.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor
from app.domain.applications import repository as applications_repo
from app.domain.calibration import repository
from app.domain.calibration.schemas import (
    FitCheck,
    FollowUpSummary,
    RedFlagFit,
    Resemblance,
    SkillFit,
)
from app.domain.candidates.models import Candidate
from app.domain.candidates.service import visible_candidate
from app.domain.follow_ups import repository as follow_ups_repo
from app.domain.roles import repository as roles_repo
from app.domain.roles.access import managed_scope
from app.domain.roles.schemas import IntakeContent
from app.errors import NotFound

# A past rejection this alike (0..1) lends its red flags to the candidate.
RESEMBLANCE_THRESHOLD = 0.5


async def fit_check(
    session: AsyncSession, actor: Actor, role_id: uuid.UUID, candidate_id: uuid.UUID
) -> FitCheck:
    role = await roles_repo.get_role(
        session, actor.organization_id, role_id, managed_by=managed_scope(actor)
    )
    if role is None:
        raise NotFound("role", role_id)
    candidate = await visible_candidate(session, actor, candidate_id)
    revision = await roles_repo.current_intake(session, actor.organization_id, role_id)
    intake = IntakeContent.model_validate(revision.content) if revision else None
    rows = await repository.resembling_rejections(
        session,
        actor.organization_id,
        role_id,
        candidate.id,
        list(candidate.skill_keys),
        candidate.years_experience,
    )
    tags = await repository.insight_rows(session, actor.organization_id, role_id)
    learned = [(value, n) for kind, value, n in tags["tags"] if kind == "red_flag"]
    fit = assess(role_id, candidate, intake, revision.number if revision else None, rows, learned)
    application = await applications_repo.find(
        session, actor.organization_id, candidate.id, role_id
    )
    if application is not None:
        fit.follow_ups = [
            FollowUpSummary(
                follow_up_id=f.id,
                question=f.question,
                state=f.state,
                answer=f.answer_text,
                link=f.answer_link,
                document_id=f.answer_document_id,
                answered_at=f.answered_at,
            )
            for f in await follow_ups_repo.for_applications(
                session, actor.organization_id, [application.id]
            )
        ]
    return fit


def assess(
    role_id: uuid.UUID,
    candidate: Candidate,
    intake: IntakeContent | None,
    intake_number: int | None,
    rejections: list[Any] | Any,
    learned_flags: list[tuple[str, int]],
) -> FitCheck:
    skills = {s.casefold(): s for s in candidate.skills}
    must: list[SkillFit] = []
    if intake is not None:
        for skill in (s for s in intake.skills if s.priority == "must"):
            names = [skill.name, *skill.alternatives]
            held = [skills[n.casefold()] for n in names if n.casefold() in skills]
            if held:
                via = (
                    ""
                    if held[0].casefold() == skill.name.casefold()
                    else f" (through {held[0]}, an accepted alternative)"
                )
                must.append(
                    SkillFit(
                        skill=skill.name, status="met", explanation=f"Lists {skill.name}{via}."
                    )
                )
            elif not skills:
                must.append(
                    SkillFit(
                        skill=skill.name,
                        status="unknown",
                        explanation="The profile lists no skills yet; ask about it at screening.",
                    )
                )
            else:
                alternatives = (
                    f" or an alternative ({', '.join(skill.alternatives)})"
                    if skill.alternatives
                    else ""
                )
                must.append(
                    SkillFit(
                        skill=skill.name,
                        status="missing",
                        explanation=f"The profile does not list {skill.name}{alternatives}.",
                    )
                )
    experience = _experience(candidate.years_experience, intake)
    resembles = [
        Resemblance(
            application_id=r.application_id,
            candidate_name=r.name,
            similarity=float(r.similarity),
            # Lower case, as documented: the rejected candidate may spell a skill differently.
            shared_skills=sorted(s.casefold() for s in r.shared),
            rejected_for=[*_why(r), *r.categories],
            explanation=(
                f"Shares {len(r.shared)} skill(s) with {r.name} ({', '.join(sorted(r.shared)) or 'none'}), "
                f"who was rejected" + (f" for {'; '.join(_why(r))}" if _why(r) else "") + "."
            ),
        )
        for r in rejections
    ]
    close = [r for r in resembles if r.similarity >= RESEMBLANCE_THRESHOLD]
    flags: list[RedFlagFit] = []
    for flag, times in learned_flags:
        sources = [
            r
            for r, row in zip(resembles, rejections, strict=False)
            if r in close and flag.casefold() in {f.casefold() for f in row.red_flags}
        ]
        if sources:
            who = ", ".join(r.candidate_name for r in sources)
            flags.append(
                RedFlagFit(
                    red_flag=flag,
                    times_raised=times,
                    applies=True,
                    explanation=f"Raised {times} time(s); may apply: the candidate closely resembles {who}, rejected with this flag.",
                )
            )
        else:
            flags.append(
                RedFlagFit(
                    red_flag=flag,
                    times_raised=times,
                    applies=False,
                    explanation=f"Raised {times} time(s); nothing in this profile resembles the candidates it was raised for.",
                )
            )
    return FitCheck(
        role_id=role_id,
        candidate_id=candidate.id,
        intake_revision=intake_number,
        must_skills=must,
        experience=experience,
        red_flags=flags,
        resembles=resembles,
        summary=_summary(candidate.name, must, experience, flags, close, intake is not None),
    )


def _why(row: Any) -> list[str]:
    reasons = []
    if row.missing_skills:
        reasons.append(f"missing {', '.join(row.missing_skills)}")
    reasons.extend(row.red_flags)
    return reasons


def _experience(years: int | None, intake: IntakeContent | None) -> str:
    if intake is None or intake.experience.min_years is None:
        return "The intake sets no minimum years of experience."
    wanted = intake.experience.min_years
    if years is None:
        return f"The intake asks for {wanted}+ years; the profile does not say how many the candidate has."
    if years >= wanted:
        return f"{years} years of experience meets the {wanted} the intake asks for."
    negotiable = next(
        (n.flexibility for n in intake.negotiables if n.variable == "years_experience"), None
    )
    note = f" Years are negotiable: {negotiable}." if negotiable else ""
    return f"{years} years of experience is below the {wanted} the intake asks for.{note}"


def _summary(
    name: str,
    must: list[SkillFit],
    experience: str,
    flags: list[RedFlagFit],
    close: list[Resemblance],
    has_intake: bool,
) -> str:
    if not has_intake:
        return f"The role has no agreed intake yet, so {name} cannot be checked against it."
    met = [m.skill for m in must if m.status == "met"]
    missing = [m.skill for m in must if m.status == "missing"]
    unknown = [m.skill for m in must if m.status == "unknown"]
    parts = [f"{name} meets {len(met)} of {len(must)} must-have skills"]
    if missing:
        parts[-1] += f" (missing {', '.join(missing)})"
    if unknown:
        parts[-1] += f" ({', '.join(unknown)} unknown)"
    parts[-1] += "."
    parts.append(experience)
    applying = [f.red_flag for f in flags if f.applies]
    if applying:
        parts.append(f"Learned red flags that may apply: {', '.join(applying)}.")
    if close:
        parts.append(
            f"Closely resembles {len(close)} past rejection(s): {', '.join(r.candidate_name for r in close)}."
        )
    return " ".join(parts)
