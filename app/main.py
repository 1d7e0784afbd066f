"""create_app(): the FastAPI application with its lifespan, routers, middleware and /graphql."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from app.api import docs_pages, openapi, problems, strict_query
from app.api.health import router as health_router
from app.api.middleware import (
    DOCUMENT_UPLOAD_PATH,
    AbuseLimits,
    BodySizeLimit,
    IdempotencyKeys,
    RequestTelemetry,
)
from app.api.router import include_api
from app.api.throttle import EarlyThrottle
from app.api.v1.follow_ups import ANSWER_WITH_DOCUMENT_PATH
from app.auth import Authenticator
from app.db import Database, resolve_database_url
from app.graphql.app import mount_graphql
from app.integrations.storage import LocalFolderStorage
from app.observability import Metrics, configure_logging
from app.pages.follow_ups import ANSWER_UPLOAD_PATH
from app.ratelimit import RateLimits
from app.settings import Settings, get_settings

DESCRIPTION = """
Hireloop sits between recruiters, hiring managers, interviewers and the company's ATS.

Authenticate with `Authorization: Bearer <API key>` (keys start with `hl_`) or an OpenID Connect
bearer token. Errors are RFC 9457 problem details. Lists use `limit` and an opaque `cursor`.
POSTs accept `Idempotency-Key`; PATCH accepts `If-Match` with the ETag you read.
"""


def create_app(settings: Settings | None = None, database_url: str | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    metrics = Metrics()
    rate_limits = RateLimits(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = database_url or resolve_database_url(settings)
        db = Database.connect(url, settings)
        metrics.pool.pools.append(db.engine.pool)
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as http:
            app.state.db = db
            app.state.http = http
            app.state.authenticator = Authenticator(settings, db, http, rate_limits)
            # Objects alive after start-up live as long as the process: moving them out of the
            # garbage collector's reach keeps its pauses short under load.
            gc.freeze()
            # Nearly everything a request allocates is freed by reference counting: a larger
            # young generation than the default 700 means fewer collections that find little,
            # for a little memory (about 5% less CPU per request in bench's role and pages).
            gc.set_threshold(20_000, 20, 20)
            try:
                yield
            finally:
                metrics.pool.pools.remove(db.engine.pool)
                await rate_limits.close()
                await db.dispose()

    app = FastAPI(
        title="Hireloop",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # Off (404) when HIRELOOP_API_DOCS is false, which is the default in production: the
        # map of every route is for building against the service, not for whoever finds it.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.api_docs_enabled else None,
        openapi_tags=openapi.TAGS,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.storage = LocalFolderStorage(settings.data_dir / "documents")
    app.state.metrics = metrics
    app.state.rate_limits = rate_limits
    problems.install(app)
    app.include_router(health_router)
    include_api(app)
    mount_graphql(app, settings)
    if settings.api_docs_enabled:
        docs_pages.install(app)
    # Outermost first: telemetry sees every answer, abuse limits refuse before a body is read,
    # the size limit runs before idempotency reads a body.
    app.add_middleware(IdempotencyKeys, settings=settings)
    # Inside the size limit, outside idempotency: an address already throttled for failed
    # credentials is refused here, before routing (app/api/throttle.py).
    app.add_middleware(EarlyThrottle, limits=rate_limits)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        # Uploads may be as large as the document limit, plus room for the multipart framing.
        overrides=[
            (DOCUMENT_UPLOAD_PATH, settings.document_max_bytes + 64 * 1024),
            # The candidate's answer page posts a document with the answer.
            (ANSWER_UPLOAD_PATH, settings.document_max_bytes + 64 * 1024),
            # And the JSON route of the same answer with a document.
            (ANSWER_WITH_DOCUMENT_PATH, settings.document_max_bytes + 64 * 1024),
        ],
    )
    app.add_middleware(
        AbuseLimits,
        limits=rate_limits,
        max_authorization_bytes=settings.max_authorization_bytes,
    )
    app.add_middleware(RequestTelemetry, metrics=metrics, settings=settings)
    strict_query.install(app)
    openapi.install(app)
    return app
