"""Registering through the use case directly, in one transaction of a running App."""

from __future__ import annotations

from typing import Any

from app.bootstrap import App
from core.usecases.submit import Identity, Outcome, submit


def staff_submit(app: App, raw: dict[str, Any], identity: Identity) -> Outcome:
    """Submit `raw` as `identity` and commit; the result as the use case returns it."""
    return app.transaction(lambda uow: submit(uow, app.env, raw, identity))
