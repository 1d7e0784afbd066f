"""What a candidate does through a follow-up link, without an account: read the question and
answer it once, with text and optionally a link or a document.

The signed token is the credential (tokens.py). The answer is checked whole (text, link, file
type and size) before anything is written, so a refused answer leaves nothing behind.
"""

from __future__ import annotations

import hashlib

from limits import parse
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import utcnow
from app.db import settings_of
from app.domain.candidates import repository as candidates_repo
from app.domain.candidates.documents import PayloadTooLarge, UnsupportedMediaType
from app.domain.candidates.filetypes import ALLOWED_TYPES, claim_matches, detect
from app.domain.candidates.models import Document
from app.domain.events import service as events
from app.domain.follow_ups import repository, tokens
from app.domain.follow_ups.errors import AlreadyAnswered, FollowUpGone, FollowUpNotFound
from app.domain.follow_ups.models import OPEN_STATES, FollowUp
from app.domain.follow_ups.schemas import FollowUpAnswerCreate, FollowUpView, UploadedDocument
from app.domain.organizations import repository as members_repo
from app.domain.roles import repository as roles_repo
from app.errors import InvalidInput
from app.ids import new_id
from app.integrations.storage import DocumentStorage
from app.ratelimit import RateLimited, RateLimits

__all__ = [
    "AlreadyAnswered",
    "FollowUpGone",
    "FollowUpNotFound",
    "answer",
    "check_document",
    "limit_answer_posts",
    "view",
]


async def _open(session: AsyncSession, token: str, *, for_update: bool) -> FollowUp:
    found = tokens.read(settings_of(session).secret_key, token)
    if found is None:
        raise FollowUpNotFound()
    follow_up = await repository.get_by_token_id(session, found[0], for_update=for_update)
    # A token signed for an expiry the row no longer has (never the case today) is not its link.
    if follow_up is None or int(follow_up.expires_at.timestamp()) != int(found[1].timestamp()):
        raise FollowUpNotFound()
    return follow_up


def _gone_unless_open(follow_up: FollowUp, *, answering: bool) -> None:
    who = (follow_up.organization_id, follow_up.sent_by_id)
    if follow_up.state == "answered":
        raise AlreadyAnswered(*who) if answering else FollowUpGone("answered", *who)
    if follow_up.state == "withdrawn":
        raise FollowUpGone("withdrawn", *who)
    if follow_up.state == "expired" or follow_up.expires_at <= utcnow():
        raise FollowUpGone("expired", *who)


async def _view(session: AsyncSession, follow_up: FollowUp) -> FollowUpView:
    org_id = follow_up.organization_id
    candidate = await candidates_repo.get_candidate(session, org_id, follow_up.candidate_id)
    role = await roles_repo.get_role(session, org_id, follow_up.role_id)
    org = await members_repo.get_organization(session, org_id)
    if candidate is None or role is None or org is None:
        raise FollowUpNotFound()
    names = (
        await repository.document_names(session, org_id, [follow_up.answer_document_id])
        if follow_up.answer_document_id
        else {}
    )
    return FollowUpView(
        candidate_first_name=(candidate.name.split() or [candidate.name])[0],
        role_title=role.title,
        organization_name=org.name,
        question=follow_up.question,
        state=follow_up.state,
        expires_at=follow_up.expires_at,
        answered_at=follow_up.answered_at,
        answer_text=follow_up.answer_text,
        answer_link=follow_up.answer_link,
        document_filename=names.get(follow_up.answer_document_id)
        if follow_up.answer_document_id
        else None,
        max_document_bytes=settings_of(session).document_max_bytes,
        allowed_document_types=sorted(set(ALLOWED_TYPES.values())),
    )


async def view(session: AsyncSession, token: str) -> FollowUpView:
    """The question as the candidate sees it. 404 for a token that is not ours, 410 once the
    follow-up was answered, withdrawn or expired."""
    follow_up = await _open(session, token, for_update=False)
    _gone_unless_open(follow_up, answering=False)
    return await _view(session, follow_up)


def check_document(session: AsyncSession, document: UploadedDocument) -> str:
    """The detected type of an attached file, under the rules of document uploads."""
    max_bytes = settings_of(session).document_max_bytes
    if len(document.data) > max_bytes:
        raise PayloadTooLarge(len(document.data), max_bytes)
    if not document.data:
        raise InvalidInput.for_field("document", "is empty")
    name = document.filename.strip()
    if not name or len(name) > 255 or any(c in name for c in "\x00/\\"):
        raise InvalidInput.for_field("document", "needs a file name without slashes")
    detected = detect(document.data)
    if detected is None or detected not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(set(ALLOWED_TYPES.values())))
        raise UnsupportedMediaType(
            f"The file's bytes are {detected or 'of an unknown type'}; allowed: {allowed}"
        )
    if not claim_matches(document.claimed_content_type, detected):
        raise UnsupportedMediaType(
            f"The file was sent as {document.claimed_content_type} but its bytes are {detected}"
        )
    return detected


async def answer(
    session: AsyncSession,
    token: str,
    data: FollowUpAnswerCreate,
    document: UploadedDocument | None,
    *,
    storage: DocumentStorage | None = None,
) -> FollowUpView:
    """Record the candidate's answer; the link then stops working. A second submission is
    refused with AlreadyAnswered (409) and the first answer stays."""
    detected = check_document(session, document) if document is not None else None
    if document is not None and storage is None:
        raise ValueError("a document needs the storage to keep it in")
    follow_up = await _open(session, token, for_update=True)
    _gone_unless_open(follow_up, answering=True)
    assert follow_up.state in OPEN_STATES
    now = utcnow()
    document_id = None
    if document is not None and detected is not None and storage is not None:
        document_id = new_id()
        key = f"{follow_up.organization_id}/{follow_up.candidate_id}/{document_id}"
        session.add(
            Document(
                id=document_id,
                organization_id=follow_up.organization_id,
                candidate_id=follow_up.candidate_id,
                application_id=follow_up.application_id,
                kind="other",
                filename=document.filename.strip(),
                content_type=detected,
                size_bytes=len(document.data),
                sha256=hashlib.sha256(document.data).hexdigest(),
                storage_key=key,
                uploaded_by_id=None,
            )
        )
        await session.flush()
        # Bytes before the commit, as for uploads: at worst an orphan file, never a dangling row.
        await storage.put(key, document.data)
        events.record(
            session,
            follow_up.organization_id,
            None,
            "document.uploaded",
            "candidate",
            follow_up.candidate_id,
            {
                "candidate_id": str(follow_up.candidate_id),
                "document_id": str(document_id),
                "kind": "other",
            },
        )
    follow_up.state = "answered"
    follow_up.answered_at = now
    follow_up.closed_at = now
    follow_up.answer_text = data.answer
    follow_up.answer_link = data.link
    follow_up.answer_document_id = document_id
    follow_up.version += 1
    events.record(
        session,
        follow_up.organization_id,
        None,
        "follow_up.answered",
        "application",
        follow_up.application_id,
        {
            "follow_up_id": str(follow_up.id),
            "application_id": str(follow_up.application_id),
            "role_id": str(follow_up.role_id),
            "answered_at": now.isoformat(),
            "has_link": data.link is not None,
            "has_document": document_id is not None,
        },
    )
    await session.flush()
    return await _view(session, follow_up)


# Posts per link: a person answers once, maybe retries a few times after an error; more than
# this is a script. Counted with the service's limiter, on top of its per-address limit.
ANSWER_POSTS_PER_TOKEN = parse("10/hour")


async def limit_answer_posts(limits: RateLimits, token: str) -> None:
    """429 once a link was posted to more often than a person would (call before `answer`)."""
    if not limits.enabled:
        return
    # The token's digest, so the counter's key never holds a live credential.
    subject = hashlib.sha256(token.encode()).hexdigest()[:32]
    quota = await limits.hit(ANSWER_POSTS_PER_TOKEN, "follow_up_link", subject)
    if quota is not None and not quota.allowed:
        raise RateLimited(
            f"This link was posted to more than {ANSWER_POSTS_PER_TOKEN.amount} times an hour; "
            f"retry in {max(1, quota.reset_after)} s",
            quota,
        )
