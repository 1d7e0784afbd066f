"""Webhook endpoints end to end: registered through the API, delivered by a real worker to a
real receiver on 127.0.0.1, verified there with the `standardwebhooks` package."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.db import Database
from app.integrations.outbound import Answer, Poster
from tests.conftest import Tenant, make_settings
from tests.helpers_worker import count, eventually, running_worker
from tests.receivers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


async def _endpoint(
    client: httpx.AsyncClient, tenant: Tenant, url: str, **extra: object
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-endpoints", json={"url": url, **extra}, headers=tenant.admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


async def test_event_arrives_signed_and_verifies(
    client: httpx.AsyncClient, tenant: Tenant, db: Database, receiver: Receiver
) -> None:
    endpoint = await _endpoint(client, tenant, receiver.url, description="ATS bridge")
    assert endpoint["secret"].startswith("whsec_")
    receiver.secrets = [endpoint["secret"]]
    async with running_worker(db):
        r = await client.post(
            "/api/v1/roles", json={"title": "Platform Engineer"}, headers=tenant.admin.headers
        )
        assert r.status_code == 201, r.text

        async def arrived() -> bool:
            return any(json.loads(x.body)["type"] == "role.created" for x in receiver.snapshot())

        await eventually(arrived, 15)
    got = next(x for x in receiver.snapshot() if json.loads(x.body)["type"] == "role.created")
    assert got.verified
    body = json.loads(got.body)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["data"]["role_id"] == r.json()["id"]
    # A tampered body or a forged signature fails at the receiver.
    headers = {
        "webhook-id": got.webhook_id,
        "webhook-timestamp": got.timestamp,
        "webhook-signature": got.signature,
    }
    assert not receiver.verify(headers, got.body.replace(b"Platform", b"Platfork"))
    forged = {**headers, "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
    assert not receiver.verify(forged, got.body)
    assert (
        await count(db, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'") >= 1
    )


# --- the delivery client (outbound.Poster, aiohttp) against hand-written answers ----------


class RawServer:
    """An HTTP server on 127.0.0.1 that answers each request with the next of `answers`
    (bytes, sent as they are) and notes the connections and requests it saw."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.connections = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> RawServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.server is not None
        self.server.close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                self.requests.append(head + await reader.readexactly(length))
                answer = self.answers.pop(0)
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _post(poster: Poster, url: str, body: bytes = b'{"a":1}') -> Answer:
    return await poster.post(
        url, content=body, headers={"webhook-id": "msg_1"}, timeout_seconds=5.0
    )


async def test_the_delivery_client_keeps_connections_and_reads_every_answer_shape() -> None:
    answers = [
        b"HTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
        # Chunked, with an informational answer before it.
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n3\r\nbad\r\n1\r\n!\r\n0\r\n\r\n",
        b"HTTP/1.1 429 Slow Down\r\nretry-after: 7\r\ncontent-length: 0\r\n\r\n",
        # Delimited by the end of the connection, which is then not reused.
        b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end",
        b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n",
    ]
    poster = Poster(make_settings())
    try:
        async with RawServer(answers) as server:
            got = [await _post(poster, server.url("/hook/ä?x=ü")) for _ in range(6)]
            assert [(a.status_code, a.body, a.error) for a in got] == [
                (204, "", None),
                (200, "ok", None),
                (500, "bad!", None),
                (429, "", None),
                (200, "until the end", None),
                (202, "", None),
            ]
            assert got[3].retry_after == 7.0
            # One connection for the first five, a new one after the closed answer.
            assert server.connections == 2
            first = server.requests[0]
            assert first.startswith(b"POST /hook/%C3%A4?x=%C3%BC HTTP/1.1\r\n")
            assert f"Host: 127.0.0.1:{server.port}\r\n".encode() in first
            assert b"webhook-id: msg_1\r\n" in first
            assert b"Content-Length: 7\r\n" in first
            assert first.endswith(b'\r\n\r\n{"a":1}')
    finally:
        await poster.aclose()


async def test_the_delivery_client_keeps_the_start_of_a_long_answer_only() -> None:
    """2 KiB of a long answer are kept, the rest is never read: that connection is closed
    rather than reused."""
    long = b"x" * 5_000_000
    answers = [
        b"HTTP/1.1 400 Bad\r\ncontent-length: %d\r\n\r\n%s" % (len(long), long),
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ]
    poster = Poster(make_settings())
    try:
        async with RawServer(answers) as server:
            got = [await _post(poster, server.url()) for _ in range(2)]
            assert [(a.status_code, a.body) for a in got] == [(400, "x" * 2048), (204, "")]
            assert server.connections == 2
    finally:
        await poster.aclose()


async def test_the_delivery_client_reports_what_went_wrong() -> None:
    poster = Poster(make_settings())
    try:
        async with RawServer([b"SMTP ready\r\n\r\n", b""]) as server:
            garbage = await _post(poster, server.url())
            assert garbage.status_code is None
            assert garbage.error is not None
            assert "Bad status line" in garbage.error
            # Closed without a word.
            silent = await _post(poster, server.url())
            assert silent.status_code is None
            assert silent.error is not None
            assert silent.error.startswith("ServerDisconnectedError")
        # Nobody listening any more.
        refused = await _post(poster, server.url())
        assert refused.status_code is None
        assert refused.error is not None
        # Not an allowed destination: refused before any connection.
        strict = Poster(make_settings(outbound_allow_networks=[]))
        try:
            outside = await _post(strict, server.url())
            assert outside.error is not None
            assert outside.error.startswith("refused:")
            # A name is judged on what it resolves to (here through /etc/hosts, to an address
            # of this machine), by the resolver aiohttp connects with.
            named = await _post(strict, f"http://{socket.gethostname()}:{server.port}/hook")
            assert named.error is not None
            assert named.error.startswith("refused:")
            assert server.connections == 2
        finally:
            await strict.aclose()
    finally:
        await poster.aclose()


def _certificate(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its file, and its key's)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hireloop test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_the_delivery_client_speaks_tls_and_verifies_the_certificate(
    tmp_path: Path,
) -> None:
    cert_file, key_file = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(7)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nyes")
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_context)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    trusting = ssl.create_default_context(cafile=str(cert_file))
    trusted, default = Poster(make_settings(), ssl_context=trusting), Poster(make_settings())
    try:
        answers = [await _post(trusted, url) for _ in range(2)]
        assert [(a.status_code, a.body) for a in answers] == [(200, "yes")] * 2
        # The usual trust store does not know this certificate.
        untrusted = await _post(default, url)
        assert untrusted.status_code is None
        assert untrusted.error is not None
        assert untrusted.error.startswith("SSLCertVerificationError")
    finally:
        await trusted.aclose()
        await default.aclose()
        server.close()
