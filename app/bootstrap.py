"""The composition root: settings in, a wired application out. Nothing happens at import."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.reference import municipality_directory
from app.secrets import code_secret
from core.campaign import Campaign, Env
from core.clock import Clock, SystemClock
from core.themes import Kernmeester, Theme, ThemeCatalog, catalog
from storage.db import make_engine, session_factory
from storage.migrate import upgrade
from storage.staff import SqlStaffUnitOfWork

T = TypeVar("T")
log = logging.getLogger(__name__)


def themes_from(settings: Settings) -> ThemeCatalog:
    return catalog(
        [
            Theme(
                number=t.number,
                title_nl=t.title_nl,
                title_en=t.title_en,
                description_nl=t.description_nl,
                description_en=t.description_en,
                min_size=t.min_size,
                max_size=t.max_size,
                max_groups=t.max_groups,
                kernmeesters=tuple(Kernmeester(k.name, k.email) for k in t.kernmeesters),
                kickoff_at=t.kickoff_at,
                kickoff_place=t.kickoff_place,
            )
            for t in settings.themes
        ]
    )


def campaign_from(settings: Settings) -> Campaign:
    c = settings.campaign
    return Campaign(
        name=c.name,
        deadline=c.deadline,
        min_preferences=c.min_preferences,
        max_preferences=c.max_preferences,
        verification_valid=timedelta(minutes=c.verification_minutes),
        verification_max_attempts=c.verification_max_attempts,
        answers_per_address_per_day=c.answers_per_address_per_day,
    )


@dataclass
class App:
    settings: Settings
    env: Env
    engine: Engine
    sessions: sessionmaker[Session]
    retries: int = field(default=4)

    def uow(self) -> SqlStaffUnitOfWork:
        return SqlStaffUnitOfWork(self.sessions)  # every repository, the console's too

    def transaction(self, work: Callable[[SqlStaffUnitOfWork], T]) -> T:
        """Run `work` in one transaction and commit; a lost race is retried from the start.

        Two writers creating the same municipality's registration at once: one insert fails
        on the unique key, and its retry finds the other's row and updates it.
        """
        for attempt in range(1, self.retries + 1):
            try:
                with self.uow() as uow:
                    result = work(uow)
                    uow.commit()
                    return result
            except (IntegrityError, OperationalError) as exc:
                if attempt == self.retries or not _retryable(exc):
                    raise
                log.info("transaction conflict, retrying (%s/%s)", attempt, self.retries)
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    text = str(exc.orig).lower()
    return any(s in text for s in ("database is locked", "deadlock", "could not serialize"))


def bootstrap(settings: Settings, clock: Clock | None = None, migrate: bool = False) -> App:
    url = settings.database_url()
    if migrate:
        upgrade(url)
    engine = make_engine(url)
    env = Env(
        campaign=campaign_from(settings),
        themes=themes_from(settings),
        municipalities=municipality_directory(),
        clock=clock or SystemClock(),
        secret=code_secret(settings),
    )
    return App(settings, env, engine, session_factory(engine))
