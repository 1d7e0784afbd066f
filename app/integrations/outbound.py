"""Calls to URLs our users give us (webhook endpoints, Slack incoming webhooks).

Such a URL must not become a way into our own network (SSRF). The check runs when the call is
made, on the addresses the name resolves to then, and the request goes to the address that was
checked: a name that resolved to a public address at registration and to 10.0.0.1 now (DNS
rebinding) is refused, and cannot be re-resolved between the check and the connection.

What needs no DNS is also refused when the URL is saved (`check_url_shape`): an IP address in
any spelling the resolver reads as one (`2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`,
fullwidth digits), and the names that always mean this machine (`localhost`, `*.localhost`).
Both checks read the host the same way (`fixed_addresses`), so what is saved is what is called.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult

from app.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(Exception):
    """The URL may not be called: wrong scheme, unresolvable, or a non-public address."""


def check_url_shape(url: str, settings: Settings) -> str | None:
    """Why this URL can never be called (scheme, host, credentials, an address that is not
    public), or None. Used when a URL is saved, so what delivery would refuse is a 422 then and
    not a failed delivery later: an IP address in any spelling the resolver accepts
    (`2130706433`, `0x7f000001`, `127.1`, `0177.0.0.1`) and the names that always mean this
    machine (`localhost`, `*.localhost`) are judged here as the address they stand for. Other
    names are judged when called, on what they resolve to then (see `resolve`)."""
    reason = _shape_problem(url, settings)
    if reason is not None:
        return reason
    host = urlsplit(url).hostname
    assert host is not None
    fixed = fixed_addresses(host)
    if fixed is not None and not all(address_allowed(a, settings) for a in fixed):
        return "points at a private, loopback or reserved address"
    return None


def _shape_problem(url: str, settings: Settings) -> str | None:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "must not contain control characters"
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("https", "http"):
        return "must be an https:// URL"
    if parts.scheme == "http" and not settings.webhook_http_allowed:
        return "must be https:// (plain http is allowed only in development)"
    if not parts.hostname:
        return "must name a host"
    if parts.username or parts.password:
        return "must not carry credentials"
    try:
        fixed_addresses(parts.hostname)
    except ValueError:
        return "must name a valid host"
    return None


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


# Names that always mean this machine: RFC 6761 reserves localhost and *.localhost for the
# loopback; the others are in the stock /etc/hosts of common distributions.
_LOOPBACK_V4 = ipaddress.IPv4Address("127.0.0.1")
_LOOPBACK_V6 = ipaddress.IPv6Address("::1")
_LOOPBACK_NAMES: dict[str, IPAddress] = {
    "localhost": _LOOPBACK_V4,
    "localhost.localdomain": _LOOPBACK_V4,
    "ip6-localhost": _LOOPBACK_V6,
    "ip6-loopback": _LOOPBACK_V6,
}
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
# A last label that is a number makes the host an IPv4 address or nothing (as in the WHATWG URL
# standard): no top-level domain is numeric, and resolvers read such names as addresses.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_IPV4_PART = re.compile(r"0x(?P<hex>[0-9a-f]+)|0(?P<oct>[0-7]*)|(?P<dec>[1-9][0-9]*)")


def resolver_name(host: str) -> str:
    """The name the resolver is asked about: IDNA-encoded as socket.getaddrinfo encodes it
    (which maps, say, fullwidth digits to ASCII ones), lower case, without the root's trailing
    dot. ValueError for a host no resolver should be asked about."""
    try:
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"{host!r} is not a valid host name") from exc
    name = name.removesuffix(".")
    if not _HOST_NAME.fullmatch(name):
        raise ValueError(f"{host!r} is not a valid host name")
    return name


def _inet_aton(labels: list[str]) -> ipaddress.IPv4Address | None:
    """The IPv4 address written as inet_aton (and so getaddrinfo) reads it: one to four parts,
    each decimal, octal (leading 0) or hexadecimal (0x), the last filling the remaining bytes."""
    if not 1 <= len(labels) <= 4:
        return None
    numbers: list[int] = []
    for label in labels:
        match = _IPV4_PART.fullmatch(label)
        if match is None:
            return None
        if match["hex"] is not None:
            numbers.append(int(match["hex"], 16))
        elif match["oct"] is not None:
            numbers.append(int(match["oct"] or "0", 8))
        else:
            numbers.append(int(match["dec"]))
    *leading, last = numbers
    if any(n > 0xFF for n in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    value = last
    for index, number in enumerate(leading):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def fixed_addresses(host: str) -> list[IPAddress] | None:
    """The addresses `host` stands for without asking DNS: an IP address in any spelling the
    resolver accepts, or a name that always means this machine. None for other names (DNS
    decides); ValueError for a host that is neither a name nor an address."""
    literal = _literal_ip(host)
    if literal is not None:
        return [literal]
    name = resolver_name(host)
    labels = name.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        address = _inet_aton(labels)
        if address is None:
            raise ValueError(f"{host!r} is neither a host name nor an IPv4 address")
        return [address]
    if name in _LOOPBACK_NAMES:
        return [_LOOPBACK_NAMES[name]]
    if name.endswith(".localhost"):
        return [_LOOPBACK_V4]
    return None


# IPv6 forms that carry an IPv4 address which the network may translate to and reach: NAT64
# (RFC 6052, RFC 8215), 6to4 (RFC 3056) and the deprecated IPv4-compatible form (::a.b.c.d,
# which Python counts as global). Each is judged by the IPv4 address inside.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    compatible = address in _IPV4_COMPATIBLE and int(address) > 1  # not :: or ::1
    if compatible or any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(address: IPAddress, settings: Settings) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            if address.ipv4_mapped is not None:
                address = embedded
            elif not address_allowed(embedded, settings):
                return False
    for network in settings.outbound_allow_networks:
        if address in ipaddress.ip_network(network, strict=False):
            return True
    # is_global is False for private, loopback, link-local, shared (CGNAT), reserved,
    # unspecified and documentation ranges; multicast is global in some ranges, so it is
    # refused by name.
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Destination:
    """A URL pinned to the address that was checked."""

    url: str
    host: str
    address: IPAddress
    pinned_url: str

    def request_extensions(self) -> dict[str, object]:
        # TLS still verifies the certificate against the name, not the address.
        return {"sni_hostname": self.host} if self.url.startswith("https:") else {}

    def host_header(self) -> str:
        netloc = urlsplit(self.url).netloc
        return netloc.rsplit("@", 1)[-1]


async def checked_addresses(host: str, port: int, settings: Settings) -> list[IPAddress]:
    """Every address `host` stands for, each allowed, or DestinationRefused: the one judgement
    of a name that every outbound call (httpx's pinned URL, aiohttp's resolver) connects by."""
    try:
        # The same reading of the host as check_url_shape's at registration.
        fixed = fixed_addresses(host)
    except ValueError as exc:
        raise DestinationRefused(str(exc)) from exc
    if fixed is not None:
        addresses: list[IPAddress] = fixed
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                resolver_name(host), port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise DestinationRefused(f"{host} does not resolve: {exc}") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        if not addresses:
            raise DestinationRefused(f"{host} does not resolve")
    refused = [a for a in addresses if not address_allowed(a, settings)]
    if refused:
        # Any non-public answer refuses the name: picking the public one would let an attacker
        # who controls the zone race us to the private one on the next resolution.
        raise DestinationRefused(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses


async def resolve(url: str, settings: Settings) -> Destination:
    reason = _shape_problem(url, settings)
    if reason is not None:
        raise DestinationRefused(f"the URL {reason}")
    parts = urlsplit(url)
    host = parts.hostname
    assert host is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = (await checked_addresses(host, port, settings))[0]
    shown = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    pinned = urlunsplit((parts.scheme, f"{shown}:{port}", parts.path or "/", parts.query, ""))
    return Destination(url=url, host=host, address=address, pinned_url=pinned)


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    latency_ms: int
    body: str | None
    error: str | None
    retry_after: float | None
    headers: httpx.Headers | None = None


def retry_after_seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def storable_text(raw: bytes) -> str:
    """What we keep of an answer's body, storable in a PostgreSQL text column (no NUL)."""
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


async def post(
    http: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    settings: Settings,
    timeout_seconds: float,
    keep_body_bytes: int = 2048,
) -> Answer:
    """POST to a user-given URL. Never raises for network trouble: the answer says what
    happened, so every attempt can be recorded. Redirects are not followed.

    `timeout_seconds` bounds the whole call (resolving, connecting, sending, the answer), not
    each read: a receiver trickling its answer byte by byte must not hold a worker slot, or
    outlive the lease on the delivery. Only the first `keep_body_bytes` of the answer are read;
    the rest is never downloaded."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(timeout_seconds):
            try:
                destination = await resolve(url, settings)
            except DestinationRefused as exc:
                return Answer(None, elapsed(), None, f"refused: {exc}"[:500], None)
            async with http.stream(
                "POST",
                destination.pinned_url,
                content=content,
                # Raw bytes, so what we keep is what was sent, and no compressed answer can
                # expand in memory.
                headers={
                    "Accept-Encoding": "identity",
                    **headers,
                    "Host": destination.host_header(),
                },
                timeout=timeout_seconds,
                extensions=destination.request_extensions(),
                follow_redirects=False,
            ) as response:
                kept = bytearray()
                async for chunk in response.aiter_raw():
                    kept += chunk
                    if len(kept) >= keep_body_bytes:
                        break
    except (TimeoutError, httpx.TimeoutException):
        return Answer(None, elapsed(), None, f"timed out after {timeout_seconds:g} s", None)
    except httpx.HTTPError as exc:
        return Answer(None, elapsed(), None, f"{type(exc).__name__}: {exc}"[:500], None)
    return Answer(
        response.status_code,
        elapsed(),
        storable_text(bytes(kept[:keep_body_bytes])),
        None,
        retry_after_seconds(response.headers.get("retry-after")),
        response.headers,
    )


# --- webhook deliveries: many small POSTs over pooled connections -------------------------


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for user-given hosts: the addresses a name resolves to are judged as
    `resolve` judges them, and aiohttp connects only to what this returns, so a name that
    resolves to a private address (DNS rebinding included) never gets a connection. aiohttp
    keeps what this returns for `ttl_dns_cache` seconds and reuses pooled connections: both are
    addresses that passed the check. IP addresses never reach a resolver; `Poster.post` judges
    them (`check_url_shape`) before the call."""

    def __init__(self, settings: Settings):
        self.settings = settings

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await checked_addresses(host, port, self.settings)
        return [
            {
                "hostname": host,
                "host": str(a),
                "port": port,
                "family": socket.AF_INET6 if a.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for a in addresses
        ]

    async def close(self) -> None:
        return None


class Poster:
    """POSTs to user-given URLs for one worker's webhook deliveries, with aiohttp: keep-alive
    connections pooled up to `max_connections` (one per delivery in flight), closed after
    `IDLE_SECONDS` unused. httpx, used for every other outbound call, costs about 1 ms of CPU
    per request, most of a worker's time at a thousand deliveries a second; aiohttp's client
    (its HTTP parser in C) a fraction of that. The rules are `post`'s: the destination is
    checked and the connection goes to a checked address (`GuardedResolver`), redirects are not
    followed, the whole call is bounded by its timeout, and only the start of the answer is
    read (a connection whose answer was not read to its end is closed, not reused)."""

    IDLE_SECONDS = 5.0

    def __init__(
        self,
        settings: Settings,
        *,
        max_connections: int = 64,
        ssl_context: ssl.SSLContext | None = None,
    ):
        """`ssl_context`: the trust store of every other outbound call (httpx's, certifi)
        unless given (the tests trust a certificate of their own)."""
        self.settings = settings
        self._max_connections = max_connections
        self._ssl = ssl_context
        self._session: aiohttp.ClientSession | None = None
        # What `check_url_shape` said of each URL: it depends only on the URL and the settings.
        self._shapes: dict[str, str | None] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.settings),
                ssl=self._ssl or httpx.create_ssl_context(),
                limit=self._max_connections,
                keepalive_timeout=self.IDLE_SECONDS,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                # No cookies kept from one receiver's answer for the next request.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Raw bytes, so what we keep is what was sent, and no compressed answer can
                # expand in memory.
                auto_decompress=False,
                skip_auto_headers=("Accept", "Content-Type", "User-Agent"),
                # The whole call is bounded in `post`.
                timeout=aiohttp.ClientTimeout(total=None),
                read_bufsize=2**14,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _shape(self, url: str) -> str | None:
        try:
            return self._shapes[url]
        except KeyError:
            pass
        reason = check_url_shape(url, self.settings)
        if len(self._shapes) > 10_000:
            self._shapes.clear()
        self._shapes[url] = reason
        return reason

    async def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: dict[str, str],
        timeout_seconds: float,
        keep_body_bytes: int = 2048,
    ) -> Answer:
        """POST `content` to `url`. Never raises for network trouble: the answer says what
        happened, so every attempt can be recorded (as `post`)."""
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        reason = self._shape(url)
        if reason is not None:
            return Answer(None, elapsed(), None, f"refused: the URL {reason}"[:500], None)
        try:
            async with asyncio.timeout(timeout_seconds):
                async with self._client().post(
                    url,
                    data=content,
                    headers={"Accept-Encoding": "identity", **headers},
                    allow_redirects=False,
                ) as response:
                    kept = bytearray()
                    while len(kept) < keep_body_bytes:
                        chunk = await response.content.readany()
                        if not chunk:
                            break
                        kept += chunk
                    # Unread bytes left: release() closes the connection rather than pool it.
                    response.release()
        except DestinationRefused as exc:
            return Answer(None, elapsed(), None, f"refused: {exc}"[:500], None)
        except TimeoutError:
            return Answer(None, elapsed(), None, f"timed out after {timeout_seconds:g} s", None)
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            cause: Exception = exc
            # aiohttp wraps the certificate error; its own name says more.
            certificate = getattr(exc, "certificate_error", None)
            if isinstance(certificate, Exception):
                cause = certificate
            return Answer(None, elapsed(), None, f"{type(cause).__name__}: {cause}"[:500], None)
        return Answer(
            response.status,
            elapsed(),
            storable_text(bytes(kept[:keep_body_bytes])),
            None,
            retry_after_seconds(response.headers.get("Retry-After")),
        )
