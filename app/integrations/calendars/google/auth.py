"""Access tokens for Google Calendar: service account (domain-wide delegation) and per-member
OAuth 2.0 (authorization code with PKCE, then refresh tokens).

Service account (developers.google.com/identity/protocols/oauth2/service-account, RFC 7523):
POST the token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and
`assertion=<JWT>`, the JWT signed RS256 with the key file's `private_key` (header `kid` =
`private_key_id`), claims `iss` = client_email, `scope` (space-separated), `aud` = the token
endpoint, `iat`, `exp` (at most an hour later) and `sub` = the member's mailbox. The answer is
`{access_token, expires_in, token_type}`; no refresh token (a new assertion mints a new one).

Per member (developers.google.com/identity/protocols/oauth2/web-server): the consent URL is
`https://accounts.google.com/o/oauth2/v2/auth` with client_id, redirect_uri,
response_type=code, scope, access_type=offline (a refresh token), prompt=consent (a refresh
token again on reconnect), include_granted_scopes=true, state, code_challenge +
code_challenge_method=S256 (RFC 7636) and login_hint. The code is exchanged at the token
endpoint with `grant_type=authorization_code`, code, code_verifier, redirect_uri and the
client's id and secret; refreshed with `grant_type=refresh_token`. A revoked or expired
refresh token (or a used code) answers 400 `{"error": "invalid_grant"}`: NeedsReauth.

Errors of the token endpoint are OAuth's `{"error", "error_description"}`. `invalid_grant`,
`unauthorized_client` (delegation not granted for these scopes), `invalid_client`,
`access_denied` and `admin_policy_enforced` all mean a person must act: NeedsReauth.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives import serialization

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
from app.settings import Settings

DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"
DEFAULT_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
DEFAULT_API_ROOT = "https://www.googleapis.com/calendar/v3"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# Least privilege, per call (each method's reference page lists the scopes it accepts):
# - calendar.events: events.list / get / insert / patch / delete, events.watch, channels.stop
# - calendar.calendarlist.readonly: calendarList.list (only the list, no event data)
# - calendar.freebusy: freeBusy.query
SCOPE_EVENTS = "https://www.googleapis.com/auth/calendar.events"
SCOPE_CALENDAR_LIST = "https://www.googleapis.com/auth/calendar.calendarlist.readonly"
SCOPE_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
SCOPES = (SCOPE_EVENTS, SCOPE_CALENDAR_LIST, SCOPE_FREEBUSY)
# Per-member consent adds openid + email so the id_token names the account.
CONSENT_SCOPES = ("openid", "email", *SCOPES)
# A member who lets us see only when they are busy: freeBusy.query and nothing else (no event
# titles, no writes, no push channels; the busy mirror is polled).
FREE_BUSY_CONSENT_SCOPES = ("openid", "email", SCOPE_FREEBUSY)


def consent_scopes(access: Access) -> tuple[str, ...]:
    return CONSENT_SCOPES if access == "read_write" else FREE_BUSY_CONSENT_SCOPES


def granted_access(asked: Access, granted: str) -> Access:
    """What a consent allows, from the scopes Google answered with: Google's consent screen
    lets the member untick scopes, so a read-write request may come back free/busy only."""
    scopes = set(granted.split())
    if asked == "read_write" and {SCOPE_EVENTS, SCOPE_CALENDAR_LIST} <= scopes:
        return "read_write"
    if SCOPE_FREEBUSY in scopes:
        return "free_busy"
    raise NeedsReauth(
        "the consent did not grant access to the calendar (at least "
        "'See the availability on Google Calendars'); consent again"
    )


REFRESH_MARGIN = timedelta(seconds=60)
ASSERTION_LIFETIME = 3600  # seconds; Google's maximum
_REAUTH_ERRORS = {
    "invalid_grant",
    "unauthorized_client",
    "invalid_client",
    "access_denied",
    "admin_policy_enforced",
}


# --- where ---------------------------------------------------------------------------------


def api_root(grant: Grant) -> str:
    return (grant.base_url or DEFAULT_API_ROOT).rstrip("/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def token_url(grant: Grant) -> str:
    """Google's token endpoint, or `<origin of base_url>/token` when the grant names another
    API root (a local fake). The key file's own token_uri is deliberately not followed: it is
    data we were given, and a signed assertion should go only to Google."""
    return f"{_origin(grant.base_url)}/token" if grant.base_url else DEFAULT_TOKEN_URL


def client_token_url(client: OAuthClient) -> str:
    return f"{client.base_url.rstrip('/')}/token" if client.base_url else DEFAULT_TOKEN_URL


def client_auth_url(client: OAuthClient) -> str:
    return (
        f"{client.base_url.rstrip('/')}/o/oauth2/v2/auth" if client.base_url else DEFAULT_AUTH_URL
    )


# --- the key file and the account ------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccount:
    client_email: str
    private_key: str
    private_key_id: str | None


def service_account(grant: Grant) -> ServiceAccount:
    try:
        data = json.loads(grant.get("service_account_json"))
        return ServiceAccount(
            client_email=str(data["client_email"]),
            private_key=str(data["private_key"]),
            private_key_id=str(data["private_key_id"]) if data.get("private_key_id") else None,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise NeedsReauth("the service account key is not a Google JSON key file") from exc


def is_service_account(grant: Grant) -> bool:
    return bool(grant.values.get("service_account_json"))


def account_key(grant: Grant) -> str:
    """Who the calls are made as: the throttle and token-cache key (no secret in it)."""
    if is_service_account(grant):
        who = f"{service_account(grant).client_email}>{grant.subject or ''}"
    else:
        refresh = grant.values.get("refresh_token") or ""
        who = "oauth:" + hashlib.sha256(refresh.encode()).hexdigest()[:24]
    return f"google:{grant.base_url or ''}:{who}"


def throttle(grant: Grant) -> vendor_http.Throttle:
    return vendor_http.throttle_for(account_key(grant))


# --- the token cache -----------------------------------------------------------------------
# A Grant lives for one task; the process keeps the access token it earned for the next task
# on the same account, so a busy worker does not mint a token per task.


_tokens = TokenCache()


def clear_token_cache() -> None:
    _tokens.clear()


def _fresh(token: str | None, expires_at: datetime | None) -> bool:
    return bool(token) and expires_at is not None and expires_at - REFRESH_MARGIN > _now()


def _now() -> datetime:
    return datetime.now(UTC)


async def authorize(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, *, stale: str | None = None
) -> str:
    """A bearer token valid for at least a minute; `stale` is one the API just refused."""
    if grant.access_token != stale and _fresh(grant.access_token, grant.access_expires_at):
        assert grant.access_token is not None
        return grant.access_token

    async def mint() -> AccessToken:
        if is_service_account(grant):
            token, expires_at = await _service_account_token(http, grant, settings)
        else:
            token, expires_at = await _refresh(http, grant, settings)
        return AccessToken(token, expires_at)

    cached = await _tokens.get(account_key(grant), mint, stale=stale)
    grant.access_token, grant.access_expires_at = cached.value, cached.expires_at
    return cached.value


@functools.lru_cache(maxsize=256)
def _signing_key(pem: str) -> Any:
    """The service account's private key, parsed once (parsing costs ~130 ms a time; every
    mailbox of an organization-wide connection signs with the same key)."""
    try:
        return serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise NeedsReauth("the service account's private key cannot be read") from exc


def assertion(account: ServiceAccount, subject: str, audience: str, now: float) -> str:
    claims = {
        "iss": account.client_email,
        "scope": " ".join(SCOPES),
        "aud": audience,
        "iat": int(now),
        "exp": int(now) + ASSERTION_LIFETIME,
        "sub": subject,
    }
    headers = {"kid": account.private_key_id} if account.private_key_id else None
    try:
        return jwt.encode(
            claims, _signing_key(account.private_key), algorithm="RS256", headers=headers
        )
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        raise NeedsReauth("the service account's private key cannot sign") from exc


async def _service_account_token(
    http: httpx.AsyncClient, grant: Grant, settings: Settings
) -> tuple[str, datetime]:
    if not grant.subject:
        raise CalendarError(
            "a service-account grant needs the member's mailbox as its subject", transient=False
        )
    account = service_account(grant)
    url = token_url(grant)
    form = {
        "grant_type": JWT_BEARER,
        "assertion": assertion(account, grant.subject, url, time.time()),
    }
    body = await _token_call(http, url, form, settings, throttle(grant))
    return _access(body)


async def _refresh(
    http: httpx.AsyncClient, grant: Grant, settings: Settings
) -> tuple[str, datetime]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": grant.get("refresh_token"),
        "client_id": grant.get("client_id"),
        "client_secret": grant.get("client_secret"),
    }
    body = await _token_call(http, token_url(grant), form, settings, throttle(grant))
    # Google normally keeps the refresh token; store a rotated one when it sends one.
    rotated = body.get("refresh_token")
    if isinstance(rotated, str) and rotated and rotated != grant.values.get("refresh_token"):
        grant.values["refresh_token"] = rotated
        grant.changed = True
    return _access(body)


def _access(body: Mapping[str, Any]) -> tuple[str, datetime]:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise CalendarError("Google's token answer lacks access_token", transient=True)
    lifetime = body.get("expires_in")
    seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
    return token, _now() + timedelta(seconds=seconds)


async def _token_call(
    http: httpx.AsyncClient,
    url: str,
    form: dict[str, str],
    settings: Settings,
    throttle: vendor_http.Throttle,
) -> dict[str, Any]:
    try:
        response = await vendor_http.request(
            http,
            "POST",
            url,
            settings=settings,
            throttle=throttle,
            headers={"Accept": "application/json"},
            data=form,
        )
    except VendorError as exc:
        error = _oauth_error(exc.body)
        if exc.status in (400, 401, 403) and error in _REAUTH_ERRORS:
            raise NeedsReauth(f"Google refused the grant ({error})") from exc
        raise CalendarError(
            f"Google's token endpoint failed: {exc}",
            transient=exc.transient,
            retry_after=exc.retry_after,
            status=exc.status,
        ) from exc
    try:
        body = response.json()
    except ValueError as exc:
        raise CalendarError("Google's token answer is not JSON", transient=True) from exc
    if not isinstance(body, dict):
        raise CalendarError("Google's token answer is not an object", transient=True)
    return body


def _oauth_error(body: str | None) -> str | None:
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else None


# --- per-member consent ----------------------------------------------------------------------


def consent_url(
    client: OAuthClient,
    *,
    state: str,
    code_challenge: str,
    login_hint: str | None,
    access: Access = "read_write",
) -> Consent:
    query = {
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uri,
        "response_type": "code",
        "scope": " ".join(consent_scopes(access)),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        query["login_hint"] = login_hint
    return Consent(url=f"{client_auth_url(client)}?{urlencode(query)}")


def _id_token_email(id_token: Any) -> str | None:
    """The `email` claim of the id_token. It came to us straight from Google's token endpoint
    over TLS, so (as Google's OpenID guide allows) its signature is not checked here."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    email = claims.get("email") if isinstance(claims, dict) else None
    return email.strip().lower() if isinstance(email, str) and email else None


async def exchange_code(
    http: httpx.AsyncClient,
    client: OAuthClient,
    *,
    code: str,
    code_verifier: str,
    settings: Settings,
    access: Access = "read_write",
) -> TokenSet:
    url = client_token_url(client)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": code_verifier,
        "redirect_uri": client.redirect_uri,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
    }
    body = await _token_call(
        http, url, form, settings, vendor_http.throttle_for(f"google-oauth:{client.client_id}")
    )
    refresh = body.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        # access_type=offline with prompt=consent always yields one; without it we could not
        # keep the calendar in sync after an hour.
        raise NeedsReauth("Google granted no refresh token; consent again")
    token, expires_at = _access(body)
    scope = str(body.get("scope") or "")
    granted = granted_access(access, scope)
    email = _id_token_email(body.get("id_token"))
    return TokenSet(
        # authorize() refreshes with the client's id and secret: the Grant carries no
        # OAuthClient, so they are kept with the member's credentials.
        values={
            "refresh_token": refresh,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "scope": scope,
            # A free/busy-only grant cannot ask Google who it is (calendarList needs a scope it
            # lacks): the address from the id_token names its one calendar.
            **({"email": email} if email else {}),
        },
        email=email,
        access_token=token,
        access_expires_at=expires_at,
        access=granted,
    )
