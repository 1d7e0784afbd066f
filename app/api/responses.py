"""Answering with an already validated Public model.

FastAPI validates a returned object against the response model before serializing it. The
services already return validated Public models, so the hot read routes serialize them
directly (one pass instead of two) and keep `response_model` for the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel
from starlette.responses import Response


def json_response(
    model: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        content=model.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
