"""What the console needs from app: the environment, transactions, a password hasher, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from core.campaign import Env
from core.model import Registration
from core.staff import Hasher, StaffUnitOfWork
from core.usecases.staff import SignInLimits

T = TypeVar("T")


class Export(Protocol):
    def __call__(self, uow: StaffUnitOfWork, registrations: list[Registration]) -> str:
        """The registrations as `leertraject export --format csv` writes them (app.export)."""
        ...


class Transaction(Protocol):
    def __call__(self, work: Callable[[StaffUnitOfWork], T]) -> T:
        """Run `work` in one transaction and commit it (app.bootstrap.App.transaction)."""
        ...


@dataclass(frozen=True)
class Console:
    env: Env
    transaction: Transaction
    hasher: Hasher
    export_csv: Export
    limits: SignInLimits = field(default_factory=SignInLimits)
    secure_cookies: bool = False  # behind HTTPS: cookies only over HTTPS
    public_url: str = ""  # for sign-in links; empty: the address the request came to
