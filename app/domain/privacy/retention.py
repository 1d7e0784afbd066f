"""Retention: the periodic jobs that anonymise candidates past their organization's period and
purge what is not a candidate's own record once it is old enough.

- `privacy.retention` (hourly): every candidate whose last activity (their profile, any of
  their applications, or a move of one) is older than the organization's
  `candidate_retention_months` is erased through `erasure.erase_candidate`, reason
  `retention`, with no actor. At most `BATCH` candidates a run, so a first run on a large
  backlog is spread over several hours instead of one long transaction.
- `privacy.purge` (hourly): events older than `HIRELOOP_RETENTION_EVENTS_DAYS` (already fanned
  out; their deliveries, attempts and pushes go with them), webhook attempts older than
  `HIRELOOP_RETENTION_WEBHOOK_ATTEMPTS_DAYS`, notifications no longer pending older than
  `HIRELOOP_RETENTION_NOTIFICATIONS_DAYS` (with their local .eml copies) and audit entries older
  than `HIRELOOP_RETENTION_AUDIT_DAYS`. 0 keeps that kind forever. Expired idempotency records
  are purged by `idempotency.purge`.

Both are system jobs across every organization and safe to run twice: an erased candidate has
an erasure row and is not picked again, and a purge deletes what is still there.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.audit import repository as audit_repo
from app.domain.privacy import erasure, repository

BATCH = 200


def _system_actor(organization_id: uuid.UUID) -> Actor:
    """Acting for the organization itself: recorded as no actor (events and audit say None)."""
    return Actor(
        member_id=uuid.UUID(int=0),
        organization_id=organization_id,
        permission_set=PermissionSet.admin,
        email="",
        name="retention",
    )


async def anonymise_expired(session: AsyncSession) -> int:
    due = await repository.past_retention(session, utcnow(), BATCH)
    storage = erasure.default_storage(session)
    for organization_id, candidate_id in due:
        await erasure.erase_candidate(
            session,
            _system_actor(organization_id),
            candidate_id,
            "retention",
            source="retention",
            storage=storage,
            check_permission=False,
        )
    return len(due)


async def purge(session: AsyncSession) -> dict[str, int]:
    settings = settings_of(session)
    now = utcnow()
    done: dict[str, int] = {}
    if settings.retention_events_days:
        done["events"] = await repository.purge_older(
            session,
            "events",
            "occurred_at",
            now - timedelta(days=settings.retention_events_days),
            "AND dispatched_at IS NOT NULL",
        )
    if settings.retention_webhook_attempts_days:
        done["webhook_attempts"] = await repository.purge_older(
            session,
            "webhook_attempts",
            "attempted_at",
            now - timedelta(days=settings.retention_webhook_attempts_days),
        )
    if settings.retention_notifications_days:
        ids = await repository.purge_notifications(
            session, now - timedelta(days=settings.retention_notifications_days)
        )
        done["notifications"] = len(ids)
        mail = settings.data_dir / "mail"
        await asyncio.to_thread(erasure.unlink_mail, mail, ids)
    if settings.retention_audit_days:
        done["audit_entries"] = await audit_repo.purge_before(
            session, now - timedelta(days=settings.retention_audit_days)
        )
    return done
