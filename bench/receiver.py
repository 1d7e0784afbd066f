"""The webhook receiver of bench.webhooks: `python -m bench.receiver --port N`.

A hand-rolled HTTP/1.1 keep-alive responder on uvloop, so it is never what limits the worker:
every POST is answered `204` at once and its `webhook-id` noted with the arrival time
(`time.time()`, the clock the bench reads at commit). `GET /count` answers how many distinct
ids arrived and how many POSTs came in all; `GET /arrivals` answers `{webhook-id: arrival}` as
JSON. Anything else is a 404.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import uvloop

NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"


class Receiver:
    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.posts = 0

    def _json(self, value: object) -> bytes:
        body = json.dumps(value).encode()
        head = (
            f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}"
            "\r\n\r\n"
        )
        return head.encode() + body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method, _, rest = lines[0].partition(b" ")
                path = rest.partition(b" ")[0]
                length = 0
                hook_id: str | None = None
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"webhook-id":
                        hook_id = value.strip().decode()
                if length:
                    await reader.readexactly(length)
                if method == b"POST":
                    now = time.time()
                    self.posts += 1
                    if hook_id is not None:
                        self.arrivals.setdefault(hook_id, now)
                    writer.write(NO_CONTENT)
                elif path == b"/count":
                    writer.write(self._json({"count": len(self.arrivals), "posts": self.posts}))
                elif path == b"/arrivals":
                    writer.write(self._json(self.arrivals))
                else:
                    writer.write(NOT_FOUND)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()


async def serve(host: str, port: int) -> None:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, host, port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.receiver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
