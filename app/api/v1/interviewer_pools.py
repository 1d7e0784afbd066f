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
    """Admins and recruiters create a pool of interchangeable interviewers for one kind of
    interview or skill, with the rounds a trainee must sit. A name already in use is a 409.
    Records interviewer_pool.created."""
    return await service.create_pool(session, actor, data)


@router.get("/interviewer-pools", summary="Interviewer pools with their members, newest first")
async def list_interviewer_pools(
    actor: CurrentActor, session: ReadSession, page: Paging
) -> PagePublic[PoolPublic]:
    """The organization's interviewer pools with their members, newest first. Admins, recruiters
    and hiring managers. Paged with limit and cursor."""
    return PagePublic.of(await service.list_pools(session, actor, page))


@router.get("/interviewer-pools/{pool_id}", summary="Read an interviewer pool")
async def read_interviewer_pool(
    pool_id: uuid.UUID, actor: CurrentActor, session: ReadSession, response: Response
) -> PoolPublic:
    """One interviewer pool with its members, their training state and preferences. Admins,
    recruiters and hiring managers; another organization's pool is a 404."""
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
    """Admins and recruiters rename a pool or change its kind, skill or training rounds. A name
    already in use is a 409. Records interviewer_pool.updated."""
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
    """Admins and recruiters add a member to the pool, trained or in training, with their
    preferences (earliest start, daily and weekly caps). A member already in the pool is a 409,
    an inactive member a 422. Records interviewer_pool.member_added."""
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
    """Admins and recruiters change a member's preferences in this pool: earliest start and
    daily and weekly caps, which scheduling respects. A member not in the pool is a 404. Records
    interviewer_pool.member_updated."""
    return await service.update_member(session, actor, pool_id, member_id, data)


@router.delete(
    "/interviewer-pools/{pool_id}/members/{member_id}",
    summary="Take a member out of the pool",
    responses=WRITE_RESPONSES,
)
async def remove_interviewer_pool_member(
    pool_id: uuid.UUID, member_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    """Admins and recruiters take a member out of the pool; interviews already scheduled keep
    them. A member not in the pool is a 404. Records interviewer_pool.member_removed."""
    return await service.remove_member(session, actor, pool_id, member_id)


@router.post(
    "/interviewer-pools/{pool_id}/members/{member_id}/sign-off",
    summary="Sign off a trainee who sat their rounds: they become trained (409 until then)",
    responses=WRITE_RESPONSES,
)
async def sign_off_interviewer(
    pool_id: uuid.UUID, member_id: uuid.UUID, actor: CurrentActor, session: WriteSession
) -> PoolPublic:
    """Admins, recruiters and hiring managers sign off a trainee who has sat their training
    rounds: they become trained and are drawn for interviews. Before enough rounds, or for a
    member already trained, it is a 409. Records interviewer.trained."""
    return await service.sign_off(session, actor, pool_id, member_id)
