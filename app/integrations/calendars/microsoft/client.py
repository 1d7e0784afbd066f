"""One mailbox's Graph calls: the bearer token, a cap of concurrent requests, errors mapped.

- Paths: app-only grants act on `/users/{subject}/...`, per-member grants on `/me/...`.
- Graph throttles per app and mailbox and documents at most four concurrent requests per
  mailbox (Exchange Online): every request holds a slot of an asyncio.Semaphore(4) keyed by the
  mailbox (per event loop, per process) for its whole duration, retries included.
- 429/503 with Retry-After (Graph's `{"error": {"code": "TooManyRequests", ...}}`) are waited
  out by app/integrations/http.py; the throttle is per mailbox too.
- A 401 fetches a new token once (the cached one may have been revoked early).
- Links Graph hands back (@odata.nextLink, @odata.deltaLink) are followed only when they are
  under the Graph root we call, so a bearer token never leaves for another host.
"""

from __future__ import annotations

import asyncio
import hashlib
import weakref
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from app.integrations import http as vendor_http
from app.integrations.calendars.base import CalendarError, Grant, VendorError
from app.integrations.calendars.microsoft import auth
from app.settings import Settings

MAX_CONCURRENT_PER_MAILBOX = 4

_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def semaphore_for(key: str) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    per_loop = _semaphores.get(loop)
    if per_loop is None:
        per_loop = _semaphores[loop] = {}
    semaphore = per_loop.get(key)
    if semaphore is None:
        semaphore = per_loop[key] = asyncio.Semaphore(MAX_CONCURRENT_PER_MAILBOX)
    return semaphore


def owner_path(grant: Grant) -> str:
    if grant.subject is not None:
        return f"users/{quote(grant.subject, safe='@')}"
    return "me"


def mailbox_key(grant: Grant) -> str:
    root = auth.graph_root(grant)
    if grant.subject is not None:
        tenant = grant.values.get("tenant_id", "")
        return f"{root}|{tenant}|{grant.subject.lower()}"
    who = grant.values.get("email")
    if not who:
        # No address yet: the client and refresh token identify the member well enough.
        seed = f"{grant.values.get('client_id', '')}\0{grant.values.get('refresh_token', '')}"
        who = "rt:" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    return f"{root}|me|{who.lower()}"


def as_calendar_error(exc: VendorError) -> CalendarError:
    if isinstance(exc, CalendarError):
        return exc
    return CalendarError(
        str(exc),
        transient=exc.transient,
        retry_after=exc.retry_after,
        status=exc.status,
        body=exc.body,
    )


@dataclass
class GraphSession:
    http: httpx.AsyncClient
    grant: Grant
    settings: Settings

    @property
    def root(self) -> str:
        return auth.graph_root(self.grant)

    @property
    def owner(self) -> str:
        return owner_path(self.grant)

    def url(self, path: str) -> str:
        return f"{self.root}/{path.lstrip('/')}"

    def check_link(self, link: str) -> str:
        if not link.startswith(self.root + "/"):
            raise CalendarError("Graph handed back a link outside its API root", transient=False)
        return link

    async def call(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One Graph call for this mailbox; raises CalendarError (status and body kept)."""
        url = (
            self.check_link(path_or_url)
            if path_or_url.startswith(("http://", "https://"))
            else self.url(path_or_url)
        )
        key = mailbox_key(self.grant)
        stale: str | None = None
        for attempt in range(2):
            await auth.authorize(self.http, self.grant, self.settings, stale=stale)
            token = self.grant.access_token
            assert token is not None
            try:
                async with semaphore_for(key):
                    return await vendor_http.request(
                        self.http,
                        method,
                        url,
                        settings=self.settings,
                        throttle=vendor_http.throttle_for(f"microsoft:{key}"),
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Accept": "application/json",
                            **(headers or {}),
                        },
                        params=params,
                        json=json,
                    )
            except VendorError as exc:
                if exc.status == 401 and attempt == 0:
                    stale = token
                    continue
                raise as_calendar_error(exc) from exc
        raise AssertionError("unreachable")

    async def json_call(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.call(method, path_or_url, params=params, json=json, headers=headers)
        try:
            body = response.json()
        except ValueError as exc:
            raise CalendarError("Graph answered non-JSON", transient=True) from exc
        if not isinstance(body, dict):
            raise CalendarError("Graph answered JSON that is not an object", transient=False)
        return body
