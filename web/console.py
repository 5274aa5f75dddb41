"""What the console needs from app: the environment, transactions, a password hasher, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from core.campaign import Env
from core.model import Actor, AssignmentRun, Registration
from core.staff import Hasher, Role, StaffUnitOfWork
from core.usecases.assign import AssignOptions
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


class DryRun(Protocol):
    def __call__(self, actor: Actor) -> AssignmentRun:
        """Compute and store a run as `leertraject assign --dry-run` does (app.assigning):
        inputs read in one short transaction, solved outside it, stored in another."""
        ...


@dataclass(frozen=True)
class Oidc:
    """Single sign-on with OpenID Connect ([web.oidc], docs/console.md)."""

    issuer: str  # its discovery document is <issuer>/.well-known/openid-configuration
    client_id: str
    client_secret: str = field(repr=False)  # from the environment only, never shown
    label: str = ""  # the button's name of the provider, e.g. "Microsoft"
    scope: str = "openid email profile"
    role_claim: str = ""  # a claim whose values give the role through `roles`; "": the account's
    roles: dict[str, Role] = field(default_factory=dict)


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
    dry_run: DryRun | None = None  # the assignment page's dry runs
    assign_options: AssignOptions = field(default_factory=AssignOptions)
    oidc: Oidc | None = None  # single sign-on, when configured
