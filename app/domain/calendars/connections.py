"""Calendar connections as people manage them: connect, list with health, change, pause,
delete; and each member's calendars: which count as busy, which one receives interviews.

Connecting makes a real read before anything is saved (CalDAV lists the account's calendars;
Google and Microsoft obtain a token), so a wrong URL or password is a 422 and nothing is
half-saved. That read happens before this session runs any statement, so no transaction is
open while the provider is called.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app import crypto
from app.clock import utcnow
from app.core.actor import Actor, PermissionSet
from app.db import end_read, settings_of
from app.domain.audit import service as audit
from app.domain.calendars import repository
from app.domain.calendars.models import CalendarConnection, MemberCalendar
from app.domain.calendars.schemas import (
    CalendarConnectionCreate,
    CalendarConnectionHealth,
    CalendarConnectionPublic,
    CalendarConnectionUpdate,
    CalendarHealth,
    ConnectionErrorPublic,
    MemberCalendarPublic,
    MemberCalendarUpdate,
    UnmatchedMember,
)
from app.domain.events import service as events
from app.domain.organizations import repository as members_repo
from app.domain.pagination import Page, PageRequest, to_page
from app.domain.versioning import apply_changes, check_version
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.integrations import outbound
from app.integrations.calendars.base import CalendarError, Grant, RemoteCalendar
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings

REQUIRED_CREDENTIALS: dict[tuple[str, str], tuple[str, ...]] = {
    ("google", "organization"): ("service_account_json",),
    ("microsoft", "organization"): ("tenant_id", "client_id", "client_secret"),
    ("caldav", "member"): ("url", "username", "password"),
    # Per-member Google and Microsoft credentials come from the OAuth consent (oauth.py);
    # given directly they are a refresh token and the OAuth client that issued it.
    ("google", "member"): ("refresh_token",),
    ("microsoft", "member"): ("refresh_token",),
}


def read_credentials(settings: Settings, connection: CalendarConnection) -> dict[str, str]:
    if not connection.credentials_encrypted:
        return {}
    values: dict[str, str] = orjson.loads(
        crypto.decrypt(settings.secret_key, connection.credentials_encrypted)
    )
    return values


def encrypt_credentials(settings: Settings, values: dict[str, str]) -> str:
    return crypto.encrypt(settings.secret_key, orjson.dumps(values).decode())


def oauth_values(settings: Settings, provider: str) -> dict[str, str]:
    """The deployment's OAuth client, which a per-member grant refreshes through."""
    if provider == "google" and settings.google_oauth_client_id:
        values = {"client_id": settings.google_oauth_client_id}
        if settings.google_oauth_client_secret:
            values["client_secret"] = settings.google_oauth_client_secret
        if settings.google_oauth_base_url:
            values["token_url"] = settings.google_oauth_base_url.rstrip("/") + "/token"
        return values
    if provider == "microsoft" and settings.microsoft_oauth_client_id:
        values = {
            "client_id": settings.microsoft_oauth_client_id,
            "tenant_id": settings.microsoft_oauth_tenant,
        }
        if settings.microsoft_oauth_client_secret:
            values["client_secret"] = settings.microsoft_oauth_client_secret
        return values
    return {}


def grant_for(settings: Settings, connection: CalendarConnection, subject: str | None) -> Grant:
    """The connection's credentials for one task. Organization-wide grants act for `subject`
    (the member's mailbox); a member's own grant acts for its owner."""
    values = read_credentials(settings, connection)
    if connection.scope == "member" and connection.provider != "caldav":
        values = {**oauth_values(settings, connection.provider), **values}
    return Grant(
        provider=connection.provider,  # type: ignore[arg-type]
        values=values,
        subject=subject if connection.scope == "organization" else None,
        base_url=connection.base_url,
        access="free_busy" if connection.access == "free_busy" else "read_write",
    )


def store_rotated(settings: Settings, connection: CalendarConnection, grant: Grant) -> None:
    """A provider that rotated the refresh token during a task: keep the new one."""
    if grant.changed:
        own = {
            k: v
            for k, v in grant.values.items()
            if k not in oauth_values(settings, connection.provider)
        }
        connection.credentials_encrypted = encrypt_credentials(settings, own)


# --- shaping -----------------------------------------------------------------------------


def calendar_health(settings: Settings, calendar: MemberCalendar, provider: str) -> CalendarHealth:
    now = utcnow()
    if calendar.failures and calendar.last_error:
        status = "failing"
    elif calendar.last_synced_at is None:
        status = "syncing" if calendar.busy else "never_synced"
    elif calendar.page_token is not None:
        status = "syncing"
    else:
        status = "ok"
    return CalendarHealth(
        last_synced_at=calendar.last_synced_at,
        lag_seconds=(now - calendar.last_synced_at).total_seconds()
        if calendar.last_synced_at
        else None,
        status=status,
        last_error=calendar.last_error,
        last_error_at=calendar.last_error_at,
        push="channel" if calendar.channel_id else ("polling" if calendar.busy else "none"),
        channel_expires_at=calendar.channel_expires_at,
    )


def calendar_public(
    settings: Settings, calendar: MemberCalendar, provider: str
) -> MemberCalendarPublic:
    return MemberCalendarPublic(
        id=calendar.id,
        connection_id=calendar.connection_id,
        member_id=calendar.member_id,
        provider=provider,
        name=calendar.name,
        primary=calendar.primary,
        can_write=calendar.can_write,
        busy=calendar.busy,
        receives_interviews=calendar.receives_interviews,
        time_zone=calendar.time_zone,
        health=calendar_health(settings, calendar, provider),
    )


async def publics(
    session: AsyncSession, connections: list[CalendarConnection], *, with_health: bool = True
) -> list[CalendarConnectionPublic]:
    settings = settings_of(session)
    ids = [c.id for c in connections]
    by_connection: dict[uuid.UUID, list[MemberCalendar]] = defaultdict(list)
    writes: dict[uuid.UUID, tuple[int, int]] = {}
    if with_health and ids:
        for calendar in await repository.calendars_of_connections(session, ids):
            by_connection[calendar.connection_id].append(calendar)
        writes = await repository.write_figures(session, ids)
    result = []
    now = utcnow()
    for c in connections:
        public = CalendarConnectionPublic(
            id=c.id,
            provider=c.provider,
            scope=c.scope,
            member_id=c.member_id,
            name=c.name,
            status=c.status,
            status_reason=c.status_reason,
            account_email=c.account_email,
            base_url=c.base_url,
            invitations=c.invitations,
            video=c.video,
            access=c.access,
            credential_names=sorted(read_credentials(settings, c)),
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        if with_health:
            calendars = by_connection[c.id]
            busy = [k for k in calendars if k.busy]
            synced = [k.last_synced_at for k in busy if k.last_synced_at is not None]
            stalest = min(synced) if synced and len(synced) == len(busy) else None
            pending, failed = writes.get(c.id, (0, 0))
            public.health = CalendarConnectionHealth(
                calendars=len(calendars),
                failing_calendars=sum(1 for k in calendars if k.failures and k.last_error),
                last_synced_at=max(synced) if synced else None,
                lag_seconds=(now - stalest).total_seconds() if stalest else None,
                pending_writes=pending,
                failed_writes=failed,
                recent_errors=[ConnectionErrorPublic.model_validate(e) for e in c.recent_errors],
                unmatched_members=[UnmatchedMember.model_validate(u) for u in c.unmatched],
            )
        result.append(public)
    return result


def _record(
    session: AsyncSession,
    actor: Actor | None,
    connection: CalendarConnection,
    type: str,
    data: dict[str, Any],
) -> None:
    if type in ("calendar.connected", "calendar.disconnected"):
        # Connecting and disconnecting are also written to the audit trail.
        audit.record(
            session,
            connection.organization_id,
            actor,
            type,
            "calendar_connection",
            connection.id,
            {
                "provider": connection.provider,
                **({"member_id": str(connection.member_id)} if connection.member_id else {}),
            },
        )
    events.record(
        session,
        connection.organization_id,
        actor,
        type,
        "calendar_connection",
        connection.id,
        {"connection_id": str(connection.id), "provider": connection.provider, **data},
    )


# --- connecting --------------------------------------------------------------------------


def _check_credentials(provider: str, scope: str, values: dict[str, str]) -> None:
    required = REQUIRED_CREDENTIALS.get((provider, scope))
    if required is None:
        hint = " (a CalDAV account is one member's own)" if provider == "caldav" else ""
        raise InvalidInput.for_field("scope", f"{provider} does not connect as {scope}{hint}")
    missing = [name for name in required if not values.get(name)]
    if missing:
        raise InvalidInput.for_field(
            "credentials", f"{provider} ({scope}) needs {', '.join(missing)}"
        )


def initial_calendar_rows(
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    member_id: uuid.UUID,
    subject: str | None,
    calendars: list[RemoteCalendar],
    *,
    has_interview_calendar: bool,
    access: str = "read_write",
) -> list[dict[str, Any]]:
    """The primary calendar counts as busy and receives interviews (unless the member already
    has an interview calendar elsewhere); the others are listed, off until the member turns
    them on. Under a free/busy-only grant nothing can be written, whatever the provider says
    of the calendar itself."""
    writable = access == "read_write"
    primary = next((c for c in calendars if c.primary), calendars[0] if calendars else None)
    now = utcnow()
    return [
        {
            "id": uuid.uuid4(),
            "organization_id": organization_id,
            "connection_id": connection_id,
            "member_id": member_id,
            "subject": subject,
            "remote_id": c.id[:1000],
            "name": (c.name or c.id)[:300],
            "time_zone": c.time_zone,
            "primary": c is primary,
            "can_write": c.can_write and writable,
            "busy": c is primary,
            "receives_interviews": c is primary
            and c.can_write
            and writable
            and not has_interview_calendar,
            "next_sync_at": now if c is primary else None,
            "created_at": now,
        }
        for c in calendars
    ]


async def create_connection(
    session: AsyncSession, actor: Actor, data: CalendarConnectionCreate, http: httpx.AsyncClient
) -> CalendarConnectionPublic:
    settings = settings_of(session)
    scope = data.scope or ("member" if data.provider == "caldav" else "organization")
    _check_credentials(data.provider, scope, dict(data.credentials))
    if scope == "organization":
        actor.require(PermissionSet.admin)
    owner = data.member_id or actor.member_id
    if scope == "member" and owner != actor.member_id:
        if not actor.is_admin:
            raise PermissionDenied("Only admins connect another member's calendar")
        if await members_repo.get_member(session, actor.organization_id, owner) is None:
            raise InvalidInput.for_field("member_id", "is not a member of your organization")
        await end_read(session)
    base_url = data.base_url
    if data.provider == "caldav":
        base_url = None  # the server is credentials.url
        reason = outbound.check_url_shape(data.credentials["url"], settings)
        if reason is not None:
            raise InvalidInput.for_field("credentials.url", reason)
    elif base_url is not None:
        reason = outbound.check_url_shape(base_url, settings)
        if reason is not None:
            raise InvalidInput.for_field("base_url", reason)

    # The real read, with no transaction open on this session.
    adapter = adapter_for(data.provider)
    connection = CalendarConnection(
        organization_id=actor.organization_id,
        provider=data.provider,
        scope=scope,
        member_id=owner if scope == "member" else None,
        name=data.name or _default_name(data.provider, scope),
        base_url=base_url,
        invitations=data.invitations,
        video=data.video,
        created_by_id=actor.member_id,
        credentials_encrypted=encrypt_credentials(settings, dict(data.credentials)),
    )
    grant = grant_for(settings, connection, None)
    if data.provider == "caldav" and not grant.values.get("email"):
        # How the adapter recognises the owner's own attendee line (their accept or decline).
        grant.values["email"] = actor.email if owner == actor.member_id else ""
    calendars: list[RemoteCalendar] = []
    try:
        if connection.provider == "google" and scope == "organization":
            # Domain-wide delegation yields a token only for a mailbox, and the admin may
            # have none: the key is checked here, the mailboxes by the worker's matching.
            _check_service_account_key(data.credentials["service_account_json"])
        else:
            await adapter.authorize(http, grant, settings)
        if scope == "member":
            connection.account_email = await adapter.whoami(http, grant, settings) or (
                data.credentials.get("username")
                if "@" in data.credentials.get("username", "")
                else None
            )
            calendars = await adapter.list_calendars(http, grant, settings)
    except CalendarError as exc:
        raise InvalidInput.for_field(
            "credentials", f"the {data.provider} account could not be read: {exc}"
        ) from exc

    store_rotated(settings, connection, grant)
    session.add(connection)
    await session.flush()
    if scope == "member":
        existing = await repository.calendars_of_member(session, actor.organization_id, owner)
        await repository.upsert_calendars(
            session,
            initial_calendar_rows(
                actor.organization_id,
                connection.id,
                owner,
                None,
                calendars,
                has_interview_calendar=any(c.receives_interviews for c, _ in existing),
            ),
        )
    else:
        connection.discover_at = utcnow()  # the worker matches members to mailboxes
    record_connected(session, actor, connection)
    return (await publics(session, [connection], with_health=False))[0]


def record_connected(
    session: AsyncSession, actor: Actor | None, connection: CalendarConnection
) -> None:
    _record(session, actor, connection, "calendar.connected", {"scope": connection.scope})


def _check_service_account_key(raw: str) -> None:
    try:
        key = orjson.loads(raw)
    except orjson.JSONDecodeError:
        key = None
    if (
        not isinstance(key, dict)
        or not key.get("client_email")
        or "PRIVATE KEY" not in str(key.get("private_key", ""))
    ):
        raise InvalidInput.for_field(
            "credentials.service_account_json",
            "must be the service account's JSON key file (with client_email and private_key)",
        )


def _default_name(provider: str, scope: str) -> str:
    names = {"google": "Google Calendar", "microsoft": "Microsoft 365", "caldav": "CalDAV"}
    return names[provider] + (" (organization)" if scope == "organization" else "")


# --- reading and changing ----------------------------------------------------------------


def _visible(actor: Actor, connection: CalendarConnection) -> bool:
    return (
        actor.permission_set in (PermissionSet.admin, PermissionSet.recruiter)
        or connection.member_id == actor.member_id
        or connection.scope == "organization"
    )


def _manages(actor: Actor, connection: CalendarConnection) -> bool:
    return actor.is_admin or (
        connection.scope == "member" and connection.member_id == actor.member_id
    )


async def list_connections(
    session: AsyncSession, actor: Actor, page: PageRequest
) -> Page[CalendarConnectionPublic]:
    mine_only = actor.permission_set not in (PermissionSet.admin, PermissionSet.recruiter)
    rows = await repository.list_connections(
        session, actor.organization_id, page, actor.member_id if mine_only else None
    )
    result = to_page(rows, page, lambda c: (c.created_at, c.id))
    return Page(await publics(session, list(result.items)), result.next_cursor)


async def get_connection(
    session: AsyncSession, actor: Actor, connection_id: uuid.UUID
) -> CalendarConnectionPublic:
    connection = await repository.get_connection(session, actor.organization_id, connection_id)
    if connection is None or not _visible(actor, connection):
        raise NotFound("calendar connection", connection_id)
    return (await publics(session, [connection]))[0]


async def _managed(
    session: AsyncSession, actor: Actor, connection_id: uuid.UUID
) -> CalendarConnection:
    connection = await repository.get_connection_for_update(
        session, actor.organization_id, connection_id
    )
    if connection is None or not _visible(actor, connection):
        raise NotFound("calendar connection", connection_id)
    if not _manages(actor, connection):
        raise PermissionDenied("Only an admin or the member who connected it changes this")
    return connection


async def update_connection(
    session: AsyncSession,
    actor: Actor,
    connection_id: uuid.UUID,
    data: CalendarConnectionUpdate,
    expected_version: int | None = None,
) -> CalendarConnectionPublic:
    settings = settings_of(session)
    connection = await _managed(session, actor, connection_id)
    check_version(connection.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    changed: list[str] = []
    if "credentials" in values:
        credentials = values.pop("credentials")
        _check_credentials(connection.provider, connection.scope, credentials)
        connection.credentials_encrypted = encrypt_credentials(settings, credentials)
        changed.append("credentials")
        if connection.status == "needs_reauth":
            connection.status, connection.status_reason = "active", None
            changed.append("status")
            await repository.sync_all_due(session, connection.id)
    status = values.pop("status", None)
    if status is not None and status != connection.status:
        if connection.status == "needs_reauth" and "credentials" not in changed:
            raise InvalidInput.for_field(
                "status", "the connection needs new credentials (or a new consent) first"
            )
        connection.status = status
        changed.append("status")
        if status == "active":
            await repository.sync_all_due(session, connection.id)
    changed += apply_changes(connection, values)
    if changed:
        connection.version += 1
        connection.updated_at = utcnow()
        _record(session, actor, connection, "calendar.updated", {"changed": sorted(set(changed))})
        await session.flush()
    return (await publics(session, [connection]))[0]


async def delete_connection(session: AsyncSession, actor: Actor, connection_id: uuid.UUID) -> None:
    """Deletes the connection with its calendars, their mirrored busy time and the record of
    what was written; the interviews stay (and stay in people's calendars)."""
    connection = await _managed(session, actor, connection_id)
    _record(session, actor, connection, "calendar.disconnected", {})
    for calendar in await repository.calendars_of_connections(session, [connection.id]):
        _close_channel(session, connection, calendar)
    await session.delete(connection)
    await session.flush()


def _close_channel(
    session: AsyncSession, connection: CalendarConnection, calendar: MemberCalendar
) -> None:
    """The provider stops pushing for this calendar: the worker closes its channel later."""
    stop = repository.channel_stop_row(connection, calendar)
    if stop is not None:
        session.add(stop)
    calendar.channel_id = calendar.channel_resource_id = None
    calendar.channel_token_hash = calendar.channel_expires_at = None


# --- a member's calendars ----------------------------------------------------------------


async def member_calendars(
    session: AsyncSession, actor: Actor, member_id: uuid.UUID
) -> list[MemberCalendarPublic]:
    member = await members_repo.get_member(session, actor.organization_id, member_id)
    if member is None:
        raise NotFound("member", member_id)
    settings = settings_of(session)
    return [
        calendar_public(settings, c, p)
        for c, p in await repository.calendars_of_member(session, actor.organization_id, member_id)
    ]


async def get_member_calendar(
    session: AsyncSession, actor: Actor, calendar_id: uuid.UUID
) -> MemberCalendarPublic:
    """One member's calendar by its id alone (GraphQL's node(id:)): readable, as the member's
    list of calendars, by anyone of the organization; 404 outside it."""
    found = await repository.calendar_with_connection(session, calendar_id)
    if found is None or found[0].organization_id != actor.organization_id:
        raise NotFound("calendar", calendar_id)
    calendar, connection = found
    return calendar_public(settings_of(session), calendar, connection.provider)


async def calendars_of_members(
    session: AsyncSession, actor: Actor, member_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MemberCalendarPublic]]:
    """Several members' calendars in one statement (GraphQL's loaders); the members are
    already known to be in the actor's organization, and the query is scoped to it."""
    settings = settings_of(session)
    found: dict[uuid.UUID, list[MemberCalendarPublic]] = defaultdict(list)
    for calendar, provider in await repository.calendars_of_members(
        session, actor.organization_id, member_ids
    ):
        found[calendar.member_id].append(calendar_public(settings, calendar, provider))
    return found


async def update_member_calendar(
    session: AsyncSession, actor: Actor, calendar_id: uuid.UUID, data: MemberCalendarUpdate
) -> MemberCalendarPublic:
    calendar = await repository.get_calendar_for_update(session, actor.organization_id, calendar_id)
    if calendar is None:
        raise NotFound("calendar", calendar_id)
    if calendar.member_id != actor.member_id and actor.permission_set not in (
        PermissionSet.admin,
        PermissionSet.recruiter,
    ):
        raise PermissionDenied("Only the member, an admin or a recruiter chooses these calendars")
    connection = await repository.get_connection_by_id(session, calendar.connection_id)
    assert connection is not None
    changed: list[str] = []
    if data.busy is not None and data.busy != calendar.busy:
        calendar.busy = data.busy
        changed.append("busy")
        if data.busy:
            calendar.next_sync_at = utcnow()
            calendar.sync_token = calendar.page_token = None
        else:
            # No longer busy time: its mirror goes, nothing reads it, nothing pushes for it.
            await repository.drop_blocks_of_calendar(session, calendar.id)
            calendar.next_sync_at = calendar.sync_token = calendar.page_token = None
            _close_channel(session, connection, calendar)
    if (
        data.receives_interviews is not None
        and data.receives_interviews != calendar.receives_interviews
    ):
        if data.receives_interviews and not calendar.can_write:
            raise InvalidInput.for_field(
                "receives_interviews", "this calendar is read-only for the account"
            )
        calendar.receives_interviews = data.receives_interviews
        changed.append("receives_interviews")
        if data.receives_interviews:
            await repository.clear_interview_calendar(session, calendar.member_id, calendar.id)
    if changed:
        events.record(
            session,
            actor.organization_id,
            actor,
            "calendar.updated",
            "calendar_connection",
            connection.id,
            {
                "connection_id": str(connection.id),
                "provider": connection.provider,
                "calendar_id": str(calendar.id),
                "member_id": str(calendar.member_id),
                "changed": changed,
            },
        )
        await session.flush()
    return calendar_public(settings_of(session), calendar, connection.provider)
