"""WebDAV / CalDAV requests for one account, and their multistatus answers parsed.

Every request goes through app.integrations.http.request (SSRF guard, retries, Retry-After)
with the account's Throttle. XML answers are parsed with defusedxml (no entity expansion,
no external entities). Hrefs are kept as the server's path (`/alice/work/x.ics`), made
absolute against the URL they were read from only when a request needs them.

References: RFC 4918 (PROPFIND, multistatus), RFC 5397 (current-user-principal), RFC 4791
(calendar-home-set, calendar-query, calendar-multiget, free-busy-query), RFC 6578
(sync-collection, sync-token), RFC 6638 (calendar-user-address-set, SCHEDULE-AGENT).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # only for the Element type; parsing is defusedxml's
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import httpx
from defusedxml import ElementTree as SafeET

from app.integrations import http as vendor_http
from app.integrations.calendars.base import (
    CalendarError,
    NeedsReauth,
    SyncTokenInvalid,
    VendorError,
)
from app.integrations.calendars.caldav.config import CalDavAccount
from app.settings import Settings

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>'
NAMESPACES = f'xmlns:D="{DAV}" xmlns:C="{CALDAV}" xmlns:CS="{CS}"'


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def dav_time(moment: datetime) -> str:
    """A UTC date-time as CalDAV's time-range wants it (RFC 4791 9.9)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def normalize_href(base_url: str, href: str) -> str:
    """The server path of `href` (absolute or relative to `base_url`), percent-encoding
    normalised so one resource always has one spelling."""
    path = urlsplit(urljoin(base_url, href.strip())).path
    return quote(unquote(path), safe="/:@!$&'()*+,;=~-._")


def absolute(base_url: str, href: str) -> str:
    """`href` (a path or a URL) as an absolute URL on `base_url`'s server."""
    parts = urlsplit(urljoin(base_url, href.strip()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


@dataclass
class DavResponse:
    """One `<D:response>` of a multistatus: its href, its own status (sync-collection's 404
    for removed members, 507 for a truncated answer), and the properties found (200 propstat)."""

    href: str
    status: int | None
    props: dict[str, ET.Element] = field(default_factory=dict)

    def text(self, namespace: str, name: str) -> str | None:
        element = self.props.get(tag(namespace, name))
        if element is None or element.text is None:
            return None
        return element.text

    def hrefs(self, namespace: str, name: str) -> list[str]:
        element = self.props.get(tag(namespace, name))
        if element is None:
            return []
        return [h.text.strip() for h in element.iter(tag(DAV, "href")) if h.text and h.text.strip()]

    def has(self, namespace: str, name: str) -> bool:
        return tag(namespace, name) in self.props


@dataclass
class Multistatus:
    responses: list[DavResponse]
    sync_token: str | None = None


_STATUS = re.compile(r"HTTP/\d(?:\.\d)?\s+(\d{3})")


def _status(element: ET.Element | None) -> int | None:
    if element is None or not element.text:
        return None
    match = _STATUS.search(element.text)
    return int(match.group(1)) if match else None


def parse_multistatus(body: bytes | str) -> Multistatus:
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # defusedxml raises ParseError or its own DTD/entity refusals
        raise CalendarError(
            "the server's answer is not WebDAV XML (is the URL a CalDAV server?)",
            transient=False,
        ) from exc
    if root.tag != tag(DAV, "multistatus"):
        raise CalendarError(
            "the server's answer is not a WebDAV multistatus (is the URL a CalDAV server?)",
            transient=False,
        )
    responses: list[DavResponse] = []
    for node in root.findall(tag(DAV, "response")):
        href_node = node.find(tag(DAV, "href"))
        if href_node is None or not href_node.text:
            continue
        response = DavResponse(
            href=href_node.text.strip(), status=_status(node.find(tag(DAV, "status")))
        )
        for propstat in node.findall(tag(DAV, "propstat")):
            status = _status(propstat.find(tag(DAV, "status")))
            prop = propstat.find(tag(DAV, "prop"))
            if prop is None or (status is not None and not 200 <= status < 300):
                continue
            for child in prop:
                response.props[child.tag] = child
        responses.append(response)
    token_node = root.find(tag(DAV, "sync-token"))
    token = token_node.text.strip() if token_node is not None and token_node.text else None
    return Multistatus(responses, token or None)


def _propfind_body(props: list[tuple[str, str]]) -> bytes:
    prefixes = {DAV: "D", CALDAV: "C", CS: "CS"}
    inner = "".join(f"<{prefixes[ns]}:{name}/>" for ns, name in props)
    return f"{XML_HEAD}<D:propfind {NAMESPACES}><D:prop>{inner}</D:prop></D:propfind>".encode()


def calendar_query_body(start: datetime, end: datetime) -> bytes:
    return (
        f"{XML_HEAD}<C:calendar-query {NAMESPACES}>"
        "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        f'<C:time-range start="{dav_time(start)}" end="{dav_time(end)}"/>'
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()


def uid_query_body(uid: str) -> bytes:
    """calendar-query for the resource holding `uid` (RFC 4791 9.7.5 text-match)."""
    return (
        f"{XML_HEAD}<C:calendar-query {NAMESPACES}><D:prop><D:getetag/></D:prop>"
        '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        '<C:prop-filter name="UID"><C:text-match collation="i;octet">'
        f"{escape(uid)}</C:text-match></C:prop-filter>"
        "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
    ).encode()


def uid_conflict_href(error: VendorError) -> str | None:
    """RFC 4791 5.3.2.1: a PUT whose UID another resource of the collection already holds
    fails with the CALDAV:no-uid-conflict precondition, which should name that resource.
    Returns its href, "" when the precondition names none, None when it is another error."""
    # Xandikos answers every failed precondition with 412 and the precondition in the body.
    if error.status not in (403, 409, 412) or not error.body or "no-uid-conflict" not in error.body:
        return None
    try:
        root: ET.Element = SafeET.fromstring(error.body)
    except Exception:
        return ""
    for conflict in root.iter(tag(CALDAV, "no-uid-conflict")):
        for href in conflict.iter(tag(DAV, "href")):
            if href.text and href.text.strip():
                return href.text.strip()
    return ""


def sync_collection_body(token: str) -> bytes:
    return (
        f"{XML_HEAD}<D:sync-collection {NAMESPACES}>"
        f"<D:sync-token>{escape(token)}</D:sync-token><D:sync-level>1</D:sync-level>"
        "<D:prop><D:getetag/><C:calendar-data/></D:prop></D:sync-collection>"
    ).encode()


def multiget_body(hrefs: list[str]) -> bytes:
    inner = "".join(f"<D:href>{escape(h)}</D:href>" for h in hrefs)
    return (
        f"{XML_HEAD}<C:calendar-multiget {NAMESPACES}>"
        f"<D:prop><D:getetag/><C:calendar-data/></D:prop>{inner}</C:calendar-multiget>"
    ).encode()


def free_busy_body(start: datetime, end: datetime) -> bytes:
    return (
        f"{XML_HEAD}<C:free-busy-query {NAMESPACES}>"
        f'<C:time-range start="{dav_time(start)}" end="{dav_time(end)}"/></C:free-busy-query>'
    ).encode()


def names_precondition(error: VendorError, name: str) -> bool:
    """Whether a refusal names this CalDAV/WebDAV precondition in its error body (RFC 4918
    16): a 412 is not always an ETag mismatch."""
    return error.body is not None and name in error.body


def is_sync_token_refusal(error: VendorError) -> bool:
    """RFC 6578 3.2: an unknown or expired token is a 403 (some servers: 409, 400, or 412 as
    Xandikos does) whose body names the DAV:valid-sync-token precondition."""
    return (
        error.status in (400, 403, 409, 410, 412)
        and error.body is not None
        and "valid-sync-token" in error.body
    )


class DavClient:
    """One account's requests. Errors come back as CalendarError (or NeedsReauth for 401)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        account: CalDavAccount,
        settings: Settings,
        *,
        attempts: int = 4,
    ) -> None:
        self.http = http
        self.account = account
        self.settings = settings
        self.attempts = attempts
        self.throttle = vendor_http.throttle_for(account.key)

    async def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/xml; charset=utf-8",
    ) -> httpx.Response:
        all_headers = {"Authorization": self.account.authorization, **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = content_type
        try:
            return await vendor_http.request(
                self.http,
                method,
                url,
                settings=self.settings,
                throttle=self.throttle,
                headers=all_headers,
                content=body,
                attempts=self.attempts,
            )
        except VendorError as exc:
            raise translate(exc, method, url) from exc

    async def propfind(self, url: str, props: list[tuple[str, str]], *, depth: int) -> Multistatus:
        response = await self.send(
            "PROPFIND", url, body=_propfind_body(props), headers={"Depth": str(depth)}
        )
        return parse_multistatus(response.content)

    async def report(self, url: str, body: bytes, *, depth: int) -> httpx.Response:
        return await self.send("REPORT", url, body=body, headers={"Depth": str(depth)})


def translate(error: VendorError, method: str, url: str) -> CalendarError:
    """The shared caller's VendorError in the calendar vocabulary, with a message a member can
    act on (shown when a connection is tested)."""
    if isinstance(error, CalendarError):
        return error
    host = urlsplit(url).netloc
    status = error.status
    if status == 401:
        return NeedsReauth(f"the CalDAV server at {host} refused the username or password")
    if is_sync_token_refusal(error):
        return SyncTokenInvalid()
    if status is None and not error.transient:
        # The SSRF guard (or the URL's shape) refused the destination.
        return CalendarError(f"the CalDAV URL cannot be used: {error}", transient=False)
    if status is None:
        return CalendarError(
            f"could not reach the CalDAV server at {host} ({error})",
            transient=True,
            retry_after=error.retry_after,
        )
    if status == 403:
        message = f"the CalDAV server at {host} forbids {method} on {urlsplit(url).path}"
    elif status == 404:
        message = f"nothing at {urlsplit(url).path} on the CalDAV server at {host} (404)"
    elif status in (405, 501):
        message = (
            f"the server at {host} does not accept {method} ({status}): is the URL a CalDAV server?"
        )
    elif 300 <= status < 400:
        message = (
            f"the CalDAV server at {host} redirects {urlsplit(url).path} ({status}): "
            "give the calendar home or principal URL itself"
        )
    else:
        message = f"the CalDAV server at {host} answered {method} with {status}"
    return CalendarError(
        message,
        transient=error.transient,
        retry_after=error.retry_after,
        status=status,
        body=error.body,
    )


# --- discovery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who the account is on the server: its principal, calendar homes and addresses."""

    url: str
    homes: tuple[str, ...]
    addresses: frozenset[str]  # lower-case emails from calendar-user-address-set
    display_name: str | None = None


_principals: dict[str, Principal] = {}


def _cache_key(account: CalDavAccount) -> str:
    return f"{account.key}\0{account.url}"


def _emails(hrefs: list[str]) -> frozenset[str]:
    return frozenset(
        h[7:].strip().lower() for h in hrefs if h.lower().startswith("mailto:") and h[7:].strip()
    )


_PRINCIPAL_PROPS = [
    (DAV, "current-user-principal"),
    (DAV, "resourcetype"),
    (DAV, "displayname"),
    (CALDAV, "calendar-home-set"),
    (CALDAV, "calendar-user-address-set"),
]


async def discover(client: DavClient, *, fresh: bool = False) -> Principal:
    """The account's principal and calendar homes (RFC 5397, RFC 4791 6.2.1), starting from
    the URL the member gave: a server root, a principal, a home or a calendar. Cached per
    process; `fresh` reads it again (a connection test)."""
    account = client.account
    key = _cache_key(account)
    if not fresh and key in _principals:
        return _principals[key]
    start = await client.propfind(account.url, _PRINCIPAL_PROPS, depth=0)
    if not start.responses:
        raise CalendarError("the CalDAV server answered with an empty multistatus", transient=False)
    first = start.responses[0]
    current = first.props.get(tag(DAV, "current-user-principal"))
    if current is not None and current.find(tag(DAV, "unauthenticated")) is not None:
        raise NeedsReauth("the CalDAV server did not accept the username or password")
    principal_hrefs = first.hrefs(DAV, "current-user-principal")
    source, source_url = first, account.url
    if principal_hrefs:
        principal_url = absolute(account.url, principal_hrefs[0])
        if normalize_href(account.url, principal_url) != normalize_href(account.url, account.url):
            answer = await client.propfind(principal_url, _PRINCIPAL_PROPS, depth=0)
            if answer.responses:
                source, source_url = answer.responses[0], principal_url
    else:
        principal_url = account.url  # a server without RFC 5397: the URL is the principal
    homes = tuple(absolute(source_url, h) for h in source.hrefs(CALDAV, "calendar-home-set"))
    if not homes:
        homes = (account.url,)  # no home named: the given URL is the home (or a calendar)
    principal = Principal(
        url=principal_url,
        homes=homes,
        addresses=_emails(source.hrefs(CALDAV, "calendar-user-address-set")),
        display_name=source.text(DAV, "displayname"),
    )
    _principals[key] = principal
    return principal


def clear_discovery_cache() -> None:
    _principals.clear()
