"""A real Radicale CalDAV server (PyPI `radicale`) on 127.0.0.1, in a thread of the test run.

Storage is a temporary folder that goes away with the server. Authentication is `none`
(any password works; the login is the user) unless `passwords` is given, then an htpasswd
file with plain-text entries (so a wrong password is a real 401). `make_calendar` creates a
user's calendar collection with MKCALENDAR, as a client would.
"""

from __future__ import annotations

import base64
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.sax.saxutils import escape

import httpx
from radicale import config as radicale_config
from radicale import server as radicale_server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Radicale:
    def __init__(self, passwords: dict[str, str] | None = None) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="radicale-"))
        self.passwords = dict(passwords or {})
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        values: dict[str, dict[str, Any]] = {
            "server": {"hosts": f"127.0.0.1:{self.port}", "delay_on_error": "0"},
            "storage": {"filesystem_folder": str(self._folder / "collections")},
            "auth": {"type": "none", "delay": "0"},
            "rights": {"type": "owner_only"},
            "logging": {"level": "error", "mask_passwords": "True"},
        }
        if passwords is not None:
            users = self._folder / "users"
            users.write_text("".join(f"{user}:{pw}\n" for user, pw in passwords.items()))
            values["auth"] = {
                "type": "htpasswd",
                "htpasswd_filename": str(users),
                "htpasswd_encryption": "plain",
                # Radicale waits this long after a failed login; keep the tests fast.
                "delay": "0",
            }
        configuration = radicale_config.load()
        configuration.update(values, "test", privileged=True)
        self._shutdown, self._shutdown_peer = socket.socketpair()
        self._thread = threading.Thread(
            target=radicale_server.serve,
            args=(configuration, self._shutdown_peer),
            daemon=True,
            name=f"radicale-{self.port}",
        )

    def start(self) -> Radicale:
        self._thread.start()
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if time.monotonic() > deadline or not self._thread.is_alive():
                    raise RuntimeError("Radicale did not start") from None
                time.sleep(0.02)

    def stop(self) -> None:
        self._shutdown.close()  # the server's select() wakes on the peer and returns
        self._thread.join(10)
        self._shutdown_peer.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> Radicale:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- helpers for tests ---------------------------------------------------------------

    def auth_header(self, user: str) -> dict[str, str]:
        password = self.passwords.get(user, "any")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def make_calendar(
        self,
        user: str,
        name: str | None = None,
        *,
        display_name: str | None = None,
        components: tuple[str, ...] = ("VEVENT",),
        timezone_id: str | None = None,
    ) -> str:
        """Create a calendar collection for `user`; returns its absolute URL (with a slash)."""
        name = name or uuid.uuid4().hex[:12]
        comps = "".join(f'<C:comp name="{c}"/>' for c in components)
        extra = ""
        if timezone_id is not None:
            vtimezone = (
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
                f"BEGIN:VTIMEZONE\r\nTZID:{timezone_id}\r\nBEGIN:STANDARD\r\n"
                "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n"
                "END:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"
            )
            extra = f"<C:calendar-timezone>{escape(vtimezone)}</C:calendar-timezone>"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            "<D:set><D:prop>"
            f"<D:displayname>{escape(display_name or name)}</D:displayname>"
            f"<C:supported-calendar-component-set>{comps}</C:supported-calendar-component-set>"
            f"{extra}</D:prop></D:set></C:mkcalendar>"
        )
        url = f"{self.url}/{user}/{name}/"
        response = httpx.request(
            "MKCALENDAR",
            url,
            content=body.encode(),
            headers={**self.auth_header(user), "Content-Type": "application/xml"},
        )
        if response.status_code != 201:
            raise RuntimeError(f"MKCALENDAR {url}: {response.status_code} {response.text}")
        return url

    def put_ics(self, calendar_url: str, name: str, ics: str, user: str) -> httpx.Response:
        """Write a resource as another client would (no conditions)."""
        response = httpx.put(
            f"{calendar_url}{name}",
            content=ics.encode(),
            headers={**self.auth_header(user), "Content-Type": "text/calendar; charset=utf-8"},
        )
        if response.status_code not in (201, 204):
            raise RuntimeError(f"PUT {name}: {response.status_code} {response.text}")
        return response

    def delete(self, url: str, user: str) -> None:
        response = httpx.delete(url, headers=self.auth_header(user))
        if response.status_code not in (200, 204):
            raise RuntimeError(f"DELETE {url}: {response.status_code} {response.text}")
