"""The baseline: FastAPI + an asyncpg pool, no auth, no ORM, no middleware, plain JSON.

It answers the same two reads as Hireloop's hot paths over the same `roles` table, so the bench
can state Hireloop's speed as a ratio to what the stack itself costs on this machine:
`GET /roles/{id}` (one row by primary key) and `GET /roles?limit=50` (a page, newest first, over
the same `(organization_id, created_at, id)` index Hireloop's list uses).

Run by `bench.run` as `uvicorn bench.bare_app:app` with BENCH_BARE_DSN (an asyncpg DSN) and
BENCH_BARE_ORGANIZATION_ID set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, HTTPException, Query, Request

COLUMNS = (
    "id, organization_id, title, team, location, workplace, headcount, filled_count, status, "
    "recruiter_id, hiring_manager_id, target_start, version, created_at, updated_at"
)
ONE = f"SELECT {COLUMNS} FROM roles WHERE id = $1"
PAGE = (
    f"SELECT {COLUMNS} FROM roles WHERE organization_id = $1 "
    "ORDER BY created_at DESC, id DESC LIMIT $2"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(os.environ["BENCH_BARE_DSN"], min_size=10, max_size=20)
    app.state.pool = pool
    app.state.organization_id = uuid.UUID(os.environ["BENCH_BARE_ORGANIZATION_ID"])
    try:
        yield
    finally:
        await pool.close()


app = FastAPI(title="bare", lifespan=lifespan)


@app.get("/roles/{role_id}")
async def read_role(role_id: uuid.UUID, request: Request) -> dict[str, Any]:
    row = await request.app.state.pool.fetchrow(ONE, role_id)
    if row is None:
        raise HTTPException(status_code=404)
    return dict(row)


@app.get("/roles")
async def list_roles(
    request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    state = request.app.state
    rows = await state.pool.fetch(PAGE, state.organization_id, limit)
    return {"items": [dict(r) for r in rows]}
