"""A background job the user can watch: who asked, what kind, how it went, where the result is.

The row holds ids and plain status words only — never personal data — so it is safe to show
on the status page and in logs.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marac_app.db import Model, UTCDateTime, created_at, intpk, str_enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting to start",
            "running": "In progress",
            "succeeded": "Done",
            "failed": "Failed",
        }[self.value]

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED)


def new_public_id() -> str:
    return uuid.uuid4().hex


class BackgroundJob(Model):
    __tablename__ = "background_job"

    id: Mapped[intpk]
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What the job works on: ids and flags only (JSON), never names or narrative.
    payload: Mapped[dict] = mapped_column(sa.JSON(), default=dict)
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A plain message for the owner ("12 invitations sent") and, when done, a link to the result.
    message: Mapped[str | None] = mapped_column(sa.String(255))
    result_url: Mapped[str | None] = mapped_column(sa.String(255))


class ScheduledJobRun(Model):
    """One day's run of a scheduled job (e.g. "chase-actions"): at most one per job per
    London day, so a scheduler that fires twice, or a catch-up after a missed day, sends once.
    ``detail`` holds counts only."""

    __tablename__ = "scheduled_job_run"

    id: Mapped[intpk]
    job: Mapped[str] = mapped_column(sa.String(40))
    run_on: Mapped[date] = mapped_column(sa.Date())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detail: Mapped[str | None] = mapped_column(sa.String(255))

    __table_args__ = (sa.UniqueConstraint("job", "run_on"),)
