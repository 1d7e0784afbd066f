"""Follow-ups: recruiters ask a candidate a question (to settle a waitlist); the candidate
answers through a single-use link (JSON here, the HTML page in app/pages)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from pydantic import ValidationError

from app.api.deps import CurrentActor, ReadSession, Storage, WriteSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES, problem_schema
from app.domain.follow_ups import public, service
from app.domain.follow_ups.schemas import (
    AnswerText,
    FollowUpAnswerCreate,
    FollowUpCreate,
    FollowUpCreated,
    FollowUpPublic,
    FollowUpView,
    UploadedDocument,
)
from app.domain.types import Url
from app.errors import FieldError, InvalidInput
from app.ratelimit import RateLimited, RateLimits

router = APIRouter(tags=["follow-ups"], responses=COMMON_RESPONSES)


@router.post(
    "/applications/{application_id}/follow-ups",
    summary="Send the candidate a follow-up question (recruiters and admins)",
    status_code=201,
    responses=WRITE_RESPONSES,
)
async def send_follow_up(
    application_id: uuid.UUID, data: FollowUpCreate, actor: CurrentActor, session: WriteSession
) -> FollowUpCreated:
    """Recruiters and admins send the candidate the waitlist question, reworded, by email with a
    single-use link. An application that is not active or already has an open follow-up is a
    409. Records follow_up.sent."""
    return await service.send(session, actor, application_id, data)


@router.get(
    "/applications/{application_id}/follow-ups",
    summary="The application's follow-ups, oldest first, with their answers",
)
async def list_follow_ups(
    application_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> PagePublic[FollowUpPublic]:
    """The application's follow-ups, oldest first, with their answers, for settling a waitlist.
    Another organization's application is a 404."""
    return PagePublic.whole(await service.list_for_application(session, actor, application_id))


@router.get("/follow-ups/{follow_up_id}", summary="One follow-up and its answer")
async def get_follow_up(
    follow_up_id: uuid.UUID, actor: CurrentActor, session: ReadSession
) -> FollowUpPublic:
    """One follow-up with its question, state and the candidate's answer. Another organization's
    follow-up, or one on a role you cannot see, is a 404."""
    return await service.get(session, actor, follow_up_id)


@router.post(
    "/follow-ups/{follow_up_id}/withdraw",
    summary="Withdraw an unanswered follow-up; its link then answers 410",
    responses=WRITE_RESPONSES,
)
async def withdraw_follow_up(
    follow_up_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> FollowUpPublic:
    """Recruiters and admins withdraw an unanswered follow-up; its link then answers 410. Only
    an open follow-up can be withdrawn (409). Records follow_up.withdrawn."""
    return await service.withdraw(session, actor, follow_up_id)


public_router = APIRouter(
    prefix="/public/follow-ups",
    tags=["candidate follow-up link"],
    responses={
        404: problem_schema("The link is not valid"),
        409: problem_schema("The question was already answered; the first answer is kept"),
        410: problem_schema("The question was answered, withdrawn or has expired"),
        413: problem_schema("The file or body is larger than allowed"),
        415: problem_schema("The file's type is not allowed"),
        422: problem_schema("Invalid answer"),
        429: problem_schema("Too many posts to this link or from this address"),
    },
)

Token = Annotated[str, Path(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]
# The answer with a document may be as large as a document upload (app/main.py gives this path
# the same body limit as /api/v1/candidates/{id}/documents).
ANSWER_WITH_DOCUMENT_PATH = re.compile(r"^/api/v1/public/follow-ups/[^/]+/answer-with-document$")


async def _counted_token(token: Token, request: Request) -> str:
    """The link's token, after counting the post against it: a dependency, so a post refused
    for its body counts too (dependencies run before the body's errors are raised)."""
    limits: RateLimits = request.app.state.rate_limits
    try:
        await public.limit_answer_posts(limits, token)
    except RateLimited as refused:
        # For the RateLimit and Retry-After headers (app/api/middleware.py, AbuseLimits).
        request.state.rate_limit = refused.quota
        raise
    return token


PostedToken = Annotated[str, Depends(_counted_token)]


@public_router.get(
    "/{token}", summary="The question, as the candidate sees it", openapi_extra={"security": []}
)
async def view_follow_up(token: Token, session: ReadSession) -> FollowUpView:
    """The question as the candidate sees it on the follow-up page. The token is the credential;
    an unknown token is a 404, a withdrawn or expired follow-up a 410 and an answered one shows
    the answer."""
    return await public.view(session, token)


@public_router.post(
    "/{token}",
    summary="The candidate answers (text and optionally a link); the link then stops working",
    openapi_extra={"security": []},
)
async def answer_follow_up(
    token: PostedToken, data: FollowUpAnswerCreate, session: WriteSession
) -> FollowUpView:
    """The candidate, holding the emailed link's token, answers with text and optionally a link;
    the link then stops working. A second answer is a 409, a withdrawn or expired follow-up a
    410, an unknown token a 404. Records follow_up.answered."""
    return await public.answer(session, token, data, None)


@public_router.post(
    "/{token}/answer-with-document",
    summary="The candidate answers with a document (multipart form)",
    openapi_extra={"security": []},
)
async def answer_follow_up_with_document(
    token: PostedToken,
    session: WriteSession,
    storage: Storage,
    # The answer's own rules, so the form's schema states them as the JSON answer's does (a
    # form field sent empty is a field left out, hence the answer's `minLength`).
    answer: Annotated[AnswerText, Form(description="The answer, as plain text")],
    document: Annotated[UploadFile, File(description="A document (same rules as uploads)")],
    link: Annotated[Url | None, Form(description="Optionally, a link (http or https)")] = None,
) -> FollowUpView:
    """The candidate answers with a document, as multipart form data; the document joins the
    candidate's documents. The same rules as a text answer: one answer only (409), withdrawn or
    expired is 410. Records document.uploaded and follow_up.answered."""
    try:
        data = FollowUpAnswerCreate(answer=answer, link=link or None)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]) or "answer", e["msg"])
            for e in exc.errors()
        ]
        raise InvalidInput("The answer is not valid", errors) from None
    uploaded = UploadedDocument(
        filename=document.filename or "document",
        claimed_content_type=document.content_type,
        data=await document.read(),
    )
    return await public.answer(session, token, data, uploaded, storage=storage)
