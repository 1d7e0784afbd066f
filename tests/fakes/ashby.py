"""A local fake of Ashby's RPC-style API, and Ashby-signed webhook deliveries.

Follows the documented shapes (see app/integrations/ats/ashby/ for the doc URLs):
``POST /<endpoint>`` with a JSON body, HTTP Basic auth with the API key as username (401 on a
bad key), ``{"success": true, "results": ...}`` answers, ``{"success": false, "errors": [...],
"errorInfo": {...}}`` failures with HTTP 200, ``cursor``/``limit`` pagination answering
``moreDataAvailable``/``nextCursor`` (and a ``syncToken`` on the last page), 429 with
Retry-After for rate limits.

Use from tests::

    fake = AshbyFake(api_key="key")
    fake.seed(jobs=3, applications=250)          # candidates are made per application
    served = ServedApp(fake.app()).start()       # tests/fakes/server.py
    credentials = Credentials({"api_key": "key"}, base_url=served.url)
    fake.rate_limit_next(3, retry_after=1)       # a 429 storm
    fake.fail_next(2)                            # 500s
    fake.requests                                # every request: method, path, query, json
    headers, body = signed_delivery("applicationSubmit", {"application": fake.application_json(app_id)}, secret)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SAMPLES = Path(__file__).parent / "samples" / "ashby"
MAX_LIMIT = 100
PLAN_ID = "plan-default"
DEFAULT_STAGES: list[tuple[str, str]] = [
    ("Lead", "Lead"),
    ("Application Review", "PreInterviewScreen"),
    ("Phone Screen", "Active"),
    ("Onsite", "Active"),
    ("Offer", "Offer"),
    ("Hired", "Hired"),
    ("Archived", "Archived"),
]
DEFAULT_REASONS: list[tuple[str, str]] = [
    ("Too inexperienced", "RejectedByOrg"),
    ("Not a culture fit", "RejectedByOrg"),
    ("Accepted another offer", "RejectedByCandidate"),
    ("Other", "Other"),
]


# --- webhooks ----------------------------------------------------------------------------


def sign(body: bytes, secret: str) -> str:
    """The Ashby-Signature header value for a raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_delivery(
    event_type: str,
    payload: dict[str, Any],
    secret: str,
    *,
    webhook_action_id: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """Exactly what Ashby POSTs: ``{"action", "data", "webhookActionId"}`` signed with the
    webhook's secret token. `payload` is the ``data`` object. Re-send the returned pair to
    model Ashby's retries (same webhookActionId)."""
    body = json.dumps(
        {
            "action": event_type,
            "data": payload,
            "webhookActionId": webhook_action_id or str(uuid.uuid4()),
        },
        separators=(",", ":"),
    ).encode()
    return signed_body(body, secret), body


def signed_body(body: bytes, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Ashby-Signature": sign(body, secret),
        "User-Agent": "Ashby-Webhook",
    }


def sample(name: str) -> dict[str, Any]:
    """A documented payload from tests/fakes/samples/ashby/<name>.json (whole body)."""
    data: dict[str, Any] = json.loads((SAMPLES / f"{name}.json").read_text())
    return data


def signed_sample(name: str, secret: str) -> tuple[dict[str, str], bytes]:
    """A stored sample as Ashby would send it (body bytes and headers)."""
    body = json.dumps(sample(name), separators=(",", ":")).encode()
    return signed_body(body, secret), body


# --- the fake API ------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any


@dataclass
class FakeApplication:
    id: str
    candidate_id: str
    job_id: str
    stage_id: str
    status: str = "Active"
    archive_reason_id: str | None = None
    created_at: str = "2026-01-01T00:00:00.000Z"
    updated_at: str = "2026-01-01T00:00:00.000Z"


@dataclass
class AshbyFake:
    api_key: str = "ashby-test-key"
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)
    applications: dict[str, FakeApplication] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> stage (with plan id)
    archive_reasons: list[dict[str, Any]] = field(default_factory=list)
    feedback_forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _rate_limited: int = 0
    _retry_after: float = 1.0
    _failing: int = 0
    _fail_status: int = 500
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for order, (title, kind) in enumerate(DEFAULT_STAGES):
            self.add_stage(PLAN_ID, title, kind, order)
        for n, (text, kind) in enumerate(DEFAULT_REASONS):
            self.archive_reasons.append(
                {"id": f"reason-{n}", "text": text, "reasonType": kind, "isArchived": False}
            )

    # switches

    def rate_limit_next(self, count: int, retry_after: float = 1.0) -> None:
        """Answer the next `count` requests with 429 and Retry-After."""
        with self._lock:
            self._rate_limited, self._retry_after = count, retry_after

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next `count` requests with `status` (a 5xx)."""
        with self._lock:
            self._failing, self._fail_status = count, status

    def calls(self, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"/{endpoint}"]

    # builder

    def add_stage(self, plan_id: str, title: str, kind: str, order: int) -> str:
        stage_id = f"{plan_id}-stage-{order}"
        self.stages[stage_id] = {
            "id": stage_id,
            "title": title,
            "type": kind,
            "orderInInterviewPlan": order,
            "interviewStageGroupId": f"group-{kind}",
            "interviewPlanId": plan_id,
        }
        return stage_id

    def stage_id(self, title: str, plan_id: str = PLAN_ID) -> str:
        return str(
            next(
                s["id"]
                for s in self.stages.values()
                if s["title"] == title and s["interviewPlanId"] == plan_id
            )
        )

    def add_job(self, title: str, *, status: str = "Open", job_id: str | None = None) -> str:
        job_id = job_id or f"job-{len(self.jobs) + 1}"
        self.jobs[job_id] = {
            "id": job_id,
            "title": title,
            "confidential": False,
            "status": status,
            "employmentType": "FullTime",
            "defaultInterviewPlanId": PLAN_ID,
            "interviewPlanIds": [PLAN_ID],
            "customFields": [],
            "jobPostingIds": [],
            "hiringTeam": [],
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z",
        }
        return job_id

    def add_candidate(
        self, name: str, email: str | None = None, *, candidate_id: str | None = None
    ) -> str:
        candidate_id = candidate_id or f"cand-{len(self.candidates) + 1}"
        self.candidates[candidate_id] = {
            "id": candidate_id,
            "name": name,
            "primaryEmailAddress": (
                {"value": email, "type": "Personal", "isPrimary": True} if email else None
            ),
            "primaryPhoneNumber": None,
            "emailAddresses": [],
            "phoneNumbers": [],
            "applicationIds": [],
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": "2026-01-01T00:00:00.000Z",
            "source": {"id": "source-1", "title": "Applied", "isArchived": False},
        }
        return candidate_id

    def add_application(
        self,
        candidate_id: str,
        job_id: str,
        *,
        stage: str = "Application Review",
        application_id: str | None = None,
        updated_at: str = "2026-01-01T00:00:00.000Z",
    ) -> str:
        application_id = application_id or f"app-{len(self.applications) + 1}"
        self.applications[application_id] = FakeApplication(
            id=application_id,
            candidate_id=candidate_id,
            job_id=job_id,
            stage_id=self.stage_id(stage),
            updated_at=updated_at,
        )
        self.candidates[candidate_id]["applicationIds"].append(application_id)
        return application_id

    def seed(self, *, jobs: int = 1, applications: int = 0, candidates: int = 0) -> None:
        """N jobs, `applications` applications each with its own candidate (spread over the
        jobs), and `candidates` more candidates without an application. Fast for 10,000."""
        job_ids = [self.add_job(f"Job {n + 1}") for n in range(max(jobs, 1))]
        for n in range(applications):
            candidate = self.add_candidate(f"Candidate {n + 1}", f"candidate{n + 1}@example.com")
            self.add_application(candidate, job_ids[n % len(job_ids)])
        for n in range(candidates):
            self.add_candidate(f"Prospect {n + 1}", f"prospect{n + 1}@example.com")

    def add_feedback_form(self, form_id: str = "form-1") -> str:
        self.feedback_forms[form_id] = {
            "id": form_id,
            "title": "Interview feedback",
            "isArchived": False,
            "isDefaultForm": True,
            "formDefinition": {
                "sections": [
                    {
                        "title": "Assessment",
                        "fields": [
                            {
                                "isRequired": True,
                                "field": {
                                    "id": "field-1",
                                    "type": "ValueSelect",
                                    "path": "overall_recommendation",
                                    "title": "Overall Recommendation",
                                    "selectableValues": [
                                        {"label": "Strong Hire", "value": "strong_hire"},
                                        {"label": "Hire", "value": "hire"},
                                        {"label": "No Hire", "value": "no_hire"},
                                        {"label": "Strong No Hire", "value": "strong_no_hire"},
                                    ],
                                },
                            },
                            {
                                "isRequired": False,
                                "field": {
                                    "id": "field-2",
                                    "type": "RichText",
                                    "path": "detailed_feedback",
                                    "title": "Detailed Feedback",
                                },
                            },
                        ],
                    }
                ]
            },
        }
        return form_id

    # documented JSON shapes

    def application_json(self, application_id: str) -> dict[str, Any]:
        app = self.applications[application_id]
        candidate = self.candidates[app.candidate_id]
        job = self.jobs[app.job_id]
        reason = next((r for r in self.archive_reasons if r["id"] == app.archive_reason_id), None)
        return {
            "id": app.id,
            "createdAt": app.created_at,
            "updatedAt": app.updated_at,
            "status": app.status,
            "customFields": [],
            "candidate": {
                "id": candidate["id"],
                "name": candidate["name"],
                "primaryEmailAddress": candidate["primaryEmailAddress"],
                "primaryPhoneNumber": candidate["primaryPhoneNumber"],
            },
            "currentInterviewStage": self.stages[app.stage_id],
            "source": candidate["source"],
            "archiveReason": {**reason, "customFields": []} if reason else None,
            "job": {"id": job["id"], "title": job["title"]},
            "hiringTeam": [],
        }

    # the ASGI app

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{endpoint}", self._endpoint, methods=["POST"])])

    async def _endpoint(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        endpoint = request.path_params["endpoint"]
        self.requests.append(Recorded("POST", f"/{endpoint}", dict(request.query_params), body))
        with self._lock:
            if self._rate_limited > 0:
                self._rate_limited -= 1
                return JSONResponse(
                    _error("rate_limit_exceeded", "Rate limit exceeded"),
                    status_code=429,
                    headers={"Retry-After": f"{self._retry_after:g}"},
                )
            if self._failing > 0:
                self._failing -= 1
                return JSONResponse({"success": False}, status_code=self._fail_status)
        if not self._authorised(request.headers.get("authorization")):
            return JSONResponse(
                _error("unauthenticated", "Invalid API key"),
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="Ashby API"'},
            )
        handler = getattr(self, "_" + endpoint.replace(".", "_"), None)
        if handler is None:
            return JSONResponse(_error("not_found", f"No endpoint {endpoint}"), status_code=404)
        if not isinstance(body, dict):
            return JSONResponse(_error("invalid_input", "Request payload is malformed"))
        result: dict[str, Any] = handler(body)
        return JSONResponse(result)

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, _ = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.api_key)

    # endpoints

    def _page(self, items: list[Any], body: dict[str, Any], render: Any) -> dict[str, Any]:
        limit = min(int(body.get("limit") or MAX_LIMIT), MAX_LIMIT)
        cursor = body.get("cursor")
        start = int(base64.urlsafe_b64decode(cursor).decode()) if cursor else 0
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        answer: dict[str, Any] = {
            "success": True,
            "results": [render(i) for i in chunk],
            "moreDataAvailable": more,
        }
        if more:
            answer["nextCursor"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        else:
            answer["syncToken"] = "sync-" + uuid.uuid4().hex[:8]
        return answer

    def _application_list(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._page(list(self.applications), body, self.application_json)

    def _candidate_list(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._page(list(self.candidates.values()), body, lambda c: c)

    def _job_list(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._page(list(self.jobs.values()), body, lambda j: j)

    def _application_info(self, body: dict[str, Any]) -> dict[str, Any]:
        app_id = body.get("applicationId")
        if app_id not in self.applications:
            return _error("application_not_found", "Application not found")
        return {"success": True, "results": self.application_json(app_id)}

    def _interviewStage_list(self, body: dict[str, Any]) -> dict[str, Any]:
        plan = body.get("interviewPlanId")
        stages = [s for s in self.stages.values() if s["interviewPlanId"] == plan]
        if not stages:
            return _error("interview_plan_not_found", "Interview plan not found")
        stages.sort(key=lambda s: s["orderInInterviewPlan"])
        return {"success": True, "results": stages, "moreDataAvailable": False}

    def _jobInterviewPlan_info(self, body: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.get(body.get("jobId", ""))
        if job is None:
            return _error("job_not_found", "Job not found")
        plan = job["defaultInterviewPlanId"]
        stages = [s for s in self.stages.values() if s["interviewPlanId"] == plan]
        return {
            "success": True,
            "results": {"jobId": job["id"], "interviewPlanId": plan, "stages": stages},
        }

    def _archiveReason_list(self, body: dict[str, Any]) -> dict[str, Any]:
        reasons = [
            r for r in self.archive_reasons if body.get("includeArchived") or not r["isArchived"]
        ]
        return {"success": True, "results": reasons}

    def _application_changeStage(self, body: dict[str, Any]) -> dict[str, Any]:
        app = self.applications.get(body.get("applicationId", ""))
        if app is None:
            return _error("application_not_found", "Application not found")
        stage = self.stages.get(body.get("interviewStageId", ""))
        if stage is None:
            return _error("interview_stage_not_found", "Interview stage not found")
        reason_id = body.get("archiveReasonId")
        if stage["type"] == "Archived":
            if not reason_id:
                return _error("invalid_input", "Archive reason ID is required for archive stages")
            if not any(r["id"] == reason_id for r in self.archive_reasons):
                return _error("archive_reason_not_found", "Archive reason not found")
        elif reason_id:
            return _error("invalid_input", "Archive fields are not allowed for non-archive stages")
        app.stage_id = stage["id"]
        app.status = {"Archived": "Archived", "Hired": "Hired", "Lead": "Lead"}.get(
            stage["type"], "Active"
        )
        app.archive_reason_id = reason_id
        app.updated_at = "2026-06-01T00:00:00.000Z"
        return {"success": True, "results": self.application_json(app.id)}

    def _candidate_createNote(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("candidateId") not in self.candidates or not body.get("note"):
            return _error("invalid_input", "candidateId and note are required")
        note = {"id": f"note-{len(self.notes) + 1}", **body}
        self.notes.append(note)
        return {
            "success": True,
            "results": {
                "id": note["id"],
                "createdAt": "2026-06-01T00:00:00.000Z",
                "isPrivate": False,
            },
        }

    def _feedbackFormDefinition_info(self, body: dict[str, Any]) -> dict[str, Any]:
        form = self.feedback_forms.get(body.get("feedbackFormDefinitionId", ""))
        if form is None:
            return _error("feedback_form_definition_not_found", "Form not found")
        return {"success": True, "results": form}

    def _applicationFeedback_submit(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("applicationId") not in self.applications:
            return _error("application_not_found", "Application not found")
        if body.get("formDefinitionId") not in self.feedback_forms:
            return _error("invalid_input", "Unknown form definition")
        self.feedback.append(body)
        values = {f["path"]: f["value"] for f in body["feedbackForm"]["fieldSubmissions"]}
        return {"success": True, "results": {"submittedFormInstance": {"submittedValues": values}}}

    def _interviewSchedule_create(self, body: dict[str, Any]) -> dict[str, Any]:
        app_id = body.get("applicationId")
        if app_id not in self.applications or not body.get("interviewEvents"):
            return _error("invalid_input", "applicationId and interviewEvents are required")
        schedule_id = f"schedule-{len(self.schedules) + 1}"
        events = [
            {**event, "id": f"{schedule_id}-event-{n}", "interviewScheduleId": schedule_id}
            for n, event in enumerate(body["interviewEvents"])
        ]
        self.schedules[schedule_id] = {
            "id": schedule_id,
            "status": "Scheduled",
            "applicationId": app_id,
            "interviewStageId": self.applications[app_id].stage_id,
            "interviewEvents": events,
        }
        return {"success": True, "results": self.schedules[schedule_id]}

    def _interviewSchedule_list(self, body: dict[str, Any]) -> dict[str, Any]:
        app_id = body.get("applicationId")
        items = [
            s for s in self.schedules.values() if app_id is None or s["applicationId"] == app_id
        ]
        return self._page(items, body, lambda s: s)

    def _interviewSchedule_update(self, body: dict[str, Any]) -> dict[str, Any]:
        schedule = self.schedules.get(body.get("interviewScheduleId", ""))
        if schedule is None:
            return _error("interview_schedule_not_found", "Interview schedule not found")
        events: list[dict[str, Any]] = schedule["interviewEvents"]
        if "interviewEventIdToCancel" in body:
            cancel = body["interviewEventIdToCancel"]
            cancel = cancel if isinstance(cancel, list) else [cancel]
            schedule["interviewEvents"] = [e for e in events if e["id"] not in cancel]
            if not schedule["interviewEvents"]:
                schedule["status"] = "Cancelled"
        else:
            event = body.get("interviewEvent") or {}
            for existing in events:
                if existing["id"] == event.get("interviewEventId"):
                    existing.update({k: v for k, v in event.items() if k != "interviewEventId"})
                    break
            else:
                return _error("interview_event_not_found", "Interview event not found")
        return {"success": True, "results": schedule}


def _error(code: str, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "errors": [code],
        "errorInfo": {"code": code, "message": message, "requestId": uuid.uuid4().hex[:26]},
    }
