"""A local fake of Greenhouse: the Harvest v3 API (OAuth client credentials, cursor pagination
by Link header, rate-limit headers, error shapes) and signed webhook deliveries.

Serve it with `ServedApp(fake.app).start()`; point the adapter at it with
`Credentials({"client_id": fake.client_id, "client_secret": fake.client_secret},
base_url=f"{served.url}/v3")` (the token endpoint is then `{served.url}/token`).

Builder: `fake.seed(jobs=3, applications=10_000)` (one candidate per application, cheap);
`fake.add_job(...)`, `fake.add_candidate(...)`, `fake.add_application(...)` for specific records.
Switches: `fake.fail_with_429(k, retry_after=1.0)` and `fake.fail_with_500(k)` answer the
next k Harvest calls (paths under /v3; the token endpoint is never failed) with that status.
Every request is recorded in `fake.requests` (method, path, query, json, form).
Webhooks: `signed_delivery(action, payload, secret)` returns exactly the headers and bytes
Greenhouse would POST; `load_sample(action)` reads a documented payload from
tests/fakes/samples/greenhouse/.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SAMPLES = Path(__file__).parent / "samples" / "greenhouse"
STAGE_NAMES = ("Application Review", "Preliminary Phone Screen", "Face to Face", "Offer")
REJECTION_REASONS = ("Lacking skill(s)/qualification(s)", "Too Junior", "Hired another candidate")
RATE_LIMIT = 50


def load_sample(action: str) -> dict[str, Any]:
    """A documented webhook body (`{"action": ..., "payload": ...}`) by action name."""
    data: dict[str, Any] = json.loads((SAMPLES / f"greenhouse_{action}.json").read_text())
    return data


def encode_body(document: dict[str, Any]) -> bytes:
    """JSON as Greenhouse writes it: unicode and HTML characters escaped (`<` -> `\\u003c`)."""
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


def sign(body: bytes, secret: str) -> str:
    return "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_delivery(
    event_type: str,
    payload: dict[str, Any],
    secret: str,
    *,
    event_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of one Greenhouse webhook delivery of `event_type` (the action)
    carrying `payload` (the inner payload object). Pass the same `event_id` to model
    Greenhouse retrying a delivery."""
    body = encode_body({"action": event_type, "payload": payload})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Greenhouse-Webhook",
        "Greenhouse-Event-ID": event_id or str(uuid.uuid4()),
        "Signature": sign(body, secret),
    }
    return headers, body


def signed_sample(
    action: str, secret: str, *, event_id: str | None = None
) -> tuple[dict[str, str], bytes]:
    """A documented sample, delivered and signed as Greenhouse would."""
    sample = load_sample(action)
    return signed_delivery(sample["action"], sample["payload"], secret, event_id=event_id)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class _Table:
    """Records kept in id order, for cursor pages and id lookups, with an index per filter
    column: a page filtered by 500 application ids must not scan a 10,000-row table (the import
    bench reads many such pages, and a scanning fake made the fake the bottleneck)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.rows: dict[int, dict[str, Any]] = {}
        self.by_column: dict[str, dict[Any, set[int]]] = {
            column: {} for column in FILTER_PARAMS.values() if column != "id"
        }

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        row_id = int(row["id"])
        old = self.rows.get(row_id)
        if old is None:
            if self.ids and row_id < self.ids[-1]:
                bisect.insort(self.ids, row_id)
            else:
                self.ids.append(row_id)
        else:
            for column, index in self.by_column.items():
                index.get(old.get(column), set()).discard(row_id)
        for column, index in self.by_column.items():
            index.setdefault(row.get(column), set()).add(row_id)
        self.rows[row_id] = row
        return row

    def having(self, column: str, values: set[int]) -> list[int]:
        """Ids of the rows whose `column` is one of `values`, in id order. The index is only a
        shortcut: rows are still checked against every filter, so a row changed in place (not
        through `add`) is never wrongly included."""
        if column == "id":
            return sorted(i for i in values if i in self.rows)
        index = self.by_column[column]
        found: set[int] = set()
        for value in values:
            found |= index.get(value, set())
        return sorted(found)

    def after(self, last_id: int) -> list[int]:
        return self.ids[bisect.bisect_right(self.ids, last_id) :]


FILTER_PARAMS = {
    "ids": "id",
    "candidate_ids": "candidate_id",
    "application_ids": "application_id",
    "job_ids": "job_id",
}


class GreenhouseFake:
    def __init__(
        self,
        *,
        client_id: str = "gh-client",
        client_secret: str = "gh-secret",
        token_ttl: int = 3600,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.tokens: dict[str, float] = {}  # access token -> expiry (time.time())
        self.requests: list[RecordedRequest] = []
        self._fail_429 = 0
        self._retry_after = 1.0
        self._fail_500 = 0
        self._next_id = 1000
        self.tables: dict[str, _Table] = {
            name: _Table()
            for name in (
                "jobs",
                "candidates",
                "applications",
                "application_stages",
                "job_interview_stages",
                "rejection_details",
                "rejection_reasons",
                "notes",
            )
        }
        for name in REJECTION_REASONS:
            self.tables["rejection_reasons"].add(
                {"id": self._new_id(), "name": name, "type": {"id": 1, "name": "We rejected them"}}
            )
        self.app = Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route("/v3/{resource}", self._list, methods=["GET"]),
                Route("/v3/applications/{app_id:int}/{verb}", self._app_write, methods=["POST"]),
                Route("/v3/notes", self._create_note, methods=["POST"]),
            ]
        )

    # --- switches and inspection -----------------------------------------------------------

    def fail_with_429(self, count: int, retry_after: float = 1.0) -> None:
        self._fail_429 = count
        self._retry_after = retry_after

    def fail_with_500(self, count: int) -> None:
        self._fail_500 = count

    def api_requests(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded Harvest calls (not token calls), optionally by method and exact path."""
        return [
            r
            for r in self.requests
            if r.path.startswith("/v3/")
            and (method is None or r.method == method)
            and (path is None or r.path == path)
        ]

    def expire_tokens(self) -> None:
        self.tokens.clear()

    # --- builder ------------------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_job(self, name: str = "Engineer", *, status: str = "open") -> dict[str, Any]:
        now = _iso(datetime.now(UTC))
        job = self.tables["jobs"].add(
            {
                "id": self._new_id(),
                "name": name,
                "status": status,
                "created_at": now,
                "updated_at": now,
            }
        )
        for order, stage in enumerate(STAGE_NAMES):
            self.tables["job_interview_stages"].add(
                {
                    "id": self._new_id(),
                    "job_id": job["id"],
                    "name": stage,
                    "active": True,
                    "sort_order": order,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        return job

    def stages_of(self, job_id: int) -> list[dict[str, Any]]:
        table = self.tables["job_interview_stages"]
        return [table.rows[i] for i in table.ids if table.rows[i]["job_id"] == job_id]

    def add_candidate(
        self,
        first_name: str = "Ada",
        last_name: str = "Lovelace",
        *,
        email: str | None = None,
        phone: str | None = None,
        updated_at: datetime | None = None,
    ) -> dict[str, Any]:
        cid = self._new_id()
        stamp = _iso(updated_at or datetime.now(UTC))
        return self.tables["candidates"].add(
            {
                "id": cid,
                "first_name": first_name,
                "last_name": last_name,
                "company": None,
                "title": None,
                "email_addresses": [
                    {
                        "value": email or f"candidate{cid}@example.com",
                        "type": "personal",
                        "primary": True,
                    }
                ],
                "phone_numbers": [{"value": phone, "type": "mobile", "primary": True}]
                if phone
                else [],
                "tags": [],
                "created_at": stamp,
                "updated_at": stamp,
            }
        )

    def add_application(
        self,
        candidate: dict[str, Any],
        job: dict[str, Any],
        *,
        stage: str = STAGE_NAMES[0],
        status: str = "in_process",
        rejection_reason: str | None = None,
        updated_at: datetime | None = None,
    ) -> dict[str, Any]:
        stamp = _iso(updated_at or datetime.now(UTC))
        app_id = self._new_id()
        stage_row = next(s for s in self.stages_of(job["id"]) if s["name"] == stage)
        app_stage = self.tables["application_stages"].add(
            {
                "id": self._new_id(),
                "application_id": app_id,
                "job_interview_stage_id": stage_row["id"],
                "current": True,
                "entered_at": stamp,
                "exited_at": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        application = self.tables["applications"].add(
            {
                "id": app_id,
                "candidate_id": candidate["id"],
                "job_id": job["id"],
                "stage_id": app_stage["id"],
                "status": status,
                "prospect": False,
                "created_at": stamp,
                "updated_at": stamp,
                "last_activity_at": stamp,
                "rejected_at": stamp if status == "rejected" else None,
            }
        )
        if status == "rejected":
            self._reject(
                application, self._reason_id(rejection_reason or REJECTION_REASONS[0]), None
            )
        return application

    def seed(
        self,
        *,
        jobs: int = 3,
        applications: int = 0,
        rejected_every: int = 0,
        updated_at: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """`jobs` jobs and `applications` applications (one candidate each, spread over the
        jobs and stages; every `rejected_every`-th rejected). Returns the applications."""
        made_jobs = [self.add_job(f"Job {n}") for n in range(jobs)]
        created = []
        for n in range(applications):
            candidate = self.add_candidate("Candidate", f"No{n}", updated_at=updated_at)
            rejected = rejected_every > 0 and n % rejected_every == 0
            created.append(
                self.add_application(
                    candidate,
                    made_jobs[n % len(made_jobs)],
                    stage=STAGE_NAMES[n % len(STAGE_NAMES)],
                    status="rejected" if rejected else "in_process",
                    updated_at=updated_at,
                )
            )
        return created

    def current_stage_name(self, app_id: int) -> str:
        application = self.tables["applications"].rows[app_id]
        row = self.tables["application_stages"].rows[application["stage_id"]]
        return str(self.tables["job_interview_stages"].rows[row["job_interview_stage_id"]]["name"])

    def _reason_id(self, name: str) -> int:
        table = self.tables["rejection_reasons"]
        return next(i for i in table.ids if table.rows[i]["name"] == name)

    def _reject(self, application: dict[str, Any], reason_id: int, notes: str | None) -> None:
        stamp = _iso(datetime.now(UTC))
        application.update(status="rejected", rejected_at=stamp, updated_at=stamp)
        self.tables["rejection_details"].add(
            {
                "id": self._new_id(),
                "application_id": application["id"],
                "rejection_reason_id": reason_id,
                "rejection_note": notes,
                "rejected_at": stamp,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )

    # --- HTTP -------------------------------------------------------------------------------

    async def _record(self, request: Request) -> RecordedRequest:
        body = await request.body()
        recorded = RecordedRequest(request.method, request.url.path, dict(request.query_params))
        content_type = request.headers.get("content-type", "")
        if body and "json" in content_type:
            recorded.json = json.loads(body)
        elif body and "form" in content_type:
            recorded.form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append(recorded)
        return recorded

    @staticmethod
    def _rate_headers(remaining: int = RATE_LIMIT - 1) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": str(remaining)}

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        return JSONResponse({"message": message}, status_code=status, headers=headers)

    def _gate(self, request: Request) -> Response | None:
        """Injected failures, then bearer-token auth, for every Harvest call."""
        if self._fail_429 > 0:
            self._fail_429 -= 1
            headers = self._rate_headers(0)
            headers["Retry-After"] = f"{self._retry_after:g}"
            headers["X-RateLimit-Reset"] = f"{time.time() + self._retry_after:.3f}"
            return self._error(429, "Too Many Requests", headers)
        if self._fail_500 > 0:
            self._fail_500 -= 1
            return self._error(500, "Internal Server Error")
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        expiry = self.tokens.get(token)
        if expiry is None or expiry < time.time():
            return self._error(401, "Unauthorized: token missing, invalid or expired")
        return None

    async def _token(self, request: Request) -> Response:
        recorded = await self._record(request)
        auth = request.headers.get("authorization", "")
        try:
            user, _, password = (
                base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
            )
        except ValueError:
            user, password = "", ""
        if not auth.startswith("Basic ") or not (
            hmac.compare_digest(user, self.client_id)
            and hmac.compare_digest(password, self.client_secret)
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if recorded.form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        token = secrets.token_urlsafe(24)
        self.tokens[token] = time.time() + self.token_ttl
        return JSONResponse(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}
        )

    async def _list(self, request: Request) -> Response:
        await self._record(request)
        refused = self._gate(request)
        if refused is not None:
            return refused
        resource = request.path_params["resource"]
        table = self.tables.get(resource)
        if table is None:
            return self._error(404, f"Unknown resource {resource}")
        query = dict(request.query_params)
        if "cursor" in query:
            if len(query) > 1:
                return self._error(422, "cursor must be the only query parameter")
            try:
                state = json.loads(base64.urlsafe_b64decode(query["cursor"].encode()))
            except ValueError:
                return self._error(422, "invalid cursor")
            if state.get("r") != resource:
                return self._error(422, "cursor belongs to another resource")
        else:
            try:
                per_page = int(query.pop("per_page", "100"))
            except ValueError:
                return self._error(422, "per_page must be an integer")
            if not 1 <= per_page <= 500:
                return self._error(422, "per_page must be between 1 and 500")
            state = {"r": resource, "after": 0, "per_page": per_page, "filters": query}
        rows = self._page(table, state)
        if isinstance(rows, Response):
            return rows
        page, more = rows
        headers = self._rate_headers()
        if more:
            cursor = base64.urlsafe_b64encode(
                json.dumps({**state, "after": page[-1]["id"]}).encode()
            ).decode()
            headers["Link"] = f'<{request.url.replace(query=f"cursor={cursor}")}>; rel="next"'
        return JSONResponse(page, headers=headers)

    def _page(
        self, table: _Table, state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], bool] | Response:
        filters: dict[str, str] = state["filters"]
        wanted: dict[str, set[int]] = {}
        updated_gte: datetime | None = None
        current: bool | None = None
        for name, value in filters.items():
            if name in FILTER_PARAMS:
                wanted[FILTER_PARAMS[name]] = {int(v) for v in value.split(",") if v}
            elif name == "updated_at":
                operator, _, moment = value.partition("|")
                if operator != "gte":
                    return self._error(422, "the fake supports updated_at=gte|<time> only")
                updated_gte = _parse(moment)
            elif name == "current":
                current = value == "true"
            else:
                return self._error(422, f"unknown filter {name}")
        if wanted:
            # The most selective filter's index; the loop below checks all of them.
            column, values = min(wanted.items(), key=lambda item: len(item[1]))
            candidates = [i for i in table.having(column, values) if i > state["after"]]
        else:
            candidates = table.after(state["after"])
        page: list[dict[str, Any]] = []
        more = False
        for row_id in candidates:
            row = table.rows[row_id]
            if any(row.get(column) not in ids for column, ids in wanted.items()):
                continue
            if updated_gte is not None and _parse(row["updated_at"]) < updated_gte:
                continue
            if current is not None and row.get("current") is not current:
                continue
            if len(page) == state["per_page"]:
                more = True
                break
            page.append(row)
        return page, more

    async def _app_write(self, request: Request) -> Response:
        recorded = await self._record(request)
        refused = self._gate(request)
        if refused is not None:
            return refused
        application = self.tables["applications"].rows.get(request.path_params["app_id"])
        if application is None:
            return self._error(404, "Application not found")
        body = recorded.json if isinstance(recorded.json, dict) else {}
        verb = request.path_params["verb"]
        if verb == "move":
            target = self.tables["job_interview_stages"].rows.get(body.get("to_stage_id", -1))
            if target is None or target["job_id"] != application["job_id"]:
                return self._error(422, "to_stage_id is not a stage of the application's job")
            stages = self.tables["application_stages"]
            stamp = _iso(datetime.now(UTC))
            stages.rows[application["stage_id"]].update(current=False, exited_at=stamp)
            new = stages.add(
                {
                    "id": self._new_id(),
                    "application_id": application["id"],
                    "job_interview_stage_id": target["id"],
                    "current": True,
                    "entered_at": stamp,
                    "exited_at": None,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            application.update(stage_id=new["id"], updated_at=stamp)
            return Response(status_code=204, headers=self._rate_headers())
        if verb == "reject":
            reason = body.get("rejection_reason_id")
            if reason not in self.tables["rejection_reasons"].rows:
                return self._error(422, "rejection_reason_id is required and must exist")
            if application["status"] != "in_process":
                return self._error(422, "Only an in-process application can be rejected")
            self._reject(application, reason, body.get("notes"))
            return Response(status_code=204, headers=self._rate_headers())
        if verb == "hire":
            if application["status"] != "in_process":
                return self._error(422, "Only an in-process application can be hired")
            application.update(status="hired", updated_at=_iso(datetime.now(UTC)))
            return Response(status_code=204, headers=self._rate_headers())
        return self._error(404, f"Unknown application action {verb}")

    async def _create_note(self, request: Request) -> Response:
        recorded = await self._record(request)
        refused = self._gate(request)
        if refused is not None:
            return refused
        body = recorded.json if isinstance(recorded.json, dict) else {}
        if body.get("candidate_id") not in self.tables["candidates"].rows or not body.get("body"):
            return self._error(422, "candidate_id and body are required")
        if body.get("visibility") not in ("admin_only", "private", "public"):
            return self._error(422, "visibility must be admin_only, private or public")
        stamp = _iso(datetime.now(UTC))
        note = self.tables["notes"].add(
            {"id": self._new_id(), **body, "created_at": stamp, "updated_at": stamp}
        )
        return JSONResponse(note, status_code=201, headers=self._rate_headers())
