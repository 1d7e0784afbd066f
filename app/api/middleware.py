"""Pure ASGI middleware: request ids, telemetry, security headers, the /metrics token, abuse
limits (rate limits per address, the Authorization size cap, RateLimit headers), the body size
limit, Idempotency-Key.

Pure ASGI rather than BaseHTTPMiddleware because every request passes through these, and
the hot read path has no time to spare.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Sequence
from typing import Any

import orjson
from limits import RateLimitItem
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import observability
from app.api.problems import problem_response
from app.api.router import API_PREFIX
from app.db import statement_count
from app.domain.idempotency import repository as idem_repo
from app.errors import DomainError
from app.observability import Metrics, request_id_var
from app.ratelimit import Quota, RateLimits, client_address
from app.settings import Settings

access_log = logging.getLogger("hireloop.access")
DOCUMENT_UPLOAD_PATH = re.compile(r"^/api/v1/candidates/[^/]+/documents$")
_UUID_SEGMENT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")
# Answers under these carry personal data (or may: a problem can echo a name back), so no
# cache, shared or private, may keep them.
_PRIVATE_PREFIXES = (API_PREFIX + "/", "/graphql")
METRICS_PATH = "/metrics"


class MetricsToken:
    """The bearer token `/metrics` asks for when `HIRELOOP_METRICS_TOKEN` is set.

    Only the token's SHA-256 is kept, and a presented token is hashed and compared with
    `hmac.compare_digest`: the time taken says nothing about how much of it was right, nor
    about its length.
    """

    def __init__(self, token: str) -> None:
        self._digest = hashlib.sha256(token.encode()).digest()

    def allows(self, authorization: bytes | None) -> bool:
        if not authorization:
            return False
        scheme, _, credentials = authorization.strip().partition(b" ")
        presented = hashlib.sha256(credentials.strip()).digest()
        # Compared whatever the scheme, so a wrong scheme takes as long as a wrong token.
        matches = hmac.compare_digest(presented, self._digest)
        return matches and scheme.lower() == b"bearer"


class RequestTelemetry:
    """X-Request-ID in and out, Prometheus counts and latency by route, one JSON access log line.

    It also adds the headers every answer needs, here rather than in a layer of their own since
    this one already rewrites each answer's headers: `X-Content-Type-Options: nosniff` on all,
    and `Cache-Control: no-store` on /api/v1 and /graphql unless the route chose a
    Cache-Control itself. And it keeps /metrics behind `HIRELOOP_METRICS_TOKEN` when that is set.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, settings: Settings) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = settings.access_log
        self.expose_count = settings.expose_statement_count
        self.metrics_token = (
            MetricsToken(settings.metrics_token) if settings.metrics_token else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        counter = [0]
        count_token = statement_count.set(counter)
        started = time.perf_counter()
        status = 500
        expose = self.expose_count
        private = scope["path"].startswith(_PRIVATE_PREFIXES)
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                # A route that set either header itself (a download sets nosniff, a created
                # secret no-store) keeps its own, not a second copy.
                has_cache_control = has_nosniff = False
                for name, _ in headers:
                    if name == b"cache-control":
                        has_cache_control = True
                    elif name == b"x-content-type-options":
                        has_nosniff = True
                if not has_nosniff:
                    headers.append(_NOSNIFF)
                if private and not has_cache_control:
                    headers.append(_NO_STORE)
                headers.append((b"x-request-id", request_id.encode()))
                if expose:
                    headers.append((b"x-statement-count", str(counter[0]).encode()))
                message["headers"] = headers
            await send(message)

        try:
            if (
                self.metrics_token is not None
                and scope["path"] == METRICS_PATH
                and not self.metrics_token.allows(_header(scope, b"authorization"))
            ):
                await problem_response(
                    scope,
                    status=401,
                    title="Unauthenticated",
                    code="unauthenticated",
                    detail="/metrics needs Authorization: Bearer with the metrics token",
                    headers={"WWW-Authenticate": "Bearer"},
                )(scope, _empty_receive, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception:
            # Answered here rather than by Starlette's outermost handler so that even a 500
            # carries its request id (in the body and in X-Request-ID) and is counted.
            access_log.exception("unhandled error")
            if not response_started:
                await problem_response(
                    scope,
                    status=500,
                    title="Internal server error",
                    code="internal",
                    detail="Something went wrong on our side; the request id helps us find it",
                )(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            template = _route_template(scope)
            method = scope["method"]
            self.metrics.observe(method, template, status, elapsed)
            if self.access_log and access_log.isEnabledFor(logging.INFO):
                # The record is made here rather than by `access_log.info`, which walks the
                # stack to find its caller for fields no formatter writes (it is always this
                # line): a few percent of the hottest read.
                access_log.handle(
                    access_log.makeRecord(
                        access_log.name,
                        logging.INFO,
                        __file__,
                        0,
                        "request",
                        (),
                        None,
                        extra={
                            "method": method,
                            "path": scope["path"],
                            "route": template,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 2),
                            "sql_statements": counter[0],
                        },
                    )
                )
            statement_count.reset(count_token)
            request_id_var.reset(token)


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return None


def _route_template(scope: Scope) -> str:
    """The route's path template (bounded label cardinality), never the raw path."""
    path: str = scope["path"]
    if path.startswith("/graphql"):
        return "/graphql"
    route_path = getattr(scope.get("route"), "path", None)
    if route_path is None:
        # Answered before routing (an idempotent replay, a 413, a /metrics without its token):
        # name ids generically so the label stays bounded.
        if path == METRICS_PATH:
            return METRICS_PATH
        if not path.startswith(API_PREFIX):
            return "unmatched"
        # A token link's token never becomes a metric label.
        return _UUID_SEGMENT.sub("{id}", observability.redact_path(path))
    if path.startswith(API_PREFIX) and not route_path.startswith(API_PREFIX):
        return API_PREFIX + str(route_path)
    return str(route_path)


_PUBLIC_PREFIX = API_PREFIX + "/public/"
_CALENDAR_PUSH_PREFIX = API_PREFIX + "/calendar-push/"
_INTEGRATIONS_PREFIX = API_PREFIX + "/integrations/"
RATE_LIMIT_STATE = "rate_limit"


class AbuseLimits:
    """Refuse an oversized Authorization header (431), count what needs no key per client
    address (429), and add the RateLimit headers to every answer that was counted.

    The routes that need no key are counted here, by path, before routing: the candidates'
    availability links (`rate_limit_per_address`), and the inbound pushes, vendor webhooks and
    calendar pushes together (`rate_limit_inbound_per_address`). Requests with a key are
    counted where the key is known (`current_actor` in app/auth.py), which leaves its
    `Quota` in the scope's state for this layer to turn into headers.
    """

    def __init__(self, app: ASGIApp, limits: RateLimits, max_authorization_bytes: int) -> None:
        self.app = app
        self.limits = limits
        self.max_authorization_bytes = max_authorization_bytes

    def _address_limit(self, path: str) -> tuple[str, RateLimitItem] | None:
        limits = self.limits
        if path.startswith(_PUBLIC_PREFIX):
            return "address", limits.per_address
        if path.startswith(_CALENDAR_PUSH_PREFIX) or (
            path.startswith(_INTEGRATIONS_PREFIX) and path.endswith("/webhooks")
        ):
            return "inbound", limits.inbound_per_address
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"authorization" and len(value) > self.max_authorization_bytes:
                # Answered before anything reads it: no parsing, no cache, no database.
                await problem_response(
                    scope,
                    status=431,
                    title="Request header fields too large",
                    code="authorization_too_large",
                    detail=f"The Authorization header is longer than "
                    f"{self.max_authorization_bytes} bytes; no credential is that long",
                )(scope, _empty_receive, send)
                return
        if not self.limits.enabled:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                counted: Quota | None = state.get(RATE_LIMIT_STATE)
                if counted is not None:
                    message["headers"] = [*message.get("headers", ()), *counted.header_items()]
            await send(message)

        by_address = self._address_limit(scope["path"])
        if by_address is not None:
            kind, item = by_address
            quota = await self.limits.hit(item, kind, client_address(scope.get("client")))
            if quota is not None:
                state[RATE_LIMIT_STATE] = quota
                if not quota.allowed:
                    await problem_response(
                        scope,
                        status=429,
                        title="Too many requests",
                        code="rate_limited",
                        detail=f"Your address sent more than {quota.limit} requests to this "
                        f"kind of route in the current window; retry in "
                        f"{max(1, quota.reset_after)} s",
                    )(scope, _empty_receive, send_with_headers)
                    return
        await self.app(scope, receive, send_with_headers)


class BodySizeLimit:
    """Refuse bodies over the limit with 413, whether or not Content-Length tells the truth."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, overrides: Sequence[tuple[re.Pattern[str], int]] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = tuple(overrides)

    def _limit(self, path: str) -> int:
        for pattern, limit in self.overrides:
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(scope, send, limit)
                    return
        received = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer 413 now; the app then sees the client gone, and whatever it still
                    # tries to send (a 400 for the cut-off body) is dropped.
                    refused = True
                    if not started:
                        await self._refuse(scope, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        response = problem_response(
            scope,
            status=413,
            title="Payload too large",
            detail=f"The body is larger than {limit} bytes",
            code="payload_too_large",
        )
        await response(scope, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class IdempotencyKeys:
    """Same key and body: the first answer again. Same key, other body: 422. In flight: 409.

    The claim is committed before the request runs so a concurrent retry sees it; the answer is
    stored after. A crash between the request's commit and storing its answer leaves a claim that
    a retry may take over after `idempotency_lock_seconds` (documented in docs/api.md).
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw_key = headers.get(b"idempotency-key")
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not _KEY.match(key):
            await problem_response(
                scope,
                status=422,
                title="Invalid input",
                code="invalid_input",
                detail="Idempotency-Key must be 1 to 255 printable ASCII characters",
                errors=[
                    {"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}
                ],
            )(scope, _empty_receive, send)
            return
        app_state = scope["app"].state
        try:
            actor = await app_state.authenticator.authenticate(
                headers.get(b"authorization", b"").decode("latin-1") or None,
                (headers.get(b"x-organization-id") or b"").decode("latin-1") or None,
                # A throttled address is refused here too, without a look-up; a failure is
                # counted once, by the route, which authenticates again and answers it.
                client=client_address(scope.get("client")),
                count_failures=False,
            )
        except DomainError:
            await self.app(scope, receive, send)  # the route answers 401 itself
            return

        body = await _read_body(receive)
        digest = hashlib.sha256()
        digest.update(scope["path"].encode())
        digest.update(b"?" + scope.get("query_string", b""))
        digest.update(b"\n" + body)
        request_hash = digest.hexdigest()

        db = app_state.db
        async with db.transaction() as session:
            claim = await idem_repo.claim(
                session,
                organization_id=actor.organization_id,
                member_id=actor.member_id,
                key=key,
                method="POST",
                path=scope["path"],
                request_hash=request_hash,
                ttl_hours=self.settings.idempotency_ttl_hours,
                lock_seconds=self.settings.idempotency_lock_seconds,
            )
        if claim.outcome == "mismatch":
            await problem_response(
                scope,
                status=422,
                title="Invalid input",
                code="idempotency_key_reused",
                detail="This Idempotency-Key was used with a different request; use a new key",
                errors=[{"field": "Idempotency-Key", "message": "already used with another body"}],
            )(scope, _empty_receive, send)
            return
        if claim.outcome == "in_flight":
            await problem_response(
                scope,
                status=409,
                title="Conflict",
                code="idempotency_in_flight",
                detail="A request with this Idempotency-Key is still being processed; retry shortly",
                headers={"Retry-After": "1"},
            )(scope, _empty_receive, send)
            return
        if claim.outcome == "replay":
            await _replay(send, claim.status or 200, claim.headers, claim.body or b"")
            return

        captured: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            async with db.transaction() as session:
                # A 429 is not the request's answer, only "not now": the retry must run it.
                if captured["status"] >= 500 or captured["status"] == 429:
                    await idem_repo.release(session, claim.record_id)
                else:
                    status, kept, stored = _replayable(captured, scope)
                    await idem_repo.complete(session, claim.record_id, status, kept, stored)


def _replayable(captured: dict[str, Any], scope: Scope) -> tuple[int, list[list[str]], bytes]:
    """What to keep for replays. An answer marked `Cache-Control: no-store` holds a secret shown
    once (an API key, a signing secret): it is not kept; a replay says so instead."""
    headers = {n.lower(): v for n, v in captured["headers"]}
    kept = [
        [n.decode("latin-1"), v.decode("latin-1")]
        for n, v in captured["headers"]
        if n.lower() in (b"content-type", b"location", b"etag")
    ]
    if b"no-store" not in headers.get(b"cache-control", b"") or captured["status"] >= 400:
        return captured["status"], kept, bytes(captured["body"])
    body = orjson.dumps(
        {
            "type": "https://hireloop.dev/problems/idempotency-secret-not-replayed",
            "title": "Conflict",
            "status": 409,
            "detail": "This request already succeeded, and its answer held a secret that is shown only "
            "once, so it is not replayed. Revoke what was created and ask again if the secret was lost.",
            "instance": scope["path"],
            "code": "idempotency_secret_not_replayed",
        }
    )
    location = [h for h in kept if h[0].lower() == "location"]
    return 409, [["content-type", "application/problem+json"], *location], body


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _replay(send: Send, status: int, headers: list[Any] | None, body: bytes) -> None:
    raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers or []]
    raw.append((b"idempotent-replayed", b"true"))
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


__all__ = ["AbuseLimits", "BodySizeLimit", "IdempotencyKeys", "RequestTelemetry"]
