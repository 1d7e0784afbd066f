"""The notification side's periodic jobs (outcome messages at send_at, reminders, digests)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class NotificationJob:
    name: str
    every: timedelta
    run: Callable[[AsyncSession], Awaitable[object]]


JOBS: tuple[NotificationJob, ...] = ()
