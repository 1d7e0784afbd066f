"""Optimistic concurrency: a PATCH names the version it read (If-Match) and loses if it is stale."""

from __future__ import annotations

from typing import Any

from app.errors import PreconditionFailed


def check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"The resource is at version {current}, not {expected}; read it again and retry"
        )


def apply_changes(target: Any, values: dict[str, Any]) -> list[str]:
    """Set the given attributes and name those that really changed (for events and versions)."""
    changed = []
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed.append(name)
    return changed
