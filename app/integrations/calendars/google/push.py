"""Google push notifications (developers.google.com/workspace/calendar/api/guides/push).

A notification is a POST with no body; everything is in headers:
`X-Goog-Channel-ID` (our channel id), `X-Goog-Channel-Token` (the token we gave the channel),
`X-Goog-Resource-State` (`sync` right after events.watch; `exists` / `not_exists` when the
calendar's events changed), `X-Goog-Resource-ID`, `X-Goog-Resource-URI`,
`X-Goog-Message-Number` and `X-Goog-Channel-Expiration`. Google treats any 200, 201, 202, 204
or 102 as success and retries other answers with exponential backoff; we answer 202, no body, as for Graph.
The notice never says what changed: the receiver reads the calendar's changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.integrations.calendars.base import PushAnswer, PushNotice, PushRefused

_STATES = {"sync", "exists", "not_exists"}


def parse_push(
    headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
) -> tuple[PushAnswer, list[PushNotice]]:
    channel_id = (headers.get("x-goog-channel-id") or "").strip()
    if not channel_id:
        raise PushRefused("not a Google push: no X-Goog-Channel-ID")
    state = (headers.get("x-goog-resource-state") or "").strip().lower()
    if state not in _STATES:
        raise PushRefused("not a Google calendar push: unknown X-Goog-Resource-State")
    token = headers.get("x-goog-channel-token")
    notice = PushNotice(
        channel_id=channel_id,
        token=token if token else None,
        kind="sync" if state == "sync" else "changed",
    )
    # Google takes any 2xx; 202 with no body, like Graph's notifications.
    return PushAnswer(status=202, content=None), [notice]
