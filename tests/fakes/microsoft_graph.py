"""A local fake of the parts of Microsoft Graph v1.0 and the identity platform's v2.0 token
endpoint that the calendar adapter uses, in memory.

Serve it with `ServedApp(fake.app).start()`; point grants at it with
`Grant("microsoft", values, subject=..., base_url=f"{served.url}/v1.0")` (the token endpoint
is then `{served.url}/{tenant}/oauth2/v2.0/token`) and OAuth clients with
`OAuthClient(..., base_url=served.url)`.

Identity platform (`/{tenant}/oauth2/v2.0/...`):
- `GET authorize`: the member "consents" at once (login_hint, or `fake.default_user`) and is
  redirected (302) to redirect_uri with `code` and `state`; the PKCE challenge is kept.
- `POST token`: `client_credentials` (scope must be https://graph.microsoft.com/.default),
  `authorization_code` (code single-use, redirect_uri and S256 code_verifier checked) and
  `refresh_token` (rotates: every refresh answers a new refresh token). Errors as Entra ID
  writes them: `{"error": "invalid_grant", "error_description": "AADSTS70008: ...",
  "error_codes": [...]}`.

Graph (`/v1.0/users/{id}/...` needs an app-only token, `/v1.0/me/...` a member's token):
`calendar`, `calendars`, `calendars/{cid}/calendarView/delta` (`startDateTime`/`endDateTime`,
`Prefer: odata.maxpagesize`, `@odata.nextLink` with $skiptoken, `@odata.deltaLink` with
$deltatoken, `@removed` rows; an invalidated delta link answers 410 with the code given to
`invalidate_delta_links`), `calendars/{cid}/events` (POST, `transactionId` deduplicates),
`events/{id}` (GET, PATCH with If-Match -> 412, DELETE), `calendar/getSchedule` (at most 20
schedules, less than 62 days), `/subscriptions` (POST, PATCH, DELETE; expiry at most
`max_subscription_minutes` ahead; with `validate_endpoints` the notification and lifecycle
URLs get Graph's validationToken handshake). Times are answered in UTC (`Prefer:
outlook.timezone` with another IANA zone is honoured).

Switches: `throttle(count, retry_after)` answers the next `count` Graph calls 429 with
Retry-After and Graph's error JSON; `latency` delays every Graph answer (so concurrency shows);
`access_policy` (a set of addresses) scopes app-only tokens like an application access policy;
`schedule_errors` (addresses) make getSchedule answer an `error` for them; `revoke(email)`
invalidates a member's refresh tokens; `expire_access_tokens()`; `lose_create_responses(k)`
makes the next k event creates happen but answer 504 (the answer lost on the way). Writes to
events with a member token need Calendars.ReadWrite in the consented scope (403 otherwise).

Inspection: `requests` (every call), `graph_requests(method, contains)`, `max_in_flight`
(per mailbox: the most Graph requests in progress at once), `invitations` (attendee mail Graph
would have sent), `events_of(email)`.

Builders: `add_mailbox(email)`, `add_calendar(email, name)`, `add_event(email, ...)`,
`update_event(email, id, **fields)`, `remove_event(email, id)`;
`notification(subscription_id, ...)` and `lifecycle_notification(subscription_id, event)` give
the exact bytes Graph would POST to the callback.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

APP_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_PAGE_SIZE = 10
MAX_SCHEDULES = 20
MAX_SCHEDULE_DAYS = 62


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class _Principal:
    kind: str  # "app" or "user"
    email: str | None
    expires_at: float
    scope: str


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    method: str
    email: str
    scope: str


@dataclass
class _Calendar:
    id: str
    name: str
    default: bool
    can_edit: bool
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    tombstones: dict[str, int] = field(default_factory=dict)  # event id -> seq of removal


@dataclass
class _Mailbox:
    email: str
    name: str
    calendars: dict[str, _Calendar] = field(default_factory=dict)

    @property
    def default(self) -> _Calendar:
        return next(c for c in self.calendars.values() if c.default)


@dataclass
class _Round:
    """A delta round's page list (snapshotted at its first request)."""

    mailbox: str
    calendar_id: str
    start: datetime
    end: datetime
    items: list[tuple[str, str]]  # ("event" | "removed", id)
    end_seq: int
    path: str
    page_size: int


@dataclass
class _DeltaState:
    mailbox: str
    calendar_id: str
    start: datetime
    end: datetime
    seq: int
    path: str


@dataclass
class _Gate:
    mailbox: _Mailbox | None
    principal: _Principal
    key: str


def _now() -> datetime:
    return datetime.now(UTC)


def _offset(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_dtz(value: Any) -> datetime:
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise ValueError("a dateTimeTimeZone is required")
    text = value["dateTime"].replace("Z", "")
    head, dot, fraction = text.partition(".")
    parsed = datetime.fromisoformat(head + (("." + fraction[:6]) if dot and fraction else ""))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(value.get("timeZone") or "UTC"))
    return parsed.astimezone(UTC)


def _parse_offset(value: str) -> datetime:
    text = value.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(c for c in rest if c.isdigit())
        text = head + "." + digits[:6] + rest[len(digits) :]
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dtz(moment: datetime, zone: str) -> dict[str, str]:
    local = moment.astimezone(ZoneInfo(zone))
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone}


def _graph_error(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": _offset(_now()),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _prefer(request: Request) -> dict[str, str]:
    """`Prefer` preferences by name (comma-separated, several headers allowed)."""
    found: dict[str, str] = {}
    for header in request.headers.getlist("prefer"):
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            if name:
                found[name.strip().lower()] = value.strip().strip('"')
    return found


class GraphFake:
    def __init__(
        self,
        *,
        tenant: str = "contoso-tenant-id",
        client_id: str = "graph-app",
        client_secret: str = "graph-secret",
        token_ttl: int = 3600,
        default_user: str | None = None,
        max_subscription_minutes: int = 4230,
    ) -> None:
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.default_user = default_user
        self.max_subscription_minutes = max_subscription_minutes
        self.latency = 0.0
        self.access_policy: set[str] | None = None
        self.schedule_errors: set[str] = set()
        self.validate_endpoints = False
        self.requests: list[RecordedRequest] = []
        self.invitations: list[tuple[str, list[str]]] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.mailboxes: dict[str, _Mailbox] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.validations: list[str] = []  # URLs the validation handshake was made with
        self._tokens: dict[str, _Principal] = {}
        self._refresh: dict[str, tuple[str, str]] = {}  # refresh token -> (email, scope)
        self._codes: dict[str, _Code] = {}
        self._rounds: dict[str, tuple[_Round, int]] = {}  # skiptoken -> (round, offset)
        self._deltas: dict[str, _DeltaState] = {}
        self._invalid_deltas: dict[str, str] = {}  # deltatoken -> error code
        self._transactions: dict[tuple[str, str], str] = {}  # (mailbox, transactionId) -> id
        self._seq = 0
        self._lose_creates = 0
        self._throttle = 0
        self._retry_after = 1.0
        self.app = FastAPI()
        self._routes()

    # --- routing ------------------------------------------------------------------------------

    def _routes(self) -> None:
        add = self.app.add_api_route
        add("/{tenant}/oauth2/v2.0/authorize", self._authorize, methods=["GET"])
        add("/{tenant}/oauth2/v2.0/token", self._token, methods=["POST"])
        for prefix in ("/v1.0/users/{user_id}", "/v1.0/me"):
            add(f"{prefix}/calendar", self._graph(self._default_calendar), methods=["GET"])
            add(f"{prefix}/calendars", self._graph(self._calendars), methods=["GET"])
            add(
                f"{prefix}/calendars/{{calendar_id}}/calendarView/delta",
                self._graph(self._delta),
                methods=["GET"],
            )
            add(
                f"{prefix}/calendars/{{calendar_id}}/events",
                self._graph(self._create_event),
                methods=["POST"],
            )
            add(
                f"{prefix}/events/{{event_id}}",
                self._graph(self._event),
                methods=["GET", "PATCH", "DELETE"],
            )
            add(
                f"{prefix}/calendar/getSchedule",
                self._graph(self._get_schedule),
                methods=["POST"],
            )
        add("/v1.0/subscriptions", self._graph(self._create_subscription), methods=["POST"])
        add(
            "/v1.0/subscriptions/{subscription_id}",
            self._graph(self._subscription),
            methods=["PATCH", "DELETE"],
        )

    # --- switches, builders, inspection ---------------------------------------------------------

    def throttle(self, count: int, retry_after: float = 1.0) -> None:
        self._throttle = count
        self._retry_after = retry_after

    def lose_create_responses(self, count: int) -> None:
        """The next `count` event creates happen, but the client is answered 504 (the answer
        was lost on the way), as when a gateway times out after the write."""
        self._lose_creates = count

    def expire_access_tokens(self) -> None:
        self._tokens.clear()

    def revoke(self, email: str) -> None:
        for token, (owner, _scope) in list(self._refresh.items()):
            if owner == email.lower():
                del self._refresh[token]

    def invalidate_delta_links(self, code: str = "syncStateNotFound") -> None:
        for token in self._deltas:
            self._invalid_deltas[token] = code

    def graph_requests(
        self, method: str | None = None, contains: str | None = None
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path.startswith("/v1.0/")
            and (method is None or r.method == method)
            and (contains is None or contains in r.path)
        ]

    def token_requests(self, grant_type: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path.endswith("/oauth2/v2.0/token")
            and (grant_type is None or r.form.get("grant_type") == grant_type)
        ]

    def add_mailbox(self, email: str, name: str | None = None) -> _Mailbox:
        key = email.lower()
        if key not in self.mailboxes:
            mailbox = _Mailbox(email=email, name=name or email.split("@")[0].title())
            calendar = _Calendar(
                id=f"cal-{uuid.uuid4().hex[:12]}", name="Calendar", default=True, can_edit=True
            )
            mailbox.calendars[calendar.id] = calendar
            self.mailboxes[key] = mailbox
        return self.mailboxes[key]

    def add_calendar(self, email: str, name: str, *, can_edit: bool = True) -> str:
        mailbox = self.add_mailbox(email)
        calendar = _Calendar(
            id=f"cal-{uuid.uuid4().hex[:12]}", name=name, default=False, can_edit=can_edit
        )
        mailbox.calendars[calendar.id] = calendar
        return calendar.id

    def default_calendar_id(self, email: str) -> str:
        return self.add_mailbox(email).default.id

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add_event(
        self,
        email: str,
        *,
        start: datetime,
        end: datetime,
        subject: str = "Busy",
        calendar_id: str | None = None,
        show_as: str = "busy",
        is_cancelled: bool = False,
        response: str = "organizer",
        attendees: list[tuple[str, str]] | None = None,
        event_type: str = "singleInstance",
        original_start: datetime | None = None,
        is_all_day: bool = False,
        time_zone: str = "UTC",
        ical_uid: str | None = None,
    ) -> dict[str, Any]:
        """An event made at the provider (by the mailbox's owner or someone inviting them).
        `attendees` are (address, response) pairs."""
        mailbox = self.add_mailbox(email)
        calendar = mailbox.calendars[calendar_id] if calendar_id else mailbox.default
        event = self._new_event(
            mailbox,
            {
                "subject": subject,
                "start": _dtz(start, time_zone),
                "end": _dtz(end, time_zone),
                "showAs": show_as,
                "isCancelled": is_cancelled,
                "isAllDay": is_all_day,
                "type": event_type,
                "attendees": [
                    {
                        "emailAddress": {"address": address, "name": address.split("@")[0]},
                        "type": "required",
                        "status": {"response": answer, "time": _offset(_now())},
                    }
                    for address, answer in (attendees or [])
                ],
            },
        )
        if ical_uid is not None:
            event["iCalUId"] = ical_uid
        event["originalStartTimeZone"] = event["originalEndTimeZone"] = time_zone
        event["responseStatus"] = {"response": response, "time": _offset(_now())}
        event["isOrganizer"] = response == "organizer"
        if original_start is not None:
            event["originalStart"] = _offset(original_start)
        calendar.events[event["id"]] = event
        return event

    def update_event(self, email: str, event_id: str, **fields: Any) -> dict[str, Any]:
        """Change an event at the provider: Graph field names (`showAs`, `subject`, ...) or
        `start` / `end` as datetimes."""
        _calendar, event = self._find(self.add_mailbox(email), event_id)
        assert event is not None, "no such event"
        for name, value in fields.items():
            if name in ("start", "end") and isinstance(value, datetime):
                event[name] = _dtz(value, "UTC")
            else:
                event[name] = value
        self._touch(event)
        return event

    def remove_event(self, email: str, event_id: str) -> None:
        calendar, event = self._find(self.add_mailbox(email), event_id)
        assert calendar is not None, "no such event"
        assert event is not None, "no such event"
        del calendar.events[event_id]
        calendar.tombstones[event_id] = self._next_seq()

    def events_of(self, email: str, calendar_id: str | None = None) -> list[dict[str, Any]]:
        mailbox = self.add_mailbox(email)
        calendar = mailbox.calendars[calendar_id] if calendar_id else mailbox.default
        return list(calendar.events.values())

    def notification(
        self,
        subscription_id: str,
        *,
        change_type: str = "updated",
        event_id: str = "AAMkAGI2TAAA=",
    ) -> bytes:
        sub = self.subscriptions[subscription_id]
        item = {
            "subscriptionId": subscription_id,
            "subscriptionExpirationDateTime": sub["expirationDateTime"],
            "changeType": change_type,
            "resource": f"{sub['resource']}/{event_id}",
            "resourceData": {
                "@odata.type": "#Microsoft.Graph.Event",
                "@odata.id": f"{sub['resource']}/{event_id}",
                "@odata.etag": 'W/"DwAAABYAAAA="',
                "id": event_id,
            },
            "clientState": sub.get("clientState"),
            "tenantId": self.tenant,
        }
        return json.dumps({"value": [item]}).encode()

    def lifecycle_notification(self, subscription_id: str, event: str) -> bytes:
        sub = self.subscriptions[subscription_id]
        item = {
            "subscriptionId": subscription_id,
            "subscriptionExpirationDateTime": sub["expirationDateTime"],
            "tenantId": self.tenant,
            "clientState": sub.get("clientState"),
            "lifecycleEvent": event,
        }
        return json.dumps({"value": [item]}).encode()

    # --- identity platform ----------------------------------------------------------------------

    @staticmethod
    def _token_error(status: int, error: str, code: int, description: str) -> JSONResponse:
        return JSONResponse(
            {
                "error": error,
                "error_description": f"AADSTS{code}: {description}",
                "error_codes": [code],
                "timestamp": _now().strftime("%Y-%m-%d %H:%M:%SZ"),
                "trace_id": str(uuid.uuid4()),
                "correlation_id": str(uuid.uuid4()),
            },
            status_code=status,
        )

    async def _record(self, request: Request) -> RecordedRequest:
        raw = await request.body()
        body: Any = None
        form: dict[str, str] = {}
        content_type = request.headers.get("content-type", "")
        if raw and "json" in content_type:
            body = json.loads(raw)
        elif raw and "form" in content_type:
            parsed = await request.form()
            form = {k: str(v) for k, v in parsed.items()}
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            json=body,
            form=form,
        )
        self.requests.append(recorded)
        return recorded

    async def _authorize(self, request: Request) -> Response:
        await self._record(request)
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse(
                {"error": "invalid_request", "error_description": "PKCE S256 required"},
                status_code=400,
            )
        email = (q.get("login_hint") or self.default_user or "").lower()
        if email not in self.mailboxes:
            return JSONResponse({"error": "access_denied"}, status_code=400)
        code = "0.A" + secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            client_id=self.client_id,
            redirect_uri=q.get("redirect_uri", ""),
            challenge=q["code_challenge"],
            method="S256",
            email=email,
            scope=q.get("scope", ""),
        )
        query = urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(f"{q.get('redirect_uri')}?{query}", status_code=302)

    def _issue(self, kind: str, email: str | None, scope: str) -> dict[str, Any]:
        token = "eyJ0eXAi." + secrets.token_urlsafe(24)
        self._tokens[token] = _Principal(kind, email, time.time() + self.token_ttl, scope)
        return {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": self.token_ttl,
            "ext_expires_in": self.token_ttl,
            "access_token": token,
        }

    def _issue_refresh(self, email: str, scope: str) -> str:
        token = "0.AR" + secrets.token_urlsafe(32)
        self._refresh[token] = (email, scope)
        return token

    async def _token(self, request: Request) -> Response:
        recorded = await self._record(request)
        form = recorded.form
        if request.path_params["tenant"] not in (self.tenant, "common", "organizations"):
            return self._token_error(400, "invalid_request", 90002, "Tenant not found.")
        if form.get("client_id") != self.client_id:
            return self._token_error(400, "unauthorized_client", 700016, "Application not found.")
        if form.get("client_secret") != self.client_secret:
            return self._token_error(
                401, "invalid_client", 7000215, "Invalid client secret provided."
            )
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            if request.path_params["tenant"] != self.tenant:
                return self._token_error(
                    400, "invalid_request", 90002, "Use a tenant-specific endpoint."
                )
            if form.get("scope") != APP_SCOPE:
                return self._token_error(
                    400, "invalid_scope", 1002012, "The provided value for scope is not valid."
                )
            return JSONResponse(self._issue("app", None, APP_SCOPE))
        if grant_type == "authorization_code":
            code = self._codes.pop(form.get("code", ""), None)
            if code is None:
                return self._token_error(
                    400,
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity.",
                )
            if form.get("redirect_uri") != code.redirect_uri:
                return self._token_error(
                    400,
                    "invalid_grant",
                    50148,
                    "The redirect URI does not match the one in the authorization request.",
                )
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if digest != code.challenge:
                return self._token_error(
                    400,
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                )
            answer = self._issue("user", code.email, code.scope)
            answer["refresh_token"] = self._issue_refresh(code.email, code.scope)
            return JSONResponse(answer)
        if grant_type == "refresh_token":
            owner = self._refresh.get(form.get("refresh_token", ""))
            if owner is None:
                return self._token_error(
                    400, "invalid_grant", 70008, "The refresh token has expired or was revoked."
                )
            email, scope = owner
            answer = self._issue("user", email, scope)
            answer["refresh_token"] = self._issue_refresh(email, scope)  # rotated
            return JSONResponse(answer)
        return self._token_error(
            400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
        )

    # --- Graph gate ---------------------------------------------------------------------------

    def _graph(
        self, handler: Callable[[Request, _Gate, RecordedRequest], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            recorded = await self._record(request)
            auth = request.headers.get("authorization", "")
            principal = self._tokens.get(auth.removeprefix("Bearer ").strip())
            if principal is None or principal.expires_at < time.time():
                return _graph_error(
                    401,
                    "InvalidAuthenticationToken",
                    "Access token has expired or is not yet valid.",
                )
            if self._throttle > 0:
                self._throttle -= 1
                return _graph_error(
                    429,
                    "TooManyRequests",
                    "Application is over its MailboxConcurrency limit.",
                    **{"Retry-After": str(int(self._retry_after))},
                )
            writes_events = request.method in ("POST", "PATCH", "DELETE") and (
                "/events" in request.url.path
            )
            if (
                writes_events
                and principal.kind == "user"
                and "Calendars.ReadWrite" not in principal.scope.split()
            ):
                return _graph_error(
                    403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                )
            user_id = request.path_params.get("user_id")
            mailbox: _Mailbox | None = None
            if user_id is not None:
                if principal.kind != "app":
                    return _graph_error(
                        403,
                        "ErrorAccessDenied",
                        "Access is denied. Check credentials and try again.",
                    )
                if self.access_policy is not None and user_id.lower() not in self.access_policy:
                    return _graph_error(
                        403,
                        "ErrorAccessDenied",
                        "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.",
                    )
                mailbox = self.mailboxes.get(user_id.lower())
                if mailbox is None:
                    return _graph_error(
                        404, "ErrorInvalidUser", f"The requested user '{user_id}' is invalid."
                    )
            elif "/v1.0/me/" in request.url.path:
                if principal.kind != "user" or principal.email is None:
                    return _graph_error(
                        400,
                        "BadRequest",
                        "/me request is only valid with delegated authentication flow.",
                    )
                mailbox = self.mailboxes.get(principal.email)
                if mailbox is None:
                    return _graph_error(404, "ErrorInvalidUser", "The mailbox is not enabled.")
            key = mailbox.email.lower() if mailbox else (principal.email or "app")
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
            self.max_in_flight[key] = max(self.max_in_flight.get(key, 0), self.in_flight[key])
            try:
                if self.latency:
                    await asyncio.sleep(self.latency)
                return await handler(request, _Gate(mailbox, principal, key), recorded)
            finally:
                self.in_flight[key] -= 1

        return endpoint

    # --- calendars -------------------------------------------------------------------------------

    def _calendar_json(self, mailbox: _Mailbox, calendar: _Calendar) -> dict[str, Any]:
        return {
            "id": calendar.id,
            "name": calendar.name,
            "color": "auto",
            "changeKey": base64.b64encode(calendar.id.encode()).decode(),
            "canShare": calendar.default,
            "canViewPrivateItems": True,
            "canEdit": calendar.can_edit,
            "isDefaultCalendar": calendar.default,
            "owner": {"name": mailbox.name, "address": mailbox.email},
        }

    async def _default_calendar(
        self, request: Request, gate: _Gate, _r: RecordedRequest
    ) -> Response:
        assert gate.mailbox is not None
        return JSONResponse(self._calendar_json(gate.mailbox, gate.mailbox.default))

    async def _calendars(self, request: Request, gate: _Gate, _r: RecordedRequest) -> Response:
        assert gate.mailbox is not None
        mailbox = gate.mailbox
        return JSONResponse(
            {
                "@odata.context": f"{request.base_url}v1.0/$metadata#users('{mailbox.email}')/calendars",
                "value": [self._calendar_json(mailbox, c) for c in mailbox.calendars.values()],
            }
        )

    # --- events ----------------------------------------------------------------------------------

    def _touch(self, event: dict[str, Any]) -> None:
        change_key = base64.b64encode(secrets.token_bytes(9)).decode()
        event["changeKey"] = change_key
        event["@odata.etag"] = f'W/"{change_key}"'
        event["lastModifiedDateTime"] = _now().strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
        event["_seq"] = self._next_seq()

    def _new_event(self, mailbox: _Mailbox, body: dict[str, Any]) -> dict[str, Any]:
        event_id = "AAMkAGI2" + secrets.token_urlsafe(18)
        start = _parse_dtz(body["start"])
        end = _parse_dtz(body["end"])
        online = body.get("isOnlineMeeting") is True
        event: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.event",
            "id": event_id,
            "createdDateTime": _now().strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
            # A GlobalObjectId in hex, as Exchange makes for an event it creates.
            "iCalUId": (
                "040000008200E00074C5B7101A82E008" + "0" * 40 + "10000000" + secrets.token_hex(16)
            ).upper(),
            "subject": body.get("subject", ""),
            "body": body.get("body") or {"contentType": "text", "content": ""},
            "bodyPreview": str((body.get("body") or {}).get("content", ""))[:255],
            # All-day events keep their local midnights (they float); others are kept in UTC.
            "start": dict(body["start"]) if body.get("isAllDay") else _dtz(start, "UTC"),
            "end": dict(body["end"]) if body.get("isAllDay") else _dtz(end, "UTC"),
            "originalStartTimeZone": (body.get("start") or {}).get("timeZone", "UTC"),
            "isAllDay": body.get("isAllDay", False),
            "isCancelled": body.get("isCancelled", False),
            "isOrganizer": True,
            "showAs": body.get("showAs", "busy"),
            "type": body.get("type", "singleInstance"),
            "responseRequested": body.get("responseRequested", True),
            "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
            "location": body.get("location") or {"displayName": ""},
            "attendees": [
                {
                    **a,
                    "status": a.get("status")
                    or {"response": "none", "time": "0001-01-01T00:00:00Z"},
                }
                for a in body.get("attendees") or []
            ],
            "organizer": {"emailAddress": {"name": mailbox.name, "address": mailbox.email}},
            "isOnlineMeeting": online,
            "onlineMeetingProvider": body.get("onlineMeetingProvider", "unknown")
            if online
            else "unknown",
            "onlineMeeting": {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/{event_id}"}
            if online
            else None,
        }
        if body.get("transactionId"):
            event["transactionId"] = body["transactionId"]
        if body.get("singleValueExtendedProperties"):
            event["_extended"] = body["singleValueExtendedProperties"]
        self._touch(event)
        return event

    def _render(self, event: dict[str, Any], request: Request) -> dict[str, Any]:
        zone = _prefer(request).get("outlook.timezone", "UTC")
        try:
            ZoneInfo(zone)
        except Exception:
            zone = "UTC"
        shown = {k: v for k, v in event.items() if not k.startswith("_")}
        if event.get("isAllDay"):
            # All-day events float: midnight to midnight in whatever zone is asked for.
            for name in ("start", "end"):
                shown[name] = {"dateTime": event[name]["dateTime"], "timeZone": zone}
        else:
            shown["start"] = _dtz(_parse_dtz(event["start"]), zone)
            shown["end"] = _dtz(_parse_dtz(event["end"]), zone)
        expand = request.query_params.get("$expand", "")
        if "singleValueExtendedProperties" in expand and event.get("_extended"):
            shown["singleValueExtendedProperties"] = event["_extended"]
        return shown

    @staticmethod
    def _find(mailbox: _Mailbox, event_id: str) -> tuple[_Calendar | None, dict[str, Any] | None]:
        for calendar in mailbox.calendars.values():
            if event_id in calendar.events:
                return calendar, calendar.events[event_id]
        return None, None

    async def _create_event(
        self, request: Request, gate: _Gate, recorded: RecordedRequest
    ) -> Response:
        mailbox = gate.mailbox
        assert mailbox is not None
        calendar = mailbox.calendars.get(request.path_params["calendar_id"])
        if calendar is None:
            return _graph_error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if not calendar.can_edit:
            return _graph_error(
                403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
            )
        body = recorded.json if isinstance(recorded.json, dict) else {}
        transaction = body.get("transactionId")
        if transaction:
            known = self._transactions.get((mailbox.email.lower(), transaction))
            if known is not None:
                _cal, existing = self._find(mailbox, known)
                if existing is not None:
                    return JSONResponse(self._render(existing, request), status_code=201)
        try:
            event = self._new_event(mailbox, body)
        except (ValueError, KeyError) as exc:
            return _graph_error(400, "ErrorInvalidRequest", f"Invalid event: {exc}")
        calendar.events[event["id"]] = event
        if transaction:
            self._transactions[(mailbox.email.lower(), transaction)] = event["id"]
        if event["attendees"]:
            self.invitations.append(
                (event["id"], [a["emailAddress"]["address"] for a in event["attendees"]])
            )
        if self._lose_creates > 0:
            self._lose_creates -= 1
            return _graph_error(504, "UnknownError", "Gateway Timeout")
        return JSONResponse(self._render(event, request), status_code=201)

    async def _event(self, request: Request, gate: _Gate, recorded: RecordedRequest) -> Response:
        mailbox = gate.mailbox
        assert mailbox is not None
        calendar, event = self._find(mailbox, request.path_params["event_id"])
        if calendar is None or event is None:
            return _graph_error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        if request.method == "GET":
            return JSONResponse(self._render(event, request))
        if request.method == "DELETE":
            del calendar.events[event["id"]]
            calendar.tombstones[event["id"]] = self._next_seq()
            return Response(status_code=204)
        match = request.headers.get("if-match")
        if match is not None and match != event["@odata.etag"]:
            return _graph_error(
                412,
                "ErrorIrresolvableConflict",
                "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
            )
        body = recorded.json if isinstance(recorded.json, dict) else {}
        if "transactionId" in body:
            return _graph_error(400, "ErrorInvalidProperty", "transactionId can't be changed.")
        for name, value in body.items():
            if name in ("start", "end"):
                event[name] = _dtz(_parse_dtz(value), "UTC")
            elif name == "attendees":
                before = {a["emailAddress"]["address"].lower() for a in event["attendees"]}
                event["attendees"] = [
                    {
                        **a,
                        "status": a.get("status")
                        or {"response": "none", "time": "0001-01-01T00:00:00Z"},
                    }
                    for a in value
                ]
                added = [
                    a["emailAddress"]["address"]
                    for a in value
                    if a["emailAddress"]["address"].lower() not in before
                ]
                if added:
                    self.invitations.append((event["id"], added))
            elif name == "isOnlineMeeting":
                event[name] = value
                if value and not event.get("onlineMeeting"):
                    event["onlineMeeting"] = {
                        "joinUrl": f"https://teams.microsoft.com/l/meetup-join/{event['id']}"
                    }
            else:
                event[name] = value
        self._touch(event)
        return JSONResponse(self._render(event, request))

    # --- delta -----------------------------------------------------------------------------------

    @staticmethod
    def _overlaps(event: dict[str, Any], start: datetime, end: datetime) -> bool:
        return _parse_dtz(event["start"]) < end and _parse_dtz(event["end"]) > start

    async def _delta(self, request: Request, gate: _Gate, _r: RecordedRequest) -> Response:
        mailbox = gate.mailbox
        assert mailbox is not None
        calendar = mailbox.calendars.get(request.path_params["calendar_id"])
        if calendar is None:
            return _graph_error(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        q = request.query_params
        size = DEFAULT_PAGE_SIZE
        preferred = _prefer(request).get("odata.maxpagesize")
        if preferred and preferred.isdigit():
            size = max(1, int(preferred))
        path = str(request.base_url).rstrip("/") + request.url.path
        if "$skiptoken" in q:
            found = self._rounds.get(q["$skiptoken"])  # reusable, as Graph's are
            if found is None:
                return _graph_error(410, "syncStateNotFound", "The sync state is not found.")
            round_, offset = found
            return self._page(request, mailbox, calendar, round_, offset)
        if "$deltatoken" in q:
            token = q["$deltatoken"]
            if token in self._invalid_deltas:
                code = self._invalid_deltas[token]
                return _graph_error(
                    410, code, "Sync state generation is not found or has expired; resync required."
                )
            state = self._deltas.get(token)
            if state is None:
                return _graph_error(410, "syncStateNotFound", "The sync state is not found.")
            items: list[tuple[str, str]] = []
            for event_id, event in calendar.events.items():
                if event["_seq"] > state.seq:
                    kind = "event" if self._overlaps(event, state.start, state.end) else "removed"
                    items.append((kind, event_id))
            items += [("removed", i) for i, seq in calendar.tombstones.items() if seq > state.seq]
            round_ = _Round(
                mailbox.email.lower(),
                calendar.id,
                state.start,
                state.end,
                items,
                self._seq,
                path,
                size,
            )
            return self._page(request, mailbox, calendar, round_, 0)
        try:
            start = _parse_offset(q["startDateTime"])
            end = _parse_offset(q["endDateTime"])
        except (KeyError, ValueError):
            return _graph_error(
                400,
                "ErrorInvalidParameters",
                "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
            )
        events = sorted(
            (e for e in calendar.events.values() if self._overlaps(e, start, end)),
            key=lambda e: _parse_dtz(e["start"]),
        )
        round_ = _Round(
            mailbox.email.lower(),
            calendar.id,
            start,
            end,
            [("event", e["id"]) for e in events],
            self._seq,
            path,
            size,
        )
        return self._page(request, mailbox, calendar, round_, 0)

    def _page(
        self, request: Request, mailbox: _Mailbox, calendar: _Calendar, round_: _Round, offset: int
    ) -> Response:
        chunk = round_.items[offset : offset + round_.page_size]
        value: list[dict[str, Any]] = []
        for kind, event_id in chunk:
            event = calendar.events.get(event_id)
            if kind == "event" and event is not None:
                value.append(self._render(event, request))
            else:
                value.append(
                    {
                        "@odata.type": "#microsoft.graph.event",
                        "id": event_id,
                        "@removed": {"reason": "deleted"},
                    }
                )
        body: dict[str, Any] = {
            "@odata.context": f"{request.base_url}v1.0/$metadata#Collection(event)",
            "value": value,
        }
        if offset + round_.page_size < len(round_.items):
            token = secrets.token_urlsafe(16)
            self._rounds[token] = (round_, offset + round_.page_size)
            body["@odata.nextLink"] = f"{round_.path}?{urlencode({'$skiptoken': token})}"
        else:
            token = secrets.token_urlsafe(16)
            self._deltas[token] = _DeltaState(
                round_.mailbox,
                round_.calendar_id,
                round_.start,
                round_.end,
                round_.end_seq,
                round_.path,
            )
            body["@odata.deltaLink"] = f"{round_.path}?{urlencode({'$deltatoken': token})}"
        return JSONResponse(body)

    # --- getSchedule -----------------------------------------------------------------------------

    async def _get_schedule(
        self, request: Request, gate: _Gate, recorded: RecordedRequest
    ) -> Response:
        body = recorded.json if isinstance(recorded.json, dict) else {}
        schedules = body.get("schedules") or body.get("Schedules")
        if not isinstance(schedules, list) or not schedules:
            return _graph_error(400, "ErrorInvalidParameter", "schedules is required.")
        if len(schedules) > MAX_SCHEDULES:
            return _graph_error(
                400,
                "ErrorExceededFindCountLimit",
                f"At most {MAX_SCHEDULES} schedules can be requested.",
            )
        try:
            start = _parse_dtz(body.get("startTime"))
            end = _parse_dtz(body.get("endTime"))
        except (ValueError, KeyError):
            return _graph_error(400, "ErrorInvalidParameter", "startTime and endTime are required.")
        if end - start >= timedelta(days=MAX_SCHEDULE_DAYS) or end <= start:
            return _graph_error(
                400,
                "ErrorInvalidTimeInterval",
                f"The time period must be less than {MAX_SCHEDULE_DAYS} days.",
            )
        interval = int(body.get("availabilityViewInterval") or 30)
        zone = _prefer(request).get("outlook.timezone", "UTC")
        value = []
        for address in schedules:
            mailbox = self.mailboxes.get(str(address).lower())
            if mailbox is None or str(address).lower() in self.schedule_errors:
                value.append(
                    {
                        "scheduleId": address,
                        "error": {
                            "message": "The user couldn't be found or free/busy isn't available.",
                            "responseCode": "ErrorMailRecipientNotFound",
                        },
                    }
                )
                continue
            items = []
            for event in mailbox.default.events.values():
                if event.get("isCancelled") or not self._overlaps(event, start, end):
                    continue
                status = str(event.get("showAs") or "busy")
                if (event.get("responseStatus") or {}).get("response") == "declined":
                    status = "free"
                items.append(
                    {
                        "isPrivate": False,
                        "status": status,
                        "subject": event.get("subject"),
                        "location": (event.get("location") or {}).get("displayName", ""),
                        "start": _dtz(_parse_dtz(event["start"]), zone),
                        "end": _dtz(_parse_dtz(event["end"]), zone),
                    }
                )
            slots = int((end - start) / timedelta(minutes=interval))
            view = ["0"] * slots
            codes = {"tentative": "1", "busy": "2", "oof": "3", "workingelsewhere": "4"}
            for item in items:
                code = codes.get(item["status"].lower())
                if code is None:
                    continue
                first = int((_parse_dtz(item["start"]) - start) / timedelta(minutes=interval))
                last = int((_parse_dtz(item["end"]) - start) / timedelta(minutes=interval))
                for slot in range(max(0, first), min(slots, max(last, first + 1))):
                    view[slot] = code
            value.append(
                {
                    "scheduleId": address,
                    "availabilityView": "".join(view),
                    "scheduleItems": items,
                    "workingHours": {
                        "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                        "startTime": "08:00:00.0000000",
                        "endTime": "17:00:00.0000000",
                        "timeZone": {"name": "UTC"},
                    },
                }
            )
        return JSONResponse(
            {
                "@odata.context": f"{request.base_url}v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)",
                "value": value,
            }
        )

    # --- subscriptions ---------------------------------------------------------------------------

    def _expiry_refused(self, value: Any) -> JSONResponse | datetime:
        try:
            expires = _parse_offset(str(value))
        except ValueError:
            return _graph_error(400, "InvalidRequest", "expirationDateTime is invalid.")
        if expires > _now() + timedelta(minutes=self.max_subscription_minutes):
            return _graph_error(
                400,
                "InvalidRequest",
                f"Subscription expiration can only be {self.max_subscription_minutes} minutes in the future.",
            )
        if expires <= _now():
            return _graph_error(
                400, "InvalidRequest", "Subscription expiration must be in the future."
            )
        return expires

    async def _validate(self, url: str) -> bool:
        token = (
            "Validation: Testing client application reachability for subscription Request-Id: "
            + str(uuid.uuid4())
        )
        self.validations.append(url)
        async with httpx.AsyncClient() as client:
            try:
                answer = await client.post(url, params={"validationToken": token}, timeout=10)
            except httpx.HTTPError:
                return False
        return (
            answer.status_code == 200
            and answer.text == token
            and answer.headers.get("content-type", "").startswith("text/plain")
        )

    async def _create_subscription(
        self, request: Request, gate: _Gate, recorded: RecordedRequest
    ) -> Response:
        body = recorded.json if isinstance(recorded.json, dict) else {}
        for name in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if not body.get(name):
                return _graph_error(400, "InvalidRequest", f"{name} is required.")
        if not set(str(body["changeType"]).split(",")) <= {"created", "updated", "deleted"}:
            return _graph_error(400, "InvalidRequest", "changeType is invalid.")
        if len(str(body.get("clientState") or "")) > 128:
            return _graph_error(400, "InvalidRequest", "clientState is limited to 128 characters.")
        resource = str(body["resource"]).lstrip("/")
        if gate.principal.kind == "app" and not resource.startswith("users/"):
            return _graph_error(
                400, "InvalidRequest", "An app-only subscription must name users/{id}."
            )
        if gate.principal.kind == "user" and not resource.startswith("me/"):
            return _graph_error(400, "InvalidRequest", "A delegated subscription must name me/.")
        expires = self._expiry_refused(body["expirationDateTime"])
        if isinstance(expires, JSONResponse):
            return expires
        if self.validate_endpoints:
            for url in {body["notificationUrl"], body.get("lifecycleNotificationUrl")} - {None}:
                if not await self._validate(str(url)):
                    return _graph_error(
                        400,
                        "ValidationError",
                        "Subscription validation request failed. Response must exactly match validationToken query parameter.",
                    )
        subscription_id = str(uuid.uuid4())
        sub = {
            "@odata.context": f"{request.base_url}v1.0/$metadata#subscriptions/$entity",
            "id": subscription_id,
            "resource": resource,
            "applicationId": self.client_id,
            "changeType": body["changeType"],
            "clientState": body.get("clientState"),
            "notificationUrl": body["notificationUrl"],
            "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl"),
            "expirationDateTime": expires.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
            "creatorId": str(uuid.uuid4()),
            "latestSupportedTlsVersion": "v1_2",
            "notificationUrlAppId": None,
            "includeResourceData": False,
        }
        self.subscriptions[subscription_id] = sub
        return JSONResponse(sub, status_code=201)

    async def _subscription(
        self, request: Request, gate: _Gate, recorded: RecordedRequest
    ) -> Response:
        sub = self.subscriptions.get(request.path_params["subscription_id"])
        if sub is None:
            return _graph_error(404, "ResourceNotFound", "The object was not found.")
        if request.method == "DELETE":
            del self.subscriptions[sub["id"]]
            return Response(status_code=204)
        body = recorded.json if isinstance(recorded.json, dict) else {}
        expires = self._expiry_refused(body.get("expirationDateTime"))
        if isinstance(expires, JSONResponse):
            return expires
        sub["expirationDateTime"] = expires.strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
        return JSONResponse(sub)
