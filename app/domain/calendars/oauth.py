"""A member connects their own Google or Microsoft calendar: OAuth 2.0 authorization code with
PKCE (RFC 7636) and a `state` bound to the member who started it.

`start` stores the state (as a hash) with the PKCE verifier (encrypted) and answers the
provider's consent URL. The provider sends the member's browser back to `callback` with the
code and the state. The callback takes the state in one statement (used once: a replayed
callback finds nothing), commits, trades the code with no transaction open, and records the
connection and its calendars in a new transaction. That flow spans two transactions around a
provider call, so, like a worker task, it is given the database rather than one session.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app import crypto
from app.clock import utcnow
from app.core.actor import Actor
from app.db import Database, settings_of
from app.domain.calendars import repository
from app.domain.calendars.connections import (
    encrypt_credentials,
    initial_calendar_rows,
    publics,
    record_connected,
)
from app.domain.calendars.models import CalendarConnection, CalendarOAuthState
from app.domain.calendars.schemas import CalendarConnectionPublic, OAuthStart, OAuthStarted
from app.errors import FieldError, InvalidInput
from app.integrations.calendars.base import (
    CalendarError,
    Grant,
    OAuthCalendarAdapter,
    OAuthClient,
    RemoteCalendar,
)
from app.integrations.calendars.registry import adapter_for
from app.settings import Settings

CALLBACK_PATH = "/api/v1/calendar-connections/oauth/callback"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def oauth_client(settings: Settings, provider: str) -> OAuthClient:
    redirect = settings.public_url.rstrip("/") + CALLBACK_PATH
    if provider == "google" and settings.google_oauth_client_id:
        return OAuthClient(
            client_id=settings.google_oauth_client_id,
            client_secret=settings.google_oauth_client_secret or "",
            redirect_uri=redirect,
            base_url=settings.google_oauth_base_url,
        )
    if provider == "microsoft" and settings.microsoft_oauth_client_id:
        return OAuthClient(
            client_id=settings.microsoft_oauth_client_id,
            client_secret=settings.microsoft_oauth_client_secret or "",
            redirect_uri=redirect,
            tenant=settings.microsoft_oauth_tenant,
            base_url=settings.microsoft_oauth_base_url,
        )
    variable = f"HIRELOOP_{provider.upper()}_OAUTH_CLIENT_ID"
    raise InvalidInput.for_field(
        "provider", f"members cannot connect {provider} here yet: {variable} is not set"
    )


def _api_url(settings: Settings, provider: str) -> str | None:
    if provider == "google":
        return settings.google_calendar_api_url
    return settings.microsoft_graph_api_url


def _adapter(provider: str) -> OAuthCalendarAdapter:
    adapter = adapter_for(provider)
    assert isinstance(adapter, OAuthCalendarAdapter)
    return adapter


async def start(session: AsyncSession, actor: Actor, data: OAuthStart) -> OAuthStarted:
    settings = settings_of(session)
    client = oauth_client(settings, data.provider)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    expires_at = utcnow() + timedelta(minutes=settings.oauth_state_minutes)
    session.add(
        CalendarOAuthState(
            organization_id=actor.organization_id,
            member_id=actor.member_id,
            provider=data.provider,
            access=data.access,
            state_hash=_hash(state),
            verifier_encrypted=crypto.encrypt(settings.secret_key, verifier),
            expires_at=expires_at,
        )
    )
    await session.flush()
    consent = _adapter(data.provider).consent_url(
        client,
        state=state,
        code_challenge=challenge.decode().rstrip("="),
        login_hint=data.login_hint or actor.email,
        access=data.access,
    )
    return OAuthStarted(consent_url=consent.url, expires_at=expires_at)


def _refused(field: str, message: str) -> InvalidInput:
    error = InvalidInput(f"{field}: {message}", [FieldError(field, message)])
    error.status = 400
    return error


async def callback(
    db: Database,
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
) -> CalendarConnectionPublic:
    if not state:
        raise _refused("state", "is missing")
    async with db.transaction() as session:
        taken = await repository.take_oauth_state(session, _hash(state))
    if taken is None:
        raise _refused("state", "is unknown or was already used; start the connection again")
    if taken.expires_at < utcnow():
        raise _refused("state", "has expired; start the connection again")
    if error:
        raise _refused("error", f"the provider refused the consent: {error[:200]}")
    if not code:
        raise _refused("code", "is missing")
    adapter = _adapter(taken.provider)
    client = oauth_client(settings, taken.provider)
    verifier = crypto.decrypt(settings.secret_key, taken.verifier_encrypted)
    try:
        tokens = await adapter.exchange_code(
            http,
            client,
            code=code,
            code_verifier=verifier,
            settings=settings,
            access="free_busy" if taken.access == "free_busy" else "read_write",
        )
        grant = Grant(
            provider=taken.provider,  # type: ignore[arg-type]
            values=dict(tokens.values),
            base_url=_api_url(settings, taken.provider),
            access_token=tokens.access_token,
            access_expires_at=tokens.access_expires_at,
            access=tokens.access,
        )
        calendars = await adapter.list_calendars(http, grant, settings)
        email = tokens.email or await adapter.whoami(http, grant, settings)
    except CalendarError as exc:
        raise _refused("code", f"the consent could not be used: {exc}") from exc
    return await _record(db, taken, grant, email, calendars)


async def _record(
    db: Database,
    taken: CalendarOAuthState,
    grant: Grant,
    email: str | None,
    calendars: list[RemoteCalendar],
) -> CalendarConnectionPublic:
    async with db.transaction() as session:
        settings = settings_of(session)
        names = {"google": "Google Calendar", "microsoft": "Microsoft 365"}
        connection = CalendarConnection(
            id=uuid.uuid4(),
            organization_id=taken.organization_id,
            provider=taken.provider,
            scope="member",
            member_id=taken.member_id,
            name=names.get(taken.provider, taken.provider),
            base_url=grant.base_url,
            account_email=email,
            created_by_id=taken.member_id,
            credentials_encrypted=encrypt_credentials(settings, grant.values),
            access=grant.access,
        )
        session.add(connection)
        await session.flush()
        existing = await repository.calendars_of_member(
            session, taken.organization_id, taken.member_id
        )
        await repository.upsert_calendars(
            session,
            initial_calendar_rows(
                taken.organization_id,
                connection.id,
                taken.member_id,
                None,
                calendars,
                has_interview_calendar=any(c.receives_interviews for c, _ in existing),
                access=grant.access,
            ),
        )
        record_connected(session, None, connection)
        return (await publics(session, [connection], with_health=False))[0]
