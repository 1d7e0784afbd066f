"""Our changes owed to the ATS a record came from.

Planned in the worker's fan-out: an event about an application that is linked to an active
connection becomes one push row per (connection, event, kind). The push is built when it is
sent, from the records as they are then, so a retry never sends stale data. A change that came
from a connection (events.origin_connection_id) is never planned back to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.events.repository import OutboxEvent
from app.domain.integrations import repository
from app.domain.integrations.models import Connection, OutboundPush
from app.integrations.ats.base import (
    ErasurePush,
    HirePush,
    InterviewPush,
    Push,
    RejectionPush,
    ScorecardPush,
    StagePush,
)

# Our event type -> the kind of push it causes.
PUSHED: dict[str, str] = {
    "application.moved": "stage",
    "application.reopened": "stage",
    "application.rejected": "rejection",
    "application.hired": "hire",
    "feedback.submitted": "scorecard",
    "interview.scheduled": "interview",
    "interview.rescheduled": "interview",
    "interview.cancelled": "interview",
    # application.decided is not pushed: a rejection decision also records
    # application.rejected, which carries the move (one push, not two).
}


async def plan(session: AsyncSession, events: Sequence[OutboxEvent]) -> int:
    """Create the pushes these events cause, in the fan-out's transaction."""
    erasures = await _plan_erasures(session, [e for e in events if e.type == "candidate.erased"])
    wanted = [e for e in events if e.type in PUSHED and "application_id" in e.data]
    if not wanted:
        return erasures
    application_ids = list({uuid.UUID(str(e.data["application_id"])) for e in wanted})
    links = await repository.linked(session, "application", application_ids)
    rows: list[dict[str, Any]] = []
    for event in wanted:
        application_id = uuid.UUID(str(event.data["application_id"]))
        for connection_id, external_id in links.get(application_id, []):
            if event.origin_connection_id == connection_id:
                continue  # it came from this connection: never echo it back
            rows.append(
                {
                    "organization_id": event.organization_id,
                    "connection_id": connection_id,
                    "event_id": event.id,
                    "kind": PUSHED[event.type],
                    "subject": external_id,
                    "payload": {
                        "event_type": event.type,
                        "application_external_id": external_id,
                        **event.data,
                    },
                }
            )
    return erasures + await repository.add_pushes(session, rows)


async def _plan_erasures(session: AsyncSession, events: Sequence[OutboxEvent]) -> int:
    """An erasure goes to every connection that knew the person (the event names their ids
    there): a push where the vendor's API can erase, otherwise a push row with status `manual`
    that the connection's health lists as to do by hand (docs/privacy.md#ats-forwarding)."""
    from app.domain.privacy.erasure import FORWARDED_PROVIDERS

    refs = [(e, r) for e in events for r in e.data.get("external_refs") or []]
    if not refs:
        return 0
    providers = await repository.connection_providers(
        session, list({uuid.UUID(str(r["connection_id"])) for _, r in refs})
    )
    rows: list[dict[str, Any]] = []
    for event, ref in refs:
        connection_id = uuid.UUID(str(ref["connection_id"]))
        provider = providers.get(connection_id)
        if provider is None or event.origin_connection_id == connection_id:
            continue
        forwarded = provider in FORWARDED_PROVIDERS
        rows.append(
            {
                "organization_id": event.organization_id,
                "connection_id": connection_id,
                "event_id": event.id,
                "kind": "erasure",
                "subject": str(ref["external_id"]),
                "status": "pending" if forwarded else "manual",
                "last_error": None
                if forwarded
                else f"{provider} has no erasure API: erase candidate "
                f"{ref['external_id']} there by hand",
                "payload": {
                    "event_type": event.type,
                    "candidate_external_id": str(ref["external_id"]),
                },
            }
        )
    return await repository.add_pushes(session, rows)


def _vendor_stages(connection: Connection, stage: str) -> list[str]:
    """Our stage in the vendor's words: every vendor stage the map sends to it, in map order
    (the adapter takes the first one the application's job has)."""
    return [name for name, ours in connection.stage_map.items() if ours == stage]


class Skip(Exception):
    """Nothing to send for this push (recorded with why)."""


async def build(session: AsyncSession, connection: Connection, push: OutboundPush) -> Push:
    data = push.payload
    if push.kind == "erasure":
        return ErasurePush(candidate_external_id=str(data["candidate_external_id"]))
    external_id = str(data["application_external_id"])
    org = connection.organization_id
    if push.kind == "stage":
        stages = _vendor_stages(connection, str(data.get("to_stage")))
        if not stages:
            raise Skip(f"our stage {data.get('to_stage')} has no vendor stage in the map")
        return StagePush(
            application_external_id=external_id,
            to_stage=stages[0],
            alternatives=tuple(stages[1:]),
        )
    if push.kind == "rejection":
        # The catalogued reason of the latest rejection decision, in the vendor's words when
        # the connection's map has them; the free-text reason goes along as the note.
        code = await repository.latest_rejection_code(
            session, org, uuid.UUID(str(data["application_id"]))
        )
        return RejectionPush(
            application_external_id=external_id,
            reason=_vendor_reason(connection, code)
            or _vendor_reason(connection, data.get("reason")),
            note=str(data.get("reason") or "") or None,
        )
    if push.kind == "hire":
        return HirePush(application_external_id=external_id)
    if push.kind == "scorecard":
        card = await repository.scorecard_for_push(
            session, org, uuid.UUID(str(data["scorecard_id"]))
        )
        if card is None:
            raise Skip("the scorecard is gone")
        return ScorecardPush(
            application_external_id=external_id,
            interviewer_email=card["email"],
            recommendation=card["recommendation"] or "no_decision",
            summary=card["reasons"] or "",
            submitted_at=card["submitted_at"],
        )
    if push.kind == "interview":
        interview = await repository.interview_for_push(
            session, org, uuid.UUID(str(data["interview_id"]))
        )
        if interview is None:
            raise Skip("the interview is gone")
        status = {
            "interview.scheduled": "scheduled",
            "interview.rescheduled": "rescheduled",
            "interview.cancelled": "cancelled",
        }[str(data["event_type"])]
        return InterviewPush(
            application_external_id=external_id,
            interview_id=str(interview["id"]),
            start_at=interview["start_at"],
            end_at=interview["end_at"],
            interviewer_emails=tuple(interview["emails"]),
            status=status,  # type: ignore[arg-type]
        )
    raise Skip(f"unknown push kind {push.kind}")


def _vendor_reason(connection: Connection, ours: object) -> str | None:
    """Our rejection reason (code or label) in the vendor's words, via the map read backwards."""
    if not ours:
        return None
    for vendor_name, our_code in connection.rejection_map.items():
        if our_code == ours:
            return vendor_name
    return None
