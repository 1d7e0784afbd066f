"""The calendar providers we speak to. Adding one is a package implementing `CalendarAdapter`
(app/integrations/calendars/base.py) and one entry here; nothing in app/domain changes."""

from __future__ import annotations

import importlib
from functools import cache

from app.integrations.calendars.base import CalendarAdapter, Provider, PushingCalendarAdapter

ADAPTERS: dict[Provider, str] = {
    "google": "app.integrations.calendars.google.adapter:adapter",
    "microsoft": "app.integrations.calendars.microsoft.adapter:adapter",
    "caldav": "app.integrations.calendars.caldav.adapter:adapter",
}


@cache
def adapter_for(provider: Provider) -> CalendarAdapter:
    module_name, attribute = ADAPTERS[provider].split(":")
    adapter: CalendarAdapter = getattr(importlib.import_module(module_name), attribute)
    return adapter


@cache
def pushing_adapter_for(provider: Provider) -> PushingCalendarAdapter | None:
    """The provider's adapter if it pushes, else None. Cached: checking a runtime Protocol
    walks its members, about 20 microseconds that the push route would pay on every request."""
    adapter = adapter_for(provider)
    return adapter if isinstance(adapter, PushingCalendarAdapter) else None
