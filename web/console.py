"""What the console needs from app: the environment, transactions, a password hasher, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from core.campaign import Env
from core.model import Registration
from core.staff import Hasher, StaffUnitOfWork
from core.usecases.staff import SignInLimits

T = TypeVar("T")


Table = tuple[list[str], list[list[Any]]]  # a header and its rows, for CSV or XLSX


class RegistrationTable(Protocol):
    def __call__(
        self, uow: StaffUnitOfWork, registrations: list[Registration], language: str
    ) -> Table:
        """The registrations as `leertraject export` writes them (app.export.flat_rows)."""
        ...


class Spreadsheet(Protocol):
    def __call__(self, header: list[str], rows: list[list[Any]], title: str) -> bytes:
        """An XLSX workbook of one sheet, with the formula guard (app.export.xlsx_bytes)."""
        ...


class RetryQuarantine(Protocol):
    def __call__(self) -> list[str]:
        """What `leertraject mail retry` does: every quarantined e-mail through the pipeline
        again; the outcome of each."""
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
    registration_table: RegistrationTable
    xlsx: Spreadsheet
    retry_quarantine: RetryQuarantine
    limits: SignInLimits = field(default_factory=SignInLimits)
    secure_cookies: bool = False  # behind HTTPS: cookies only over HTTPS
    public_url: str = ""  # for sign-in links; empty: the address the request came to
