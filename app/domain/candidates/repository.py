"""SQL for candidates and documents, scoped by organization and, for a hiring manager, by the
roles they manage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    delete,
    exists,
    or_,
    text,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.db import rows_as_dicts
from app.domain.applications.models import Application
from app.domain.candidates.models import Candidate, Document
from app.domain.columns import any_id
from app.domain.organizations.repository import escape_like
from app.domain.pagination import PageRequest, keyset
from app.domain.roles.models import Role
from app.domain.roles.repository import roles_managed_by


def _visible(organization_id: uuid.UUID, manager_id: uuid.UUID | None, *columns: Any) -> Any:
    stmt = (core_select(*columns) if columns else select(Candidate)).where(
        col(Candidate.organization_id) == organization_id
    )
    if manager_id is not None:
        stmt = stmt.where(_has_managed_application(organization_id, manager_id))
    return stmt


def _has_managed_application(
    organization_id: uuid.UUID, manager_id: uuid.UUID
) -> ColumnElement[bool]:
    return exists(
        select(Application.id)
        .join(Role, col(Role.id) == col(Application.role_id))
        .where(
            col(Application.candidate_id) == col(Candidate.id),
            col(Application.organization_id) == organization_id,
            roles_managed_by(organization_id, manager_id),
        )
    )


async def get_candidate(
    session: AsyncSession,
    organization_id: uuid.UUID,
    candidate_id: uuid.UUID,
    *,
    manager_id: uuid.UUID | None = None,
    for_update: bool = False,
) -> Candidate | None:
    stmt = _visible(organization_id, manager_id).where(Candidate.id == candidate_id)
    if for_update:
        stmt = stmt.with_for_update(of=Candidate).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).first()


async def get_candidates(
    session: AsyncSession,
    organization_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    *,
    manager_id: uuid.UUID | None,
) -> Sequence[Candidate]:
    if not ids:
        return []
    stmt = _visible(organization_id, manager_id).where(col(Candidate.id).in_(ids))
    return (await session.scalars(stmt)).all()


async def candidate_rows(
    session: AsyncSession,
    organization_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    columns: Sequence[str],
    *,
    manager_id: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """`get_candidates` as plain rows of the named columns: a read-only page (GraphQL) builds its
    answer from them without an ORM object, and its bookkeeping, per row."""
    if not ids:
        return []
    table = Candidate.__table__.c  # type: ignore[attr-defined]
    stmt = _visible(organization_id, manager_id, *(table[c] for c in columns)).where(
        col(Candidate.id) == any_id(ids)
    )
    return rows_as_dicts(await session.execute(stmt))


async def find_by_email(
    session: AsyncSession, organization_id: uuid.UUID, email: str
) -> Candidate | None:
    stmt = select(Candidate).where(
        Candidate.organization_id == organization_id, Candidate.email == email.lower()
    )
    return (await session.scalars(stmt)).first()


async def list_candidates(
    session: AsyncSession,
    organization_id: uuid.UUID,
    page: PageRequest,
    *,
    manager_id: uuid.UUID | None,
    q: str | None,
    email: str | None,
    skill: str | None,
    source: str | None,
    role_id: uuid.UUID | None,
) -> Sequence[Candidate]:
    stmt = _visible(organization_id, manager_id)
    if q:
        pattern = f"%{escape_like(q)}%"
        stmt = stmt.where(
            or_(
                col(Candidate.name).ilike(pattern, escape="\\"),
                col(Candidate.email).ilike(pattern, escape="\\"),
            )
        )
    if email:
        stmt = stmt.where(Candidate.email == email.lower())
    if skill:
        stmt = stmt.where(col(Candidate.skill_keys).contains([skill.casefold()]))
    if source:
        stmt = stmt.where(Candidate.source == source)
    if role_id:
        stmt = stmt.where(
            exists(
                select(Application.id).where(
                    col(Application.candidate_id) == col(Candidate.id),
                    col(Application.role_id) == role_id,
                    col(Application.organization_id) == organization_id,
                )
            )
        )
    sortable = {"created_at": Candidate.created_at, "updated_at": Candidate.updated_at}
    stmt = keyset(stmt, Candidate.created_at, Candidate.id, page, sortable=sortable)
    return (await session.scalars(stmt)).all()


async def list_documents(
    session: AsyncSession, organization_id: uuid.UUID, candidate_ids: Sequence[uuid.UUID]
) -> Sequence[Document]:
    if not candidate_ids:
        return []
    stmt = (
        select(Document)
        .where(
            Document.organization_id == organization_id,
            col(Document.candidate_id).in_(candidate_ids),
        )
        .order_by(col(Document.created_at), col(Document.id))
    )
    return (await session.scalars(stmt)).all()


async def get_document(
    session: AsyncSession,
    organization_id: uuid.UUID,
    candidate_id: uuid.UUID,
    document_id: uuid.UUID,
) -> Document | None:
    stmt = select(Document).where(
        Document.organization_id == organization_id,
        Document.candidate_id == candidate_id,
        Document.id == document_id,
    )
    return (await session.scalars(stmt)).first()


async def find_document(
    session: AsyncSession, organization_id: uuid.UUID, document_id: uuid.UUID
) -> Document | None:
    stmt = select(Document).where(
        Document.organization_id == organization_id, Document.id == document_id
    )
    return (await session.scalars(stmt)).first()


async def delete_documents(
    session: AsyncSession, organization_id: uuid.UUID, candidate_id: uuid.UUID
) -> None:
    await session.execute(
        delete(Document).where(
            col(Document.organization_id) == organization_id,
            col(Document.candidate_id) == candidate_id,
        )
    )


async def move_to_candidate(
    session: AsyncSession, organization_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID
) -> None:
    """Re-point one candidate's applications and documents at another. An application for a
    role the other candidate already applied to stays behind (and goes with its candidate)."""
    taken = select(Application.role_id).where(col(Application.candidate_id) == to_id)
    await session.execute(
        update(Application)
        .where(
            col(Application.organization_id) == organization_id,
            col(Application.candidate_id) == from_id,
            col(Application.role_id).not_in(taken),
        )
        .values(candidate_id=to_id)
    )
    await session.execute(
        update(Document)
        .where(
            col(Document.organization_id) == organization_id,
            col(Document.candidate_id) == from_id,
        )
        .values(candidate_id=to_id, application_id=None)
    )


# --- many at once, for imports from another system (app/domain/integrations/batch.py) ----------


async def ids_and_emails(
    session: AsyncSession, organization_id: uuid.UUID, ids: Sequence[uuid.UUID], emails: list[str]
) -> list[tuple[uuid.UUID, str]]:
    """(id, email) of the organization's candidates with one of these ids or e-mails."""
    if not ids and not emails:
        return []
    rows = await session.execute(
        text(
            "SELECT id, email FROM candidates WHERE organization_id = :org "
            "AND (id = ANY(CAST(:ids AS uuid[])) OR email = ANY(CAST(:emails AS text[])))"
        ),
        {"org": organization_id, "ids": list(ids), "emails": emails},
    )
    return [(r[0], r[1]) for r in rows]


async def insert_imported(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert candidates another system holds in one statement (the fields import_candidate
    sets, the rest at their defaults); how many went in. One whose e-mail is taken meanwhile is
    skipped (ON CONFLICT DO NOTHING), so the caller can tell and fall back."""
    if not rows:
        return 0
    result = await session.execute(
        text(
            """
            INSERT INTO candidates (id, organization_id, name, email, phone, links, skills,
                skill_keys, source, source_detail, consent_given, consent_note, version,
                created_at, updated_at)
            SELECT r.id, r.org, r.name, r.email, r.phone, '{}'::jsonb, '{}', '{}', r.source,
                   r.source_detail, false, r.consent_note, 1, r.at, r.at
            FROM unnest(CAST(:ids AS uuid[]), CAST(:orgs AS uuid[]), CAST(:names AS text[]),
                        CAST(:emails AS text[]), CAST(:phones AS text[]),
                        CAST(:sources AS text[]), CAST(:details AS text[]),
                        CAST(:notes AS text[]), CAST(:ats AS timestamptz[]))
                 AS r(id, org, name, email, phone, source, source_detail, consent_note, at)
            ON CONFLICT (organization_id, email) DO NOTHING
            """
        ),
        {
            "ids": [r["id"] for r in rows],
            "orgs": [r["organization_id"] for r in rows],
            "names": [r["name"] for r in rows],
            "emails": [r["email"] for r in rows],
            "phones": [r["phone"] for r in rows],
            "sources": [r["source"] for r in rows],
            "details": [r["source_detail"] for r in rows],
            "notes": [r["consent_note"] for r in rows],
            "ats": [r["created_at"] for r in rows],
        },
    )
    return int(getattr(result, "rowcount", 0) or 0)
