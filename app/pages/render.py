"""Rendering a candidate page: the Jinja2 environment, the page's context and its headers.

Every page answer carries the same headers: a strict Content-Security-Policy (scripts and
styles only from Hireloop itself, no inline code, no framing), no referrer (the token is in
the address), no caching, no indexing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from app.domain.organizations.branding import PublicBrand
from app.pages import locale as page_locale
from app.pages.strings import ENGLISH
from app.templates import TEMPLATES

STATIC_PREFIX = "/static/pages"
# Bumped when the CSS or script changes, so a cached copy is never paired with a new page.
ASSET_VERSION = "1"


def _csp(logo_origin: str | None) -> str:
    images = "'self'" + (f" {logo_origin}" if logo_origin else "")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


BASE_HEADERS: Mapping[str, str] = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def page_headers(brand: PublicBrand | None = None) -> dict[str, str]:
    """The headers of every page answer; the logo's origin is the only other host allowed."""
    return _headers(brand.logo_url if brand is not None else None)


def _headers(logo_url: str | None) -> dict[str, str]:
    origin = None
    if logo_url:
        parts = urlsplit(logo_url)
        origin = f"{parts.scheme}://{parts.netloc}"
    return {**BASE_HEADERS, "Content-Security-Policy": _csp(origin)}


# Each sentence escaped once: a page shows a dozen of them, and `Markup.format`'s escaping
# formatter (string.Formatter, in Python) was the larger part of a page's rendering.
_ESCAPED: dict[str, Markup] = {}


def translate(key: str, /, **values: object) -> Markup:
    """The sentence for `key`, its values escaped unless they are markup themselves.

    The same as `escape(ENGLISH[key]).format(**values)` (the sentences use no format specs),
    with the sentence escaped once and each value escaped once by `escape`, which keeps markup.
    """
    sentence = _ESCAPED.get(key)
    if sentence is None:
        sentence = _ESCAPED[key] = escape(ENGLISH[key])
    if not values:
        return sentence
    return Markup(str.format(sentence, **{k: escape(v) for k, v in values.items()}))  # noqa: S704


def mailto(address: str) -> Markup:
    return Markup('<a href="mailto:{0}">{0}</a>').format(address)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / "pages"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no stat() of each template file on every render.
        auto_reload=False,
    )
    env.globals["t"] = translate
    env.globals["mailto"] = mailto
    env.globals["static"] = lambda name: f"{STATIC_PREFIX}/{name}?v={ASSET_VERSION}"
    return env


@dataclass(frozen=True, slots=True)
class PageContext:
    """What every page's layout needs: language, brand, the title of the page."""

    locale: Locale
    brand: PublicBrand | None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return str(self.locale).replace("_", "-")


def locale_of(request: Request) -> Locale:
    return page_locale.negotiate(request.headers.get("accept-language"))


def accent_stylesheet(brand: PublicBrand | None) -> str | None:
    if brand is None or not brand.accent_color:
        return None
    return f"{STATIC_PREFIX}/accent/{brand.accent_color.lstrip('#').lower()}.css"


def render_page(
    request: Request,
    template: str,
    *,
    title: str,
    brand: PublicBrand | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `app/templates/pages/<template>` inside the layout, with the page headers."""
    html = (
        environment()
        .get_template(template)
        .render(**layout_context(locale_of(request), title, brand), **context)
    )
    return page_response(html, brand, status)


def layout_context(locale: Locale, title: str, brand: PublicBrand | None) -> dict[str, Any]:
    """What `layout.html.j2` reads, besides the page's own context."""
    return {
        "lang": str(locale).replace("_", "-"),
        "locale": locale,
        "title": title,
        "brand": brand,
        "accent_css": accent_stylesheet(brand),
    }


@lru_cache(maxsize=256)
def _raw_headers(logo_url: str | None) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in _headers(logo_url).items()
    )


class PageResponse(HTMLResponse):
    """An HTMLResponse whose page headers are encoded once per logo: the same headers, in the
    same order, as `HTMLResponse(html, headers=page_headers(brand))`."""

    def __init__(self, html: str, brand: PublicBrand | None, status_code: int = 200) -> None:
        super().__init__(html, status_code=status_code)  # content-length and content-type
        self.raw_headers[:0] = _raw_headers(brand.logo_url if brand is not None else None)


def page_response(html: str, brand: PublicBrand | None, status: int = 200) -> HTMLResponse:
    return PageResponse(html, brand, status)


# A busy page is rendered once per set of shared facts (language, zone, day, organization) with
# a placeholder for each value that is the candidate's own, and kept as the HTML between those
# placeholders: a page view then only escapes its own few values and joins the parts. Jinja2's
# per-render cost (a context, the layout's blocks, a call per sentence) was most of the page's
# CPU (bench/pages.py). The placeholders hold NUL, which no template, sentence or stored text
# contains (PostgreSQL refuses it), and a nonce of this process; a page whose shared text holds
# a NUL all the same is never cut.
_NONCE = secrets.token_hex(8)
_SLOT = "\x00" + _NONCE + ":{}\x00"
_SLOTS = re.compile("\x00" + _NONCE + ":([a-z_]+)\x00")


@dataclass(frozen=True, slots=True)
class Frame:
    """A rendered page with holes: `parts[0] slot[0] parts[1] slot[1] ... parts[-1]`."""

    parts: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> str:
        """The page with each value escaped as the template would have escaped it."""
        escaped = {name: str(escape(value)) for name, value in values.items()}
        out = [self.parts[0]]
        for name, part in zip(self.slots, self.parts[1:], strict=True):
            out.append(escaped[name])
            out.append(part)
        return "".join(out)


def render_frame(template: str, slots: tuple[str, ...], **context: Any) -> Frame | None:
    """`template` rendered with a placeholder for each of `slots` (context values the template
    only prints or passes to `t()`, never tests or transforms), cut at the placeholders; None
    when the result cannot be cut safely (a slot missing, or a NUL that is not a placeholder),
    and the page is then rendered whole."""
    html = (
        environment()
        .get_template(template)
        .render(**context, **{name: _SLOT.format(name) for name in slots})
    )
    pieces = _SLOTS.split(html)
    parts, names = tuple(pieces[0::2]), tuple(pieces[1::2])
    if set(names) != set(slots) or any("\x00" in part for part in parts):
        return None
    return Frame(parts=parts, slots=names)
