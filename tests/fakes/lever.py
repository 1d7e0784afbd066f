"""A local fake of Lever's REST API (v1) and of the webhooks Lever sends.

Follows https://hire.lever.co/developer/documentation: HTTP Basic with the API key as username
(401 `{"code", "message"}` otherwise), lists as `{"data", "hasNext", "next"}` paged by `limit`
(1-100, default 100) and `offset` (the previous `next`), `updated_at_start` (ms) on
opportunities and postings, `expand=applications`, one posting by id (`GET /postings/:posting`,
`{"data": {"id", "text", "state", ...}}`), 429 with Retry-After when rate limited.

Use from tests:

    fake = LeverFake(api_key="k")
    fake.seed(jobs=5, applications=10_000)
    served = ServedApp(fake.app).start()      # Credentials(values={"api_key": "k"},
    ...                                       #             base_url=served.url)
    fake.storm_429(3, retry_after=1)          # the next 3 requests answer 429
    fake.fail_500(2)                          # the next 2 requests answer 500
    fake.requests                             # every request: method, path, query, json
    headers, body = signed_delivery("candidateStageChange", {...data...}, secret)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_STAGES: list[tuple[str, str]] = [
    ("lead-new", "New lead"),
    ("lead-reached-out", "Reached out"),
    ("lead-responded", "Responded"),
    ("applicant-new", "New applicant"),
    ("d0d0a1b6-0e1a-4c39-9f4c-3b0a2f3f1a01", "Phone screen"),
    ("d0d0a1b6-0e1a-4c39-9f4c-3b0a2f3f1a02", "On-site interview"),
    ("offer", "Offer"),
]
HIRED_REASON_ID = "ddc474e6-67bd-480e-9513-4a9720fa9599"
DEFAULT_ARCHIVE_REASONS: list[dict[str, str]] = [
    {"id": "63dd55b2-a99f-4e7b-985f-22c7bf80ab42", "text": "Underqualified", "type": "non-hired"},
    {"id": "73ea2610-057a-4576-92ab-551de1835189", "text": "Offer declined", "type": "non-hired"},
    {"id": "05f95c6f-67a8-45c6-b4bc-b07cb4c2cd28", "text": "Position closed", "type": "non-hired"},
    {"id": HIRED_REASON_ID, "text": "Hired", "type": "hired"},
]


def _now_ms() -> int:
    return int(time.time() * 1000)


def signed_delivery(
    event_type: str,
    payload: dict[str, Any],
    secret: str,
    *,
    token: str | None = None,
    triggered_at: int | None = None,
) -> tuple[dict[str, str], bytes]:
    """What Lever POSTs for one event: a JSON body with `triggeredAt` (ms), `event`, `token`
    (unique per delivery) and `signature` = hex HMAC-SHA256(secret, token + triggeredAt), and
    the event's ids in `data` (`payload`). Lever sends no signature header. Pass the same
    `token`/`triggered_at` to reproduce a retry or a replay."""
    token = token or uuid.uuid4().hex
    triggered = _now_ms() if triggered_at is None else triggered_at
    signature = hmac.new(
        secret.encode(), f"{token}{triggered}".encode(), hashlib.sha256
    ).hexdigest()
    body = json.dumps(
        {
            "triggeredAt": triggered,
            "event": event_type,
            "signature": signature,
            "token": token,
            "data": payload,
        }
    ).encode()
    return {"content-type": "application/json"}, body


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    json: Any


@dataclass
class LeverFake:
    api_key: str = "lever-test-key"
    stages: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": i, "text": t} for i, t in DEFAULT_STAGES]
    )
    archive_reasons: list[dict[str, Any]] = field(
        default_factory=lambda: [{**r, "status": "active"} for r in DEFAULT_ARCHIVE_REASONS]
    )
    users: list[dict[str, Any]] = field(default_factory=list)
    postings: list[dict[str, Any]] = field(default_factory=list)
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    panels: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    _pending_429: int = 0
    _retry_after: float = 1.0
    _pending_500: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Called with each request before it is answered (on the fake's own thread and loop), for
    # tests that look at what the caller holds while it waits for Lever.
    on_request: Callable[[Request], Awaitable[None]] | None = None

    # --- builder and switches ----------------------------------------------------------------

    def seed(
        self,
        *,
        jobs: int = 3,
        applications: int = 10,
        archived_every: int = 0,
        hired_every: int = 0,
        start_ms: int = 1_700_000_000_000,
    ) -> None:
        """N postings and N opportunities (one contact each, spread over the postings and
        stages, updatedAt increasing by one second). Every `archived_every`-th opportunity is
        archived as Underqualified, every `hired_every`-th as Hired. 10,000 in ~0.1 s."""
        for j in range(jobs):
            self.postings.append(
                {
                    "id": f"posting-{j:05d}",
                    "text": f"Job {j}",
                    "state": "published",
                    "createdAt": start_ms,
                    "updatedAt": start_ms + j * 1000,
                }
            )
        stage_ids = [s["id"] for s in self.stages]
        for n in range(applications):
            archived = None
            if hired_every and n % hired_every == hired_every - 1:
                archived = {"reason": HIRED_REASON_ID, "archivedAt": start_ms + n * 1000}
            elif archived_every and n % archived_every == archived_every - 1:
                archived = {
                    "reason": DEFAULT_ARCHIVE_REASONS[0]["id"],
                    "archivedAt": start_ms + n * 1000,
                }
            posting = self.postings[n % len(self.postings)]["id"] if self.postings else None
            self.add_opportunity(
                opportunity_id=f"opp-{n:06d}",
                contact_id=f"contact-{n:06d}",
                name=f"Candidate {n}",
                email=f"candidate{n}@example.com",
                posting_id=posting,
                stage_id=stage_ids[n % len(stage_ids)],
                archived=archived,
                updated_at=start_ms + n * 1000,
            )

    def add_opportunity(
        self,
        *,
        opportunity_id: str,
        contact_id: str,
        name: str,
        email: str | None,
        posting_id: str | None,
        stage_id: str = "applicant-new",
        archived: dict[str, Any] | None = None,
        updated_at: int | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        updated = updated_at or _now_ms()
        applications = []
        if posting_id is not None:
            applications.append(
                {
                    "id": f"app-{opportunity_id}",
                    "type": "posting",
                    "candidateId": opportunity_id,
                    "opportunityId": opportunity_id,
                    "posting": posting_id,
                    "createdAt": updated,
                    "archived": archived,
                }
            )
        opportunity = {
            "id": opportunity_id,
            "name": name,
            "headline": "",
            "contact": contact_id,
            "emails": [email] if email else [],
            "phones": [{"type": "mobile", "value": phone}] if phone else [],
            "location": "",
            "links": [],
            "tags": [],
            "sources": ["Job site"],
            "origin": "applied",
            "stage": stage_id,
            "stageChanges": [{"toStageId": stage_id, "updatedAt": updated}],
            "archived": archived,
            "applications": applications,
            "createdAt": updated,
            "updatedAt": updated,
            "isAnonymized": False,
        }
        self.opportunities.append(opportunity)
        self._by_id[opportunity_id] = opportunity
        return opportunity

    def add_posting(
        self, text: str, *, posting_id: str | None = None, state: str = "published"
    ) -> str:
        """A posting as Lever documents it: `text` is its title, `state` one of draft,
        internal, published, pending, closed, rejected."""
        posting_id = posting_id or f"posting-{len(self.postings):05d}"
        self.postings.append(
            {
                "id": posting_id,
                "text": text,
                "state": state,
                "categories": {},
                "createdAt": _now_ms(),
                "updatedAt": _now_ms(),
            }
        )
        return posting_id

    def add_user(self, user_id: str, email: str, name: str = "") -> None:
        self.users.append({"id": user_id, "email": email, "name": name or email})

    def storm_429(self, count: int, retry_after: float = 1.0) -> None:
        """The next `count` requests answer 429 Too Many Requests with Retry-After."""
        self._pending_429 = count
        self._retry_after = retry_after

    def fail_500(self, count: int) -> None:
        """The next `count` requests answer 500."""
        self._pending_500 = count

    def opportunity(self, opportunity_id: str) -> dict[str, Any]:
        return self._by_id[opportunity_id]

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- the app -----------------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/postings", self._list_postings, methods=["GET"]),
                Route("/postings/{pid}", self._get_posting, methods=["GET"]),
                Route("/opportunities", self._list_opportunities, methods=["GET"]),
                Route("/opportunities/{oid}", self._get_opportunity, methods=["GET"]),
                Route("/opportunities/{oid}/stage", self._put_stage, methods=["PUT"]),
                Route("/opportunities/{oid}/archived", self._put_archived, methods=["PUT"]),
                Route("/opportunities/{oid}/notes", self._post_note, methods=["POST"]),
                Route("/opportunities/{oid}/panels", self._panels, methods=["GET", "POST"]),
                Route(
                    "/opportunities/{oid}/panels/{pid}",
                    self._panel,
                    methods=["PUT", "DELETE"],
                ),
                Route("/stages", self._list_stages, methods=["GET"]),
                Route("/archive_reasons", self._list_archive_reasons, methods=["GET"]),
                Route("/users", self._list_users, methods=["GET"]),
            ],
            middleware=[],
        )

    @staticmethod
    def _error(status: int, code: str, message: str) -> JSONResponse:
        return JSONResponse({"code": code, "message": message}, status_code=status)

    async def _gate(self, request: Request) -> Response | None:
        if self.on_request is not None:
            await self.on_request(request)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        query: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            query.setdefault(key, []).append(value)
        with self._lock:
            self.requests.append(Recorded(request.method, request.url.path, query, body))
            if self._pending_429 > 0:
                self._pending_429 -= 1
                response = self._error(429, "TooManyRequests", "Rate limit exceeded")
                response.headers["Retry-After"] = f"{self._retry_after:g}"
                return response
            if self._pending_500 > 0:
                self._pending_500 -= 1
                return self._error(500, "InternalServerError", "Something went wrong")
        header = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        if not hmac.compare_digest(header, expected):
            return self._error(401, "UnauthorizedError", "Invalid API key")
        return None

    def _page(
        self, request: Request, items: list[dict[str, Any]], transform: Any = None
    ) -> Response:
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return self._error(400, "BadRequestError", "limit must be a number")
        if not 1 <= limit <= 100:
            return self._error(400, "BadRequestError", "limit must be between 1 and 100")
        start = 0
        offset = request.query_params.get("offset")
        if offset:
            try:
                start = int(base64.urlsafe_b64decode(offset.encode()).decode().split(".")[0])
            except (ValueError, UnicodeDecodeError):
                return self._error(400, "BadRequestError", "Invalid offset token")
        chunk = items[start : start + limit]
        end = start + len(chunk)
        has_next = end < len(items)
        body: dict[str, Any] = {
            "data": [transform(item) if transform else item for item in chunk],
            "hasNext": has_next,
        }
        if has_next:
            body["next"] = base64.urlsafe_b64encode(f"{end}.{chunk[-1]['id']}".encode()).decode()
        return JSONResponse(body)

    @staticmethod
    def _since(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        start = request.query_params.get("updated_at_start")
        if start is None:
            return items
        threshold = int(start)
        return [i for i in items if (i.get("updatedAt") or 0) >= threshold]

    def _shape_opportunity(self, request: Request) -> Any:
        expand = request.query_params.getlist("expand")

        def shape(opportunity: dict[str, Any]) -> dict[str, Any]:
            shaped = dict(opportunity)
            if "applications" not in expand:
                shaped["applications"] = [a["id"] for a in opportunity["applications"]]
            if "stage" in expand:
                text = next((s["text"] for s in self.stages if s["id"] == opportunity["stage"]), "")
                shaped["stage"] = {"id": opportunity["stage"], "text": text}
            return shaped

        return shape

    async def _list_postings(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        return self._page(request, self._since(request, self.postings))

    async def _get_posting(self, request: Request) -> Response:
        """`GET /postings/:posting`: `{"data": <posting>}`, 404 when there is none."""
        if (refused := await self._gate(request)) is not None:
            return refused
        posting = next((p for p in self.postings if p["id"] == request.path_params["pid"]), None)
        if posting is None:
            return self._error(404, "ResourceNotFound", "Posting not found")
        return JSONResponse({"data": posting})

    async def _list_opportunities(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        items = self._since(request, self.opportunities)
        return self._page(request, items, self._shape_opportunity(request))

    def _find(self, oid: str) -> dict[str, Any] | None:
        return self._by_id.get(oid)

    async def _get_opportunity(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        opportunity = self._find(request.path_params["oid"])
        if opportunity is None:
            return self._error(404, "ResourceNotFound", "Opportunity not found")
        return JSONResponse({"data": self._shape_opportunity(request)(opportunity)})

    async def _body(self, request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    async def _put_stage(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        opportunity = self._find(request.path_params["oid"])
        if opportunity is None:
            return self._error(404, "ResourceNotFound", "Opportunity not found")
        body = await self._body(request)
        stage = body.get("stage") if isinstance(body, dict) else None
        if stage not in {s["id"] for s in self.stages}:
            return self._error(400, "BadRequestError", "Invalid stage")
        opportunity["stage"] = stage
        opportunity["updatedAt"] = _now_ms()
        opportunity["stageChanges"].append({"toStageId": stage, "updatedAt": _now_ms()})
        return JSONResponse({"data": self._shape_opportunity(request)(opportunity)})

    async def _put_archived(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        opportunity = self._find(request.path_params["oid"])
        if opportunity is None:
            return self._error(404, "ResourceNotFound", "Opportunity not found")
        body = await self._body(request)
        reason = body.get("reason") if isinstance(body, dict) else None
        if reason is None:
            opportunity["archived"] = None
        elif reason not in {r["id"] for r in self.archive_reasons}:
            return self._error(400, "BadRequestError", "Invalid archive reason")
        else:
            opportunity["archived"] = {"reason": reason, "archivedAt": _now_ms()}
        opportunity["updatedAt"] = _now_ms()
        return JSONResponse({"data": self._shape_opportunity(request)(opportunity)})

    async def _post_note(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        oid = request.path_params["oid"]
        if self._find(oid) is None:
            return self._error(404, "ResourceNotFound", "Opportunity not found")
        body = await self._body(request)
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            return self._error(400, "BadRequestError", "value is required")
        note = {"id": uuid.uuid4().hex, "text": body["value"], "createdAt": _now_ms()}
        self.notes.setdefault(oid, []).append(note)
        return JSONResponse({"data": {"noteId": note["id"]}}, status_code=201)

    async def _panels(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        oid = request.path_params["oid"]
        if self._find(oid) is None:
            return self._error(404, "ResourceNotFound", "Opportunity not found")
        panels = self.panels.setdefault(oid, [])
        if request.method == "GET":
            return self._page(request, panels)
        body = await self._body(request)
        if not isinstance(body, dict) or not isinstance(body.get("interviews"), list):
            return self._error(400, "BadRequestError", "interviews are required")
        panel = {"id": uuid.uuid4().hex, **body}
        panels.append(panel)
        return JSONResponse({"data": panel}, status_code=201)

    async def _panel(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        panels = self.panels.get(request.path_params["oid"], [])
        panel = next((p for p in panels if p["id"] == request.path_params["pid"]), None)
        if panel is None:
            return self._error(404, "ResourceNotFound", "Panel not found")
        if request.method == "DELETE":
            panels.remove(panel)
            return Response(status_code=204)
        body = await self._body(request)
        if not isinstance(body, dict):
            return self._error(400, "BadRequestError", "a panel is required")
        panel.update(body)
        return JSONResponse({"data": panel})

    async def _list_stages(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        return self._page(request, self.stages)

    async def _list_archive_reasons(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        kind = request.query_params.get("type")
        reasons = [r for r in self.archive_reasons if kind is None or r["type"] == kind]
        return self._page(request, reasons)

    async def _list_users(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        email = request.query_params.get("email")
        users = [u for u in self.users if email is None or u["email"] == email]
        return self._page(request, users)
