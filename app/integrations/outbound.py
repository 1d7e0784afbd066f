"""Calls to URLs our users give us (webhook endpoints, Slack incoming webhooks).

Such a URL must not become a way into our own network (SSRF). The check runs when the call is
made, on the addresses the name resolves to then, and the request goes to the address that was
checked: a name that resolved to a public address at registration and to 10.0.0.1 now (DNS
rebinding) is refused, and cannot be re-resolved between the check and the connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx

from app.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(Exception):
    """The URL may not be called: wrong scheme, unresolvable, or a non-public address."""


def check_url_shape(url: str, settings: Settings) -> str | None:
    """Why this URL can never be called (scheme, host, credentials), or None. Used when a URL
    is registered, so obvious mistakes are a 422 then and not a failed delivery later."""
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
    literal = _literal_ip(parts.hostname)
    if literal is not None and not address_allowed(literal, settings):
        return "points at a private, loopback or reserved address"
    return None


def _literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def address_allowed(address: IPAddress, settings: Settings) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
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


async def resolve(url: str, settings: Settings) -> Destination:
    reason = check_url_shape(url, settings)
    if reason is not None:
        raise DestinationRefused(f"the URL {reason}")
    parts = urlsplit(url)
    host = parts.hostname
    assert host is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = _literal_ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise DestinationRefused(f"{host} does not resolve: {exc}") from exc
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        if not addresses:
            raise DestinationRefused(f"{host} does not resolve")
    refused = [a for a in addresses if not address_allowed(a, settings)]
    if refused:
        # Any non-public answer refuses the name: picking the public one would let an attacker
        # who controls the zone race us to the private one on the next resolution.
        raise DestinationRefused(f"{host} resolves to a non-public address ({refused[0]})")
    address = addresses[0]
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


def _retry_after(value: str | None) -> float | None:
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
    happened, so every attempt can be recorded. Redirects are not followed."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        destination = await resolve(url, settings)
    except DestinationRefused as exc:
        return Answer(None, elapsed(), None, f"refused: {exc}", None)
    try:
        response = await http.post(
            destination.pinned_url,
            content=content,
            headers={**headers, "Host": destination.host_header()},
            timeout=timeout_seconds,
            extensions=destination.request_extensions(),
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return Answer(None, elapsed(), None, f"timed out after {timeout_seconds:g} s", None)
    except httpx.HTTPError as exc:
        return Answer(None, elapsed(), None, f"{type(exc).__name__}: {exc}"[:500], None)
    body = response.content[:keep_body_bytes].decode("utf-8", errors="replace")
    return Answer(
        response.status_code,
        elapsed(),
        body,
        None,
        _retry_after(response.headers.get("retry-after")),
        response.headers,
    )
