"""The rows Hireloop's services write for the pipeline, calibration, interviews and feedback,
made in memory so the bench can COPY thousands of them in seconds.

Each method mirrors one service call (named in its docstring) at an explicit time: the same
rows, columns, defaults, history and outbox events, validated by the service's own input
schemas and rules where they are importable (`next_state`, `_check_skills`, `_check_ratings`).
The periodic jobs are mirrored too (`complete`, `remind`, `flag`), so seeded data is in the
steady state a running service leaves behind and its jobs find nothing to do during the load.
`bench.fidelity` runs the real services for one small flow on every bench run and compares
their rows with this module's, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from app.domain.applications.pipeline import next_state
from app.domain.applications.service import _EVENT_FOR_ACTION
from app.domain.availability.schemas import BusyBlockCreate
from app.domain.calibration.schemas import DecisionCreate
from app.domain.calibration.slates import SENDABLE_STAGES, _check_skills
from app.domain.candidates.schemas import CandidateCreate
from app.domain.events.catalogue import CATALOGUE
from app.domain.feedback.schemas import ScorecardWrite
from app.domain.feedback.scorecards import _check_ratings
from app.domain.interviews.service import SCHEDULABLE_STAGES
from app.domain.roles.schemas import IntakeContent
from app.ids import new_id

Row = dict[str, Any]

# Columns stored as JSONB: dumped to text for COPY, compared as values by bench.fidelity.
JSON_COLUMNS: dict[str, frozenset[str]] = {
    "candidates": frozenset({"links"}),
    "slate_decisions": frozenset({"missing_skills", "red_flags", "categories"}),
    "interviews": frozenset({"calendar_event_ids"}),
    "scorecards": frozenset({"ratings"}),
    "scorecard_revisions": frozenset({"ratings"}),
    "events": frozenset({"data"}),
}

# Parents before children, so COPY never meets a missing foreign key.
TABLE_ORDER = (
    "candidates",
    "applications",
    "application_transitions",
    "slates",
    "slate_items",
    "slate_decisions",
    "busy_blocks",
    "interviews",
    "interview_participants",
    "scorecards",
    "scorecard_revisions",
    "feedback_reminders",
    "awaiting_outcome_flags",
    "events",
)

# Columns the database fills and the services never set (a server default): the bench leaves
# them out of COPY and bench.fidelity leaves them out of the comparison. Every other column of
# a table the bench writes must be in its rows (`check_columns`).
DATABASE_FILLED: dict[str, frozenset[str]] = {
    "events": frozenset({"tx_seq"}),  # the writing transaction's id
}

# Where the rows of each table are made, for the message when a table gains a column.
MADE_IN: dict[str, str] = {
    "roles": "bench/seed.py (_rows)",
    "intake_revisions": "bench/seed.py (_rows)",
    "events": "bench/flows.py (event_row)",
}


class SchemaDrift(RuntimeError):
    """A table the bench writes has columns the bench does not write, or lacks some it does."""


async def check_columns(conn: asyncpg.Connection, table: str, columns: Sequence[str]) -> None:
    """Before a COPY: the bench writes every column of `table` but those the database fills.

    A migration that adds a column to a table the bench seeds stops the bench here, naming the
    column, rather than leaving it NULL in every seeded row. Tables the bench does not write are
    never looked at, so new tables need nothing from the bench.
    """
    found = await conn.fetch(
        "SELECT column_name, column_default IS NOT NULL OR is_identity = 'YES' "
        "OR is_generated = 'ALWAYS' AS filled "
        "FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    if not found:
        raise SchemaDrift(f"the bench writes table {table}, which the database does not have")
    existing = {r["column_name"]: bool(r["filled"]) for r in found}
    left = DATABASE_FILLED.get(table, frozenset())
    written = set(columns)
    where = MADE_IN.get(table, f"bench/flows.py (the Flows method that adds {table} rows)")
    problems = []
    missing = [c for c in existing if c not in written and c not in left]
    if missing:
        problems.append(
            f"{', '.join(f'{table}.{c}' for c in missing)}: in the table, not in the rows the "
            f"bench writes. Add it to the rows made in {where} with the value the service "
            "writes (bench.fidelity compares them), or, if the database fills it and the "
            "service never sets it, to DATABASE_FILLED in bench/flows.py"
        )
    unknown = sorted(written - set(existing))
    if unknown:
        problems.append(
            f"{', '.join(f'{table}.{c}' for c in unknown)}: written by the bench, not in the "
            f"table. Remove it from the rows made in {where}"
        )
    undefaulted = sorted(c for c in left if c in existing and not existing[c])
    if undefaulted:
        problems.append(
            f"{', '.join(f'{table}.{c}' for c in undefaulted)}: left to the database by "
            "DATABASE_FILLED in bench/flows.py, but it has no default there. The bench must "
            "write it"
        )
    if problems:
        raise SchemaDrift(
            "the schema changed under the bench's seeding:\n  " + "\n  ".join(problems)
        )


def event_row(
    at: datetime,
    organization_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    type: str,
    resource_type: str,
    resource_id: uuid.UUID,
    data: dict[str, Any],
) -> Row:
    """The outbox row events.service.record adds (`data` as a value; COPY dumps it)."""
    if type not in CATALOGUE:
        raise ValueError(f"event type {type} is not in the catalogue")
    return {
        "id": new_id(),
        "organization_id": organization_id,
        "type": type,
        "occurred_at": at,
        "actor_member_id": actor_id,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "data": data,
        # Set by the worker once it fans the event out; the service writes none.
        "dispatched_at": None,
        # Set only for a change applied from an ATS connection; the bench replays none.
        "origin_connection_id": None,
    }


@dataclass(frozen=True)
class RoleInfo:
    id: uuid.UUID
    organization_id: uuid.UUID
    recruiter_id: uuid.UUID
    hiring_manager_id: uuid.UUID
    intake: IntakeContent


class Flows:
    """Rows of one or more organizations, table by table, in the order the services add them."""

    def __init__(self) -> None:
        self.tables: dict[str, list[Row]] = defaultdict(list)
        self._slate_items: dict[uuid.UUID, list[Row]] = {}
        self._decided: dict[uuid.UUID, dict[uuid.UUID, str]] = defaultdict(dict)
        self._candidates: dict[uuid.UUID, Row] = {}
        self._applications: dict[uuid.UUID, Row] = {}
        self._participants: dict[uuid.UUID, list[Row]] = defaultdict(list)

    def _add(self, table: str, row: Row) -> Row:
        self.tables[table].append(row)
        return row

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())

    def event(
        self,
        at: datetime,
        organization_id: uuid.UUID,
        actor_id: uuid.UUID | None,
        type: str,
        resource_type: str,
        resource_id: uuid.UUID,
        data: dict[str, Any],
    ) -> Row:
        """events.service.record"""
        return self._add(
            "events",
            event_row(at, organization_id, actor_id, type, resource_type, resource_id, data),
        )

    # Candidates and applications -----------------------------------------------------------

    def candidate(
        self, at: datetime, organization_id: uuid.UUID, actor_id: uuid.UUID, data: dict[str, Any]
    ) -> Row:
        """candidates.service.create_candidate"""
        c = CandidateCreate.model_validate(data)
        values = c.model_dump(exclude={"email", "links"})
        row = self._add(
            "candidates",
            {
                "id": new_id(),
                "organization_id": organization_id,
                "name": values["name"],
                "email": str(c.email).lower(),
                "phone": values["phone"],
                "location": values["location"],
                "time_zone": values["time_zone"],
                "links": c.links.model_dump(mode="json"),
                "current_title": values["current_title"],
                "current_company": values["current_company"],
                "years_experience": values["years_experience"],
                "skills": values["skills"],
                "skill_keys": [s.casefold() for s in c.skills],
                "source": values["source"],
                "source_detail": values["source_detail"],
                "consent_given": values["consent_given"],
                "consent_at": at if c.consent_given else None,
                "consent_note": values["consent_note"],
                "version": 1,
                "created_at": at,
                "updated_at": at,
            },
        )
        self._candidates[row["id"]] = row
        self.event(
            at,
            organization_id,
            actor_id,
            "candidate.created",
            "candidate",
            row["id"],
            {"candidate_id": str(row["id"]), "source": row["source"]},
        )
        return row

    def application(
        self, at: datetime, actor_id: uuid.UUID, candidate: Row, role: RoleInfo, stage: str
    ) -> Row:
        """applications.service.create_application"""
        org = role.organization_id
        row = self._add(
            "applications",
            {
                "id": new_id(),
                "organization_id": org,
                "candidate_id": candidate["id"],
                "role_id": role.id,
                "stage": stage,
                "outcome": "active",
                "stage_entered_at": at,
                "screening_notes": None,
                "recruiter_assessment": None,
                "recruiter_rating": None,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            },
        )
        self._applications[row["id"]] = row
        self._transition_row(
            at, row, actor_id, "create", None, stage, None, "active", "Application created"
        )
        self.event(
            at,
            org,
            actor_id,
            "application.created",
            "application",
            row["id"],
            {
                "application_id": str(row["id"]),
                "candidate_id": str(candidate["id"]),
                "role_id": str(role.id),
                "stage": stage,
            },
        )
        return row

    def _transition_row(
        self,
        at: datetime,
        application: Row,
        actor_id: uuid.UUID | None,
        action: str,
        from_stage: str | None,
        to_stage: str,
        from_outcome: str | None,
        to_outcome: str,
        reason: str,
    ) -> None:
        self._add(
            "application_transitions",
            {
                "id": new_id(),
                "organization_id": application["organization_id"],
                "application_id": application["id"],
                "action": action,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "from_outcome": from_outcome,
                "to_outcome": to_outcome,
                "reason": reason,
                "actor_member_id": actor_id,
                "created_at": at,
            },
        )

    def transition(
        self,
        at: datetime,
        actor_id: uuid.UUID,
        application: Row,
        action: str,
        to_stage: str | None,
        reason: str,
    ) -> None:
        """applications.service.apply_transition"""
        result = next_state(application["stage"], application["outcome"], action, to_stage)
        if result is None:
            raise ValueError(
                f"illegal move: {action} {to_stage} at {application['stage']} ({application['outcome']})"
            )
        stage, outcome = result
        self._transition_row(
            at,
            application,
            actor_id,
            action,
            application["stage"],
            stage,
            application["outcome"],
            outcome,
            reason,
        )
        previous_stage = application["stage"]
        if stage != application["stage"]:
            application["stage_entered_at"] = at
        application["stage"], application["outcome"] = stage, outcome
        application["version"] += 1
        application["updated_at"] = at
        event_type = "application.hired" if outcome == "hired" else _EVENT_FOR_ACTION[action]
        self.event(
            at,
            application["organization_id"],
            actor_id,
            event_type,
            "application",
            application["id"],
            {
                "application_id": str(application["id"]),
                "role_id": str(application["role_id"]),
                "from_stage": previous_stage,
                "to_stage": stage,
                "outcome": outcome,
                "reason": reason,
            },
        )

    # Calibration ---------------------------------------------------------------------------

    def slate(
        self,
        at: datetime,
        actor_id: uuid.UUID,
        role: RoleInfo,
        items: list[tuple[Row, str | None]],
        note: str | None = None,
    ) -> Row:
        """calibration.slates.create_slate (applications with their optional question)"""
        for application, _ in items:
            if application["stage"] not in SENDABLE_STAGES or application["outcome"] != "active":
                raise ValueError(f"application at {application['stage']} cannot go on a slate")
        slate = self._add(
            "slates",
            {
                "id": new_id(),
                "organization_id": role.organization_id,
                "role_id": role.id,
                "status": "draft",
                "note": note,
                "due_at": None,
                "created_by_id": actor_id,
                "sent_by_id": None,
                "sent_at": None,
                "reviewed_at": None,
                "version": 1,
                "created_at": at,
            },
        )
        self._slate_items[slate["id"]] = [
            self._add(
                "slate_items",
                {
                    "id": new_id(),
                    "organization_id": role.organization_id,
                    "slate_id": slate["id"],
                    "application_id": application["id"],
                    "position": position,
                    "question": question,
                    "created_at": at,
                },
            )
            for position, (application, question) in enumerate(items, start=1)
        ]
        return slate

    def items(self, slate: Row) -> list[Row]:
        return self._slate_items[slate["id"]]

    def send(
        self, at: datetime, actor_id: uuid.UUID, slate: Row, role: RoleInfo, due_at: datetime
    ) -> None:
        """calibration.slates.send_slate"""
        applications = [self._applications[i["application_id"]] for i in self.items(slate)]
        reason = f"Sent to the hiring manager on slate {slate['id']}"
        for application in applications:
            if application["stage"] in ("sourced", "screening"):
                self.transition(at, actor_id, application, "move", "submitted", reason)
            self.transition(at, actor_id, application, "move", "hm_review", reason)
        slate.update(status="sent", sent_at=at, sent_by_id=actor_id, due_at=due_at)
        slate["version"] += 1
        self.event(
            at,
            role.organization_id,
            actor_id,
            "slate.sent",
            "slate",
            slate["id"],
            {
                "slate_id": str(slate["id"]),
                "role_id": str(role.id),
                "hiring_manager_id": str(role.hiring_manager_id),
                "application_ids": [str(a["id"]) for a in applications],
                "due_at": due_at.isoformat(),
            },
        )

    def decide(
        self,
        at: datetime,
        actor_id: uuid.UUID,
        slate: Row,
        item: Row,
        role: RoleInfo,
        data: dict[str, Any],
    ) -> Row:
        """calibration.slates.decide (a first decision, not a revision)"""
        if slate["status"] == "draft" or item["id"] in self._decided[slate["id"]]:
            raise ValueError("the slate is not sent, or the item already has a decision")
        d = DecisionCreate.model_validate(data)
        missing = _check_skills(role.intake, d.reasons.missing_skills)
        application = self._applications[item["application_id"]]
        row = self._add(
            "slate_decisions",
            {
                "id": new_id(),
                "organization_id": role.organization_id,
                "role_id": role.id,
                "slate_id": slate["id"],
                "slate_item_id": item["id"],
                "application_id": application["id"],
                "decision": d.decision,
                "missing_skills": missing,
                "red_flags": list(dict.fromkeys(d.reasons.red_flags)),
                "categories": list(dict.fromkeys(d.reasons.categories)),
                "note": d.reasons.note,
                "waitlist_question": d.waitlist_question,
                "answer": d.answer,
                # The bench's decisions are first decisions: no follow-up settled them.
                "settled_by_follow_up_id": None,
                "decided_by_id": actor_id,
                "is_current": True,
                "revision": 1,
                "created_at": at,
            },
        )
        reason = f"Hiring manager decided {d.decision} on slate {slate['id']}"
        if d.decision in ("approve", "waitlist") and application["outcome"] in (
            "rejected",
            "withdrawn",
        ):
            self.transition(at, actor_id, application, "reopen", None, reason)
        active = application["outcome"] == "active"
        if d.decision == "approve" and active and application["stage"] == "hm_review":
            self.transition(at, actor_id, application, "move", "interviewing", reason)
        if d.decision == "reject" and active and application["stage"] != "hired":
            self.transition(at, actor_id, application, "reject", None, reason)
        self.event(
            at,
            role.organization_id,
            actor_id,
            "application.reviewed",
            "application",
            application["id"],
            {
                "application_id": str(application["id"]),
                "slate_id": str(slate["id"]),
                "decision": d.decision,
                "revision": 1,
                "settled_by_follow_up_id": None,
            },
        )
        decided = self._decided[slate["id"]]
        decided[item["id"]] = d.decision
        if slate["status"] == "sent" and len(decided) == len(self.items(slate)):
            slate["status"], slate["reviewed_at"] = "reviewed", at
            counts = {
                k: sum(1 for v in decided.values() if v == k)
                for k in ("approve", "reject", "waitlist")
            }
            self.event(
                at,
                role.organization_id,
                actor_id,
                "slate.reviewed",
                "slate",
                slate["id"],
                {
                    "slate_id": str(slate["id"]),
                    "role_id": str(role.id),
                    "approved": counts["approve"],
                    "rejected": counts["reject"],
                    "waitlisted": counts["waitlist"],
                },
            )
        slate["version"] += 1
        return row

    # Availability and interviews -----------------------------------------------------------

    def busy_block(
        self, at: datetime, organization_id: uuid.UUID, member_id: uuid.UUID, data: dict[str, Any]
    ) -> Row:
        """availability.service.add_busy_block"""
        b = BusyBlockCreate.model_validate(data)
        return self._add(
            "busy_blocks",
            {
                "id": new_id(),
                "organization_id": organization_id,
                "member_id": member_id,
                "start_at": b.start_at,
                "end_at": b.end_at,
                "source": b.source,
                "external_id": b.external_id,
                "title": b.title,
                # Only a block mirrored from a connected calendar has these; one added through
                # the API (as every bench block is) has none and is not tentative.
                "calendar_id": None,
                "uid": None,
                "recurrence_id": None,
                "remote_id": None,
                "tentative": False,
                "synced_at": None,
                "created_at": at,
            },
        )

    def interview(
        self,
        at: datetime,
        actor_id: uuid.UUID,
        application: Row,
        kind: str,
        start: datetime,
        end: datetime,
        interviewer_ids: list[uuid.UUID],
        time_zone: str | None = None,
        video_url: str | None = None,
    ) -> Row:
        """interviews.service.schedule, one slot (no candidate windows: the zone defaults to the
        candidate's)"""
        if application["stage"] not in SCHEDULABLE_STAGES or application["outcome"] != "active":
            raise ValueError(
                "only an active application at interviewing or decision is interviewed"
            )
        org = application["organization_id"]
        candidate = self._candidates[application["candidate_id"]]
        time_zone = time_zone or candidate["time_zone"] or "UTC"
        interview_id = new_id()
        row = self._add(
            "interviews",
            {
                "id": interview_id,
                "organization_id": org,
                "application_id": application["id"],
                "role_id": application["role_id"],
                "kind": kind,
                "start_at": start,
                "end_at": end,
                "time_zone": time_zone,
                "location": None,
                "video_url": video_url,
                "status": "scheduled",
                "status_reason": None,
                "organizer_id": actor_id,
                "ical_uid": f"{interview_id}@hireloop",
                "ical_sequence": 0,
                "calendar_event_ids": {},
                "pool_id": None,
                "replacements": 0,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            },
        )
        for member_id in interviewer_ids:
            self._participants[interview_id].append(
                self._add(
                    "interview_participants",
                    {
                        "id": new_id(),
                        "organization_id": org,
                        "interview_id": interview_id,
                        "member_id": member_id,
                        "response": "needs_action",
                        "responded_at": None,
                        "seat": "interviewer",
                        "created_at": at,
                    },
                )
            )
        self.event(
            at,
            org,
            actor_id,
            "interview.scheduled",
            "interview",
            interview_id,
            {
                "interview_id": str(interview_id),
                "application_id": str(application["id"]),
                "kind": kind,
                "start_at": start.isoformat(),
                "end_at": end.isoformat(),
                "interviewer_ids": [str(m) for m in interviewer_ids],
                "status": "scheduled",
            },
        )
        return row

    def respond(self, at: datetime, member_id: uuid.UUID, interview: Row, response: str) -> None:
        """interviews.service.respond"""
        mine = next(p for p in self._participants[interview["id"]] if p["member_id"] == member_id)
        mine["response"], mine["responded_at"] = response, at
        self.event(
            at,
            interview["organization_id"],
            member_id,
            "interview.responded",
            "interview",
            interview["id"],
            {
                "interview_id": str(interview["id"]),
                "member_id": str(member_id),
                "response": response,
            },
        )

    def complete(self, at: datetime, interview: Row) -> None:
        """interviews.service.complete_past_interviews (the periodic job), for one interview"""
        if interview["status"] != "scheduled" or interview["end_at"] >= at:
            raise ValueError("only a scheduled interview that has ended is completed")
        interview["status"], interview["updated_at"] = "completed", at
        interview["version"] += 1
        self.event(
            at,
            interview["organization_id"],
            None,
            "interview.completed",
            "interview",
            interview["id"],
            {
                "interview_id": str(interview["id"]),
                "application_id": str(interview["application_id"]),
                "status": "completed",
            },
        )

    # Feedback ------------------------------------------------------------------------------

    def scorecard(
        self,
        at: datetime,
        member_id: uuid.UUID,
        interview: Row,
        intake: IntakeContent,
        data: dict[str, Any],
    ) -> Row:
        """feedback.scorecards.write_scorecard (a first submission)"""
        if interview["start_at"] > at or interview["status"] == "cancelled":
            raise ValueError("a scorecard is submitted after the interview took place")
        w = ScorecardWrite.model_validate({**data, "submit": True})
        ratings = _check_ratings(intake, w.ratings)
        org = interview["organization_id"]
        card = self._add(
            "scorecards",
            {
                "id": new_id(),
                "organization_id": org,
                "interview_id": interview["id"],
                "application_id": interview["application_id"],
                "role_id": interview["role_id"],
                "interviewer_id": member_id,
                "status": "submitted",
                "recommendation": w.recommendation,
                "ratings": ratings,
                "reasons": w.reasons,
                "submitted_at": at,
                "first_submitted_at": at,
                "revision": 1,
                "version": 1,  # a new scorecard; later writes raise it
                "created_at": at,
                "updated_at": at,
            },
        )
        self._add(
            "scorecard_revisions",
            {
                "id": new_id(),
                "organization_id": org,
                "scorecard_id": card["id"],
                "revision": 1,
                "recommendation": w.recommendation,
                "ratings": ratings,
                "reasons": w.reasons,
                "submitted_by_id": member_id,
                "created_at": at,
            },
        )
        self.event(
            at,
            org,
            member_id,
            "feedback.submitted",
            "interview",
            interview["id"],
            {
                "interview_id": str(interview["id"]),
                "application_id": str(interview["application_id"]),
                "scorecard_id": str(card["id"]),
                "interviewer_id": str(member_id),
                "recommendation": w.recommendation,
                "revision": 1,
            },
        )
        return card

    def remind(self, at: datetime, interview: Row, member_id: uuid.UUID, kind: str) -> None:
        """feedback.scorecards.feedback_reminders (the periodic job), for one interviewer"""
        org = interview["organization_id"]
        self._add(
            "feedback_reminders",
            {
                "id": new_id(),
                "organization_id": org,
                "interview_id": interview["id"],
                "member_id": member_id,
                "kind": kind,
                "created_at": at,
            },
        )
        self.event(
            at,
            org,
            None,
            f"feedback.{kind}",
            "interview",
            interview["id"],
            {"interview_id": str(interview["id"]), "interviewer_id": str(member_id)},
        )

    def flag(self, at: datetime, application: Row) -> None:
        """feedback.closing.flag_at_risk (the periodic job), for one application"""
        org = application["organization_id"]
        self._add(
            "awaiting_outcome_flags",
            {
                "id": new_id(),
                "organization_id": org,
                "application_id": application["id"],
                "created_at": at,
            },
        )
        self.event(
            at,
            org,
            None,
            "candidate.awaiting_outcome",
            "application",
            application["id"],
            {"application_id": str(application["id"])},
        )

    # Writing -------------------------------------------------------------------------------

    def records(self, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Columns and value tuples for COPY, JSONB columns as their text."""
        rows = self.tables[table]
        columns = list(rows[0])
        dumped = JSON_COLUMNS.get(table, frozenset())
        positions = [i for i, c in enumerate(columns) if c in dumped]
        records = []
        for row in rows:
            values = list(row.values())
            for i in positions:
                values[i] = json.dumps(values[i])
            records.append(tuple(values))
        return columns, records
