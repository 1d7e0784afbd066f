"""The pages' own stylesheet and script, and the accent colour's one-rule stylesheet.

Served by Hireloop itself (no asset from another host) with a long cache: their addresses
carry ASSET_VERSION, and the accent's carries the colour.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from app.pages.render import STATIC_PREFIX

STATIC = Path(__file__).resolve().parent.parent / "static" / "pages"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_CACHE = {"Cache-Control": "public, max-age=86400, immutable", "X-Content-Type-Options": "nosniff"}
_FILES: dict[str, tuple[bytes, str]] = {
    path.name: (path.read_bytes(), _TYPES[path.suffix])
    for path in STATIC.glob("*")
    if path.suffix in _TYPES
}

router = APIRouter(prefix=STATIC_PREFIX, include_in_schema=False)


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance of an sRGB colour."""
    channels = []
    for i in (0, 2, 4):
        c = int(hex_color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def accent_css(hex_color: str) -> str:
    """The accent as custom properties, with a text colour that keeps AA contrast on it.

    The accent fills buttons and the top band; text on it is black or white, whichever reads
    better. Links and focus rings keep the stylesheet's own dark colours unless the accent is
    dark enough on white (4.5:1) to be used for them too.
    """
    on_accent = (
        "#ffffff" if contrast(hex_color, "ffffff") >= contrast(hex_color, "000000") else "#000000"
    )
    rules = [f"--accent:#{hex_color}", f"--on-accent:{on_accent}"]
    if contrast(hex_color, "ffffff") >= 4.5:
        rules.append(f"--accent-text:#{hex_color}")
    return ":root{" + ";".join(rules) + "}\n"


@router.get("/accent/{color}.css")
async def accent(color: str, v: str | None = None) -> Response:
    if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return Response(accent_css(color.lower()), media_type=_TYPES[".css"], headers=_CACHE)


@router.get("/{name}")
async def asset(name: str, v: str | None = None) -> Response:
    """`v` is the cache-busting version in the page's address of the asset; any will do."""
    found = _FILES.get(name)
    if found is None or not re.fullmatch(r"[a-z0-9.\-]+", name):
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    body, media_type = found
    return Response(body, media_type=media_type, headers=_CACHE)
