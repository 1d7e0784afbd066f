"""Periodic jobs shared by every worker: one row per job, whose due time is claimed once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.domain.columns import created_field, timestamp_field


class PeriodicJob(SQLModel, table=True):
    """Not tenant data: a job runs once for all organizations, so this row has no organization."""

    __tablename__ = "periodic_jobs"

    name: str = Field(primary_key=True, max_length=64)
    next_run_at: datetime = created_field()
    claimed_until: datetime | None = timestamp_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    last_started_at: datetime | None = timestamp_field()
    last_finished_at: datetime | None = timestamp_field()
    last_error: str | None = Field(default=None, max_length=500)
    runs: int = 0
