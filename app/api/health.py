"""Liveness, readiness and metrics: unauthenticated, for load balancers and Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.migrations import head_revision

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The liveness answer: the process serves requests (the database is not asked)."""

    status: str = Field(description="Always `ok`: a process that cannot answer sends nothing")


class Readiness(BaseModel):
    """The readiness answer: whether this process should get traffic, and if not, why."""

    status: str = Field(description="`ok` (200) or `unavailable` (503)")
    database: str = Field(description="`ok`, or `unreachable` when the database did not answer")
    migrations: str = Field(
        description="`head` when the schema is at the latest migration; otherwise where it is "
        "and where head is (`at 0017, head is 0018`), or `unknown` without a database"
    )


@router.get("/healthz", summary="The process is up", openapi_extra={"security": []})
async def get_health() -> Health:
    """Liveness for load balancers and orchestrators: answers ok while the process serves
    requests, without touching the database, so a slow database does not get the process
    restarted. No API key."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The database answers and its schema is at the latest migration",
    openapi_extra={"security": []},
    responses={503: {"model": Readiness}},
)
async def get_readiness(request: Request, response: Response) -> Readiness:
    """Readiness: ok only when the database answers and its schema is at the latest migration;
    otherwise a 503 saying which is wrong, so traffic waits during a deploy. No API key."""
    db = request.app.state.db
    try:
        async with db.read() as session:
            current = await session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        response.status_code = 503
        return Readiness(status="unavailable", database="unreachable", migrations="unknown")
    head = head_revision(str(db.engine.url))
    if current != head:
        response.status_code = 503
        return Readiness(
            status="unavailable", database="ok", migrations=f"at {current}, head is {head}"
        )
    return Readiness(status="ok", database="ok", migrations="head")


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    # No API key: HIRELOOP_METRICS_TOKEN (a bearer token of its own) when set.
    openapi_extra={"security": []},
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def get_metrics(request: Request) -> Response:
    """The process's Prometheus metrics in the text exposition format. No API key; when the
    deployment sets HIRELOOP_METRICS_TOKEN, that bearer token is required instead."""
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
