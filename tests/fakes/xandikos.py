"""A real Xandikos CalDAV server (PyPI `xandikos`) on 127.0.0.1, in a thread of the test run.

Xandikos implements RFC 6638 scheduling: every principal has a schedule inbox and outbox,
and a PUT by the ORGANIZER of an event delivers an iTIP REQUEST to the inbox of each
ATTENDEE that is another principal of the same server (matched on the exact string of
`calendar-user-address-set`), which the server then also applies to that principal's
default calendar.

It runs in Xandikos's multi-user mode: `/<user>/` is the principal of `<user>`, created
(with `calendars/calendar/`, `inbox/` and `outbox/`) the first time that user makes a request,
and a user may touch nothing outside it. Authentication is HTTP Basic; `xandikos multi-user`
only allows Basic over TLS, so this helper builds the same app and middleware itself on plain
HTTP. Any password works (the login is the user), like the Radicale helper's `none`, unless
`passwords` is given. Storage is a temporary folder that goes away with the server.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import tempfile
import threading
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.sax.saxutils import escape

import httpx
from aiohttp import web
from defusedxml import ElementTree as SafeET
from xandikos import multi_user
from xandikos import web as xandikos_web

XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>'
DAV_NAMESPACES = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _scratch() -> str | None:
    """Memory-backed /dev/shm when there is one: Xandikos keeps every collection in a git
    repository, and writing (and removing) their many small files on disk is the slow part."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


class _Passwords:
    """What xandikos's `basic_auth_middleware` asks of an htpasswd file: `check`."""

    def __init__(self, passwords: dict[str, str] | None) -> None:
        self.passwords = passwords

    def check(self, user: str, password: str) -> bool:
        return self.passwords is None or self.passwords.get(user) == password


class Xandikos:
    def __init__(self, passwords: dict[str, str] | None = None) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="xandikos-", dir=_scratch()))
        # Removed by stop(), or at exit when a run never gets there.
        self._remove_folder = weakref.finalize(self, shutil.rmtree, self._folder, True)
        self.passwords = dict(passwords or {})
        self._checker = _Passwords(passwords)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopped: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"xandikos-{self.port}")
        # One client for the helpers below: a new httpx client costs ~0.2 s (its TLS context).
        self._client = httpx.Client(timeout=10)

    # --- the server ----------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start(), which is waiting on _ready
            self._failure = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        # Parts of xandikos are untyped; its classes are used through Any.
        backend_class: Any = multi_user.MultiUserFilesystemBackend
        app_class: Any = multi_user.MultiUserXandikosApp
        basic_auth: Any = xandikos_web.basic_auth_middleware
        backend = backend_class(str(self._folder / "data"), create_defaults=True)
        dav = app_class(backend, "/%(REMOTE_USER)s/")

        async def handler(request: web.Request) -> web.StreamResponse:
            response: web.StreamResponse = await dav.aiohttp_handler(request, "/")
            return response

        app = web.Application(middlewares=[basic_auth(self._checker)])
        app.router.add_route("*", "/{path_info:.*}", handler)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._stopped = asyncio.Event()
        self._ready.set()
        try:
            await self._stopped.wait()
        finally:
            await runner.cleanup()

    def start(self) -> Xandikos:
        self._thread.start()
        # Ready is set once the socket listens (or the server failed to start).
        if not self._ready.wait(15) or self._failure is not None:
            self.stop()
            raise RuntimeError("Xandikos did not start") from self._failure
        return self

    def stop(self) -> None:
        self._client.close()  # its keep-alive connections would hold up the shutdown
        stopped = self._stopped
        if stopped is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(stopped.set)
        self._thread.join(10)
        self._remove_folder()

    def __enter__(self) -> Xandikos:
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

    def request(
        self,
        method: str,
        url: str,
        user: str,
        body: str | bytes | None = None,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/xml; charset=utf-8",
    ) -> httpx.Response:
        """One request as `user`, another client would make it (absolute URL or path)."""
        all_headers = {**self.auth_header(user), **(headers or {})}
        content = body.encode() if isinstance(body, str) else body
        if content is not None:
            all_headers["Content-Type"] = content_type
        target = url if url.startswith("http") else self.url + url
        return self._client.request(method, target, content=content, headers=all_headers)

    def principal(self, user: str) -> str:
        return f"{self.url}/{user}/"

    def calendar(self, user: str) -> str:
        """The default calendar Xandikos creates with a principal."""
        return f"{self.url}/{user}/calendars/calendar/"

    def inbox(self, user: str) -> str:
        return f"{self.url}/{user}/inbox/"

    def add_user(self, user: str, *addresses: str) -> str:
        """Create `user`'s principal (a first request does) and set its
        calendar-user-address-set (RFC 6638 2.4.1) to `addresses` (emails); returns the
        principal URL."""
        hrefs = "".join(f"<D:href>mailto:{escape(a)}</D:href>" for a in addresses)
        body = (
            f"{XML_HEAD}<D:propertyupdate {DAV_NAMESPACES}><D:set><D:prop>"
            f"<C:calendar-user-address-set>{hrefs}</C:calendar-user-address-set>"
            "</D:prop></D:set></D:propertyupdate>"
        )
        response = self.request("PROPPATCH", self.principal(user), user, body)
        if response.status_code != 207 or "200" not in response.text:
            raise RuntimeError(f"PROPPATCH {user}: {response.status_code} {response.text}")
        return self.principal(user)

    def members(self, collection_url: str, user: str) -> dict[str, str]:
        """The iCalendar resources of a collection: {href: calendar data}."""
        response = self.request(
            "PROPFIND",
            collection_url,
            user,
            f"{XML_HEAD}<D:propfind {DAV_NAMESPACES}><D:prop><D:resourcetype/>"
            "</D:prop></D:propfind>",
            headers={"Depth": "1"},
        )
        if response.status_code != 207:
            raise RuntimeError(f"PROPFIND {collection_url}: {response.status_code}")
        root = SafeET.fromstring(response.content)
        found: dict[str, str] = {}
        for node in root.iter("{DAV:}response"):
            href = node.findtext("{DAV:}href") or ""
            if href.endswith("/"):
                continue  # the collection itself
            item = self.request("GET", href, user)
            if item.status_code == 200:
                found[href] = item.text.replace("\r\n ", "")
        return found

    def put_ics(self, calendar_url: str, name: str, ics: str, user: str) -> httpx.Response:
        """Write a resource as another client would (no conditions)."""
        response = self.request(
            "PUT", f"{calendar_url}{name}", user, ics, content_type="text/calendar; charset=utf-8"
        )
        if response.status_code not in (201, 204):
            raise RuntimeError(f"PUT {name}: {response.status_code} {response.text}")
        return response

    def delete(self, url: str, user: str) -> None:
        response = self.request("DELETE", url, user)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"DELETE {url}: {response.status_code} {response.text}")
