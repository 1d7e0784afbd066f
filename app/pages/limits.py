"""Limits on the candidates' pages: every page request per client address (as the JSON links),
and form posts per link and per address, with the service's counters (app/ratelimit.py)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from fastapi import Request
from limits import RateLimitItem, parse

from app.ratelimit import RateLimited, RateLimits, client_address
from app.settings import Settings


@lru_cache(maxsize=8)
def _item(text: str) -> RateLimitItem:
    return parse(text)


def _token_key(token: str) -> str:
    # The counter store never holds the token itself: it is the link's secret.
    return hashlib.sha256(token.encode()).hexdigest()[:32]


async def count_view(request: Request) -> None:
    """Count a page view against the address's allowance for links (429 when spent)."""
    limits: RateLimits = request.app.state.rate_limits
    if not limits.enabled:
        return
    address = client_address(request.scope.get("client"))
    quota = await limits.hit(limits.per_address, "address", address)
    if quota is not None and not quota.allowed:
        raise RateLimited("Too many requests from your address", quota)


async def count_post(request: Request, token: str) -> None:
    """Count a form post against its link and its address (429 when either is spent)."""
    limits: RateLimits = request.app.state.rate_limits
    if not limits.enabled:
        return
    settings: Settings = request.app.state.settings
    address = client_address(request.scope.get("client"))
    for kind, item, subject in (
        ("page-token", _item(settings.page_posts_per_token), _token_key(token)),
        ("page-address", _item(settings.page_posts_per_address), address),
    ):
        quota = await limits.hit(item, kind, subject)
        if quota is not None and not quota.allowed:
            raise RateLimited("Too many form posts", quota)
