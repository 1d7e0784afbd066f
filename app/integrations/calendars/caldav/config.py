"""A CalDAV connection's credentials, typed, from `Grant.values`.

- `url` (required): the server (`https://dav.example.com/`), the principal or calendar home
  URL (`https://dav.example.com/alice/`), or even one calendar's URL: discovery starts there.
- `username`, `password` (required): HTTP Basic; the password is an app password.
- `email` (optional): the account's calendar address, when the server does not name one in
  `calendar-user-address-set`; it is how the owner's own ATTENDEE line (and so their accept or
  decline) is recognised. A username that is an email address counts as one too.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.integrations.calendars.base import CalendarError, Grant


@dataclass(frozen=True)
class CalDavAccount:
    url: str
    username: str
    password: str
    email: str | None = None

    @classmethod
    def from_grant(cls, grant: Grant) -> CalDavAccount:
        url = grant.get("url").strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CalendarError("the CalDAV URL must be an http(s):// URL", transient=False)
        if not parts.path:
            url = url + "/"
        email = (grant.values.get("email") or "").strip() or None
        return cls(
            url=url,
            username=grant.get("username"),
            password=grant.get("password"),
            email=email,
        )

    @property
    def authorization(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    @property
    def key(self) -> str:
        """Names the account for the throttle and the discovery cache (no secret in it)."""
        parts = urlsplit(self.url)
        digest = hashlib.sha256(f"{parts.netloc}\0{self.username}".encode()).hexdigest()[:24]
        return f"caldav:{digest}"

    def own_addresses(self) -> set[str]:
        found: set[str] = set()
        if self.email:
            found.add(self.email.lower())
        if "@" in self.username:
            found.add(self.username.lower())
        return found
