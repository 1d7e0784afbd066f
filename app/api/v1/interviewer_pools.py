"""Interviewer pools: members trained or in training, their preferences, and sign-off."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.api.deps import CurrentActor, Paging, ReadSession, WriteSession, etag
from app.api.pagination import PagePublic
from app.api.problems import COMMON_RESPONSES, WRITE_RESPONSES
from app.domain.interviewer_pools import service
from app.domain.interviewer_pools.schemas import (
    PoolCreate,
    PoolMemberAdd,
    PoolMemberUpdate,
    PoolPublic,
    PoolUpdate,
)

router = APIRouter(tags=["interviewer pools"], responses=COMMON_RESPONSES)


@router.post(
    "/interviewer-pools",
    status_code=201,
    summary="Create an interviewer pool for a kind of interview or a skill",
    responses=WRITE_RESPONSES,
)
async def create_interviewer_pool(
    data: PoolCreate, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    return await service.create_pool(session, actor, data)


@router.get("/interviewer-pools", summary="Interviewer pools with their members, newest first")
async def list_interviewer_pools(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[PoolPublic]:
    return PagePublic.of(await service.list_pools(session, actor, page))


@router.get("/interviewer-pools/{pool_id}", summary="Read an interviewer pool")
async def read_interviewer_pool(
    pool_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> PoolPublic:
    pool = await service.get_pool(session, actor, pool_id)
    response.headers["ETag"] = etag(pool.version)
    return pool


@router.patch(
    "/interviewer-pools/{pool_id}",
    summary="Rename a pool or change its kind, skill or training rounds",
    responses=WRITE_RESPONSES,
)
async def update_interviewer_pool(
    pool_id: uuid.UUID, data: PoolUpdate, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    return await service.update_pool(session, actor, pool_id, data)


@router.post(
    "/interviewer-pools/{pool_id}/members",
    status_code=201,
    summary="Add a member, trained or in training, with their preferences",
    responses=WRITE_RESPONSES,
)
async def add_interviewer_pool_member(
    pool_id: uuid.UUID, data: PoolMemberAdd, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    return await service.add_member(session, actor, pool_id, data)


@router.patch(
    "/interviewer-pools/{pool_id}/members/{member_id}",
    summary="Change a member's preferences in the pool (earliest start, daily and weekly caps)",
    responses=WRITE_RESPONSES,
)
async def update_interviewer_pool_member(
    pool_id: uuid.UUID,
    member_id: uuid.UUID,
    data: PoolMemberUpdate,
    actor: CurrentActor,
    session: WriteSession,
) -> PoolPublic:
    return await service.update_member(session, actor, pool_id, member_id, data)


@router.delete(
    "/interviewer-pools/{pool_id}/members/{member_id}",
    summary="Take a member out of the pool",
    responses=WRITE_RESPONSES,
)
async def remove_interviewer_pool_member(
    pool_id: uuid.UUID, member_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    return await service.remove_member(session, actor, pool_id, member_id)


@router.post(
    "/interviewer-pools/{pool_id}/members/{member_id}/sign-off",
    summary="Sign off a trainee who sat their rounds: they become trained (409 until then)",
    responses=WRITE_RESPONSES,
)
async def sign_off_interviewer(
    pool_id: uuid.UUID, member_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    return await service.sign_off(session, actor, pool_id, member_id)
