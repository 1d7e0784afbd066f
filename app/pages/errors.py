"""The friendly HTML answer for a link that does not work or a request that was refused."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from app.domain.organizations.branding import LinkClosed, PublicBrand
from app.errors import DomainError
from app.pages.render import render_page
from app.pages.strings import text


def error_page(request: Request, error: DomainError | None, status: int) -> HTMLResponse:
    """404 and 410 say the link does not work and whom to ask; 429 asks to wait."""
    brand: PublicBrand | None = error.brand if isinstance(error, LinkClosed) else None
    if isinstance(error, LinkClosed):
        kind = error.reason
    else:
        kind = {404: "invalid", 410: "used", 429: "too_many"}.get(status, "other")
    headers = {}
    quota = getattr(error, "quota", None)
    if quota is not None:
        headers["Retry-After"] = str(max(1, quota.reset_after))
    response = render_page(
        request,
        "error.html.j2",
        title=text(f"error.{kind}.title"),
        brand=brand,
        status=status,
        kind=kind,
        # A refusal's own sentence is for the page when it says more than the generic one.
        detail=error.detail if error is not None and kind == "other" else None,
        contact=brand.contact if brand is not None else None,
    )
    response.headers.update(headers)
    return response
