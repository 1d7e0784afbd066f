"""What a candidate reaches without an account: their availability link, and nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import ReadSession, WriteSession
from app.api.problems import problem_schema
from app.domain.availability import service
from app.domain.availability.schemas import AvailabilityLinkView, WindowPublic, WindowsSet

router = APIRouter(
    prefix="/public/availability",
    tags=["candidate availability link"],
    responses={
        404: problem_schema("The link is not valid or has expired"),
        410: problem_schema("The link was already used or has expired"),
        413: problem_schema("The body is larger than allowed"),
        422: problem_schema("Invalid windows"),
    },
)

Token = Annotated[str, Path(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.get(
    "/{token}",
    summary="What the candidate sees when opening the link",
    openapi_extra={"security": []},
)
async def view_availability_link(token: Token, session: ReadSession) -> AvailabilityLinkView:
    """What the candidate sees on opening the availability link: the role, the interview lengths
    and the dates to choose from. The token is the credential; no account is needed. A used link
    is a 410, an unknown or expired one a 404."""
    return await service.view_link(session, token)


@router.post(
    "/{token}",
    summary="The candidate offers windows; the link then stops working",
    openapi_extra={"security": []},
)
async def submit_availability_windows(
    token: Token, data: WindowsSet, session: WriteSession
) -> list[WindowPublic]:
    """The candidate, holding the availability link's token, offers the windows they can make;
    the link then stops working. Scheduling suggestions use these windows. A used link is a 410,
    an unknown or expired one a 404. Records availability.offered."""
    return await service.submit_link(session, token, data)
