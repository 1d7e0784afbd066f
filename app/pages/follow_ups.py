"""The "Answer a question" page a waitlist follow-up's link opens (/pages/follow-ups/<token>).

GET shows the question; POST (a plain multipart form, no script needed) sends the answer, an
optional link and an optional document through the follow-ups service, which checks them whole
before writing anything. A refused answer is shown again with the reason beside its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from app.api.deps import ReadSession, WriteSession
from app.domain.candidates.documents import PayloadTooLarge, UnsupportedMediaType
from app.domain.follow_ups import public
from app.domain.follow_ups.schemas import FollowUpAnswerCreate, FollowUpView, UploadedDocument
from app.domain.organizations.branding import LinkClosed, PublicBrand, brand_of
from app.errors import DomainError, InvalidInput
from app.pages import limits
from app.pages import locale as fmt
from app.pages.render import locale_of, render_page
from app.pages.routing import page_router
from app.pages.strings import text

router = page_router("/follow-ups")

Token = Annotated[str, Path(min_length=20, max_length=400, pattern=r"^[A-Za-z0-9_\-.]+$")]
ANSWER_LIMIT = 4000
# The answer form carries a document: its body may be as large as a document upload
# (app/main.py gives this path the same body limit as /api/v1/candidates/{id}/documents).
ANSWER_UPLOAD_PATH = re.compile(r"^/pages/follow-ups/[^/]+$")


@dataclass
class Form:
    answer: str = ""
    link: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)

    def error_for(self, field_id: str) -> str | None:
        return next((m for f, m in self.errors if f == field_id), None)


async def _closed(session: AsyncSession, exc: DomainError) -> LinkClosed:
    """The follow-up's refusals as the pages' closed link, naming the recruiter to contact."""
    reason = getattr(exc, "reason", None) or ("answered" if exc.status == 409 else "invalid")
    organization_id = getattr(exc, "organization_id", None)
    brand = None
    if organization_id is not None:
        brand = await brand_of(session, organization_id, getattr(exc, "sender_id", None))
    return LinkClosed(exc.detail, reason=reason, brand=brand, status=exc.status)


async def _view(session: AsyncSession, token: str) -> FollowUpView:
    try:
        return await public.view(session, token)
    except (public.FollowUpNotFound, public.FollowUpGone) as exc:
        raise await _closed(session, exc) from exc


def _brand(view: FollowUpView) -> PublicBrand:
    return PublicBrand(organization_name=view.organization_name)


def _show(request: Request, view: FollowUpView, form: Form, status: int = 200) -> HTMLResponse:
    locale = locale_of(request)
    return render_page(
        request,
        "follow_up.html.j2",
        title=text("follow_up.title"),
        brand=_brand(view),
        status=status,
        view=view,
        form=form,
        limit=ANSWER_LIMIT,
        size=fmt.file_size(view.max_document_bytes, locale),
        expires=fmt.when(view.expires_at, "UTC", locale),
        accept=".pdf,.doc,.docx,.odt,.txt,.png,.jpg,.jpeg,.gif,.webp",
        action=str(request.url.path),
    )


@router.get("/{token}", response_class=HTMLResponse)
async def question(token: Token, request: Request, session: ReadSession) -> HTMLResponse:
    await limits.count_view(request)
    return _show(request, await _view(session, token), Form())


async def _document(upload: object) -> UploadedDocument | None:
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read()
    if not data:
        return None
    return UploadedDocument(
        filename=upload.filename, claimed_content_type=upload.content_type, data=data
    )


@router.post("/{token}", response_class=HTMLResponse)
async def send_answer(token: Token, request: Request, session: WriteSession) -> HTMLResponse:
    await limits.count_post(request, token)
    view = await _view(session, token)
    submitted = await request.form()
    answer = submitted.get("answer")
    link = submitted.get("link")
    form = Form(
        answer=answer if isinstance(answer, str) else "",
        link=link.strip() if isinstance(link, str) else "",
    )
    if len(form.answer) > ANSWER_LIMIT:
        form.errors.append(
            (
                "answer",
                text("follow_up.error_answer_long", count=len(form.answer), limit=ANSWER_LIMIT),
            )
        )
    try:
        data = FollowUpAnswerCreate.model_validate(
            {"answer": form.answer, "link": form.link or None}
        )
    except ValidationError as exc:
        failed = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        if "answer" in failed and not form.errors:
            form.errors.append(("answer", text("follow_up.error_answer", limit=ANSWER_LIMIT)))
        if "link" in failed:
            form.errors.append(("link", text("follow_up.error_link")))
        return _show(request, view, form, status=422)
    if form.errors:
        return _show(request, view, form, status=422)
    document = await _document(submitted.get("document"))
    try:
        answered = await public.answer(
            session, token, data, document, storage=request.app.state.storage
        )
    except (PayloadTooLarge, UnsupportedMediaType, InvalidInput) as exc:
        form.errors.append(("document", text("follow_up.error_document", reason=exc.detail)))
        return _show(request, view, form, status=exc.status)
    except (public.FollowUpNotFound, public.FollowUpGone, public.AlreadyAnswered) as exc:
        raise await _closed(session, exc) from exc
    return render_page(
        request,
        "follow_up_sent.html.j2",
        title=text("follow_up.sent_title"),
        brand=_brand(answered),
        view=answered,
    )
