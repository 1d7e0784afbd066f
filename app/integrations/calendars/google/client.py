"""Calendar API v3 calls: a bearer token from auth.py, every call through
app/integrations/http.py (SSRF guard, retries, Retry-After) with the account's throttle.

Errors (developers.google.com/workspace/calendar/api/guides/errors) are
`{"error": {"errors": [{"domain", "reason", "message"}], "code", "message"}}`:
- 403 `rateLimitExceeded` / `userRateLimitExceeded` (domain usageLimits) and 429 are
  throttling: waited out and retried like a 429 (`rate_limited`).
- 401: the access token is refused: a new one is fetched once.
- 410 on events.list with a syncToken (`fullSyncRequired`): SyncTokenInvalid.
- 409 on insert: the id is taken (our own earlier insert). 412: If-Match lost.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

from app.integrations import http as vendor_http
from app.integrations.calendars.base import CalendarError, Grant, VendorError
from app.integrations.calendars.google import auth
from app.settings import Settings

RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


def error_reasons(body: str | None) -> set[str]:
    """The `reason`s of a Google error body."""
    if not body:
        return set()
    try:
        data = json.loads(body)
    except ValueError:
        return set()
    error = data.get("error") if isinstance(data, dict) else None
    items = error.get("errors") if isinstance(error, dict) else None
    if not isinstance(items, list):
        return set()
    return {str(i["reason"]) for i in items if isinstance(i, dict) and i.get("reason")}


def rate_limited(response: httpx.Response) -> bool:
    if response.status_code != 403:
        return False
    return bool(error_reasons(response.text[:4000]) & RATE_LIMIT_REASONS)


def segment(value: str) -> str:
    """A calendar or event id as one path segment (calendar ids are email addresses)."""
    return quote(value, safe="@")


def as_calendar_error(exc: VendorError) -> CalendarError:
    if isinstance(exc, CalendarError):
        return exc
    error = CalendarError(
        str(exc),
        transient=exc.transient,
        retry_after=exc.retry_after,
        status=exc.status,
        body=exc.body,
    )
    error.__cause__ = exc
    return error


async def call(
    http: httpx.AsyncClient,
    grant: Grant,
    settings: Settings,
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One API call; a 401 fetches a new token once. Raises CalendarError (status and body
    kept) for anything but a 2xx."""
    url = f"{auth.api_root(grant)}/{path.lstrip('/')}"
    token = await auth.authorize(http, grant, settings)
    for attempt in range(2):
        try:
            return await vendor_http.request(
                http,
                method,
                url,
                settings=settings,
                throttle=auth.throttle(grant),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                    **(headers or {}),
                },
                params=params,
                json=json_body,
                rate_limited=rate_limited,
            )
        except VendorError as exc:
            if exc.status == 401 and attempt == 0:
                token = await auth.authorize(http, grant, settings, stale=token)
                continue
            raise as_calendar_error(exc) from exc
    raise AssertionError("unreachable")


def body(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        data = response.json()
    except ValueError as exc:
        raise CalendarError("Google answered with non-JSON", transient=True) from exc
    if not isinstance(data, dict):
        raise CalendarError("Google answered with a non-object", transient=False)
    return data


# --- the resources ---------------------------------------------------------------------------


async def calendar_list(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, page_token: str | None
) -> dict[str, Any]:
    params: dict[str, Any] = {"maxResults": 250}
    if page_token:
        params["pageToken"] = page_token
    return body(await call(http, grant, settings, "GET", "users/me/calendarList", params=params))


async def events_list(
    http: httpx.AsyncClient,
    grant: Grant,
    settings: Settings,
    calendar_id: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    path = f"calendars/{segment(calendar_id)}/events"
    return body(await call(http, grant, settings, "GET", path, params=params))


async def event_get(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, calendar_id: str, event_id: str
) -> dict[str, Any]:
    path = f"calendars/{segment(calendar_id)}/events/{segment(event_id)}"
    return body(await call(http, grant, settings, "GET", path))


async def event_insert(
    http: httpx.AsyncClient,
    grant: Grant,
    settings: Settings,
    calendar_id: str,
    event: dict[str, Any],
    *,
    send_updates: str,
) -> dict[str, Any]:
    path = f"calendars/{segment(calendar_id)}/events"
    params = {"sendUpdates": send_updates, "conferenceDataVersion": 1}
    return body(await call(http, grant, settings, "POST", path, params=params, json_body=event))


async def event_patch(
    http: httpx.AsyncClient,
    grant: Grant,
    settings: Settings,
    calendar_id: str,
    event_id: str,
    changes: dict[str, Any],
    *,
    send_updates: str,
    etag: str | None,
) -> dict[str, Any]:
    path = f"calendars/{segment(calendar_id)}/events/{segment(event_id)}"
    params = {"sendUpdates": send_updates, "conferenceDataVersion": 1}
    headers = {"If-Match": etag} if etag else None
    response = await call(
        http, grant, settings, "PATCH", path, params=params, json_body=changes, headers=headers
    )
    return body(response)


async def event_delete(
    http: httpx.AsyncClient,
    grant: Grant,
    settings: Settings,
    calendar_id: str,
    event_id: str,
    *,
    send_updates: str,
) -> None:
    path = f"calendars/{segment(calendar_id)}/events/{segment(event_id)}"
    await call(http, grant, settings, "DELETE", path, params={"sendUpdates": send_updates})


async def free_busy(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, query: dict[str, Any]
) -> dict[str, Any]:
    return body(await call(http, grant, settings, "POST", "freeBusy", json_body=query))


async def events_watch(
    http: httpx.AsyncClient,
    grant: Grant,
    settings: Settings,
    calendar_id: str,
    channel: dict[str, Any],
) -> dict[str, Any]:
    path = f"calendars/{segment(calendar_id)}/events/watch"
    return body(await call(http, grant, settings, "POST", path, json_body=channel))


async def channels_stop(
    http: httpx.AsyncClient, grant: Grant, settings: Settings, channel: dict[str, Any]
) -> None:
    await call(http, grant, settings, "POST", "channels/stop", json_body=channel)
