"""Time-ordered UUIDs (v7): keyset pagination and index locality both benefit."""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    return uuid7()
