"""Standard Webhooks signatures (https://www.standardwebhooks.com).

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is the base64
HMAC-SHA256 of it keyed by the secret's base64-decoded bytes, sent as `v1,<signature>`. During a
secret rotation both secrets sign, space-separated, and a receiver accepts either.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@functools.lru_cache(maxsize=1024)  # the worker signs thousands of deliveries a second
def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(signature(s, message_id, timestamp, body) for s in secrets_)
