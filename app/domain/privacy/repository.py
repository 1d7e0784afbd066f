"""SQL for erasure, export and retention. Every statement is filtered by organization (the
retention purges, system jobs across every organization, are the exception and say so).

`needles` are the strings that identify the person (name, email, phone) and `ids` every id of
a record hanging off them; both are matched as substrings of stored text, so a mention inside a
JSON payload or a rendered message is found wherever it sits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from app.domain.columns import UUID_ARRAY

TEXT_ARRAY = ARRAY(String())

# Keys of an event's data kept by redaction: ids and structured values, never free text.
_KEPT_KEYS = (
    "changed",
    "stage",
    "from_stage",
    "to_stage",
    "outcome",
    "status",
    "kind",
    "decision",
    "source",
    "revision",
    "recommendation",
    "event_type",
)

# The data of an event (or a push's payload) reduced to what `_KEPT_KEYS` and id-valued keys
# keep, marked as redacted.
_REDACTED = """coalesce((SELECT jsonb_object_agg(k, v) FROM jsonb_each({col}) AS e(k, v)
    WHERE (k = 'id' OR k LIKE '%\\_id' OR k LIKE '%\\_ids' OR k = ANY(:kept_keys))
      AND NOT EXISTS (SELECT 1 FROM unnest(CAST(:needles AS text[])) n
                      WHERE strpos(lower(v::text), n) > 0)), '{{}}'::jsonb)
    || '{{"redacted": true}}'::jsonb"""

# Whether a text mentions any of the (lower-cased) needles, as `%needle%` patterns: the text is
# built and lower-cased once per row. (`ILIKE ANY` costs several times more.)
_MENTIONS = "lower({expr}) LIKE ANY(CAST(:patterns AS text[]))"


def like_patterns(needles: list[str]) -> list[str]:
    escaped = (n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for n in needles)
    return [f"%{n}%" for n in escaped]


@dataclass
class Subject:
    """Everything that hangs off one candidate, gathered before anything changes."""

    candidate_id: uuid.UUID
    # Lower-cased, for case-insensitive search in text; `raw_needles` as stored, for bytes.
    needles: list[str]
    raw_needles: list[str] = field(default_factory=list)
    # Nothing about the person is older than their oldest record (their profile, or an
    # application merged in from another record), less a margin: events and messages before it
    # are not searched.
    since: datetime | None = None
    application_ids: list[uuid.UUID] = field(default_factory=list)
    interview_ids: list[uuid.UUID] = field(default_factory=list)
    scorecard_ids: list[uuid.UUID] = field(default_factory=list)
    message_ids: list[uuid.UUID] = field(default_factory=list)
    document_ids: list[uuid.UUID] = field(default_factory=list)
    offer_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def all_ids(self) -> list[uuid.UUID]:
        return [
            self.candidate_id,
            *self.application_ids,
            *self.interview_ids,
            *self.scorecard_ids,
            *self.message_ids,
            *self.document_ids,
            *self.offer_ids,
        ]

    @property
    def id_strings(self) -> list[str]:
        return [str(i) for i in self.all_ids]


async def _ids(session: AsyncSession, sql: str, **params: Any) -> list[uuid.UUID]:
    return list((await session.execute(text(sql), params)).scalars().all())


async def lock_candidate(
    session: AsyncSession, organization_id: uuid.UUID, candidate_id: uuid.UUID
) -> dict[str, Any] | None:
    row = (
        (
            await session.execute(
                text(
                    "SELECT c.id, c.name, c.email, c.phone, e.id AS erasure_id "
                    "FROM candidates c LEFT JOIN candidate_erasures e ON e.candidate_id = c.id "
                    "WHERE c.organization_id = :org AND c.id = :cid FOR UPDATE OF c"
                ),
                {"org": organization_id, "cid": candidate_id},
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


async def gather(
    session: AsyncSession,
    organization_id: uuid.UUID,
    candidate_id: uuid.UUID,
    raw_needles: list[str],
) -> Subject:
    org = organization_id
    subject = Subject(
        candidate_id=candidate_id,
        needles=sorted({n.lower() for n in raw_needles}),
        raw_needles=sorted(set(raw_needles) | {n.lower() for n in raw_needles}),
    )
    subject.application_ids = await _ids(
        session,
        "SELECT id FROM applications WHERE organization_id = :org AND candidate_id = :cid",
        org=org,
        cid=candidate_id,
    )
    apps = bindparam("apps", subject.application_ids, type_=UUID_ARRAY)
    for attr, table in (
        ("interview_ids", "interviews"),
        ("scorecard_ids", "scorecards"),
        ("message_ids", "outcome_messages"),
        ("offer_ids", "offers"),
    ):
        stmt = text(
            f"SELECT id FROM {table} WHERE organization_id = :org AND application_id = ANY(:apps)"
        ).bindparams(apps)
        setattr(subject, attr, list((await session.execute(stmt, {"org": org})).scalars()))
    subject.since = (
        await session.execute(
            text(
                "SELECT least(c.created_at, (SELECT min(a.created_at) FROM applications a "
                "WHERE a.organization_id = :org AND a.candidate_id = c.id)) "
                "- interval '1 hour' FROM candidates c WHERE c.organization_id = :org "
                "AND c.id = :cid"
            ),
            {"org": org, "cid": candidate_id},
        )
    ).scalar_one()
    subject.document_ids = await _ids(
        session,
        "SELECT id FROM documents WHERE organization_id = :org AND candidate_id = :cid",
        org=org,
        cid=candidate_id,
    )
    return subject


async def erase_rows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    subject: Subject,
    origin_connection_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Anonymise, blank or delete every row about the subject (docs/privacy.md has the table).
    Returns the storage keys of the deleted documents, the ids of deleted notifications (their
    local .eml copies go too) and counts per kind."""
    org = organization_id
    cid = subject.candidate_id
    apps = subject.application_ids
    params: dict[str, Any] = {"org": org, "cid": cid}

    async def run(sql: str, **extra: Any) -> Any:
        stmt = text(sql)
        binds: list[Any] = []
        for name, value in extra.items():
            if isinstance(value, list):
                uuids = not value or isinstance(value[0], uuid.UUID)
                binds.append(bindparam(name, value, type_=UUID_ARRAY if uuids else TEXT_ARRAY))
        if binds:
            stmt = stmt.bindparams(*binds)
        plain = {k: v for k, v in extra.items() if not isinstance(v, list)}
        return await session.execute(stmt, {**params, **plain})

    counts: dict[str, Any] = {}
    # The candidate row stays as an anonymous tombstone: applications, decisions and insight
    # counts hang off it. Skills and years stay (structured, used by fit statistics).
    await run(
        "UPDATE candidates SET name = 'Anonymised candidate', "
        "email = 'anonymised-' || id::text || '@anonymised.invalid', phone = NULL, location = NULL, "
        "time_zone = NULL, links = '{}'::jsonb, current_title = NULL, current_company = NULL, "
        "source_detail = NULL, consent_note = NULL, version = version + 1, updated_at = now() "
        "WHERE organization_id = :org AND id = :cid"
    )
    keys = await run(
        "DELETE FROM documents WHERE organization_id = :org AND candidate_id = :cid "
        "RETURNING storage_key"
    )
    storage_keys = list(keys.scalars())
    counts["documents"] = len(storage_keys)
    if apps:
        await run(
            "UPDATE applications SET screening_notes = NULL, recruiter_assessment = NULL "
            "WHERE organization_id = :org AND id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE application_transitions SET reason = '' "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE slate_items SET question = NULL "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE slate_decisions SET note = NULL, waitlist_question = NULL, answer = NULL "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE scorecards SET reasons = NULL "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE scorecard_revisions SET reasons = '' "
            "WHERE organization_id = :org AND scorecard_id = ANY(:cards)",
            cards=subject.scorecard_ids,
        )
        await run(
            "UPDATE hiring_decisions SET note = '' "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE offers SET note = NULL, status_reason = NULL "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        # Nobody may write to an erased person: messages still owed are cancelled.
        await run(
            "UPDATE outcome_messages SET personal_note = NULL, "
            "status = CASE WHEN status = 'scheduled' THEN 'cancelled' ELSE status END, "
            "version = version + 1 "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        await run(
            "UPDATE interviews SET status_reason = NULL "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        # Follow-ups keep their dates and state for the role's insights; their words go, and
        # an open one is withdrawn (its link then answers 410, and no reminder follows).
        await run(
            "UPDATE follow_ups SET question = '', answer_text = NULL, answer_link = NULL, "
            "state = CASE WHEN state IN ('sent', 'reminded') THEN 'withdrawn' ELSE state END, "
            "closed_at = coalesce(closed_at, now()), version = version + 1 "
            "WHERE organization_id = :org AND application_id = ANY(:apps)",
            apps=apps,
        )
        for table in ("candidate_windows", "availability_links"):
            await run(
                f"DELETE FROM {table} WHERE organization_id = :org AND application_id = ANY(:apps)",
                apps=apps,
            )
    needles = subject.needles
    # Messages to them, and messages to members that name them (an interview invitation, a
    # digest line): deleted, since a sent message is a record of what was said, not a count.
    text_of = (
        "subject || ' ' || body_text || ' ' || coalesce(body_html, '') || ' ' || "
        "coalesce(slack_blocks::text, '') || ' ' || attachments::text || ' ' || recipient"
    )
    deleted = await run(
        "DELETE FROM notifications WHERE organization_id = :org AND (candidate_id = :cid "
        "OR outcome_message_id = ANY(:msgs) OR (created_at >= :since AND "
        + _MENTIONS.format(expr=text_of)
        + ")) RETURNING id",
        msgs=subject.message_ids,
        patterns=like_patterns(needles),
        since=subject.since,
    )
    notification_ids = list(deleted.scalars())
    counts["notifications"] = len(notification_ids)
    # Past events about them keep their place in the feed, with ids only. An event is about
    # them when its resource is one of their records, or its data names the candidate or one
    # of their applications (every catalogued event about an interview, scorecard, offer,
    # message or document carries one of those, or has the record as its resource), or their
    # name, email or phone.
    redacted = await run(
        "UPDATE events SET data = "
        + _REDACTED.format(col="data")
        + " WHERE organization_id = :org AND occurred_at >= :since AND (resource_id = ANY(:ids) "
        "OR data::text LIKE ANY(CAST(:id_patterns AS text[])) OR "
        + _MENTIONS.format(expr="data::text")
        + ") RETURNING id",
        since=subject.since,
        ids=subject.all_ids,
        id_patterns=like_patterns([str(cid), *(str(a) for a in apps)]),
        patterns=like_patterns(needles),
        needles=needles,
        kept_keys=list(_KEPT_KEYS),
    )
    event_ids = list(redacted.scalars())
    counts["events"] = len(event_ids)
    if event_ids:
        # What receivers answered to those events, and the pushes owed to an ATS for them.
        await run(
            "UPDATE webhook_attempts SET response_body = NULL, details = NULL, error = NULL "
            "WHERE organization_id = :org AND delivery_id IN (SELECT id FROM webhook_deliveries "
            "WHERE organization_id = :org AND event_id = ANY(:events))",
            events=event_ids,
        )
        await run(
            "UPDATE ats_pushes SET payload = "
            + _REDACTED.format(col="payload")
            + ", last_error = NULL WHERE organization_id = :org AND event_id = ANY(:events)",
            events=event_ids,
            needles=needles,
            kept_keys=[*_KEPT_KEYS, "application_external_id"],
        )
    # Anything else a receiver echoed back that still names them.
    await run(
        "UPDATE webhook_attempts SET response_body = NULL, details = NULL, error = NULL "
        "WHERE organization_id = :org AND "
        + _MENTIONS.format(
            expr="coalesce(response_body, '') || coalesce(details::text, '') || coalesce(error, '')"
        ),
        patterns=like_patterns(needles),
    )
    # Vendor webhooks that carried them: the payload is dropped, the fact of the event stays.
    await run(
        "UPDATE ats_inbound_events SET payload = '{\"redacted\": true}'::jsonb, outcome = NULL "
        "WHERE organization_id = :org AND "
        + _MENTIONS.format(expr="payload::text || coalesce(outcome, '')"),
        patterns=like_patterns(needles),
    )
    # Stored answers to idempotent POSTs that carried them.
    gone = await run(
        "DELETE FROM idempotency_records WHERE organization_id = :org AND response_body IS NOT "
        "NULL AND EXISTS (SELECT 1 FROM unnest(CAST(:hay AS text[])) n "
        "WHERE position(convert_to(n, 'UTF8') IN response_body) > 0)",
        hay=subject.raw_needles + subject.id_strings,
    )
    counts["idempotency_records"] = gone.rowcount
    # Links to the ATS ids of the person and their applications: a sync must not re-identify
    # the tombstone. (The erasure event carries the vendor ids for forwarding.)
    # The connection the erasure came from keeps its links (the vendor holds the same
    # anonymous record, and may still report it deleted).
    await run(
        "DELETE FROM external_refs WHERE organization_id = :org AND resource_id = ANY(:ids) "
        "AND connection_id IS DISTINCT FROM CAST(:origin AS uuid)",
        ids=[cid, *apps],
        origin=origin_connection_id,
    )
    return {
        "storage_keys": storage_keys,
        "notification_ids": notification_ids,
        "counts": counts,
    }


async def external_candidate_refs(
    session: AsyncSession, organization_id: uuid.UUID, candidate_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The candidate's ids in each connected ATS, with the connection's provider."""
    rows = await session.execute(
        text(
            "SELECT r.connection_id, r.external_id, c.provider FROM external_refs r "
            "JOIN integration_connections c ON c.id = r.connection_id "
            "WHERE r.organization_id = :org AND r.resource_type = 'candidate' "
            "AND r.resource_id = :cid ORDER BY r.created_at"
        ),
        {"org": organization_id, "cid": candidate_id},
    )
    return [dict(r) for r in rows.mappings()]


async def past_retention(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(organization, candidate) pairs whose last activity (the candidate or any of their
    applications changed, or a move) is older than the organization's retention period, not
    yet erased. A system job: it crosses organizations, each with its own period."""
    rows = await session.execute(
        text(
            "SELECT c.organization_id, c.id FROM candidates c "
            "JOIN organizations o ON o.id = c.organization_id "
            "WHERE o.candidate_retention_months IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM candidate_erasures e WHERE e.candidate_id = c.id) "
            "AND greatest(c.updated_at, "
            "  (SELECT max(a.updated_at) FROM applications a WHERE a.candidate_id = c.id), "
            "  (SELECT max(t.created_at) FROM application_transitions t "
            "     JOIN applications a ON a.id = t.application_id WHERE a.candidate_id = c.id)) "
            "  < CAST(:now AS timestamptz) - make_interval(months => o.candidate_retention_months) "
            "ORDER BY c.organization_id, c.id LIMIT :limit"
        ),
        {"now": now, "limit": limit},
    )
    return [(r[0], r[1]) for r in rows]


async def purge_older(
    session: AsyncSession, table: str, column: str, before: datetime, extra: str = ""
) -> int:
    """Delete rows of `table` older than `before` across every organization (system job)."""
    assert table.isidentifier()
    assert column.isidentifier()
    result = await session.execute(
        text(f"DELETE FROM {table} WHERE {column} < :before {extra}"), {"before": before}
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_EXPORT_BY_APPLICATION = (
    ("history", "application_transitions", "created_at"),
    ("slate_items", "slate_items", "created_at"),
    ("slate_decisions", "slate_decisions", "created_at"),
    ("interviews", "interviews", "start_at"),
    ("scorecards", "scorecards", "created_at"),
    ("hiring_decisions", "hiring_decisions", "created_at"),
    ("offers", "offers", "created_at"),
    ("outcome_messages", "outcome_messages", "created_at"),
    ("candidate_windows", "candidate_windows", "start_at"),
)


async def _json_rows(session: AsyncSession, sql: str, **params: Any) -> list[dict[str, Any]]:
    from sqlalchemy import column
    from sqlalchemy.dialects.postgresql import JSONB

    stmt = text(sql).columns(column("row", JSONB))
    binds = [bindparam(k, v, type_=UUID_ARRAY) for k, v in params.items() if isinstance(v, list)]
    if binds:
        stmt = stmt.bindparams(*binds)
    plain = {k: v for k, v in params.items() if not isinstance(v, list)}
    return [dict(r) for r in (await session.execute(stmt, plain)).scalars()]


async def export_rows(
    session: AsyncSession, organization_id: uuid.UUID, candidate_id: uuid.UUID
) -> dict[str, Any] | None:
    """Every row about the candidate, as JSON objects (storage keys left out)."""
    org = organization_id
    candidate = await _json_rows(
        session,
        "SELECT to_jsonb(c) - 'organization_id' - 'skill_keys' AS row FROM candidates c "
        "WHERE c.organization_id = :org AND c.id = :cid",
        org=org,
        cid=candidate_id,
    )
    if not candidate:
        return None
    erased = (
        await session.execute(
            text(
                "SELECT 1 FROM candidate_erasures WHERE organization_id = :org AND candidate_id = :cid"
            ),
            {"org": org, "cid": candidate_id},
        )
    ).first() is not None
    applications = await _json_rows(
        session,
        "SELECT to_jsonb(a) - 'organization_id' AS row FROM applications a "
        "WHERE a.organization_id = :org AND a.candidate_id = :cid ORDER BY a.created_at, a.id",
        org=org,
        cid=candidate_id,
    )
    app_ids = [uuid.UUID(a["id"]) for a in applications]
    parts: dict[str, list[dict[str, Any]]] = {}
    for key, table, order in _EXPORT_BY_APPLICATION:
        parts[key] = await _json_rows(
            session,
            f"SELECT to_jsonb(t) - 'organization_id' AS row FROM {table} t "
            f"WHERE t.organization_id = :org AND t.application_id = ANY(:apps) "
            f"ORDER BY t.{order}, t.id",
            org=org,
            apps=app_ids,
        )
    card_ids = [uuid.UUID(c["id"]) for c in parts["scorecards"]]
    revisions = await _json_rows(
        session,
        "SELECT to_jsonb(r) - 'organization_id' AS row FROM scorecard_revisions r "
        "WHERE r.organization_id = :org AND r.scorecard_id = ANY(:cards) "
        "ORDER BY r.scorecard_id, r.revision",
        org=org,
        cards=card_ids,
    )
    for card in parts["scorecards"]:
        card["revisions"] = [r for r in revisions if r["scorecard_id"] == card["id"]]
    for application in applications:
        for key, _, _ in _EXPORT_BY_APPLICATION:
            application[key] = [r for r in parts[key] if r["application_id"] == application["id"]]
    documents = await _json_rows(
        session,
        "SELECT to_jsonb(d) - 'organization_id' - 'storage_key' AS row FROM documents d "
        "WHERE d.organization_id = :org AND d.candidate_id = :cid ORDER BY d.created_at, d.id",
        org=org,
        cid=candidate_id,
    )
    messages = await _json_rows(
        session,
        "SELECT jsonb_build_object('id', n.id, 'kind', n.kind, 'channel', n.channel, "
        "'recipient', n.recipient, 'subject', n.subject, 'body_text', n.body_text, "
        "'status', n.status, 'sent_at', n.sent_at, 'created_at', n.created_at, "
        "'attachments', (SELECT coalesce(jsonb_agg(a->'filename'), '[]'::jsonb) "
        "  FROM jsonb_array_elements(n.attachments) a)) AS row "
        "FROM notifications n WHERE n.organization_id = :org AND (n.candidate_id = :cid "
        "OR n.outcome_message_id IN (SELECT m.id FROM outcome_messages m "
        "  WHERE m.organization_id = :org AND m.application_id = ANY(:apps))) "
        "ORDER BY n.created_at, n.id",
        org=org,
        cid=candidate_id,
        apps=app_ids,
    )
    refs = await _json_rows(
        session,
        "SELECT jsonb_build_object('connection_id', r.connection_id, 'provider', c.provider, "
        "'resource_type', r.resource_type, 'resource_id', r.resource_id, "
        "'external_id', r.external_id) AS row FROM external_refs r "
        "JOIN integration_connections c ON c.id = r.connection_id "
        "WHERE r.organization_id = :org AND r.resource_id = ANY(:ids) ORDER BY r.created_at",
        org=org,
        ids=[candidate_id, *app_ids],
    )
    return {
        "candidate": candidate[0],
        "erased": erased,
        "applications": applications,
        "documents": documents,
        "messages": messages,
        "external_refs": refs,
    }


async def purge_notifications(session: AsyncSession, before: datetime) -> list[uuid.UUID]:
    """Notifications no longer pending and older than `before`, across every organization."""
    result = await session.execute(
        text(
            "DELETE FROM notifications WHERE created_at < :before AND status <> 'pending' "
            "RETURNING id"
        ),
        {"before": before},
    )
    return list(result.scalars())
