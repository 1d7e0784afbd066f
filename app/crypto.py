"""Secrets we must use later but never show again (webhook signing secrets, ATS credentials) are
encrypted at rest with a key derived from HIRELOOP_SECRET_KEY.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) authenticates as well as encrypts,
so a row edited in the database fails to decrypt instead of yielding a wrong secret.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    # A purpose-bound key: the same secret key also signs availability links, and the two
    # uses must not share key material.
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hireloop/secrets-at-rest/v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plaintext: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def decrypt(secret_key: str, token: str) -> str:
    return _fernet(secret_key).decrypt(token.encode()).decode()
