"""Issues 4 and 5 seeded into a `SeededOrg` for the tenant isolation walk.

Everything goes through the REST API as its users would, except letting interviews happen
(moved into the past with SQL). The candidates, applications and documents made here are
appended to the `SeededOrg`'s own lists, so the walk and the leak checks cover them as well.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from app.clock import utcnow
from app.db import Database
from app.domain.calendars.connections import encrypt_credentials
from app.domain.calendars.models import CalendarConnection, MemberCalendar
from app.domain.calendars.push import token_hash
from app.settings import Settings
from tests.fakes.radicale import Radicale
from tests.helpers_feedback import Hiring, now, ok
from tests.helpers_pipeline import MINIMAL_PDF
from tests.helpers_safety import SeededOrg

API = "/api/v1"
# A provider API root where nothing listens (the discard port on loopback).
NOWHERE = "http://127.0.0.1:9"


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
    # Calendars (see `seed_calendars`): calendar connections, each member's calendars, and the
    # push channels open on some of them: provider -> (channel id, channel token, calendar id).
    calendar_connection_ids: list[str] = field(default_factory=list)
    calendars: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @property
    def calendar_ids(self) -> list[str]:
        return [c for ids in self.calendars.values() for c in ids]

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
        values |= {*self.calendar_connection_ids, *self.calendar_ids}
        values |= {part for channel in self.channels.values() for part in channel}
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


async def seed_calendars(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    org: SeededOrg,
    seed: InterviewSeed,
    radicale: Radicale,
) -> None:
    """Calendars for every calendar route to name.

    The interviewer's own CalDAV account (two calendars on a real Radicale, connected by the
    admin through the API, so with a real read); the recruiter's own Google account and an
    organization-wide Microsoft 365 connection acting for the hiring manager's mailbox, each
    with a busy calendar on an open push channel. Those two are rows written directly: opening
    a channel takes the provider, and the push route only needs the channel and its token (kept
    as an HMAC, as the worker keeps it). Every name carries the organization's label."""
    label = org.label
    user = f"{label.lower()}-{uuid.uuid4().hex[:8]}"
    radicale.make_calendar(user, "work", display_name=f"{label} work")
    radicale.make_calendar(user, "personal", display_name=f"{label} personal")
    created = ok(
        await client.post(
            f"{API}/calendar-connections",
            headers=org.admin.headers,
            json={
                "provider": "caldav",
                "member_id": str(org.interviewer.id),
                "name": f"{label} CalDAV",
                "credentials": {
                    "url": f"{radicale.url}/{user}/",
                    "username": user,
                    "password": "x",
                },
            },
        ),
        201,
    )
    seed.calendar_connection_ids.append(created["id"])
    listed = ok(
        await client.get(f"{API}/members/{org.interviewer.id}/calendars", headers=org.admin.headers)
    )["items"]
    assert len(listed) == 2, listed
    seed.calendars[str(org.interviewer.id)] = [c["id"] for c in listed]

    now = utcnow()
    pushing = (
        ("google", "member", org.recruiter, {"refresh_token": f"{label}-refresh"}),
        (
            "microsoft",
            "organization",
            org.hiring_manager,
            {"tenant_id": f"{label}-tenant", "client_id": "app", "client_secret": "s"},
        ),
    )
    async with db.transaction() as session:
        for provider, scope, member, credentials in pushing:
            connection = CalendarConnection(
                organization_id=org.tenant.organization_id,
                provider=provider,
                scope=scope,
                member_id=member.id if scope == "member" else None,
                name=f"{label} {provider}",
                credentials_encrypted=encrypt_credentials(settings, credentials),
                # Nothing listens there: a read (a free/busy re-check, a channel renewal) fails
                # at once instead of reaching the real provider.
                base_url=NOWHERE,
                account_email=member.member.email if scope == "member" else None,
                created_by_id=org.admin.id,
            )
            session.add(connection)
            await session.flush()
            token = secrets.token_urlsafe(32)
            calendar = MemberCalendar(
                organization_id=org.tenant.organization_id,
                connection_id=connection.id,
                member_id=member.id,
                subject=member.member.email if scope == "organization" else None,
                remote_id=member.member.email,
                name=f"{label} {provider} calendar",
                time_zone="UTC",
                primary=True,
                busy=True,
                last_synced_at=now,
                sync_token=f"{label}-sync",
                channel_id=f"{label.lower()}-{provider}-{uuid.uuid4().hex}",
                channel_resource_id=f"{label.lower()}-resource",
                channel_token_hash=token_hash(settings, token),
                channel_expires_at=now + timedelta(days=3),
            )
            session.add(calendar)
            await session.flush()
            seed.calendar_connection_ids.append(str(connection.id))
            seed.calendars.setdefault(str(member.id), []).append(str(calendar.id))
            assert calendar.channel_id is not None
            seed.channels[provider] = (calendar.channel_id, token, str(calendar.id))
