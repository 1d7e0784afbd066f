"""ATS connections as an admin manages them: create, list, change, pause, resume, delete, and
their health. Credentials and the webhook secret are encrypted at rest, accepted on write and
never returned (only which ones are set)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app import crypto
from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import after_commit, settings_of
from app.domain.audit import service as audit
from app.domain.events import service as events
from app.domain.integrations import repository
from app.domain.integrations.models import Connection
from app.domain.integrations.schemas import (
    ConnectionCreate,
    ConnectionErrorPublic,
    ConnectionHealth,
    ConnectionPublic,
    ConnectionUpdate,
    ManualErasure,
)
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.versioning import apply_changes, check_version
from app.errors import InvalidInput, NotFound
from app.integrations import outbound
from app.integrations.ats.registry import VENDORS


def credential_names(session: AsyncSession, connection: Connection) -> list[str]:
    return sorted(read_credentials(session, connection))


def read_credentials(session: AsyncSession, connection: Connection) -> dict[str, str]:
    if not connection.credentials_encrypted:
        return {}
    plain = crypto.decrypt(settings_of(session).secret_key, connection.credentials_encrypted)
    values: dict[str, str] = orjson.loads(plain)
    return values


def _encrypt(session: AsyncSession, value: str) -> str:
    return crypto.encrypt(settings_of(session).secret_key, value)


def _check_base_url(session: AsyncSession, url: str | None) -> None:
    if url is None:
        return
    reason = outbound.check_url_shape(url, settings_of(session))
    if reason is not None:
        raise InvalidInput.for_field("base_url", reason)


# Credentials an adapter calls as a URL (Greenhouse's token endpoint): checked when saved by
# the same rule as base_url, not only when the adapter calls them.
_URL_CREDENTIALS: dict[str, tuple[str, ...]] = {"greenhouse": ("token_url",)}


def _check_credential_urls(
    session: AsyncSession, provider: str, credentials: dict[str, str]
) -> None:
    for name in _URL_CREDENTIALS.get(provider, ()):
        url = credentials.get(name)
        if not url:
            continue
        reason = outbound.check_url_shape(url, settings_of(session))
        if reason is not None:
            raise InvalidInput.for_field(f"credentials.{name}", reason)


async def public(
    session: AsyncSession, connection: Connection, *, with_health: bool = True
) -> ConnectionPublic:
    settings = settings_of(session)
    result = ConnectionPublic(
        id=connection.id,
        provider=connection.provider,
        name=connection.name,
        status=connection.status,
        base_url=connection.base_url,
        stage_map=connection.stage_map,
        rejection_map=connection.rejection_map,
        credential_names=credential_names(session, connection),
        webhook_secret_set=connection.webhook_secret_encrypted is not None,
        webhook_url=f"{settings.public_url.rstrip('/')}/api/v1/integrations/{connection.id}/webhooks",
        version=connection.version,
        created_at=connection.created_at,
        updated_at=connection.updated_at,
    )
    if with_health:
        figures = (await repository.health_figures(session, [connection.id])).get(connection.id, {})
        oldest = figures.get("oldest_pending_at")
        result.health = ConnectionHealth(
            last_inbound_at=figures.get("last_inbound_at"),
            last_sync_at=connection.last_sync_at,
            lag_seconds=(utcnow() - oldest).total_seconds() if oldest else 0.0,
            pending_inbound=figures.get("pending_inbound", 0),
            failed_inbound=figures.get("failed_inbound", 0),
            pending_pushes=figures.get("pending_pushes", 0),
            failed_pushes=figures.get("failed_pushes", 0),
            recent_errors=[
                ConnectionErrorPublic.model_validate(e) for e in connection.recent_errors
            ],
            manual_erasures=[
                ManualErasure.model_validate(m)
                for m in await repository.manual_erasures(
                    session, connection.organization_id, connection.id
                )
            ],
        )
    return result


# Connecting and disconnecting are also written to the audit trail.
_AUDITED = {
    "connection.created": "integration.connected",
    "connection.deleted": "integration.disconnected",
}


def _record(
    session: AsyncSession, actor: Actor, connection: Connection, type: str, data: dict[str, Any]
) -> None:
    if type in _AUDITED:
        audit.record(
            session,
            connection.organization_id,
            actor,
            _AUDITED[type],
            "integration_connection",
            connection.id,
            {"provider": connection.provider},
        )
    events.record(
        session,
        connection.organization_id,
        actor,
        type,
        "integration_connection",
        connection.id,
        {"connection_id": str(connection.id), **data},
    )


async def create_connection(
    session: AsyncSession, actor: Actor, data: ConnectionCreate
) -> ConnectionPublic:
    actor.require(PermissionSet.admin)
    _check_base_url(session, data.base_url)
    _check_credential_urls(session, data.provider, dict(data.credentials))
    connection = Connection(
        organization_id=actor.organization_id,
        provider=data.provider,
        name=data.name,
        base_url=data.base_url,
        stage_map=dict(data.stage_map)
        if data.stage_map is not None
        else dict(VENDORS[data.provider].default_stage_map),
        rejection_map=data.rejection_map,
        credentials_encrypted=_encrypt(session, orjson.dumps(data.credentials).decode())
        if data.credentials
        else None,
        webhook_secret_encrypted=_encrypt(session, data.webhook_secret)
        if data.webhook_secret
        else None,
        created_by_id=actor.member_id,
    )
    session.add(connection)
    await session.flush()
    _record(session, actor, connection, "connection.created", {"provider": connection.provider})
    return await public(session, connection, with_health=False)


async def list_connections(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> Page[ConnectionPublic]:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    rows = await repository.list_connections(session, actor.organization_id, page)
    result = to_page(rows, page, lambda c: (c.created_at, c.id))
    return Page([await public(session, c) for c in result.items], result.next_cursor)


async def get_connection(
    session: AsyncSession, actor: Actor, connection_id: uuid.UUID
) -> ConnectionPublic:
    actor.require(PermissionSet.admin, PermissionSet.recruiter)
    connection = await repository.get_connection(session, actor.organization_id, connection_id)
    if connection is None:
        raise NotFound("ATS connection", connection_id)
    return await public(session, connection)


async def _locked(session: AsyncSession, actor: Actor, connection_id: uuid.UUID) -> Connection:
    actor.require(PermissionSet.admin)
    connection = await repository.get_connection_for_update(
        session, actor.organization_id, connection_id
    )
    if connection is None:
        raise NotFound("ATS connection", connection_id)
    return connection


def _forget_cached(session: AsyncSession, connection_id: uuid.UUID) -> None:
    from app.domain.integrations import inbound

    after_commit(session, lambda: inbound.forget(connection_id))


async def update_connection(
    session: AsyncSession,
    actor: Actor,
    connection_id: uuid.UUID,
    data: ConnectionUpdate,
    expected_version: int | None = None,
) -> ConnectionPublic:
    connection = await _locked(session, actor, connection_id)
    check_version(connection.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    changed: list[str] = []
    if "base_url" in values:
        _check_base_url(session, values["base_url"])
    if "credentials" in values:
        _check_credential_urls(session, connection.provider, values["credentials"])
        connection.credentials_encrypted = _encrypt(
            session, orjson.dumps(values.pop("credentials")).decode()
        )
        changed.append("credentials")
    if "webhook_secret" in values:
        connection.webhook_secret_encrypted = _encrypt(session, values.pop("webhook_secret"))
        changed.append("webhook_secret")
    changed += apply_changes(connection, values)
    if changed:
        connection.version += 1
        connection.updated_at = utcnow()
        _record(session, actor, connection, "connection.updated", {"changed": sorted(changed)})
        _forget_cached(session, connection.id)
        await session.flush()
    return await public(session, connection)


async def set_status(
    session: AsyncSession, actor: Actor, connection_id: uuid.UUID, status: str
) -> ConnectionPublic:
    """Paused: vendor webhooks are still verified and stored (nothing is lost), but nothing is
    applied, pushed or synced until the connection resumes."""
    connection = await _locked(session, actor, connection_id)
    if connection.status != status:
        connection.status = status
        connection.version += 1
        connection.updated_at = utcnow()
        _record(session, actor, connection, "connection.updated", {"changed": ["status"]})
        _forget_cached(session, connection.id)
        await session.flush()
    return await public(session, connection)


async def delete_connection(session: AsyncSession, actor: Actor, connection_id: uuid.UUID) -> None:
    """Deletes the connection with its inbox, pushes, syncs and external ids; our records stay."""
    connection = await _locked(session, actor, connection_id)
    _record(session, actor, connection, "connection.deleted", {"provider": connection.provider})
    _forget_cached(session, connection.id)
    await session.delete(connection)
    await session.flush()
