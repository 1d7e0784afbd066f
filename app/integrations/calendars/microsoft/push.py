"""Graph change notifications (webhooks) on a calendar's events.

Subscriptions (`POST /subscriptions`): `changeType` "created,updated,deleted", `resource`
`users/{id}/calendars/{cid}/events` (app-only) or `me/calendars/{cid}/events` (delegated),
`notificationUrl` and `lifecycleNotificationUrl` (both our callback URL), `clientState` (our
secret, at most 128 characters, echoed in every notification) and `expirationDateTime`. Graph
caps Outlook event subscriptions at 10,080 minutes today (4,230 minutes historically); we ask
for 4,200 minutes so either limit holds, and renew with `PATCH /subscriptions/{id}`. Graph
assigns the subscription id: the Channel we return carries it, and the caller must key the
channel on that id, not on the channel_id it proposed (base.py's `watch` takes one).

What arrives at the callback:
- Validation: on create and renew Graph POSTs `?validationToken=<token>` and expects, within
  10 seconds, 200 with the token (URL-decoded) as text/plain. Same for the lifecycle URL.
- Change notifications: `{"value": [{"subscriptionId", "clientState", "changeType",
  "resource", "resourceData", "subscriptionExpirationDateTime", "tenantId"}]}`, answered 202
  within 3 seconds or Graph retries and eventually drops the subscription.
- Lifecycle notifications: items with `lifecycleEvent` instead of `changeType`:
  `reauthorizationRequired` (renew or reauthorize soon), `subscriptionRemoved` (create it
  again and read in full), `missed` (notifications were lost: read in full).
The clientState is compared by the caller, in constant time, against the channel's token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from app.integrations.calendars.base import PushAnswer, PushNotice, PushRefused

SUBSCRIPTION_MINUTES = 4200  # under Graph's historic 4,230-minute cap for Outlook resources
CLIENT_STATE_MAX = 128

Kind = Literal["changed", "sync", "missed", "reauthorize", "removed"]

_LIFECYCLE: dict[str, Kind] = {
    "reauthorizationrequired": "reauthorize",
    "subscriptionremoved": "removed",
    "missed": "missed",
}


def expiry(now: datetime, minutes: int = SUBSCRIPTION_MINUTES) -> datetime:
    return now + timedelta(minutes=min(minutes, SUBSCRIPTION_MINUTES))


def parse_push(
    headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
) -> tuple[PushAnswer, list[PushNotice]]:
    token = query.get("validationToken")
    if token is not None:
        return PushAnswer(status=200, content=token, media_type="text/plain"), []
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PushRefused("not a Graph notification: the body is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("value"), list):
        raise PushRefused("not a Graph notification: no value list")
    items = document["value"]
    if not items:
        raise PushRefused("not a Graph notification: the value list is empty")
    notices: list[PushNotice] = []
    for item in items:
        if not isinstance(item, dict):
            raise PushRefused("not a Graph notification: an item is not an object")
        subscription = item.get("subscriptionId")
        if not isinstance(subscription, str) or not subscription:
            raise PushRefused("not a Graph notification: an item lacks subscriptionId")
        client_state = item.get("clientState")
        if client_state is not None and not isinstance(client_state, str):
            raise PushRefused("not a Graph notification: clientState is not a string")
        lifecycle = item.get("lifecycleEvent")
        kind: Kind
        if lifecycle is not None:
            known = _LIFECYCLE.get(str(lifecycle).lower())
            if known is None:
                raise PushRefused("not a Graph notification: unknown lifecycleEvent")
            kind = known
        elif isinstance(item.get("changeType"), str):
            kind = "changed"
        else:
            raise PushRefused("not a Graph notification: an item has no changeType")
        notices.append(PushNotice(channel_id=subscription, token=client_state, kind=kind))
    return PushAnswer(status=202), notices
