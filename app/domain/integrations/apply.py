"""Applying a vendor's changes to our records, through the same domain rules REST uses.

Matching: a vendor record is ours when an external ref links it; a candidate is otherwise
matched by email (one candidate per email per organization), then created. Jobs become roles,
applications are created at the stage the vendor holds.

Field ownership (docs/integrations.md): for records that came from a vendor, the vendor owns
the application's stage and outcome and the candidate's identity fields; we own everything
else (intake, slates, interviews, scorecards, decisions). A vendor stage change therefore sets
our stage even when our pipeline would not make that move itself.

Every event recorded here carries the connection as its origin (events.origin_connection_id),
so the push back to that vendor skips it: a change never echoes back to where it came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.actor import Actor, PermissionSet
from app.domain.applications import repository as applications_repo
from app.domain.applications import service as applications
from app.domain.applications.models import Application
from app.domain.candidates import lifecycle as candidates
from app.domain.candidates import repository as candidates_repo
from app.domain.candidates.models import Candidate
from app.domain.integrations import repository
from app.domain.integrations.models import Connection, ExternalRef
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo
from app.domain.roles import service as roles
from app.domain.roles.schemas import RoleCreate, RoleUpdate
from app.integrations.ats.base import (
    ApplicationSeen,
    CandidateAnonymized,
    CandidateDeleted,
    CandidatesMerged,
    Change,
    Hired,
    Ignored,
    OfferChanged,
    Rejected,
    StageChanged,
    VendorApplication,
    VendorCandidate,
    VendorJob,
)
from app.integrations.ats.registry import map_stage

OFFER_OR_LATER = ("offer", "hired")
# Offer statuses (any vendor's, lower-cased) that mean there is no live offer.
OFFER_GONE = frozenset(
    {
        "deleted",
        "declined",
        "rejected",
        "rescinded",
        "withdrawn",
        "cancelled",
        "canceled",
        "archived",
        "expired",
    }
)


class NotApplicable(Exception):
    """The change cannot be applied and retrying will not help (recorded as failed)."""


@dataclass
class Applied:
    created: int = 0
    updated: int = 0
    notes: list[str] | None = None

    def note(self, text: str) -> None:
        if self.notes is None:
            self.notes = []
        self.notes.append(text)


async def acting_for(session: AsyncSession, connection: Connection) -> Actor:
    """Changes from the vendor are made in the name of the admin who connected it."""
    member = None
    if connection.created_by_id is not None:
        member = await members_repo.get_member(
            session, connection.organization_id, connection.created_by_id
        )
    if member is None or not member.is_active:
        raise NotApplicable("the admin who created this connection is gone; recreate it")
    return Actor(
        member_id=member.id,
        organization_id=connection.organization_id,
        permission_set=PermissionSet.admin,
        email=member.email,
        name=member.name,
    )


def mark_origin(session: AsyncSession, connection: Connection) -> None:
    session.info["origin_connection_id"] = connection.id


# A page of an import links many records; their links are read in one statement first and
# kept here (session.info, so only for that page's transaction). None = known not linked.
_REFS = "ats_refs"
RefKey = tuple[str, str]  # (resource type, external id)


def _known(
    session: AsyncSession, connection: Connection
) -> dict[RefKey, ExternalRef | None] | None:
    cached = session.info.get(_REFS)
    if cached is None or cached[0] != connection.id:
        return None
    known: dict[RefKey, ExternalRef | None] = cached[1]
    return known


async def prefetch_refs(session: AsyncSession, connection: Connection, keys: list[RefKey]) -> None:
    """Read the links of a page's records at once; lookups below use them."""
    known: dict[RefKey, ExternalRef | None] = dict.fromkeys(keys)
    for ref in await repository.refs_by_external_ids(session, connection.id, keys):
        known[(ref.resource_type, ref.external_id)] = ref
    session.info[_REFS] = (connection.id, known)


def forget_refs(session: AsyncSession) -> None:
    """Back to reading links one by one (after a record failed and its savepoint rolled back,
    what was learnt since may be untrue)."""
    session.info.pop(_REFS, None)


async def _ref(
    session: AsyncSession, connection: Connection, resource_type: str, external_id: str
) -> ExternalRef | None:
    known = _known(session, connection)
    if known is not None and (resource_type, external_id) in known:
        return known[(resource_type, external_id)]
    return await repository.find_by_external_id(
        session, connection.organization_id, connection.id, resource_type, external_id
    )


async def _unlink(session: AsyncSession, connection: Connection, ref: ExternalRef) -> None:
    """Forget a link whose record is gone here (erased, merged away) while the vendor still
    has it, so its id can be linked to the record made or matched now."""
    await repository.delete_ref(session, ref.id)
    known = _known(session, connection)
    if known is not None:
        known[(ref.resource_type, ref.external_id)] = None


async def _link(
    session: AsyncSession,
    connection: Connection,
    resource_type: str,
    resource_id: uuid.UUID,
    external_id: str,
) -> None:
    ref = await repository.upsert_ref(
        session,
        ExternalRef(
            organization_id=connection.organization_id,
            connection_id=connection.id,
            resource_type=resource_type,
            resource_id=resource_id,
            external_id=external_id,
        ),
    )
    known = _known(session, connection)
    if known is not None:
        # The upsert may have re-pointed the record's link from another external id.
        for key, value in list(known.items()):
            if value is not None and key[0] == resource_type and value.resource_id == resource_id:
                known[key] = None
        known[(resource_type, external_id)] = ref


async def ensure_role(
    session: AsyncSession, actor: Actor, connection: Connection, job: VendorJob, result: Applied
) -> uuid.UUID:
    ref = await _ref(session, connection, "role", job.external_id)
    if ref is not None:
        return ref.resource_id
    status = "closed" if (job.status or "").lower() in ("closed", "archived") else "open"
    role = await roles.create_role(
        session, actor, RoleCreate(title=job.title[:200] or "Imported job", status=status)
    )
    await _link(session, connection, "role", role.id, job.external_id)
    result.created += 1
    return role.id


def _email_for(connection: Connection, candidate: VendorCandidate) -> str:
    if candidate.email:
        return candidate.email.strip().lower()
    # Our candidates are unique per email; a vendor record without one gets a stable
    # placeholder in a reserved domain, so it can never reach a real inbox.
    return f"{connection.provider}-{candidate.external_id}@no-email.invalid".lower()


async def ensure_candidate(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    vendor: VendorCandidate,
    result: Applied,
) -> Candidate:
    org = connection.organization_id
    ref = await _ref(session, connection, "candidate", vendor.external_id)
    if ref is not None:
        found = await candidates_repo.get_candidate(session, org, ref.resource_id)
        if found is not None:
            return found
        await _unlink(session, connection, ref)
    email = _email_for(connection, vendor)
    candidate = await candidates_repo.find_by_email(session, org, email)
    if candidate is None:
        try:
            async with session.begin_nested():
                candidate = await candidates.import_candidate(
                    session,
                    actor,
                    name=vendor.name,
                    email=email,
                    phone=vendor.phone,
                    source_detail=f"{connection.provider}: {vendor.source}"
                    if vendor.source
                    else connection.provider,
                )
        except IntegrityError:
            # Created at the same moment by another delivery: use that one.
            candidate = await candidates_repo.find_by_email(session, org, email)
            if candidate is None:
                raise
        else:
            result.created += 1
    await _link(session, connection, "candidate", candidate.id, vendor.external_id)
    return candidate


async def ensure_application(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    vendor: VendorApplication,
    result: Applied,
) -> Application:
    org = connection.organization_id
    ref = await _ref(session, connection, "application", vendor.external_id)
    if ref is not None:
        found = await applications_repo.get_application(
            session, org, ref.resource_id, for_update=True
        )
        if found is not None:
            return found
        await _unlink(session, connection, ref)
    if vendor.job_external_id is None:
        raise NotApplicable(f"application {vendor.external_id} names no job")
    candidate = await ensure_candidate(session, actor, connection, vendor.candidate, result)
    role_id = await ensure_role(
        session,
        actor,
        connection,
        VendorJob(vendor.job_external_id, vendor.job_title or f"Job {vendor.job_external_id}"),
        result,
    )
    application = await applications_repo.find(session, org, candidate.id, role_id)
    if application is None:
        stage = map_stage(connection.stage_map, vendor.stage) or "sourced"
        if stage == "hired":
            stage = "offer"  # hired is an outcome too; align() below makes it so
        application = await applications.import_application(
            session, actor, candidate.id, role_id, stage, f"Imported from {connection.provider}"
        )
        result.created += 1
    else:
        locked = await applications_repo.get_application(
            session, org, application.id, for_update=True
        )
        assert locked is not None
        application = locked
    await _link(session, connection, "application", application.id, vendor.external_id)
    return application


async def align(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    application: Application,
    vendor: VendorApplication,
    result: Applied,
) -> None:
    """Make our application hold the vendor's stage and outcome."""
    stage = map_stage(connection.stage_map, vendor.stage)
    if vendor.stage and stage is None:
        result.note(f"stage {vendor.stage!r} is not in the stage map; stage kept")
    outcome = {"active": "active", "rejected": "rejected", "hired": "hired"}.get(
        vendor.status, "withdrawn"
    )
    if outcome == "hired":
        stage = "hired"
    target_stage = stage or application.stage
    reason = f"Changed in {connection.provider}"
    if outcome == "rejected":
        mapped = connection.rejection_map.get(vendor.rejection_reason or "")
        why = mapped or vendor.rejection_reason
        reason = f"Rejected in {connection.provider}" + (f": {why}" if why else "")
    if applications.align_with_system_of_record(
        session, actor, application, target_stage, outcome, reason
    ):
        result.updated += 1


async def upsert_application(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    vendor: VendorApplication,
    result: Applied,
) -> None:
    application = await ensure_application(session, actor, connection, vendor, result)
    await align(session, actor, connection, application, vendor, result)


async def apply_change(
    session: AsyncSession, actor: Actor, connection: Connection, change: Change, result: Applied
) -> bool:
    """Apply one change; False when it was deliberately not acted on (reason noted).

    One delivery may carry several changes (Ashby's candidateHire: the hire, then its accepted
    offer). Sessions do not autoflush, and the rows below are re-read `FOR UPDATE` with
    `populate_existing`, which would overwrite a change made by the previous one and not yet
    sent: the offer would then see the application as it was before the hire and move it back
    to `offer`. So what the previous change did is flushed first."""
    org = connection.organization_id
    await session.flush()
    match change:
        case ApplicationSeen(application=vendor) | StageChanged(application=vendor):
            await upsert_application(session, actor, connection, vendor, result)
        case Rejected(application=vendor):
            await upsert_application(
                session, actor, connection, _with_status(vendor, "rejected"), result
            )
        case Hired(application=vendor):
            await upsert_application(
                session, actor, connection, _with_status(vendor, "hired"), result
            )
        case OfferChanged(application_external_id=external_id, status=status):
            ref = await _ref(session, connection, "application", external_id)
            if ref is None:
                result.note(f"offer for unknown application {external_id}")
                return False
            application = await applications_repo.get_application(
                session, org, ref.resource_id, for_update=True
            )
            if application is not None and application.outcome == "hired":
                # The offer was accepted and the candidate hired (candidateHire carries both):
                # an offer never moves a hire back.
                result.note(f"offer {status} in {connection.provider}: already hired")
                return False
            if application is None or application.outcome != "active":
                result.note("offer for an application that is no longer active")
                return False
            if status.strip().lower() in OFFER_GONE:
                # A deleted, declined or withdrawn offer moves nothing forward; the vendor's
                # next application update says where the candidate now stands.
                result.note(f"offer {status} in {connection.provider}: nothing to move")
                return False
            if application.stage not in OFFER_OR_LATER and applications.align_with_system_of_record(
                session,
                actor,
                application,
                "offer",
                "active",
                f"Offer {status} in {connection.provider}",
            ):
                result.updated += 1
        case CandidatesMerged(kept_external_id=kept_id, merged_external_id=merged_id):
            kept = await _ref(session, connection, "candidate", kept_id)
            merged = await _ref(session, connection, "candidate", merged_id)
            if merged is None:
                result.note("the merged candidate was never imported")
                return kept is not None
            if kept is None:
                # Only the merged record is known here: it simply takes the surviving id.
                await _link(session, connection, "candidate", merged.resource_id, kept_id)
            elif await candidates.merge(session, actor, kept.resource_id, merged.resource_id):
                await repository.delete_refs_for(session, org, "candidate", merged.resource_id)
                forget_refs(session)
            result.updated += 1
        case CandidateDeleted(candidate_external_id=external_id):
            ref = await _ref(session, connection, "candidate", external_id)
            if ref is None:
                result.note("the deleted candidate was never imported")
                return False
            # The same erasure as REST (bytes, events, messages), then the row itself goes.
            await _erase_from_ats(session, actor, connection, ref.resource_id)
            if not await candidates.erase(session, actor, ref.resource_id):
                result.note("the deleted candidate was never imported")
                return False
            await repository.delete_refs_for(session, org, "candidate", ref.resource_id)
            forget_refs(session)
            result.updated += 1
        case CandidateAnonymized(candidate_external_id=external_id):
            ref = await _ref(session, connection, "candidate", external_id)
            if ref is None or not await _erase_from_ats(
                session, actor, connection, ref.resource_id
            ):
                result.note("the anonymised candidate was never imported")
                return False
            forget_refs(session)
            result.updated += 1
        case Ignored(reason=reason):
            result.note(reason)
            return False
    return True


async def _erase_from_ats(
    session: AsyncSession, actor: Actor, connection: Connection, candidate_id: uuid.UUID
) -> bool:
    """An erasure or anonymisation the vendor reports goes through the same erasure as REST
    (docs/privacy.md); one already erased here is left as it is."""
    from app.domain.privacy import erasure
    from app.errors import Conflict, NotFound

    try:
        await erasure.erase_candidate(
            session,
            actor,
            candidate_id,
            "ats_request",
            source="ats",
            connection_id=connection.id,
            check_permission=False,
        )
    except NotFound:
        return False
    except Conflict:
        return True
    return True


def _with_status(vendor: VendorApplication, status: str) -> VendorApplication:
    from dataclasses import replace

    return replace(vendor, status=status)  # type: ignore[arg-type]


async def import_job(
    session: AsyncSession, actor: Actor, connection: Connection, job: VendorJob, result: Applied
) -> None:
    """Backfill: a job becomes a role (once), its title kept in step."""
    ref = await _ref(session, connection, "role", job.external_id)
    if ref is None:
        await ensure_role(session, actor, connection, job, result)
        return
    role = await roles_repo.get_role(session, connection.organization_id, ref.resource_id)
    if role is not None and job.title and role.title != job.title[:200]:
        await roles.update_role(session, actor, role.id, RoleUpdate(title=job.title[:200]))
        result.updated += 1
