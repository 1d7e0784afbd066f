"""Connections to ATS vendors."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentActor, Paging, ReadSession, WriteSession
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.integrations import service
from app.domain.integrations.schemas import ConnectionCreate, ConnectionPublic

router = APIRouter(prefix="/integrations", tags=["integrations"], responses=COMMON_RESPONSES)


@router.post(
    "",
    status_code=201,
    summary="Register a connection to an ATS (admins)",
    responses=WRITE_RESPONSES,
)
async def create_connection(
    data: ConnectionCreate, actor: CurrentActor, session: WriteSession
) -> ConnectionPublic:
    return await service.create_connection(session, actor, data)


@router.get("", summary="List connections")
async def list_connections(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[ConnectionPublic]:
    return PagePublic.of(await service.list_connections(session, actor, page))
