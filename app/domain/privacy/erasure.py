"""Erasing a candidate (GDPR Art. 17).

One function, `erase_candidate`, used by REST, GraphQL, an erasure arriving from an ATS, and
the retention job. Afterwards nothing Hireloop keeps identifies the person: their profile is
blanked (the row stays as an anonymous tombstone so that the organization's statistics keep
their counts), their documents are deleted with their bytes, free text about them is removed,
past events about them are reduced to ids, and the messages that named them are deleted with
their local .eml copies. docs/privacy.md has the table of what is erased and what is kept.
"""

from __future__ import annotations

import asyncio
import html
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import settings_of
from app.domain.audit import service as audit
from app.domain.events import service as events
from app.domain.organizations import repository as organizations
from app.domain.privacy import repository
from app.domain.privacy.models import CandidateErasure
from app.domain.privacy.schemas import ErasureForwarding, ErasurePublic
from app.errors import Conflict, NotFound, PermissionDenied
from app.integrations.storage import DocumentStorage, LocalFolderStorage

# Vendors whose API can erase a candidate; the others are listed in the connection's health as
# "to do by hand" (docs/privacy.md#ats-forwarding).
FORWARDED_PROVIDERS = frozenset({"greenhouse"})

# Shorter names are not searched for as text (they would match unrelated words); the records
# about such a person are still found through their ids.
MIN_NAME_NEEDLE = 4


def default_storage(session: AsyncSession) -> DocumentStorage:
    """The store the web processes use, for callers without one (the worker's jobs)."""
    return LocalFolderStorage(settings_of(session).data_dir / "documents")


def _needles(row: dict[str, Any]) -> list[str]:
    found = [str(row["email"])]
    name = str(row["name"]).strip()
    if len(name) >= MIN_NAME_NEEDLE:
        found += [name, html.escape(name)]
    if row["phone"]:
        found.append(str(row["phone"]))
    return [n for n in found if n]


async def may_erase(session: AsyncSession, actor: Actor) -> None:
    if actor.permission_set is PermissionSet.admin:
        return
    if actor.permission_set is PermissionSet.recruiter:
        org = await organizations.get_organization(session, actor.organization_id)
        if org is not None and org.recruiters_may_erase:
            return
        raise PermissionDenied("Only admins may erase candidates in this organization")
    actor.require(PermissionSet.admin, PermissionSet.recruiter)


async def erase_candidate(
    session: AsyncSession,
    actor: Actor,
    candidate_id: uuid.UUID,
    reason: str,
    *,
    source: str = "api",
    storage: DocumentStorage | None = None,
    connection_id: uuid.UUID | None = None,
    check_permission: bool = True,
) -> ErasurePublic:
    """Erase the candidate in the caller's transaction. Document bytes and local mail copies
    are removed after the rows (a later failure to commit leaves rows whose bytes are gone,
    and a retry erases again: the person is never left half-identified)."""
    if check_permission:
        await may_erase(session, actor)
    org = actor.organization_id
    row = await repository.lock_candidate(session, org, candidate_id)
    if row is None:
        raise NotFound("candidate", candidate_id)
    if row["erasure_id"] is not None:
        raise Conflict("The candidate is already erased")
    subject = await repository.gather(session, org, candidate_id, _needles(row))
    refs = await repository.external_candidate_refs(session, org, candidate_id)
    done = await repository.erase_rows(session, org, subject, connection_id)
    now = utcnow()
    session.add(
        CandidateErasure(
            organization_id=org,
            candidate_id=candidate_id,
            reason=reason,
            source=source,
            erased_by_id=actor.member_id if source != "retention" else None,
            connection_id=connection_id,
            erased_at=now,
        )
    )
    forwarding = [
        ErasureForwarding(
            connection_id=r["connection_id"],
            provider=r["provider"],
            forwarded=r["provider"] in FORWARDED_PROVIDERS,
        )
        for r in refs
        if r["connection_id"] != connection_id  # it came from there: nothing to forward
    ]
    events.record(
        session,
        org,
        actor if source != "retention" else None,
        "candidate.erased",
        "candidate",
        candidate_id,
        {
            "candidate_id": str(candidate_id),
            "application_ids": [str(a) for a in subject.application_ids],
            "external_refs": [
                {"connection_id": str(r["connection_id"]), "external_id": r["external_id"]}
                for r in refs
                if r["connection_id"] != connection_id
            ],
        },
    )
    audit.record(
        session,
        org,
        actor if source != "retention" else None,
        "candidate.erased",
        "candidate",
        candidate_id,
        {
            "reason": reason,
            "source": source,
            "application_ids": [str(a) for a in subject.application_ids],
            **({"connection_id": str(connection_id)} if connection_id else {}),
        },
    )
    await session.flush()
    store = storage or default_storage(session)
    await asyncio.gather(*(store.delete(key) for key in done["storage_keys"]))
    mail = settings_of(session).data_dir / "mail"
    await asyncio.to_thread(unlink_mail, mail, done["notification_ids"])
    return ErasurePublic(
        candidate_id=candidate_id,
        reason=reason,
        source=source,
        erased_at=now,
        counts={k: int(v) for k, v in done["counts"].items()},
        ats=forwarding,
    )


def unlink_mail(folder: Path, notification_ids: list[uuid.UUID]) -> None:
    for notification_id in notification_ids:
        (folder / f"{notification_id}.eml").unlink(missing_ok=True)
