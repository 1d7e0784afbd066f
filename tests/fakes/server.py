"""Serve an ASGI app (a vendor fake) with uvicorn on 127.0.0.1 from its own thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


class ServedApp:
    """`config` overrides uvicorn's settings (a larger backlog for load, a shorter graceful
    shutdown for receivers that hold requests open)."""

    def __init__(self, app: Any, **config: Any) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        settings: dict[str, Any] = {
            "log_level": "warning",
            "access_log": False,
            "loop": "asyncio",
            "lifespan": "off",
            **config,
        }
        self._server = uvicorn.Server(uvicorn.Config(app, **settings))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()


class Forwarder:
    """One served ASGI app for a module, forwarding to the current test's fake: a fresh fake per
    test without starting uvicorn for each (a shutdown alone costs 0.2 s)."""

    def __init__(self, target: Any = None) -> None:
        self.target: Any = target

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.target(scope, receive, send)
