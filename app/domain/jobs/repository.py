"""SQL for claiming periodic jobs: each due time goes to exactly one worker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ensure(session: AsyncSession, names: Sequence[str]) -> None:
    """Register jobs first seen by this worker, due at once."""
    await session.execute(
        text(
            "INSERT INTO periodic_jobs (name, next_run_at, runs) "
            "SELECT unnest(CAST(:names AS text[])), now(), 0 ON CONFLICT (name) DO NOTHING"
        ),
        {"names": list(names)},
    )


async def claim(
    session: AsyncSession, name: str, worker: str, lease_seconds: float
) -> datetime | None:
    """Claim this job's due time, or None if it is not due or another worker holds it. A lease,
    not a lock: a worker that dies mid-run loses it when the lease runs out."""
    return (
        await session.execute(
            text(
                "UPDATE periodic_jobs SET claimed_until = now() + make_interval(secs => :lease), "
                "claimed_by = :worker, last_started_at = now() "
                "WHERE name = :name AND next_run_at <= now() "
                "AND (claimed_until IS NULL OR claimed_until < now()) RETURNING next_run_at"
            ),
            {"name": name, "worker": worker, "lease": lease_seconds},
        )
    ).scalar()


async def finish(
    session: AsyncSession, name: str, worker: str, next_run_at: datetime, error: str | None
) -> None:
    await session.execute(
        text(
            "UPDATE periodic_jobs SET next_run_at = :next, claimed_until = NULL, "
            "claimed_by = NULL, last_finished_at = now(), runs = runs + 1, last_error = :error "
            "WHERE name = :name AND claimed_by = :worker"
        ),
        {"name": name, "worker": worker, "next": next_run_at, "error": error},
    )
