"""Push notifications from Google Calendar and Microsoft Graph: public routes, verified by the
channel token or clientState each channel was opened with; they store and answer at once and
the worker reads the calendar."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import SingleStatement
from app.api.problems import COMMON_RESPONSES, problem_schema
from app.domain.calendars import push

router = APIRouter(prefix="/calendar-push", tags=["calendars"], responses=COMMON_RESPONSES)


@router.post(
    "/{provider}",
    status_code=202,
    summary="A provider's push (no API key: verified by the channel's token); Graph's "
    "validation handshake is answered with its token as text/plain",
    response_class=Response,
    responses={
        200: {
            "description": "Graph's validation handshake: its validationToken, echoed",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        202: {"description": "A genuine push: its calendars will be read (no body)", "content": {}},
        401: problem_schema("Unknown channel or wrong token; nothing was stored"),
    },
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
async def receive_calendar_push(
    provider: Literal["google", "microsoft"],
    request: Request,
    rows: SingleStatement,
    validation_token: Annotated[
        str | None,
        Query(
            alias="validationToken",
            max_length=4096,
            description="Microsoft Graph's validation handshake: echoed back as text/plain",
        ),
    ] = None,
) -> Response:
    """Google and Microsoft call this when a watched calendar changes; there is no API key, the
    channel's token verifies the call (401 otherwise). The busy time is re-read afterwards, not
    inside this request. Graph's validation handshake is answered with its token as text/plain."""
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = {} if validation_token is None else {"validationToken": validation_token}
    answer = await push.receive(rows, request.app.state.settings, provider, headers, body, query)
    if answer.content is None:
        return Response(status_code=answer.status)
    return Response(answer.content, status_code=answer.status, media_type=answer.media_type)
