"""Microsoft identity platform (v2.0 endpoint) tokens for Graph.

Two kinds of grant:

- Org-wide, app-only: OAuth 2.0 client credentials. `POST {login}/{tenant}/oauth2/v2.0/token`
  with form `client_id`, `client_secret`, `scope=https://graph.microsoft.com/.default`,
  `grant_type=client_credentials`. The token carries the application permissions an admin
  consented to (Calendars.ReadWrite, or Calendars.Read for read-only); which mailboxes it may
  touch is narrowed by the tenant's application access policy (Exchange
  `New-ApplicationAccessPolicy`), outside our control. Tokens are cached per
  (token URL, client id, secret) in this process until a minute before they expire.
  Grant.values: `tenant_id`, `client_id`, `client_secret`; Grant.subject: the mailbox.

- Per member, delegated: authorization code with PKCE (S256). `consent_url` sends the member
  to `{login}/{tenant}/oauth2/v2.0/authorize`; `exchange_code` posts
  `grant_type=authorization_code` with `code`, `redirect_uri`, `code_verifier`; `authorize`
  posts `grant_type=refresh_token` a minute before the access token expires. The identity
  platform rotates refresh tokens: the new one is written to `grant.values["refresh_token"]`
  and `grant.changed` set, so the caller stores it. `invalid_grant` (revoked, expired, password
  reset), `interaction_required` and `consent_required` mean the member must consent again:
  NeedsReauth. Grant.values: `refresh_token`, `scope` and `email` (the member's address,
  learned at consent) are the member's own (what `exchange_code` returns); `client_id`,
  `client_secret` and `tenant_id` (or `tenant`) name the OAuth app and fall back to the
  settings `microsoft_oauth_client_id`, `microsoft_oauth_client_secret`,
  `microsoft_oauth_tenant` (default "common").

Least privilege (delegated scopes, asked for at consent):
- `offline_access`: a refresh token, for every call made while the member is away.
- `Calendars.ReadWrite`: calendarView delta, calendars, events create/update/delete,
  subscriptions on events, getSchedule; the default (`access="read_write"`).
- `Calendars.Read` + `Calendars.ReadBasic` (`access="free_busy"`): calendars, calendarView
  delta, getSchedule and subscriptions only; put_event and delete_event are refused by Graph.

Roots: the authority is `https://login.microsoftonline.com` unless OAuthClient.base_url is set
(then that root). For a Grant: the scheme and host of Grant.base_url (tests serve both the
token endpoint and Graph from one fake) or the setting `microsoft_oauth_base_url`; an app-only
grant prefers the former, a member's grant the latter.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from app.integrations import http as vendor_http
from app.integrations.calendars.base import (
    Access,
    CalendarError,
    Consent,
    Grant,
    NeedsReauth,
    OAuthClient,
    TokenSet,
    VendorError,
)
from app.integrations.tokens import AccessToken, TokenCache
from app.integrations.tokens import account_key as token_key
from app.settings import Settings

DEFAULT_LOGIN_ROOT = "https://login.microsoftonline.com"
DEFAULT_GRAPH_ROOT = "https://graph.microsoft.com/v1.0"
APP_SCOPE = "https://graph.microsoft.com/.default"
READ_WRITE_SCOPES = ("offline_access", "Calendars.ReadWrite")
FREE_BUSY_SCOPES = ("offline_access", "Calendars.Read", "Calendars.ReadBasic")
REFRESH_MARGIN = timedelta(minutes=1)
# Token errors that mean the grant itself no longer works (RFC 6749 5.2, AADSTS errors).
REAUTH_ERRORS = {
    "invalid_grant",
    "invalid_client",
    "unauthorized_client",
    "interaction_required",
    "consent_required",
}


_app_tokens = TokenCache()
# Concurrent refreshes of one member's grant run once (the others wait and find it fresh).
_locks: dict[str, asyncio.Lock] = {}


def clear_token_cache() -> None:
    """Forget every cached app-only token (tests; a rotated secret is a new key anyway)."""
    _app_tokens.clear()


def graph_root(grant: Grant) -> str:
    return (grant.base_url or DEFAULT_GRAPH_ROOT).rstrip("/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _setting(settings: Settings, name: str) -> str | None:
    """A deployment setting for the organization's Microsoft OAuth app, when configured."""
    value = getattr(settings, name, None)
    return value if isinstance(value, str) and value else None


def login_root_for_grant(grant: Grant, settings: Settings) -> str:
    """App-only grants: the connection's base URL first; a member's grant: the deployment's
    OAuth authority (`microsoft_oauth_base_url`) first, since that issued its refresh token."""
    configured = _setting(settings, "microsoft_oauth_base_url")
    derived = _origin(grant.base_url) if grant.base_url else None
    first, second = (derived, configured) if is_app_only(grant) else (configured, derived)
    return (first or second or DEFAULT_LOGIN_ROOT).rstrip("/")


def login_root_for_client(client: OAuthClient) -> str:
    return (client.base_url or DEFAULT_LOGIN_ROOT).rstrip("/")


def graph_root_for_client(client: OAuthClient) -> str:
    """Where to ask Graph who consented. OAuthClient has no API root of its own: with a
    base_url (tests) Graph is assumed at `{base_url}/v1.0`."""
    if client.base_url:
        return f"{client.base_url.rstrip('/')}/v1.0"
    return DEFAULT_GRAPH_ROOT


def token_url(login_root: str, tenant: str) -> str:
    return f"{login_root}/{quote(tenant, safe='')}/oauth2/v2.0/token"


def scopes_for(access: Access) -> str:
    return " ".join(READ_WRITE_SCOPES if access == "read_write" else FREE_BUSY_SCOPES)


def granted_access(asked: Access, granted: str) -> Access:
    """What a consent allows, from the `scope` the token endpoint answered with (Graph's
    scopes may come back with or without the https://graph.microsoft.com/ prefix)."""
    names = {s.rsplit("/", 1)[-1].lower() for s in granted.split()}
    if asked == "read_write" and "calendars.readwrite" in names:
        return "read_write"
    if names & {"calendars.read", "calendars.readwrite"}:
        return "free_busy"
    raise NeedsReauth("the consent did not grant Calendars.Read; consent again")


def is_app_only(grant: Grant) -> bool:
    """App-only (client credentials) when acting for a mailbox, or when the grant holds no
    member's refresh token: an organization-wide connection being checked before any mailbox
    is known."""
    return grant.subject is not None or not grant.values.get("refresh_token")


def _token_error(exc: VendorError) -> str | None:
    if not exc.body:
        return None
    try:
        body = json.loads(exc.body)
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else None


async def _post_token(
    http: httpx.AsyncClient, url: str, form: dict[str, str], settings: Settings, client_id: str
) -> dict[str, Any]:
    try:
        response = await vendor_http.request(
            http,
            "POST",
            url,
            settings=settings,
            throttle=vendor_http.throttle_for(f"microsoft-token:{client_id}"),
            headers={"Accept": "application/json"},
            data=form,
        )
    except VendorError as exc:
        if isinstance(exc, CalendarError):
            raise
        error = _token_error(exc)
        if error in REAUTH_ERRORS:
            raise NeedsReauth(f"Microsoft refused the grant ({error})") from exc
        raise CalendarError(
            f"the Microsoft token endpoint failed: {exc}",
            transient=exc.transient,
            retry_after=exc.retry_after,
            status=exc.status,
        ) from exc
    try:
        body = response.json()
    except ValueError as exc:
        raise CalendarError("the token endpoint answered non-JSON", transient=True) from exc
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise CalendarError("the token endpoint's answer lacks access_token", transient=True)
    return body


def _expiry(body: Mapping[str, Any]) -> datetime:
    seconds = body.get("expires_in")
    try:
        lifetime = float(seconds) if seconds is not None else 3600.0
    except (TypeError, ValueError):
        lifetime = 3600.0
    return datetime.now(UTC) + timedelta(seconds=lifetime)


def _fresh(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at - REFRESH_MARGIN > datetime.now(UTC)


async def authorize(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, *, stale: str | None = None
) -> None:
    """Make grant.access_token valid for at least a minute. `stale` names a token Graph just
    refused (401): it is replaced even if it looks fresh."""
    if grant.access_token and grant.access_token != stale and _fresh(grant.access_expires_at):
        return
    if is_app_only(grant):
        await _client_credentials(http, grant, settings, stale=stale)
    else:
        await _refresh(http, grant, settings, stale=stale)


async def _client_credentials(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, *, stale: str | None
) -> None:
    tenant = grant.get("tenant_id")
    client_id = grant.get("client_id")
    secret = grant.get("client_secret")
    url = token_url(login_root_for_grant(grant, settings), tenant)

    async def mint() -> AccessToken:
        body = await _post_token(
            http,
            url,
            {
                "client_id": client_id,
                "client_secret": secret,
                "scope": APP_SCOPE,
                "grant_type": "client_credentials",
            },
            settings,
            client_id,
        )
        return AccessToken(str(body["access_token"]), _expiry(body))

    cached = await _app_tokens.get(token_key(url, client_id, secret), mint, stale=stale)
    grant.access_token = cached.value
    grant.access_expires_at = cached.expires_at


async def _refresh(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, *, stale: str | None
) -> None:
    client_id = grant.values.get("client_id") or _setting(settings, "microsoft_oauth_client_id")
    if not client_id:
        raise CalendarError("the connection's credentials lack client_id", transient=False)
    refresh_token = grant.get("refresh_token")
    # Concurrent calls on one grant refresh once (the others wait and find a fresh token).
    key = token_key(client_id, refresh_token)
    lock = _locks.setdefault(key, asyncio.Lock())
    try:
        async with lock:
            if (
                grant.access_token
                and grant.access_token != stale
                and _fresh(grant.access_expires_at)
            ):
                return
            await _refresh_now(http, grant, settings, client_id, refresh_token)
    finally:
        _locks.pop(key, None)  # the refresh token rotates: this key is not used again


async def _refresh_now(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, client_id: str, refresh_token: str
) -> None:
    tenant = (
        grant.values.get("tenant_id")
        or grant.values.get("tenant")
        or _setting(settings, "microsoft_oauth_tenant")
        or "common"
    )
    form = {
        "client_id": client_id,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "scope": grant.values.get("scope") or scopes_for("read_write"),
    }
    secret = grant.values.get("client_secret") or _setting(
        settings, "microsoft_oauth_client_secret"
    )
    if secret:
        form["client_secret"] = secret
    body = await _post_token(
        http, token_url(login_root_for_grant(grant, settings), tenant), form, settings, client_id
    )
    grant.access_token = str(body["access_token"])
    grant.access_expires_at = _expiry(body)
    rotated = body.get("refresh_token")
    if isinstance(rotated, str) and rotated and rotated != refresh_token:
        grant.values["refresh_token"] = rotated
        grant.changed = True


def consent_url(
    client: OAuthClient,
    *,
    state: str,
    code_challenge: str,
    login_hint: str | None,
    access: Access = "read_write",
) -> Consent:
    params = {
        "client_id": client.client_id,
        "response_type": "code",
        "redirect_uri": client.redirect_uri,
        "response_mode": "query",
        "scope": scopes_for(access),
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    tenant = client.tenant or "common"
    root = login_root_for_client(client)
    return Consent(
        url=f"{root}/{quote(tenant, safe='')}/oauth2/v2.0/authorize?{urlencode(params, quote_via=quote)}"
    )


async def owner_address(
    http: httpx.AsyncClient, root: str, owner: str, access_token: str, settings: Settings
) -> str | None:
    """The mailbox's address, from its default calendar's `owner` (readable with
    Calendars.ReadBasic, so no User.Read scope is needed)."""
    response = await vendor_http.request(
        http,
        "GET",
        f"{root}/{owner}/calendar",
        settings=settings,
        throttle=vendor_http.throttle_for(f"microsoft-consent:{root}"),
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        params={"$select": "owner"},
    )
    try:
        address = response.json().get("owner", {}).get("address")
    except (ValueError, AttributeError):
        return None
    return str(address) if isinstance(address, str) and address else None


async def exchange_code(
    http: httpx.AsyncClient,
    client: OAuthClient,
    *,
    code: str,
    code_verifier: str,
    settings: Settings,
    access: Access = "read_write",
) -> TokenSet:
    tenant = client.tenant or "common"
    scope = scopes_for(access)
    body = await _post_token(
        http,
        token_url(login_root_for_client(client), tenant),
        {
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client.redirect_uri,
            "code_verifier": code_verifier,
            "scope": scope,
        },
        settings,
        client.client_id,
    )
    refresh_token = body.get("refresh_token")
    if not isinstance(refresh_token, str) or not refresh_token:
        raise NeedsReauth("Microsoft granted no refresh token (was offline_access refused?)")
    access_token = str(body["access_token"])
    # An answer without `scope` granted what was asked (the v2 endpoint always names it).
    granted = granted_access(access, str(body.get("scope") or scope))
    email: str | None = None
    try:
        email = await owner_address(
            http, graph_root_for_client(client), "me", access_token, settings
        )
    except VendorError:
        email = None
    # Only the member's own part: the OAuth client (client_id, client_secret, tenant_id) is the
    # deployment's and is merged in when a grant is built (or read from settings here).
    values = {"refresh_token": refresh_token, "scope": scopes_for(granted)}
    if email:
        values["email"] = email
    return TokenSet(
        values=values,
        email=email,
        access_token=access_token,
        access_expires_at=_expiry(body),
        access=granted,
    )
