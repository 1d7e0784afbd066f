"""Issues 4 and 5 seeded into a `SeededOrg` for the tenant isolation walk.

Everything goes through the REST API as its users would, except letting interviews happen
(moved into the past with SQL). The candidates, applications and documents made here are
appended to the `SeededOrg`'s own lists, so the walk and the leak checks cover them as well.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from app.db import Database
from tests.helpers_feedback import Hiring, now, ok
from tests.helpers_pipeline import MINIMAL_PDF
from tests.helpers_safety import SeededOrg

API = "/api/v1"


@dataclass
class InterviewSeed:
    """The ids of what issues 4 and 5 keep for one organization."""

    # A member's date overrides (days, ISO) and busy blocks.
    overrides: dict[str, list[str]] = field(default_factory=dict)
    busy_blocks: dict[str, list[str]] = field(default_factory=dict)
    # The applications at interviewing (and later), with candidate windows, a link and a packet.
    application_ids: list[str] = field(default_factory=list)
    link_token: str = ""
    # Each interview's interviewers; the first one is still to come, the others were held.
    interviewers: dict[str, list[str]] = field(default_factory=dict)
    # Each application's packet documents.
    packet_documents: dict[str, list[str]] = field(default_factory=dict)
    reason_ids: list[str] = field(default_factory=list)
    offer_ids: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    # Issues 6 and 7: a webhook endpoint with a delivery, and the ATS connection.
    deliveries: dict[str, list[str]] = field(default_factory=dict)
    connection_ids: list[str] = field(default_factory=list)

    @property
    def interview_ids(self) -> list[str]:
        return list(self.interviewers)

    @property
    def all_ids(self) -> set[str]:
        values = {*self.application_ids, *self.interviewers, *self.reason_ids}
        values |= {*self.offer_ids, *self.message_ids, self.link_token}
        values |= {b for blocks in self.busy_blocks.values() for b in blocks}
        values |= {d for docs in self.packet_documents.values() for d in docs}
        values |= set(self.deliveries) | {d for ds in self.deliveries.values() for d in ds}
        values |= set(self.connection_ids)
        return values


async def seed_interviews(client: httpx.AsyncClient, db: Database, org: SeededOrg) -> InterviewSeed:
    """On the first agreed role: an interviewer's day off and busy block; two candidates at
    interviewing, each with a resume; the first with offered windows, an availability link, an
    interview to come and a held one with a submitted scorecard, decided to an offer with a
    draft offer; the second with a held interview, rejected for a catalogued reason (which owes
    the candidate an outcome message)."""
    seed = InterviewSeed()
    label = org.label
    interviewer = org.interviewer
    admin = org.admin.headers
    hiring = Hiring(client, db, org.tenant, org.recruiter, org.hiring_manager, str(org.role_ids[0]))

    day = (now() + timedelta(days=40)).date().isoformat()
    ok(
        await client.put(
            f"{API}/members/{interviewer.id}/availability/overrides",
            headers=admin,
            json={"day": day, "hours": [], "note": f"{label} day off"},
        )
    )
    seed.overrides[str(interviewer.id)] = [day]
    start = (now() + timedelta(days=41)).replace(minute=0, second=0, microsecond=0)
    block = ok(
        await client.post(
            f"{API}/members/{interviewer.id}/busy-blocks",
            headers=admin,
            json={
                "start_at": start.isoformat(),
                "end_at": (start + timedelta(hours=2)).isoformat(),
                "title": f"{label} dentist",
            },
        ),
        201,
    )
    seed.busy_blocks[str(interviewer.id)] = [block["id"]]

    for name in ("Eve", "Fay"):
        application_id = await hiring.application(f"{label} {name}")
        found = await hiring.get_application(application_id)
        candidate_id = uuid.UUID(found["candidate_id"])
        candidate = ok(await client.get(f"{API}/candidates/{candidate_id}", headers=admin))
        document = ok(
            await client.post(
                f"{API}/candidates/{candidate_id}/documents",
                headers=admin,
                files={"file": (f"{label}-{name}.pdf", MINIMAL_PDF, "application/pdf")},
                data={"kind": "resume"},
            ),
            201,
        )
        org.candidate_ids.append(candidate_id)
        org.candidate_emails.append(candidate["email"])
        org.documents[candidate_id] = [uuid.UUID(document["id"])]
        org.application_ids.append(uuid.UUID(application_id))
        seed.application_ids.append(application_id)
        seed.packet_documents[application_id] = [document["id"]]

    first, second = seed.application_ids
    window_start = (now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    ok(
        await client.put(
            f"{API}/applications/{first}/candidate-windows",
            headers=admin,
            json={
                "time_zone": "Europe/Berlin",
                "windows": [
                    {
                        "start_at": window_start.isoformat(),
                        "end_at": (window_start + timedelta(hours=4)).isoformat(),
                    }
                ],
            },
        )
    )
    link = ok(
        await client.post(
            f"{API}/applications/{first}/availability-links",
            headers=admin,
            json={"time_zone": "Europe/Berlin"},
        ),
        201,
    )
    seed.link_token = link["token"]

    panel = [interviewer]
    upcoming = await hiring.schedule(first, panel)
    seed.interviewers[upcoming] = [str(interviewer.id)]
    held = await hiring.held(first, panel)
    seed.interviewers[held] = [str(interviewer.id)]
    await hiring.submit(held, interviewer, reasons=f"{label} solid answers")
    ok(await hiring.decide(first, "offer", note=f"{label} strong across the panel"), 201)
    seed.offer_ids.append(await hiring.draft_offer(first, note=f"{label} offer"))

    rejected = await hiring.held(second, panel)
    seed.interviewers[rejected] = [str(interviewer.id)]
    await hiring.submit(rejected, interviewer, recommendation="no", reasons=f"{label} gaps")
    reason_id = await hiring.reason(code="skills_gap", label=f"{label} skills gap")
    seed.reason_ids.append(reason_id)
    ok(
        await hiring.decide(second, "reject", note=f"{label} not this time", reason_id=reason_id),
        201,
    )
    messages: list[dict[str, Any]] = await hiring.messages(second)
    assert messages, f"a rejection owes {second} an outcome message"
    seed.message_ids += [m["id"] for m in messages]
    await _seed_webhooks_and_connection(client, org, seed)
    return seed


async def _seed_webhooks_and_connection(
    client: httpx.AsyncClient, org: SeededOrg, seed: InterviewSeed
) -> None:
    """A webhook endpoint with one (test) delivery, and the organization's ATS connection
    given credentials and a secret, so every issue-6 and issue-7 route has a record to name."""
    created = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": "https://hooks.example.com/hireloop", "description": org.label},
        headers=org.admin.headers,
    )
    assert created.status_code == 201, created.text
    endpoint_id = created.json()["id"]
    test = await client.post(
        f"/api/v1/webhook-endpoints/{endpoint_id}/test", headers=org.admin.headers
    )
    assert test.status_code == 202, test.text
    seed.deliveries[endpoint_id] = [test.json()["id"]]
    patched = await client.patch(
        f"/api/v1/integrations/{org.connection_id}",
        json={"credentials": {"api_key": "seeded"}, "webhook_secret": "seeded-secret"},
        headers=org.admin.headers,
    )
    assert patched.status_code == 200, patched.text
    seed.connection_ids.append(str(org.connection_id))
