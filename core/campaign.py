"""The settings core needs to decide: the deadline, the preference limits, the form context."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.clock import Clock
from core.municipalities import MunicipalityDirectory
from core.ports import UnitOfWork
from core.themes import ThemeCatalog
from core.validators import Context, ValidationError


@dataclass(frozen=True)
class Campaign:
    name: str
    deadline: datetime
    min_preferences: int = 3
    max_preferences: int = 5
    verification_valid: timedelta = timedelta(minutes=15)
    verification_max_attempts: int = 5
    codes_per_hour: int = 3  # code e-mails to one address, whoever asks
    codes_per_day: int = 6
    answers_per_address_per_day: int = 10  # answers to one sender; above: recorded, not sent


@dataclass(frozen=True)
class Env:
    """Everything a use case reads besides the unit of work."""

    campaign: Campaign
    themes: ThemeCatalog
    municipalities: MunicipalityDirectory
    clock: Clock
    # The key of the codes' keyed hashes; the application passes the configured one.
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    @property
    def form_context(self) -> Context:
        return Context(
            self.themes,
            self.municipalities,
            self.campaign.min_preferences,
            self.campaign.max_preferences,
        )

    def deadline_passed(self) -> bool:
        return self.clock.now() >= self.campaign.deadline

    def municipality_name(self, refnis: str) -> str:
        found = self.municipalities.get(refnis)
        return found.name if found else refnis


def closed_by_publication(uow: UnitOfWork) -> ValidationError | None:
    """Once an assignment is published, registration is closed for everyone but staff, also
    when staff published before the deadline (`assign --publish --before-deadline`)."""
    if uow.assignments.published_run() is None:
        return None
    return ValidationError("registration.closed", "deadline")
