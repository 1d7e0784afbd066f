"""Who is calling: API keys and OpenID Connect bearer tokens, resolved to an Actor.

The hot path is one dictionary look-up: a verified credential is cached for at most
`auth_cache_seconds` (5 at the most), so a revoked key stops working at once on the instance
that revoked it (its entry is dropped on commit) and within that bound on every other one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from typing import Any

import httpx
import jwt
from fastapi import Request

from app.core.actor import Actor, PermissionSet
from app.core.credentials import API_KEY_PREFIX, hash_api_key, revocations
from app.db import Database
from app.domain.organizations import repository as org_repo
from app.errors import Unauthenticated
from app.ratelimit import RateLimited, RateLimits, client_address
from app.settings import Settings

log = logging.getLogger(__name__)


class ActorCache:
    """Verified credentials for a few seconds, so most requests skip the database."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Actor]] = {}

    def get(self, credential: str) -> tuple[Actor, float] | None:
        """The cached actor and the seconds its entry has left, if it has not expired."""
        entry = self._entries.get(credential)
        if entry is None:
            return None
        left = entry[0] - time.monotonic()
        if left <= 0:
            self._entries.pop(credential, None)
            return None
        return entry[1], left

    def put(self, credential: str, actor: Actor, ttl: float) -> None:
        if ttl <= 0:
            return
        if len(self._entries) > 50_000:
            self._entries.clear()
        self._entries[credential] = (time.monotonic() + ttl, actor)

    def drop(self, credential: str) -> None:
        self._entries.pop(credential, None)

    def forget_api_key(self, api_key_id: uuid.UUID) -> None:
        for credential, (_, actor) in list(self._entries.items()):
            if actor.api_key_id == api_key_id:
                self._entries.pop(credential, None)

    def forget_member(self, member_id: uuid.UUID) -> None:
        for credential, (_, actor) in list(self._entries.items()):
            if actor.member_id == member_id:
                self._entries.pop(credential, None)

    def clear(self) -> None:
        self._entries.clear()


# One per process: a process is one instance of the service. The domain announces revoked keys
# and deactivated members through app.core.credentials; the cache forgets them.
actor_cache = ActorCache()
revocations.subscribe(actor_cache)


class JwksCache:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self._settings = settings
        self._http = http
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> Any:
        fresh = time.monotonic() - self._fetched_at < self._settings.oidc_jwks_cache_seconds
        if not fresh or (kid not in self._keys and time.monotonic() - self._fetched_at > 10):
            await self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        key = self._keys.get(kid or "")
        if key is None:
            raise Unauthenticated("The token was signed with an unknown key")
        return key

    async def _refresh(self) -> None:
        async with self._lock:
            url = self._settings.oidc_jwks_url
            if not url:
                raise Unauthenticated("Bearer tokens are not enabled on this service")
            try:
                response = await self._http.get(url, timeout=5.0)
                response.raise_for_status()
                key_set = jwt.PyJWKSet.from_dict(response.json())
            except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
                raise Unauthenticated("The identity provider's key set is unavailable") from exc
            self._keys = {k.key_id or "": k for k in key_set.keys}
            self._fetched_at = time.monotonic()


class UnknownKeys:
    """API keys just found unknown or revoked, remembered for `unknown_key_cache_seconds`.

    A flood of made-up keys then costs one query per distinct key, not one per request. A key
    can never turn valid later (new keys are random, revoked ones stay revoked), so remembering
    it cannot refuse a good key.
    """

    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._entries: dict[str, float] = {}

    @staticmethod
    def _slot(credential: str) -> str:
        # A long credential is kept as its digest: the cache holds at most 64 characters each.
        if len(credential) <= 64:
            return credential
        return hashlib.sha256(credential.encode()).hexdigest()

    def __contains__(self, credential: str) -> bool:
        slot = self._slot(credential)
        until = self._entries.get(slot)
        if until is None:
            return False
        if until <= time.monotonic():
            self._entries.pop(slot, None)
            return False
        return True

    def add(self, credential: str) -> None:
        if self._ttl <= 0:
            return
        if len(self._entries) >= 100_000:
            self._entries.clear()
        self._entries[self._slot(credential)] = time.monotonic() + self._ttl


def _bearer(authorization: str | None) -> str | None:
    """The credential of `Authorization: Bearer <credential>`; None for any other header."""
    if not authorization:
        return None
    scheme, _, credential = authorization.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        return None
    return credential


def _cache_key(credential: str, organization_hint: str | None) -> str:
    # A token naming another organization (X-Organization-Id) is another caller.
    return credential if organization_hint is None else f"{credential}|{organization_hint}"


class Authenticator:
    """Credentials to Actors, with the caches above and the failed-credential throttle.

    Failed credentials (a key or token that was presented and is wrong) are counted per client
    address (`auth_failures_per_address`); once the address is over, credentials that are not
    already verified in the cache get 429 without being looked up, so a key verified a moment
    ago keeps working from that address while guesses stop reaching the database.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        http: httpx.AsyncClient,
        rate_limits: RateLimits | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self._jwks = JwksCache(settings, http)
        self._limits = rate_limits
        self._unknown = UnknownKeys(settings.unknown_key_cache_seconds)
        # One verification at a time per credential: when an entry expires under load, the
        # requests that arrive meanwhile wait for it instead of each updating the key's row.
        self._inflight: dict[str, asyncio.Future[Actor]] = {}
        self._background: set[asyncio.Task[None]] = set()

    def refusal_before_lookup(
        self, authorization: str | None, organization_hint: str | None, client: str
    ) -> RateLimited | None:
        """The 429 `authenticate` would answer this request with, when it is known without
        counting or looking anything up: a credential sent from an address known to be over
        its failed-credential allowance, and not among the credentials verified moments ago
        (which keep working from there). None when `authenticate` has to run: no credential
        (a 401 that counts nothing), a cached one, or an address not known to be throttled."""
        limits = self._limits
        if limits is None:
            return None
        refusal = limits.throttled(client)
        if refusal is None:
            return None
        credential = _bearer(authorization)
        if (
            credential is None
            or actor_cache.get(_cache_key(credential, organization_hint)) is not None
        ):
            return None
        return refusal

    async def authenticate(
        self,
        authorization: str | None,
        organization_hint: str | None,
        client: str | None = None,
        *,
        count_failures: bool = True,
    ) -> Actor:
        """The caller; `client` (its address) enables the failed-credential throttle, and
        `count_failures` whether a refused credential counts against it here."""
        credential = _bearer(authorization)
        if credential is None:
            raise Unauthenticated("Send 'Authorization: Bearer <API key or token>'")
        cache_key = _cache_key(credential, organization_hint)
        ttl = self._settings.auth_cache_seconds
        cached = actor_cache.get(cache_key)
        if cached is not None:
            actor, left = cached
            # Re-verify ahead of expiry in the background, so a busy key never waits on it.
            if left < ttl / 3 and cache_key not in self._inflight:
                task = asyncio.create_task(self._refresh(cache_key, credential, organization_hint))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            return actor
        limits = self._limits if client is not None else None
        counting = limits if count_failures else None
        if credential in self._unknown:
            if counting is not None:
                await counting.count_failure(client or "")
            raise Unauthenticated("The API key is unknown or revoked")
        if limits is not None:
            await limits.check_failures(client or "")
        pending = self._inflight.get(cache_key)
        if pending is None:
            pending = asyncio.ensure_future(self._verify(cache_key, credential, organization_hint))
            self._inflight[cache_key] = pending
            pending.add_done_callback(lambda _: self._inflight.pop(cache_key, None))
        try:
            return await asyncio.shield(pending)
        except Unauthenticated:
            if counting is not None:
                await counting.count_failure(client or "")
            raise

    async def _verify(
        self, cache_key: str, credential: str, organization_hint: str | None
    ) -> Actor:
        if credential.startswith(API_KEY_PREFIX):
            try:
                actor = await self._from_api_key(credential)
            except Unauthenticated:
                self._unknown.add(credential)
                raise
        else:
            actor = await self._from_token(credential, organization_hint)
        actor_cache.put(cache_key, actor, self._settings.auth_cache_seconds)
        return actor

    async def _refresh(
        self, cache_key: str, credential: str, organization_hint: str | None
    ) -> None:
        pending = asyncio.ensure_future(self._verify(cache_key, credential, organization_hint))
        self._inflight[cache_key] = pending
        try:
            await pending
        except Unauthenticated:
            actor_cache.drop(cache_key)
        except Exception:
            log.warning("could not re-verify a cached credential", exc_info=True)
        finally:
            self._inflight.pop(cache_key, None)

    async def _from_api_key(self, key: str) -> Actor:
        async with self._db.read() as session:
            row = await org_repo.touch_api_key(session, hash_api_key(key))
        if row is None:
            raise Unauthenticated("The API key is unknown or revoked")
        return Actor(
            member_id=row.member_id,
            organization_id=row.organization_id,
            permission_set=PermissionSet(row.permission_set),
            email=row.email,
            name=row.name,
            api_key_id=row.api_key_id,
        )

    async def _from_token(self, token: str, organization_hint: str | None) -> Actor:
        settings = self._settings
        if not settings.oidc_issuer or not settings.oidc_jwks_url:
            raise Unauthenticated("The credential is not a Hireloop API key (they start with hl_)")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("The bearer token is malformed") from exc
        key = await self._jwks.key_for(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"],
                issuer=settings.oidc_issuer,
                audience=settings.oidc_audience,
                options={
                    "require": ["exp", "iss"],
                    "verify_aud": settings.oidc_audience is not None,
                },
                leeway=30,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("The bearer token has expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"The bearer token is not valid: {exc}") from exc
        email = claims.get(settings.oidc_email_claim)
        if not isinstance(email, str) or not email:
            raise Unauthenticated(f"The token carries no '{settings.oidc_email_claim}' claim")
        if settings.oidc_require_email_verified and claims.get("email_verified") not in (
            True,
            "true",  # some providers send the claim as a string
        ):
            raise Unauthenticated(
                "The token's email is not verified by the identity provider (email_verified)"
            )
        org_id: uuid.UUID | None = None
        if organization_hint is not None:
            try:
                org_id = uuid.UUID(organization_hint)
            except ValueError as exc:
                raise Unauthenticated("X-Organization-Id is not a valid id") from exc
        async with self._db.read() as session:
            members = await org_repo.active_members_by_email(session, email.lower(), org_id)
        if not members:
            raise Unauthenticated(f"No active member has the email {email}")
        if len(members) > 1:
            raise Unauthenticated(
                f"{email} belongs to several organizations; send X-Organization-Id to choose"
            )
        member = members[0]
        return Actor(
            member_id=member.id,
            organization_id=member.organization_id,
            permission_set=PermissionSet(member.permission_set),
            email=member.email,
            name=member.name,
        )


async def current_actor(request: Request) -> Actor:
    """The caller of a REST or GraphQL request (a FastAPI dependency of both), counted against its key's and its organization's rate limits.

    The count's `Quota` is left in the request's state, where the `AbuseLimits` middleware
    turns it into RateLimit headers (and Retry-After on a 429).
    """
    headers = request.headers
    state = request.state
    try:
        actor: Actor = await request.app.state.authenticator.authenticate(
            headers.get("authorization"),
            headers.get("x-organization-id"),
            client=client_address(request.scope.get("client")),
        )
        state.actor = actor
        limits: RateLimits = request.app.state.rate_limits
        if limits.enabled:
            # An OIDC token has no key: its member stands for it.
            quota = await limits.check_caller(
                actor.api_key_id or actor.member_id, actor.organization_id
            )
            if quota is not None:
                state.rate_limit = quota
    except RateLimited as refused:
        state.rate_limit = refused.quota
        raise
    return actor
