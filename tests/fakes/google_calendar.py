"""A local fake of the Google Calendar API v3 and Google's OAuth 2.0 token endpoint, as
documented (developers.google.com/workspace/calendar/api/v3/reference, .../guides/sync,
.../guides/push, .../guides/errors; developers.google.com/identity/protocols/oauth2).

Serve it with `ServedApp(fake.app).start()`; point a Grant at it with
`base_url=f"{served.url}/calendar/v3"` (the token endpoint is then `{served.url}/token`) and an
OAuthClient with `base_url=served.url`.

What it does, in memory:
- POST /token: the JWT-bearer grant (the assertion verified RS256 with the public key of the
  service account registered by `add_service_account`; `aud` must be this endpoint, `sub` a
  known user; the token carries the assertion's scopes, and each call checks them against
  the scopes its reference page accepts), `authorization_code` (PKCE S256 checked; codes come from `consent(url, email)`,
  which plays the member clicking "Allow"), `refresh_token` (`revoke(refresh_token)` makes it
  answer 400 invalid_grant). Errors are OAuth's `{"error", "error_description"}`.
- Calendar API under /calendar/v3: calendarList (paged), events list / insert / get / patch /
  delete, freeBusy, events.watch, channels.stop. A bearer token is required (401 authError).
- events.list: occurrences are stored already expanded (`add_recurring`), as Google returns
  them with singleEvents=true. pageToken/nextPageToken over a snapshot taken at the first page;
  the last page carries nextSyncToken; a syncToken read returns every event changed since
  (cancelled ones as Google's minimal `{"id", "status": "cancelled", ...}`).
  `invalidate_sync_tokens()` makes every earlier token answer 410 `fullSyncRequired`.
- Writes: client-chosen ids (base32hex, 5..1024), 409 `duplicate` for a taken id (also a
  cancelled one, as Google does), If-Match -> 412 `conditionNotMet`, deleted events are kept
  as cancelled (GET returns them; DELETE again answers 410 `deleted`), conferenceData
  createRequest with conferenceDataVersion=1 -> a Meet link.
- Switches: `fail_with_429(k, retry_after)`, `fail_with_403_rate_limit(k, reason)`,
  `fail_freebusy_for(calendar_id)` (that calendar answers `errors: notFound` in freeBusy),
  `fail_freebusy_calls_with(calendar_id, status)` (calls asking for it fail whole).
- Inspection: every request is in `fake.requests`; `api_requests(method, suffix)` filters
  the Calendar API ones; `assertions` holds the verified JWT claims.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
API = "/calendar/v3"
_ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
_SCOPE = "https://www.googleapis.com/auth/"
_FULL = {_SCOPE + "calendar"}
# Which scopes each call accepts (the "Authorization" table of its reference page).
READ_LIST = frozenset(
    {
        *_FULL,
        _SCOPE + "calendar.readonly",
        _SCOPE + "calendar.calendarlist",
        _SCOPE + "calendar.calendarlist.readonly",
    }
)
READ_EVENTS = frozenset(
    {
        *_FULL,
        _SCOPE + "calendar.readonly",
        _SCOPE + "calendar.events",
        _SCOPE + "calendar.events.readonly",
    }
)
WRITE_EVENTS = frozenset({*_FULL, _SCOPE + "calendar.events"})
FREEBUSY = frozenset(
    {
        *_FULL,
        _SCOPE + "calendar.readonly",
        _SCOPE + "calendar.freebusy",
        _SCOPE + "calendar.events.freebusy",
    }
)
ANY_CALENDAR = READ_LIST | READ_EVENTS | FREEBUSY


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def google_error(
    code: int, reason: str, message: str, *, domain: str = "global", **extra: str
) -> dict[str, Any]:
    """Google's error JSON (guides/errors)."""
    return {
        "error": {
            "errors": [{"domain": domain, "reason": reason, "message": message, **extra}],
            "code": code,
            "message": message,
        }
    }


def when(value: datetime | date, tz: str = "UTC") -> dict[str, str]:
    """An EventDateTime: a date for all-day events, else a dateTime in `tz`."""
    if isinstance(value, datetime):
        return {"dateTime": value.astimezone(ZoneInfo(tz)).isoformat(), "timeZone": tz}
    return {"date": value.isoformat()}


@dataclass
class Channel:
    id: str
    resource_id: str
    calendar_id: str
    token: str | None
    address: str
    expiration_ms: int
    stopped: bool = False


@dataclass
class Calendar:
    id: str
    owner: str
    summary: str
    time_zone: str
    access_role: str = "owner"
    primary: bool = False
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)  # event id -> clock of last change


class GoogleCalendarFake:
    def __init__(
        self,
        *,
        client_id: str = "client-123.apps.googleusercontent.com",
        client_secret: str = "google-secret",
        token_ttl: int = 3600,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.requests: list[RecordedRequest] = []
        self.assertions: list[dict[str, Any]] = []
        self.service_accounts: dict[str, bytes] = {}  # client_email -> public key PEM
        self.users: set[str] = set()
        self.calendars: dict[str, Calendar] = {}
        # token -> (user, expiry, granted scopes)
        self.access_tokens: dict[str, tuple[str, float, frozenset[str]]] = {}
        self.refresh_tokens: dict[str, tuple[str, frozenset[str]]] = {}  # -> (user, scopes)
        self.codes: dict[str, dict[str, str]] = {}
        self.channels: dict[str, Channel] = {}
        self.clock = 0
        self._sync_epoch = 0
        self._pages: dict[str, tuple[list[dict[str, Any]], str | None]] = {}
        self._fail_429 = 0
        self._retry_after = 0.1
        self._fail_403 = 0
        self._reason_403 = "rateLimitExceeded"
        self._freebusy_errors: set[str] = set()
        self._fail_freebusy_with: dict[str, int] = {}
        self._meet = 0
        self.app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        routes: list[tuple[str, Any, str]] = [
            ("/token", self._token, "POST"),
            (f"{API}/users/me/calendarList", self._calendar_list, "GET"),
            (f"{API}/users/me/calendarList/{{calendar_id}}", self._calendar_entry, "GET"),
            (f"{API}/calendars/{{calendar_id}}/events", self._events_list, "GET"),
            (f"{API}/calendars/{{calendar_id}}/events", self._events_insert, "POST"),
            (f"{API}/calendars/{{calendar_id}}/events/watch", self._events_watch, "POST"),
            (f"{API}/calendars/{{calendar_id}}/events/{{event_id}}", self._events_get, "GET"),
            (f"{API}/calendars/{{calendar_id}}/events/{{event_id}}", self._events_patch, "PATCH"),
            (f"{API}/calendars/{{calendar_id}}/events/{{event_id}}", self._events_delete, "DELETE"),
            (f"{API}/freeBusy", self._free_busy, "POST"),
            (f"{API}/channels/stop", self._channels_stop, "POST"),
        ]
        for path, endpoint, method in routes:
            self.app.add_api_route(path, endpoint, methods=[method], include_in_schema=False)

    # --- builder ---------------------------------------------------------------------------

    def add_service_account(self, client_email: str, public_key_pem: bytes) -> None:
        self.service_accounts[client_email] = public_key_pem

    def add_user(self, email: str, *, time_zone: str = "UTC") -> Calendar:
        """A user and their primary calendar (whose id is their address)."""
        self.users.add(email)
        return self.add_calendar(email, email, summary=email, time_zone=time_zone, primary=True)

    def add_calendar(
        self,
        owner: str,
        calendar_id: str,
        *,
        summary: str = "Calendar",
        time_zone: str = "UTC",
        access_role: str = "owner",
        primary: bool = False,
    ) -> Calendar:
        calendar = Calendar(calendar_id, owner, summary, time_zone, access_role, primary)
        self.calendars[calendar_id] = calendar
        return calendar

    def _tick(self) -> int:
        self.clock += 1
        return self.clock

    def _touch(self, calendar: Calendar, event: dict[str, Any]) -> None:
        stamp = self._tick()
        event["etag"] = f'"{3_000_000_000_000 + stamp}"'
        event["updated"] = _iso(datetime.now(UTC))
        calendar.changed[event["id"]] = stamp

    def add_event(
        self,
        calendar_id: str,
        start: datetime | date,
        end: datetime | date,
        *,
        event_id: str | None = None,
        uid: str | None = None,
        summary: str = "Busy",
        status: str = "confirmed",
        transparency: str | None = None,
        attendees: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """An event made at the provider (by the calendar's owner, outside Hireloop)."""
        calendar = self.calendars[calendar_id]
        eid = event_id or secrets.token_hex(10)
        event: dict[str, Any] = {
            "kind": "calendar#event",
            "id": eid,
            "status": status,
            "summary": summary,
            "iCalUID": uid or f"{eid}@google.com",
            "start": when(start, calendar.time_zone),
            "end": when(end, calendar.time_zone),
            "sequence": 0,
            "organizer": {"email": calendar.owner, "self": True},
            "creator": {"email": calendar.owner, "self": True},
            **extra,
        }
        if transparency:
            event["transparency"] = transparency
        if attendees:
            event["attendees"] = [
                {**a, **({"self": True} if a.get("email") == calendar.owner else {})}
                for a in attendees
            ]
        calendar.events[eid] = event
        self._touch(calendar, event)
        return event

    def add_recurring(
        self,
        calendar_id: str,
        first_start: datetime,
        duration: timedelta,
        *,
        count: int,
        every: timedelta = timedelta(days=7),
        series_id: str | None = None,
        uid: str | None = None,
        summary: str = "Weekly",
    ) -> list[dict[str, Any]]:
        """A recurring series stored as its occurrences, as events.list returns them with
        singleEvents=true: ids `<series>_<YYYYMMDDTHHMMSSZ>`, recurringEventId and
        originalStartTime, one iCalUID."""
        series = series_id or secrets.token_hex(8)
        occurrences = []
        for n in range(count):
            start = first_start + n * every
            stamp = start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            occurrences.append(
                self.add_event(
                    calendar_id,
                    start,
                    start + duration,
                    event_id=f"{series}_{stamp}",
                    uid=uid or f"{series}@google.com",
                    summary=summary,
                    recurringEventId=series,
                    originalStartTime=when(start, self.calendars[calendar_id].time_zone),
                )
            )
        return occurrences

    def change_event(self, calendar_id: str, event_id: str, **changes: Any) -> dict[str, Any]:
        """The owner edits the event in Google Calendar (the etag and sync state move)."""
        calendar = self.calendars[calendar_id]
        event = calendar.events[event_id]
        event.update(changes)
        self._touch(calendar, event)
        return event

    def respond(self, calendar_id: str, event_id: str, email: str, answer: str) -> None:
        """An attendee answers (responseStatus accepted | declined | tentative)."""
        calendar = self.calendars[calendar_id]
        event = calendar.events[event_id]
        for attendee in event.get("attendees", []):
            if attendee["email"].lower() == email.lower():
                attendee["responseStatus"] = answer
        self._touch(calendar, event)

    def cancel_event(self, calendar_id: str, event_id: str) -> None:
        """The owner deletes the event (Google keeps it as `cancelled` for sync)."""
        calendar = self.calendars[calendar_id]
        event = calendar.events[event_id]
        event["status"] = "cancelled"
        self._touch(calendar, event)

    # --- switches and inspection -------------------------------------------------------------

    def fail_with_429(self, count: int, retry_after: float = 0.1) -> None:
        self._fail_429 = count
        self._retry_after = retry_after

    def fail_with_403_rate_limit(self, count: int, reason: str = "rateLimitExceeded") -> None:
        self._fail_403 = count
        self._reason_403 = reason

    def fail_freebusy_for(self, calendar_id: str) -> None:
        self._freebusy_errors.add(calendar_id)

    def fail_freebusy_calls_with(self, calendar_id: str, status: int = 500) -> None:
        """Every freeBusy call asking for `calendar_id` fails whole with `status` (500 is
        retried by the caller, 400 is not)."""
        self._fail_freebusy_with[calendar_id] = status

    def invalidate_sync_tokens(self) -> None:
        self._sync_epoch += 1

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self, refresh_token: str) -> None:
        self.refresh_tokens.pop(refresh_token, None)

    def api_requests(self, method: str | None = None, suffix: str = "") -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path.startswith(API)
            and (method is None or r.method == method)
            and r.path.endswith(suffix)
        ]

    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/token"]

    def consent(self, consent_url: str, email: str, granted: list[str] | None = None) -> str:
        """The member consents at `consent_url`: returns the authorization code Google would
        append to the redirect (with the state, which the caller checks). `granted` is what
        the member left ticked on the consent screen (Google lets them untick scopes): only
        those of the asked ones are granted; None grants all."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(consent_url).query).items()}
        asked = query["scope"].split()
        scope = " ".join(asked if granted is None else [s for s in asked if s in granted])
        assert query["client_id"] == self.client_id
        assert query["code_challenge_method"] == "S256"
        self.users.add(email)
        code = "4/" + secrets.token_urlsafe(16)
        self.codes[code] = {
            "email": email,
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "scope": scope,
        }
        return code

    @staticmethod
    def push_headers(
        channel_id: str, token: str | None, state: str, number: int = 1
    ) -> dict[str, str]:
        """The headers of one push notification, as Google sends them (no body)."""
        headers = {
            "X-Goog-Channel-ID": channel_id,
            "X-Goog-Message-Number": str(number),
            "X-Goog-Resource-ID": "resource-" + hashlib.sha1(channel_id.encode()).hexdigest()[:12],
            "X-Goog-Resource-State": state,
            "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/x/events",
        }
        if token is not None:
            headers["X-Goog-Channel-Token"] = token
        return headers

    # --- plumbing ------------------------------------------------------------------------------

    async def _record(self, request: Request) -> RecordedRequest:
        raw = await request.body()
        payload: Any = None
        form: dict[str, str] = {}
        content_type = request.headers.get("content-type", "")
        if raw and "json" in content_type:
            payload = json.loads(raw)
        elif raw and "form" in content_type:
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        recorded = RecordedRequest(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            json=payload,
            form=form,
        )
        self.requests.append(recorded)
        return recorded

    def _gate(
        self, request: Request, accepted: frozenset[str]
    ) -> tuple[str | None, Response | None]:
        """The caller's user, or the answer refusing the call (auth, scopes, rate limits)."""
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        found = self.access_tokens.get(token)
        if found is None or found[1] < time.time():
            error = google_error(
                401,
                "authError",
                "Invalid Credentials",
                locationType="header",
                location="Authorization",
            )
            return None, JSONResponse(error, status_code=401)
        if not found[2] & accepted:
            error = google_error(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )
            return None, JSONResponse(error, status_code=403)
        if self._fail_429 > 0:
            self._fail_429 -= 1
            return None, JSONResponse(
                google_error(429, "rateLimitExceeded", "Rate Limit Exceeded", domain="usageLimits"),
                status_code=429,
                headers={"Retry-After": str(self._retry_after)},
            )
        if self._fail_403 > 0:
            self._fail_403 -= 1
            return None, JSONResponse(
                google_error(403, self._reason_403, "Rate Limit Exceeded", domain="usageLimits"),
                status_code=403,
            )
        return found[0], None

    def _calendar(self, user: str, calendar_id: str) -> Calendar | None:
        if calendar_id == "primary":
            calendar_id = user
        calendar = self.calendars.get(calendar_id)
        return calendar if calendar is not None and calendar.owner == user else None

    @staticmethod
    def _not_found() -> JSONResponse:
        return JSONResponse(google_error(404, "notFound", "Not Found"), status_code=404)

    def _issue(self, user: str, scopes: frozenset[str]) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens[token] = (user, time.time() + self.token_ttl, scopes)
        return {"access_token": token, "expires_in": self.token_ttl, "token_type": "Bearer"}

    @staticmethod
    def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"error": error, "error_description": description}, status_code=status)

    # --- the token endpoint -----------------------------------------------------------------

    async def _token(self, request: Request) -> Response:
        form = (await self._record(request)).form
        grant_type = form.get("grant_type")
        if grant_type == JWT_BEARER:
            return self._jwt_grant(form.get("assertion", ""), str(request.url))
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return self._oauth_error("invalid_client", "The OAuth client was not found.", 401)
        if grant_type == "authorization_code":
            entry = self.codes.pop(form.get("code", ""), None)
            if entry is None:
                return self._oauth_error("invalid_grant", "Malformed auth code.")
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if challenge != entry["challenge"]:
                return self._oauth_error("invalid_grant", "Invalid code verifier.")
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return self._oauth_error("redirect_uri_mismatch", "Bad Request")
            refresh = "1//" + secrets.token_urlsafe(24)
            scopes = frozenset(entry["scope"].split())
            self.refresh_tokens[refresh] = (entry["email"], scopes)
            id_token = jwt.encode(
                {
                    "iss": "https://accounts.google.com",
                    "aud": self.client_id,
                    "sub": hashlib.sha256(entry["email"].encode()).hexdigest()[:21],
                    "email": entry["email"],
                    "email_verified": True,
                    "iat": int(time.time()),
                    "exp": int(time.time()) + 3600,
                },
                "fake-google-signing-key-of-32-bytes!",
                algorithm="HS256",
            )
            return JSONResponse(
                {
                    **self._issue(entry["email"], scopes),
                    "refresh_token": refresh,
                    "scope": entry["scope"],
                    "id_token": id_token,
                }
            )
        if grant_type == "refresh_token":
            known = self.refresh_tokens.get(form.get("refresh_token", ""))
            if known is None:
                return self._oauth_error("invalid_grant", "Token has been expired or revoked.")
            return JSONResponse(self._issue(*known))
        return self._oauth_error("unsupported_grant_type", "Invalid grant_type.")

    def _jwt_grant(self, assertion: str, audience: str) -> Response:
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            public_key = self.service_accounts[unverified["iss"]]
            claims = jwt.decode(
                assertion,
                public_key,
                algorithms=["RS256"],
                audience=audience,
                options={"require": ["iss", "aud", "exp", "iat", "scope"]},
            )
        except (jwt.PyJWTError, KeyError):
            return self._oauth_error("invalid_grant", "Invalid JWT Signature.")
        if claims["exp"] - claims["iat"] > 3600:
            return self._oauth_error(
                "invalid_grant", "Invalid JWT: Token must be a short-lived token"
            )
        subject = claims.get("sub")
        if subject not in self.users:
            return self._oauth_error("invalid_grant", "Invalid email or User ID")
        self.assertions.append(claims)
        return JSONResponse(self._issue(subject, frozenset(str(claims["scope"]).split())))

    # --- calendarList --------------------------------------------------------------------------

    @staticmethod
    def _entry(calendar: Calendar) -> dict[str, Any]:
        return {
            "kind": "calendar#calendarListEntry",
            "id": calendar.id,
            "summary": calendar.summary,
            "timeZone": calendar.time_zone,
            "accessRole": calendar.access_role,
            **({"primary": True} if calendar.primary else {}),
        }

    async def _calendar_list(self, request: Request) -> Response:
        recorded = await self._record(request)
        user, refused = self._gate(request, READ_LIST)
        if refused is not None:
            return refused
        entries = [self._entry(c) for c in self.calendars.values() if c.owner == user]
        size = int(recorded.query.get("maxResults", "100"))
        offset = int(recorded.query.get("pageToken", "0") or 0)
        answer: dict[str, Any] = {
            "kind": "calendar#calendarList",
            "items": entries[offset : offset + size],
        }
        if offset + size < len(entries):
            answer["nextPageToken"] = str(offset + size)
        else:
            answer["nextSyncToken"] = f"cl-{self.clock}"
        return JSONResponse(answer)

    async def _calendar_entry(self, request: Request) -> Response:
        await self._record(request)
        user, refused = self._gate(request, READ_LIST)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        return self._not_found() if calendar is None else JSONResponse(self._entry(calendar))

    # --- events --------------------------------------------------------------------------------

    @staticmethod
    def _bounds(event: dict[str, Any], tz: str) -> tuple[datetime, datetime]:
        def point(value: dict[str, str]) -> datetime:
            if "dateTime" in value:
                return _parse(value["dateTime"])
            return datetime.combine(
                date.fromisoformat(value["date"]), datetime.min.time(), ZoneInfo(tz)
            )

        return point(event["start"]), point(event["end"])

    @staticmethod
    def _minimal(event: dict[str, Any]) -> dict[str, Any]:
        """A deleted event as an incremental read shows it."""
        keep = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
        return {k: event[k] for k in keep if k in event}

    async def _events_list(self, request: Request) -> Response:
        recorded = await self._record(request)
        user, refused = self._gate(request, READ_EVENTS)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        if calendar is None:
            return self._not_found()
        query = recorded.query
        page_token = query.get("pageToken")
        if page_token:
            if page_token not in self._pages:
                return JSONResponse(google_error(400, "invalid", "Invalid page token"), 400)
            items, sync = self._pages.pop(page_token)
        else:
            sync_token = query.get("syncToken")
            if sync_token:
                if "timeMin" in query or "timeMax" in query:
                    error = google_error(
                        400, "invalidParameter", "Sync token cannot be used with timeMin/timeMax."
                    )
                    return JSONResponse(error, 400)
                match = re.fullmatch(r"sync-(\d+)-(\d+)", sync_token)
                if match is None or int(match.group(1)) != self._sync_epoch:
                    error = google_error(
                        410,
                        "fullSyncRequired",
                        "Sync token is no longer valid, a full sync is required.",
                        domain="calendar",
                    )
                    return JSONResponse(error, 410)
                since = int(match.group(2))
                items = [
                    self._minimal(e) if e["status"] == "cancelled" else e
                    for eid, e in calendar.events.items()
                    if calendar.changed[eid] > since
                ]
            else:
                low = _parse(query["timeMin"]) if "timeMin" in query else None
                high = _parse(query["timeMax"]) if "timeMax" in query else None
                items = []
                for event in calendar.events.values():
                    if event["status"] == "cancelled" and query.get("showDeleted") != "true":
                        continue
                    start, end = self._bounds(event, calendar.time_zone)
                    if (low is None or end > low) and (high is None or start < high):
                        items.append(event)
                items.sort(key=lambda e: self._bounds(e, calendar.time_zone)[0])
            sync = f"sync-{self._sync_epoch}-{self.clock}"
        size = int(query.get("maxResults", "250"))
        answer: dict[str, Any] = {
            "kind": "calendar#events",
            "summary": calendar.summary,
            "timeZone": calendar.time_zone,
            "accessRole": calendar.access_role,
            "items": json.loads(json.dumps(items[:size])),
        }
        if len(items) > size:
            token = secrets.token_urlsafe(12)
            self._pages[token] = (items[size:], sync)
            answer["nextPageToken"] = token
        else:
            answer["nextSyncToken"] = sync
        return JSONResponse(answer)

    async def _events_get(self, request: Request) -> Response:
        await self._record(request)
        user, refused = self._gate(request, READ_EVENTS)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        event = calendar.events.get(request.path_params["event_id"]) if calendar else None
        return self._not_found() if event is None else JSONResponse(event)

    def _conference(self, event: dict[str, Any], request_id: str) -> None:
        self._meet += 1
        code = f"abc-{self._meet:04d}-xyz"
        event["hangoutLink"] = f"https://meet.google.com/{code}"
        event["conferenceData"] = {
            "createRequest": {
                "requestId": request_id,
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
                "status": {"statusCode": "success"},
            },
            "entryPoints": [
                {"entryPointType": "video", "uri": event["hangoutLink"], "label": code}
            ],
            "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
            "conferenceId": code,
        }

    def _apply(self, event: dict[str, Any], changes: dict[str, Any], query: dict[str, str]) -> None:
        previous = {
            a["email"].lower(): a.get("responseStatus")
            for a in event.get("attendees", [])
            if "email" in a
        }
        for key, value in changes.items():
            if key == "conferenceData":
                request_id = (value or {}).get("createRequest", {}).get("requestId")
                if request_id and query.get("conferenceDataVersion") == "1":
                    self._conference(event, request_id)
                continue
            event[key] = value
        for attendee in event.get("attendees", []):
            attendee.setdefault(
                "responseStatus", previous.get(attendee["email"].lower()) or "needsAction"
            )

    async def _events_insert(self, request: Request) -> Response:
        recorded = await self._record(request)
        user, refused = self._gate(request, WRITE_EVENTS)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        if calendar is None:
            return self._not_found()
        body = dict(recorded.json or {})
        event_id = str(body.pop("id", "") or secrets.token_hex(10))
        if not _ID_RE.fullmatch(event_id):
            return JSONResponse(google_error(400, "invalid", "Invalid resource id value."), 400)
        if event_id in calendar.events:
            error = google_error(409, "duplicate", "The requested identifier already exists.")
            return JSONResponse(error, 409)
        if "start" not in body or "end" not in body:
            return JSONResponse(google_error(400, "required", "Missing end time."), 400)
        event: dict[str, Any] = {
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "iCalUID": body.pop("iCalUID", None) or f"{event_id}@google.com",
            "organizer": {"email": calendar.owner, "self": True},
            "creator": {"email": calendar.owner, "self": True},
            "sequence": 0,
        }
        self._apply(event, body, recorded.query)
        calendar.events[event_id] = event
        self._touch(calendar, event)
        return JSONResponse(event)

    async def _events_patch(self, request: Request) -> Response:
        recorded = await self._record(request)
        user, refused = self._gate(request, WRITE_EVENTS)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        event = calendar.events.get(request.path_params["event_id"]) if calendar else None
        if calendar is None or event is None:
            return self._not_found()
        expected = request.headers.get("if-match")
        if expected is not None and expected != event["etag"]:
            error = google_error(
                412,
                "conditionNotMet",
                "Precondition Failed",
                locationType="header",
                location="If-Match",
            )
            return JSONResponse(error, 412)
        self._apply(event, dict(recorded.json or {}), recorded.query)
        self._touch(calendar, event)
        return JSONResponse(event)

    async def _events_delete(self, request: Request) -> Response:
        await self._record(request)
        user, refused = self._gate(request, WRITE_EVENTS)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        event = calendar.events.get(request.path_params["event_id"]) if calendar else None
        if calendar is None or event is None:
            return self._not_found()
        if event["status"] == "cancelled":
            return JSONResponse(google_error(410, "deleted", "Resource has been deleted"), 410)
        event["status"] = "cancelled"
        self._touch(calendar, event)
        return Response(status_code=204)

    # --- freeBusy --------------------------------------------------------------------------------

    async def _free_busy(self, request: Request) -> Response:
        recorded = await self._record(request)
        _user, refused = self._gate(request, FREEBUSY)
        if refused is not None:
            return refused
        body = recorded.json or {}
        items = body.get("items") or []
        for item in items:
            status = self._fail_freebusy_with.get(item.get("id"))
            if status is not None:
                reason = "backendError" if status >= 500 else "badRequest"
                return JSONResponse(google_error(status, reason, "Backend Error"), status)
        if len(items) > 50:
            error = google_error(400, "tooManyCalendarsRequested", "Too many calendars requested.")
            return JSONResponse(error, 400)
        low, high = _parse(body["timeMin"]), _parse(body["timeMax"])
        if high <= low:
            error = google_error(
                400, "timeRangeEmpty", "The specified time range is empty.", domain="calendar"
            )
            return JSONResponse(error, 400)
        if high - low > timedelta(days=90):  # assumed limit: Google refuses longer ranges
            error = google_error(
                400, "timeRangeTooLong", "The specified time range is too long.", domain="calendar"
            )
            return JSONResponse(error, 400)
        calendars: dict[str, Any] = {}
        for item in items:
            calendar_id = item["id"]
            calendar = self.calendars.get(calendar_id)
            if calendar is None or calendar_id in self._freebusy_errors:
                calendars[calendar_id] = {
                    "errors": [{"domain": "global", "reason": "notFound"}],
                    "busy": [],
                }
                continue
            busy = []
            for event in calendar.events.values():
                if event["status"] == "cancelled" or event.get("transparency") == "transparent":
                    continue
                own = [a for a in event.get("attendees", []) if a.get("self")]
                if own and own[0].get("responseStatus") == "declined":
                    continue
                start, end = self._bounds(event, calendar.time_zone)
                if end > low and start < high:
                    busy.append({"start": _iso(max(start, low)), "end": _iso(min(end, high))})
            busy.sort(key=lambda b: b["start"])
            calendars[calendar_id] = {"busy": busy}
        return JSONResponse(
            {
                "kind": "calendar#freeBusy",
                "timeMin": body["timeMin"],
                "timeMax": body["timeMax"],
                "calendars": calendars,
            }
        )

    # --- push channels ----------------------------------------------------------------------------

    async def _events_watch(self, request: Request) -> Response:
        recorded = await self._record(request)
        user, refused = self._gate(request, READ_EVENTS)
        if refused is not None:
            return refused
        assert user is not None
        calendar = self._calendar(user, request.path_params["calendar_id"])
        if calendar is None:
            return self._not_found()
        body = recorded.json or {}
        if body.get("type") not in ("web_hook", "webhook") or not str(
            body.get("address", "")
        ).startswith("https://"):
            error = google_error(400, "invalid", "WebHook callback must be HTTPS")
            return JSONResponse(error, 400)
        if body.get("id") in self.channels:
            error = google_error(400, "channelIdNotUnique", "Channel id not unique")
            return JSONResponse(error, 400)
        ttl = int((body.get("params") or {}).get("ttl", 604800))
        channel = Channel(
            id=body["id"],
            resource_id="res-" + hashlib.sha1(calendar.id.encode()).hexdigest()[:16],
            calendar_id=calendar.id,
            token=body.get("token"),
            address=body["address"],
            expiration_ms=int((time.time() + ttl) * 1000),
        )
        self.channels[channel.id] = channel
        return JSONResponse(
            {
                "kind": "api#channel",
                "id": channel.id,
                "resourceId": channel.resource_id,
                "resourceUri": f"https://www.googleapis.com/calendar/v3/calendars/{calendar.id}/events",
                **({"token": channel.token} if channel.token else {}),
                "expiration": str(channel.expiration_ms),
            }
        )

    async def _channels_stop(self, request: Request) -> Response:
        recorded = await self._record(request)
        _user, refused = self._gate(request, ANY_CALENDAR)
        if refused is not None:
            return refused
        body = recorded.json or {}
        channel = self.channels.get(body.get("id", ""))
        if channel is None or channel.resource_id != body.get("resourceId") or channel.stopped:
            return self._not_found()
        channel.stopped = True
        return Response(status_code=204)
