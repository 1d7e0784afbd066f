"""EarlyThrottle: the failed-credential 429 for an address already over its allowance, answered
before routing.

Once an address has spent its failed credentials (`auth_failures_per_address`), every request
it sends with a credential the process has not just verified is refused with 429 by
`current_actor` (app/auth.py). Reaching that refusal costs a whole request: routing, a
`Request`, the route's dependencies up to `current_actor`, an exception raised through them
and caught by the problem handler; the flood that earned the throttle keeps paying that, and
so do the clients sharing the process with it. This layer answers the same requests with the
same 429 from two dictionary look-ups (the throttled addresses, the verified credentials), a
dry run of the router to know that the route would have asked for the caller, and the
exception handler that would have answered it:

- **Which requests.** Those `Authenticator.authenticate` would refuse without a look-up
  (`refusal_before_lookup`): a bearer credential not verified in the last few seconds, from
  an address `RateLimits` knows to be over its allowance (`RateLimits.throttled`, kept from
  the store's own answers until the window ends). Nothing is counted, as `check_failures`
  counts nothing. With limits off or the counter store down nothing is refused, as before.
- **To which routes.** Only those whose dependencies include `current_actor` (REST and
  GraphQL); a path no route takes, a method it does not take, and the routes that need no
  key (health, the candidates' links, inbound pushes) go on as before. The route is found
  by the router's own matching, on a copy of the scope, so the order of routes decides as
  it does for the request itself.
- **The same answer.** The refusal is the `RateLimited` that `current_actor` would have
  raised, rendered by the app's handler for it (a problem document; on /graphql the GraphQL
  error), with its `Quota` left in the scope's state for `AbuseLimits` to add `Retry-After`
  and the RateLimit headers, and the matched route in the scope for `RequestTelemetry`'s
  route label.

It sits inside `BodySizeLimit` (a declared oversized body is still a 413) and outside
`IdempotencyKeys` (which would otherwise authenticate first).
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _IncludedRouter
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.middleware import RATE_LIMIT_STATE
from app.auth import Authenticator, current_actor
from app.ratelimit import RateLimited, RateLimits, client_address

# Paths looked up lately, and whether their route asks for the caller: a flood sends few
# distinct paths. Bounded, since the paths are the client's to choose.
_ROUTE_CACHE_SIZE = 1024


class EarlyThrottle:
    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits
        self._routes: dict[tuple[str, str, str], BaseRoute | None] = {}
        self._needs_actor: dict[int, tuple[object, bool]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Nobody throttled (nearly always): one attribute and one length look-up.
        if scope["type"] != "http" or not self.limits.throttling:
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        route = self._gated_route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        scope.setdefault("state", {})[RATE_LIMIT_STATE] = refusal.quota
        request = Request(scope, receive)
        handler = _handler_for(scope["app"], refusal)
        answer = handler(request, refusal)
        if inspect.isawaitable(answer):
            answer = await answer
        await answer(scope, receive, send)

    def _refusal(self, scope: Scope) -> RateLimited | None:
        address = client_address(scope.get("client"))
        if not self.limits.is_throttled(address):
            return None
        authenticator: Authenticator | None = getattr(scope["app"].state, "authenticator", None)
        if authenticator is None:
            return None
        authorization = organization = None
        for name, value in scope["headers"]:
            # The first of each, as `Request.headers.get` reads them for `current_actor`.
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"x-organization-id" and organization is None:
                organization = value.decode("latin-1")
        return authenticator.refusal_before_lookup(authorization, organization, address)

    def _gated_route(self, scope: Scope) -> BaseRoute | None:
        """The route this request would reach, if that route asks for the caller."""
        method, path, root = scope["method"], scope["path"], scope.get("root_path", "")
        cache_key = (method, path, root)
        if cache_key in self._routes:
            return self._routes[cache_key]
        # A copy, so that matching leaves nothing behind in the request's own scope.
        probe: dict[str, Any] = {"type": "http", "method": method, "path": path, "root_path": root}
        route, dependant = _selected(scope["app"].router.routes, probe)
        gated = route if dependant is not None and self._asks_for_actor(dependant) else None
        if len(self._routes) >= _ROUTE_CACHE_SIZE:
            self._routes.clear()
        self._routes[cache_key] = gated
        return gated

    def _asks_for_actor(self, dependant: Dependant) -> bool:
        known = self._needs_actor.get(id(dependant))
        if known is not None and known[0] is dependant:
            return known[1]
        needs = _depends_on(dependant, current_actor)
        self._needs_actor[id(dependant)] = (dependant, needs)
        return needs


def _selected(routes: list[BaseRoute], probe: dict[str, Any]) -> tuple[BaseRoute | None, Any]:
    """The route the router picks for `probe`, and its dependencies (None for a route that
    has none, a mount say), or (None, None) when no route takes the path and method.

    As the router does: the first route with a full match at each level, included routers
    descended into with their own matching (which yields their routes as included, with the
    dependencies of the inclusion added)."""
    for route in routes:
        match, _ = route.matches(probe)
        if match is not Match.FULL:
            continue
        context: Any = None
        while isinstance(route, _IncludedRouter):
            match, _, inner, context = route._match(probe)
            if match is not Match.FULL or inner is None:
                return None, None
            route = inner
        if context is not None:
            return route, getattr(context, "dependant", None)
        if isinstance(route, APIRoute):
            return route, route.dependant
        return route, None
    return None, None


def _depends_on(dependant: Dependant, call: object) -> bool:
    return any(sub.call is call or _depends_on(sub, call) for sub in dependant.dependencies)


def _handler_for(app: Any, exc: Exception) -> Any:
    """The app's handler for `exc`, looked up by class as Starlette looks it up."""
    handlers = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    raise LookupError(f"no exception handler for {type(exc).__name__}")


__all__ = ["EarlyThrottle"]
