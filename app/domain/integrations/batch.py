"""Applying many vendor changes at once: a batch of vendor events, or a page of an import.

The rules are apply.py's (matching through external refs, then by e-mail; the vendor owns an
imported application's stage and outcome; an offer never moves a hire back), applied to the
whole batch in memory and written with one statement per table: the links, candidates and
applications a batch needs are read (and the applications locked) in a few statements first;
the changes are worked out in the vendor's order (so two changes to one application are
applied in the order the vendor sent them); then the candidates, applications, history rows,
links and outbox events are written in bulk (INSERT ... ON CONFLICT, UPDATE ... FROM unnest).

What this does not handle (merges, deletions, anonymisation; a job whose title changed) is
reported by `fits` and goes through apply.py record by record. Anything unforeseen raises, and
the caller rolls the batch's savepoint back and applies it record by record as before, so a
batch either goes in whole, exactly as the records would one by one, or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor
from app.domain.applications import repository as applications_repo
from app.domain.candidates import repository as candidates_repo
from app.domain.events import repository as events_repo
from app.domain.events.catalogue import CATALOGUE
from app.domain.events.repository import OutboxEvent
from app.domain.integrations import repository
from app.domain.integrations.apply import (
    OFFER_GONE,
    OFFER_OR_LATER,
    Applied,
    NotApplicable,
    RefKey,
    _email_for,
)
from app.domain.integrations.models import Connection
from app.domain.roles import service as roles
from app.domain.roles.schemas import RoleCreate
from app.ids import new_id
from app.integrations.ats.base import (
    ApplicationSeen,
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

# As app/domain/applications/service.py records a move of each kind.
_EVENT_FOR_ACTION = {
    "move": "application.moved",
    "reject": "application.rejected",
    "withdraw": "application.withdrawn",
    "reopen": "application.reopened",
}
_OUTCOME_ACTION = {"rejected": "reject", "withdrawn": "withdraw", "active": "reopen"}
_UPSERTS = (ApplicationSeen, StageChanged, Rejected, Hired)

Item = VendorCandidate | VendorApplication


class Unforeseen(Exception):
    """The batch met something its reads did not foresee; it is applied record by record."""


def fits(changes: Sequence[Change]) -> bool:
    """Whether a vendor event's changes can go into a batch (the usual kinds)."""
    return all(isinstance(c, (*_UPSERTS, OfferChanged, Ignored)) for c in changes)


@dataclass
class _App:
    id: uuid.UUID
    candidate_id: uuid.UUID
    role_id: uuid.UUID
    stage: str
    outcome: str
    stage_entered_at: datetime
    version: int
    updated_at: datetime
    created_at: datetime | None = None  # set for one created by this batch
    changed: bool = False


@dataclass
class _Ref:
    id: uuid.UUID | None  # None for a link made by this batch
    resource_id: uuid.UUID


@dataclass
class Batch:
    """One connection's changes, worked out in memory and written in bulk by `write`."""

    session: AsyncSession
    actor: Actor
    connection: Connection
    refs: dict[RefKey, _Ref | None] = field(default_factory=dict)
    candidates: set[uuid.UUID] = field(default_factory=set)
    by_email: dict[str, uuid.UUID] = field(default_factory=dict)
    apps: dict[uuid.UUID, _App] = field(default_factory=dict)
    by_pair: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID] = field(default_factory=dict)
    pairs_read: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)
    new_candidates: list[dict[str, Any]] = field(default_factory=list)
    new_candidate_ids: set[uuid.UUID] = field(default_factory=set)
    new_roles: set[uuid.UUID] = field(default_factory=set)
    # (kind, resource id) -> the keys linking it, for re-pointing a record's link.
    linked_by: dict[tuple[str, uuid.UUID], set[RefKey]] = field(default_factory=dict)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    events: list[OutboxEvent] = field(default_factory=list)
    links: dict[tuple[str, uuid.UUID], str] = field(default_factory=dict)
    unlinked: list[uuid.UUID] = field(default_factory=list)

    # --- reading what the batch needs, in a few statements --------------------------------

    async def read(self, items: Sequence[Item], offers: Sequence[str] = ()) -> None:
        """Read the links, candidates and applications of these records (and of the
        applications these offers are about), locking the applications."""
        org = self.connection.organization_id
        keys: list[RefKey] = [("application", external_id) for external_id in offers]
        for item in items:
            if isinstance(item, VendorCandidate):
                keys.append(("candidate", item.external_id))
                continue
            keys += [("application", item.external_id), ("candidate", item.candidate.external_id)]
            if item.job_external_id is not None:
                keys.append(("role", item.job_external_id))
        self.refs = dict.fromkeys(keys)
        for ref_id, kind, external_id, resource_id in await repository.ref_rows_by_external_ids(
            self.session, self.connection.id, sorted(set(keys))
        ):
            self._set((kind, external_id), _Ref(ref_id, resource_id))
        candidate_ids = [
            r.resource_id for k, r in self.refs.items() if r is not None and k[0] == "candidate"
        ]
        emails = sorted({_email_for(self.connection, _candidate(i)) for i in items})
        for cid, email in await candidates_repo.ids_and_emails(
            self.session, org, candidate_ids, emails
        ):
            self.candidates.add(cid)
            self.by_email[email] = cid
        # The applications the batch may touch, locked as apply.py locks them one by one: by
        # their links, and by (candidate, role) for those whose candidate and role exist here.
        app_ids = [
            r.resource_id for k, r in self.refs.items() if r is not None and k[0] == "application"
        ]
        for item in items:
            if isinstance(item, VendorApplication) and item.job_external_id is not None:
                role = self.refs.get(("role", item.job_external_id))
                candidate = self._existing_candidate(item.candidate)
                if role is not None and candidate is not None:
                    self.pairs_read.add((candidate, role.resource_id))
        rows = await applications_repo.lock_states(
            self.session, org, app_ids, sorted(self.pairs_read)
        )
        for row in rows:
            app = _App(*row)
            self.apps[app.id] = app
            self.by_pair[(app.candidate_id, app.role_id)] = app.id

    def _existing_candidate(self, vendor: VendorCandidate) -> uuid.UUID | None:
        ref = self.refs.get(("candidate", vendor.external_id))
        if ref is not None and ref.resource_id in self.candidates:
            return ref.resource_id
        return self.by_email.get(_email_for(self.connection, vendor))

    # --- links -----------------------------------------------------------------------------

    def _set(self, key: RefKey, ref: _Ref | None) -> None:
        previous = self.refs.get(key)
        if previous is not None:
            self.linked_by.get((key[0], previous.resource_id), set()).discard(key)
        self.refs[key] = ref
        if ref is not None:
            self.linked_by.setdefault((key[0], ref.resource_id), set()).add(key)

    def _unlink(self, key: RefKey) -> None:
        ref = self.refs.get(key)
        if ref is not None and ref.id is not None:
            self.unlinked.append(ref.id)
        self._set(key, None)

    def _link(self, kind: str, resource_id: uuid.UUID, external_id: str) -> None:
        # As apply._link: linking a record re-points its link from any other external id.
        for key in list(self.linked_by.get((kind, resource_id), ())):
            self._set(key, None)
        self._set((kind, external_id), _Ref(None, resource_id))
        self.links[(kind, resource_id)] = external_id

    # --- the rules, as apply.py applies them one record at a time ---------------------------

    def _record(
        self, type: str, resource_type: str, resource_id: uuid.UUID, data: dict[str, Any]
    ) -> None:
        if type not in CATALOGUE:
            raise ValueError(f"event type {type} is not in the catalogue")
        self.events.append(
            OutboxEvent(
                id=new_id(),
                organization_id=self.connection.organization_id,
                type=type,
                occurred_at=utcnow(),
                actor_member_id=self.actor.member_id,
                resource_type=resource_type,
                resource_id=resource_id,
                data=data,
                origin_connection_id=self.connection.id,
            )
        )

    def ensure_candidate(self, vendor: VendorCandidate, result: Applied) -> uuid.UUID:
        key = ("candidate", vendor.external_id)
        if key not in self.refs:
            raise Unforeseen(f"candidate {vendor.external_id} was not read")
        ref = self.refs[key]
        if ref is not None:
            if ref.resource_id in self.candidates:
                return ref.resource_id
            self._unlink(key)
        email = _email_for(self.connection, vendor)
        candidate_id = self.by_email.get(email)
        if candidate_id is None:
            candidate_id = self._new_candidate(vendor, email)
            result.created += 1
        self._link("candidate", candidate_id, vendor.external_id)
        return candidate_id

    def _new_candidate(self, vendor: VendorCandidate, email: str) -> uuid.UUID:
        # The fields candidates.lifecycle.import_candidate sets.
        provider = self.connection.provider
        source_detail = (f"{provider}: {vendor.source}" if vendor.source else provider)[:200]
        now = utcnow()
        candidate_id = new_id()
        self.new_candidates.append(
            {
                "id": candidate_id,
                "organization_id": self.connection.organization_id,
                "name": vendor.name[:200] or "Unnamed candidate",
                "email": email.lower()[:320],
                "phone": vendor.phone[:50] if vendor.phone else None,
                "source": "ats",
                "source_detail": source_detail,
                "consent_note": f"Imported from {source_detail}; consent is held there.",
                "created_at": now,
            }
        )
        self.candidates.add(candidate_id)
        self.new_candidate_ids.add(candidate_id)
        self.by_email[email] = candidate_id
        self._record(
            "candidate.created",
            "candidate",
            candidate_id,
            {"candidate_id": str(candidate_id), "source": "ats"},
        )
        return candidate_id

    async def ensure_role(self, job: VendorJob, result: Applied) -> uuid.UUID:
        key = ("role", job.external_id)
        if key not in self.refs:
            raise Unforeseen(f"job {job.external_id} was not read")
        ref = self.refs[key]
        if ref is not None:
            return ref.resource_id
        # A new job is rare (once per job, not per application): the roles service makes it.
        status = "closed" if (job.status or "").lower() in ("closed", "archived") else "open"
        role = await roles.create_role(
            self.session,
            self.actor,
            RoleCreate(title=job.title[:200] or "Imported job", status=status),
        )
        self.new_roles.add(role.id)
        self._link("role", role.id, job.external_id)
        result.created += 1
        return role.id

    async def ensure_application(self, vendor: VendorApplication, result: Applied) -> _App:
        key = ("application", vendor.external_id)
        if key not in self.refs:
            raise Unforeseen(f"application {vendor.external_id} was not read")
        ref = self.refs[key]
        if ref is not None:
            found = self.apps.get(ref.resource_id)
            if found is not None:
                return found
            if ref.id is None:
                raise Unforeseen("an application linked by this batch is gone")
            self._unlink(key)
        if vendor.job_external_id is None:
            raise NotApplicable(f"application {vendor.external_id} names no job")
        candidate_id = self.ensure_candidate(vendor.candidate, result)
        role_id = await self.ensure_role(
            VendorJob(vendor.job_external_id, vendor.job_title or f"Job {vendor.job_external_id}"),
            result,
        )
        pair = (candidate_id, role_id)
        app_id = self.by_pair.get(pair)
        if app_id is not None:
            app = self.apps[app_id]
        else:
            # Only a pair read (and not found), or one with a candidate or role made by this
            # batch, is known to have no application yet.
            if (
                pair not in self.pairs_read
                and role_id not in self.new_roles
                and candidate_id not in self.new_candidate_ids
            ):
                raise Unforeseen("an application's candidate and role were not read together")
            app = self._new_application(vendor, candidate_id, role_id)
            result.created += 1
        self._link("application", app.id, vendor.external_id)
        return app

    def _new_application(
        self, vendor: VendorApplication, candidate_id: uuid.UUID, role_id: uuid.UUID
    ) -> _App:
        # As applications.service.import_application: created at the stage the vendor holds
        # (hired is an outcome too: created at offer, and align() makes it so), with the
        # first line of its history and its event.
        stage = map_stage(self.connection.stage_map, vendor.stage) or "sourced"
        if stage == "hired":
            stage = "offer"
        now = utcnow()
        app = _App(new_id(), candidate_id, role_id, stage, "active", now, 1, now, created_at=now)
        self.apps[app.id] = app
        self.by_pair[(candidate_id, role_id)] = app.id
        self.transitions.append(
            self._transition(app, "create", None, None, f"Imported from {self.connection.provider}")
        )
        self._record(
            "application.created",
            "application",
            app.id,
            {
                "application_id": str(app.id),
                "candidate_id": str(candidate_id),
                "role_id": str(role_id),
                "stage": stage,
            },
        )
        return app

    def _transition(
        self,
        app: _App,
        action: str,
        from_stage: str | None,
        from_outcome: str | None,
        reason: str,
    ) -> dict[str, Any]:
        return {
            "id": new_id(),
            "organization_id": self.connection.organization_id,
            "application_id": app.id,
            "action": action,
            "from_stage": from_stage,
            "to_stage": app.stage,
            "from_outcome": from_outcome,
            "to_outcome": app.outcome,
            "reason": reason,
            "actor_member_id": self.actor.member_id,
            "created_at": utcnow(),
        }

    def _align_with_system_of_record(
        self, app: _App, stage: str, outcome: str, reason: str
    ) -> bool:
        """applications.service.align_with_system_of_record on the batch's copy of the row."""
        if (app.stage, app.outcome) == (stage, outcome):
            return False
        if outcome == app.outcome or outcome == "hired":
            action = "move"
        else:
            action = _OUTCOME_ACTION[outcome]
        previous_stage, previous_outcome = app.stage, app.outcome
        now = utcnow()
        if stage != app.stage:
            app.stage_entered_at = now
        app.stage, app.outcome = stage, outcome
        app.version += 1
        app.updated_at = now
        app.changed = True
        self.transitions.append(
            self._transition(app, action, previous_stage, previous_outcome, reason)
        )
        event_type = "application.hired" if outcome == "hired" else _EVENT_FOR_ACTION[action]
        self._record(
            event_type,
            "application",
            app.id,
            {
                "application_id": str(app.id),
                "role_id": str(app.role_id),
                "from_stage": previous_stage,
                "to_stage": stage,
                "outcome": outcome,
                "reason": reason,
            },
        )
        return True

    def align(self, app: _App, vendor: VendorApplication, result: Applied) -> None:
        """apply.align: our application holds the vendor's stage and outcome."""
        connection = self.connection
        stage = map_stage(connection.stage_map, vendor.stage)
        if vendor.stage and stage is None:
            result.note(f"stage {vendor.stage!r} is not in the stage map; stage kept")
        outcome = {"active": "active", "rejected": "rejected", "hired": "hired"}.get(
            vendor.status, "withdrawn"
        )
        if outcome == "hired":
            stage = "hired"
        target_stage = stage or app.stage
        reason = f"Changed in {connection.provider}"
        if outcome == "rejected":
            mapped = connection.rejection_map.get(vendor.rejection_reason or "")
            why = mapped or vendor.rejection_reason
            reason = f"Rejected in {connection.provider}" + (f": {why}" if why else "")
        if self._align_with_system_of_record(app, target_stage, outcome, reason):
            result.updated += 1

    async def upsert_application(self, vendor: VendorApplication, result: Applied) -> None:
        app = await self.ensure_application(vendor, result)
        self.align(app, vendor, result)

    async def apply_change(self, change: Change, result: Applied) -> bool:
        """apply.apply_change for the kinds `fits` admits."""
        match change:
            case ApplicationSeen(application=vendor) | StageChanged(application=vendor):
                await self.upsert_application(vendor, result)
            case Rejected(application=vendor):
                await self.upsert_application(replace(vendor, status="rejected"), result)
            case Hired(application=vendor):
                await self.upsert_application(replace(vendor, status="hired"), result)
            case OfferChanged(application_external_id=external_id, status=status):
                return self._offer(external_id, status, result)
            case Ignored(reason=reason):
                result.note(reason)
                return False
            case _:
                raise Unforeseen(f"{type(change).__name__} is applied record by record")
        return True

    def _offer(self, external_id: str, status: str, result: Applied) -> bool:
        provider = self.connection.provider
        key = ("application", external_id)
        if key not in self.refs:
            raise Unforeseen(f"application {external_id} was not read")
        ref = self.refs[key]
        if ref is None:
            result.note(f"offer for unknown application {external_id}")
            return False
        app = self.apps.get(ref.resource_id)
        if app is not None and app.outcome == "hired":
            # The offer was accepted and the candidate hired (candidateHire carries both): an
            # offer never moves a hire back.
            result.note(f"offer {status} in {provider}: already hired")
            return False
        if app is None or app.outcome != "active":
            result.note("offer for an application that is no longer active")
            return False
        if status.strip().lower() in OFFER_GONE:
            result.note(f"offer {status} in {provider}: nothing to move")
            return False
        if app.stage not in OFFER_OR_LATER and self._align_with_system_of_record(
            app, "offer", "active", f"Offer {status} in {provider}"
        ):
            result.updated += 1
        return True

    # --- writing it all, one statement per table --------------------------------------------

    async def write(self) -> None:
        session = self.session
        await session.flush()  # roles made through the service go in first
        await repository.delete_refs(session, self.unlinked)
        if await candidates_repo.insert_imported(session, self.new_candidates) != len(
            self.new_candidates
        ):
            raise Unforeseen("a candidate's e-mail was taken meanwhile")
        created = [a for a in self.apps.values() if a.created_at is not None]
        if await applications_repo.insert_imported(
            session, [_app_row(self.connection.organization_id, a) for a in created]
        ) != len(created):
            raise Unforeseen("an application was created meanwhile")
        await applications_repo.update_states(
            session,
            [
                _app_row(self.connection.organization_id, a)
                for a in self.apps.values()
                if a.changed and a.created_at is None
            ],
        )
        await applications_repo.insert_transitions(session, self.transitions)
        await repository.upsert_refs(
            session,
            [
                {
                    "organization_id": self.connection.organization_id,
                    "connection_id": self.connection.id,
                    "resource_type": kind,
                    "resource_id": resource_id,
                    "external_id": external_id,
                }
                for (kind, resource_id), external_id in self.links.items()
            ],
        )
        await events_repo.insert_many(session, self.events)


def _candidate(item: Item) -> VendorCandidate:
    return item if isinstance(item, VendorCandidate) else item.candidate


def _app_row(organization_id: uuid.UUID, app: _App) -> dict[str, Any]:
    return {
        "id": app.id,
        "organization_id": organization_id,
        "candidate_id": app.candidate_id,
        "role_id": app.role_id,
        "stage": app.stage,
        "outcome": app.outcome,
        "stage_entered_at": app.stage_entered_at,
        "version": app.version,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
    }


def items_of(changes: Sequence[Change]) -> list[Item]:
    """The vendor records a batch's changes name (what `Batch.read` reads)."""
    items: list[Item] = []
    for change in changes:
        if isinstance(change, _UPSERTS):
            items.append(change.application)
    return items


def offer_keys(changes: Sequence[Change]) -> list[str]:
    return [c.application_external_id for c in changes if isinstance(c, OfferChanged)]


async def apply_events(
    session: AsyncSession,
    actor: Actor,
    connection: Connection,
    events: Sequence[tuple[uuid.UUID, Sequence[Change]]],
) -> list[tuple[uuid.UUID, str, str]]:
    """Apply one connection's vendor events (each its changes, all of a kind `fits` admits) in
    the order given, in the caller's transaction; (event id, status, outcome) of each, worded as
    the worker words one event's. Raises (nothing written) when the batch cannot go in whole."""
    batch = Batch(session, actor, connection)
    everything = [c for _, changes in events for c in changes]
    await batch.read(items_of(everything), offer_keys(everything))
    outcomes = []
    for event_id, changes in events:
        result = Applied()
        acted = [await batch.apply_change(c, result) for c in changes]
        notes = "; ".join(result.notes or [])
        if not any(acted):
            outcomes.append((event_id, "ignored", notes or "nothing to apply"))
            continue
        summary = f"created {result.created}, updated {result.updated}"
        outcomes.append((event_id, "applied", f"{summary}; {notes}" if notes else summary))
    await batch.write()
    return outcomes


async def import_items(
    session: AsyncSession, actor: Actor, connection: Connection, items: Sequence[Item]
) -> Applied:
    """A page of candidates or applications imported as sync.py imports each record, in the
    caller's transaction. Raises (nothing written) when the page cannot go in whole."""
    batch = Batch(session, actor, connection)
    await batch.read(items)
    result = Applied()
    for item in items:
        if isinstance(item, VendorCandidate):
            batch.ensure_candidate(item, result)
        else:
            await batch.upsert_application(item, result)
    await batch.write()
    return result
