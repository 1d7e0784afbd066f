"""What a file really is, from its bytes rather than from what the uploader claims."""

from __future__ import annotations

import filetype

ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word (.docx)",
    "application/msword": "Word (.doc)",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "text/plain": "plain text",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
}

# Claims that say nothing about the content and so cannot contradict it.
GENERIC_CLAIMS = {"application/octet-stream", "binary/octet-stream", ""}
# Claims that name the same thing as a detected type under another spelling.
ALIASES = {"text/markdown": "text/plain", "text/csv": "text/plain", "image/jpg": "image/jpeg"}


def detect(data: bytes) -> str | None:
    """The MIME type of the bytes, or None when they are not a type we recognise."""
    kind = filetype.guess(data)
    if kind is not None:
        mime: str = kind.mime
        # Old Word files are OLE containers; filetype names them by extension family.
        return "application/msword" if mime == "application/x-ole-storage" else mime
    if _looks_like_text(data):
        return "text/plain"
    return None


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text.
        return exc.start >= len(data[:65536]) - 3
    return True


def claim_matches(claimed: str | None, detected: str) -> bool:
    if claimed is None:
        return True
    base = claimed.split(";")[0].strip().lower()
    if base in GENERIC_CLAIMS:
        return True
    return ALIASES.get(base, base) == detected
