"""Run in a separate process by the job tests: one service instance reaching the deadline."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from app.bootstrap import bootstrap
from app.config import load_settings
from app.jobs import deadline_job
from core.clock import FixedClock


def deadline_in_process(url: str, barrier: Any, when: datetime, worker: str) -> int | None:
    settings = load_settings()
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    app = bootstrap(settings, clock=FixedClock(when))
    barrier.wait(timeout=30)
    try:
        return deadline_job(app, worker)
    finally:
        app.close()


def deadline_until_killed(url: str, when: datetime, report_dir: str, inside: Any) -> None:
    """The deadline job, stopped for good inside its work transaction (after the solve, while
    the staff e-mail's report is attached, before the commit): `inside` is set there, and the
    test kills the process."""
    import threading

    import app.jobs
    import app.report

    settings = load_settings()
    settings = settings.model_copy(
        update={
            "database": settings.database.model_copy(update={"url": url}),
            "assignment": settings.assignment.model_copy(update={"report_dir": Path(report_dir)}),
        }
    )
    application = bootstrap(settings, clock=FixedClock(when))
    attachments = app.report.attachments

    def attach_then_hang(*args: Any, **kwargs: Any) -> Any:
        attachments(*args, **kwargs)
        inside.set()
        threading.Event().wait()  # until kill -9

    app.jobs.attachments = attach_then_hang  # type: ignore[attr-defined]
    deadline_job(application, "killed-worker")
