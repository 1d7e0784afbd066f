"""Rules for organizations, members and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.core.credentials import generate_api_key, revocations
from app.db import after_commit, settings_of
from app.domain.audit import service as audit
from app.domain.events import service as events
from app.domain.organizations import repository
from app.domain.organizations.models import ApiKey, Member, Organization
from app.domain.organizations.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRotate,
    MemberCreate,
    MemberFilters,
    MemberPublic,
    MemberUpdate,
    OrganizationPublic,
    OrganizationUpdate,
    PreferencesPublic,
    PreferencesUpdate,
    default_working_hours,
)
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.versioning import apply_changes, check_version
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.integrations import outbound


async def create_organization(
    session: AsyncSession, *, name: str, admin_email: str, admin_name: str, time_zone: str = "UTC"
) -> tuple[OrganizationPublic, MemberPublic, ApiKeyCreated]:
    """Create a tenant with its first admin and that admin's API key (system action, CLI only)."""
    org = Organization(name=name, time_zone=time_zone)
    session.add(org)
    await session.flush()
    admin = Member(
        organization_id=org.id,
        email=admin_email.lower(),
        name=admin_name,
        permission_set=PermissionSet.admin.value,
        time_zone=time_zone,
        working_hours=default_working_hours(),
    )
    session.add(admin)
    await session.flush()
    events.record(
        session,
        org.id,
        None,
        "member.created",
        "member",
        admin.id,
        {"member_id": str(admin.id), "permission_set": admin.permission_set},
    )
    created = await _issue_key(session, org.id, None, admin.id, "initial admin key")
    return _organization_public(org), MemberPublic.model_validate(admin), created


def _organization_public(org: Organization) -> OrganizationPublic:
    # The Slack URL lets anyone holding it post to the channel: say only whether it is set.
    public = OrganizationPublic.model_validate(org)
    public.slack_webhook_configured = bool(org.slack_webhook_url)
    return public


async def get_organization(session: AsyncSession, actor: Actor) -> OrganizationPublic:
    org = await repository.get_organization(session, actor.organization_id)
    if org is None:
        raise NotFound("organization")
    return _organization_public(org)


async def update_organization(
    session: AsyncSession, actor: Actor, data: OrganizationUpdate
) -> OrganizationPublic:
    actor.require(PermissionSet.admin)
    org = await repository.get_organization(session, actor.organization_id)
    if org is None:
        raise NotFound("organization")
    values = data.model_dump(exclude_unset=True)
    _check_slack_url(session, values.get("slack_webhook_url"))
    changed = apply_changes(org, values)
    if changed:
        org.updated_at = utcnow()
        events.record(
            session,
            org.id,
            actor,
            "organization.updated",
            "organization",
            org.id,
            {"changed": changed},
        )
    await session.flush()
    return _organization_public(org)


async def list_members(
    session: AsyncSession, actor: Actor, filters: MemberFilters, page: PageRequest
) -> Page[MemberPublic]:
    rows = await repository.list_members(
        session,
        actor.organization_id,
        page,
        permission_set=filters.permission_set,
        q=filters.q,
        include_inactive=filters.include_inactive,
    )
    result = to_page(rows, page, lambda m: (m.created_at, m.id))
    return Page([MemberPublic.model_validate(m) for m in result.items], result.next_cursor)


async def get_member(session: AsyncSession, actor: Actor, member_id: uuid.UUID) -> MemberPublic:
    member = await repository.get_member(session, actor.organization_id, member_id)
    if member is None:
        raise NotFound("member", member_id)
    return MemberPublic.model_validate(member)


async def get_members(
    session: AsyncSession, actor: Actor, member_ids: list[uuid.UUID]
) -> dict[uuid.UUID, MemberPublic]:
    """Batch read for GraphQL loaders: one statement for any number of ids."""
    rows = await repository.read_members(session, actor.organization_id, member_ids)
    return {m["id"]: MemberPublic.model_validate(dict(m)) for m in rows}


async def create_member(session: AsyncSession, actor: Actor, data: MemberCreate) -> MemberPublic:
    actor.require(PermissionSet.admin)
    email = str(data.email).lower()
    existing = await repository.member_email_taken(session, actor.organization_id, email)
    if existing is not None:
        raise Conflict(
            f"A member with the email {email} already exists", member_id=str(existing.id)
        )
    values = data.model_dump(exclude={"email", "working_hours"})
    member = Member(
        organization_id=actor.organization_id,
        email=email,
        working_hours=_hours_json(data.working_hours) or default_working_hours(),
        **values,
    )
    session.add(member)
    await session.flush()
    events.record(
        session,
        actor.organization_id,
        actor,
        "member.created",
        "member",
        member.id,
        {"member_id": str(member.id), "permission_set": member.permission_set},
    )
    return MemberPublic.model_validate(member)


async def update_member(
    session: AsyncSession,
    actor: Actor,
    member_id: uuid.UUID,
    data: MemberUpdate,
    expected_version: int | None = None,
) -> MemberPublic:
    member = await repository.get_member(session, actor.organization_id, member_id, for_update=True)
    if member is None:
        raise NotFound("member", member_id)
    values = data.model_dump(exclude_unset=True)
    admin_only = {
        "permission_set",
        "is_active",
        "max_interviews_per_day",
        "max_interviews_per_week",
    }
    if not actor.is_admin:
        if actor.member_id != member_id:
            raise PermissionDenied("Only admins may change another member")
        touched = sorted(admin_only & values.keys())
        if touched:
            raise PermissionDenied(f"Only admins may change {', '.join(touched)}")
    check_version(member.version, expected_version)
    if actor.member_id == member_id and values.get("is_active") is False:
        raise Conflict("You cannot deactivate yourself")
    if actor.member_id == member_id and values.get("permission_set", "admin") != "admin":
        raise Conflict("You cannot take away your own admin permission set")
    if "working_hours" in values:
        values["working_hours"] = _hours_json(data.working_hours) or {}
    permission_before = member.permission_set
    changed = apply_changes(member, values)
    _digest_moved(member, changed)
    if "permission_set" in changed:
        audit.record(
            session,
            actor.organization_id,
            actor,
            "member.permission_changed",
            "member",
            member.id,
            {"from": permission_before, "to": member.permission_set},
        )
    if changed:
        member.version += 1
        member.updated_at = utcnow()
        events.record(
            session,
            actor.organization_id,
            actor,
            "member.updated",
            "member",
            member.id,
            {"member_id": str(member.id), "changed": changed},
        )
        if {"permission_set", "is_active"} & set(changed):
            if member.is_active is False:
                for key_id in await repository.revoke_member_keys(
                    session, actor.organization_id, member.id
                ):
                    _record_revoked(session, actor, key_id, member.id, "member deactivated")
            after_commit(session, lambda: revocations.member(member_id))
    await session.flush()
    return MemberPublic.model_validate(member)


_DIGEST_TIMING = {"update_cadence", "update_local_time", "update_channel", "time_zone"}


def _digest_moved(member: Member, changed: list[str]) -> None:
    """A member who changes when (or whether) their digest comes gets the first one due after
    the change: a period whose time has already passed is not sent late, or twice in a day."""
    if _DIGEST_TIMING & set(changed):
        member.digest_from = utcnow()


def _check_slack_url(session: AsyncSession, url: str | None) -> None:
    """A Slack incoming-webhook URL is called by the notification sender through the SSRF
    guard; the same rule refuses it when saved (https only in production, no private or
    loopback address in any spelling, no localhost)."""
    if url is None:
        return
    reason = outbound.check_url_shape(url, settings_of(session))
    if reason is not None:
        raise InvalidInput.for_field("slack_webhook_url", reason)


async def _organization_has_slack(session: AsyncSession, actor: Actor) -> bool:
    org = await repository.get_organization(session, actor.organization_id)
    return org is not None and bool(org.slack_webhook_url)


async def get_preferences(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID
) -> PreferencesPublic:
    member = await repository.get_member(session, actor.organization_id, member_id)
    if member is None:
        raise NotFound("member", member_id)
    return _preferences(actor, member)


def _preferences(actor: Actor, member: Member) -> PreferencesPublic:
    """A Slack incoming-webhook URL lets anyone post to that channel: only its owner and
    admins see it; everyone else sees whether one is set."""
    public = PreferencesPublic.model_validate(member)
    public.slack_webhook_configured = bool(member.slack_webhook_url)
    if actor.member_id != member.id and not actor.is_admin:
        public.slack_webhook_url = None
    return public


async def update_preferences(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID, data: PreferencesUpdate
) -> PreferencesPublic:
    member = await repository.get_member(session, actor.organization_id, member_id, for_update=True)
    if member is None:
        raise NotFound("member", member_id)
    if actor.member_id != member_id and not actor.is_admin:
        raise PermissionDenied(
            "Only the member themselves or an admin may change their preferences"
        )
    values = data.model_dump(exclude_unset=True)
    delegate_id = values.get("delegate_id")
    if delegate_id is not None:
        if delegate_id == member_id:
            raise InvalidInput.for_field("delegate_id", "a member cannot be their own delegate")
        delegate = await repository.get_member(session, actor.organization_id, delegate_id)
        if delegate is None or not delegate.is_active:
            raise InvalidInput.for_field(
                "delegate_id", "no active member with this id in your organization"
            )
    _check_slack_url(session, values.get("slack_webhook_url"))
    channel = values.get("update_channel", member.update_channel)
    slack = values.get("slack_webhook_url", member.slack_webhook_url)
    if channel == "slack" and not slack and not await _organization_has_slack(session, actor):
        raise InvalidInput.for_field(
            "slack_webhook_url",
            "the slack channel needs a Slack webhook URL (yours or the organization's)",
        )
    changed = apply_changes(member, values)
    _digest_moved(member, changed)
    if changed:
        member.version += 1
        member.updated_at = utcnow()
        events.record(
            session,
            actor.organization_id,
            actor,
            "member.preferences_updated",
            "member",
            member.id,
            {"member_id": str(member.id), "changed": changed},
        )
    await session.flush()
    return _preferences(actor, member)


async def create_api_key(session: AsyncSession, actor: Actor, data: ApiKeyCreate) -> ApiKeyCreated:
    member_id = data.member_id or actor.member_id
    if member_id != actor.member_id:
        actor.require(PermissionSet.admin)
        member = await repository.get_member(session, actor.organization_id, member_id)
        if member is None or not member.is_active:
            raise InvalidInput.for_field(
                "member_id", "no active member with this id in your organization"
            )
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    return await _issue_key(
        session, actor.organization_id, actor, member_id, data.name, expires_at=expires_at
    )


async def rotate_api_key(
    session: AsyncSession, actor: Actor, key_id: uuid.UUID, data: ApiKeyRotate
) -> ApiKeyCreated:
    """A new key for the same member and name (with the same lifetime, if the old one had
    one); the old key keeps working for `grace_hours`, so clients can switch without a gap."""
    key = await repository.get_api_key(session, actor.organization_id, key_id, for_update=True)
    if key is None or (key.member_id != actor.member_id and not actor.is_admin):
        raise NotFound("API key", key_id)
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise Conflict("The API key is revoked or expired; issue a new one instead")
    lifetime = key.expires_at - key.created_at if key.expires_at is not None else None
    ends = now + timedelta(hours=data.grace_hours)
    key.expires_at = min(key.expires_at, ends) if key.expires_at is not None else ends
    created = await _issue_key(
        session,
        actor.organization_id,
        actor,
        key.member_id,
        key.name,
        expires_at=now + lifetime if lifetime is not None else None,
    )
    audit.record(
        session,
        actor.organization_id,
        actor,
        "api_key.rotated",
        "api_key",
        key.id,
        {"member_id": str(key.member_id), "replaced_by": str(created.id)},
    )
    events.record(
        session,
        actor.organization_id,
        actor,
        "api_key.rotated",
        "api_key",
        key.id,
        {
            "api_key_id": str(key.id),
            "member_id": str(key.member_id),
            "replaced_by": str(created.id),
            "old_key_expires_at": key.expires_at.isoformat(),
        },
    )
    await session.flush()
    if data.grace_hours == 0:
        after_commit(session, lambda: revocations.api_key(key_id))
    return created


async def list_api_keys(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> Page[ApiKeyPublic]:
    owner = None if actor.is_admin else actor.member_id
    rows = await repository.list_api_keys(session, actor.organization_id, owner, page)
    result = to_page(rows, page, lambda k: (k.created_at, k.id))
    return Page([ApiKeyPublic.model_validate(k) for k in result.items], result.next_cursor)


async def get_api_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKeyPublic:
    """One key, as the list shows it: yours, or any of the organization's for an admin."""
    key = await repository.get_api_key(session, actor.organization_id, key_id)
    if key is None or (key.member_id != actor.member_id and not actor.is_admin):
        raise NotFound("API key", key_id)
    return ApiKeyPublic.model_validate(key)


def _record_revoked(
    session: AsyncSession,
    actor: Actor,
    key_id: uuid.UUID,
    member_id: uuid.UUID,
    because: str | None = None,
) -> None:
    """A revoked key in the audit trail and, as an event, on the outbox."""
    detail = {"member_id": str(member_id), **({"because": because} if because else {})}
    audit.record(
        session, actor.organization_id, actor, "api_key.revoked", "api_key", key_id, detail
    )
    events.record(
        session,
        actor.organization_id,
        actor,
        "api_key.revoked",
        "api_key",
        key_id,
        {"api_key_id": str(key_id), "member_id": str(member_id)},
    )


async def revoke_api_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> ApiKeyPublic:
    key = await repository.get_api_key(session, actor.organization_id, key_id, for_update=True)
    if key is None or (key.member_id != actor.member_id and not actor.is_admin):
        # Another member's key is as invisible as another tenant's.
        raise NotFound("API key", key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        _record_revoked(session, actor, key.id, key.member_id)
        await session.flush()
        after_commit(session, lambda: revocations.api_key(key_id))
    return ApiKeyPublic.model_validate(key)


async def _issue_key(
    session: AsyncSession,
    organization_id: uuid.UUID,
    actor: Actor | None,
    member_id: uuid.UUID,
    name: str,
    *,
    expires_at: datetime | None = None,
) -> ApiKeyCreated:
    plaintext, prefix, digest = generate_api_key()
    key = ApiKey(
        organization_id=organization_id,
        member_id=member_id,
        name=name,
        prefix=prefix,
        key_hash=digest,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    audit.record(
        session,
        organization_id,
        actor,
        "api_key.created",
        "api_key",
        key.id,
        {"member_id": str(member_id)},
    )
    events.record(
        session,
        organization_id,
        actor,
        "api_key.created",
        "api_key",
        key.id,
        {"api_key_id": str(key.id), "member_id": str(member_id)},
    )
    return ApiKeyCreated.model_validate(
        {**ApiKeyPublic.model_validate(key).model_dump(), "key": plaintext}
    )


def _hours_json(hours: Any) -> dict[str, Any] | None:
    if hours is None:
        return None
    return {day: [r.model_dump() for r in ranges] for day, ranges in hours.items()}
