"""The ATS vendors' webhooks: the one route a vendor calls, signed instead of authenticated.

Its own router, matched first: a vendor may send hundreds of deliveries a second, and FastAPI
tries routers in order, so this path should not be compared with every other route first
(measured: a third of the request's CPU when it came eighteenth).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from app.api.deps import SingleStatement
from app.api.problems import COMMON_RESPONSES, problem_schema
from app.domain.integrations import inbound
from app.domain.integrations.schemas import InboundAccepted

router = APIRouter(prefix="/integrations", tags=["integrations"], responses=COMMON_RESPONSES)


@router.post(
    "/{connection_id}/webhooks",
    status_code=202,
    summary="The vendor's webhooks, exactly as it sends them (signed; no API key)",
    responses={401: problem_schema("The signature did not verify; nothing was stored")},
    openapi_extra={
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
async def receive_vendor_webhook(
    connection_id: uuid.UUID, request: Request, rows: SingleStatement
) -> InboundAccepted:
    """The vendor's signature with the connection's secret is the credential. The event is
    stored and answered 202 at once, then applied by the worker, so a slow apply never makes the
    vendor retry; the same event sent again is answered as a duplicate and stored once."""
    # The signature covers the raw bytes, so the body is read as bytes, never re-serialised.
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return await inbound.receive(rows, request.app.state.settings, connection_id, headers, body)
