"""The dashboard: registrations by status and channel and per province, demand per theme, the
deadline, and what needs attention (quarantined messages, failed outbox rows)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.campaign import Env
from core.model import Channel, OutboxStatus, Registration, Status
from core.staff import Permission, StaffUnitOfWork
from core.stats import ThemeDemand, demand
from web.console import Console
from web.guard import Signed, db, staff_only
from web.render import language, page

CHANNELS = [c.value for c in Channel]
STATUSES = [s.value for s in Status]


@dataclass
class Overview:
    counts: dict[tuple[str, str], int]
    total: int
    demand: list[ThemeDemand]
    most: int
    left: timedelta | None  # until the deadline; None once it has passed
    quarantined: int
    failed: list[dict[str, Any]]
    provinces: list[ProvinceCount]


@dataclass
class ProvinceCount:
    """Registrations (not withdrawn) in one province, against its Flemish municipalities."""

    province: str
    registered: int
    municipalities: int


def per_province(env: Env, registrations: list[Registration]) -> list[ProvinceCount]:
    total = Counter(m.province for m in env.municipalities.flemish)
    counted: Counter[str] = Counter()
    for registration in registrations:
        found = env.municipalities.get(registration.municipality)
        if registration.status is not Status.WITHDRAWN and found is not None:
            counted[found.province] += 1
    names = sorted(set(total) | set(counted), key=str.casefold)
    return [ProvinceCount(p, counted[p], total[p]) for p in names]


def overview(console: Console, uow: StaffUnitOfWork, lang: str) -> Overview:
    env = console.env
    registrations = uow.registrations.list()
    counts = Counter((r.status.value, r.channel.value) for r in registrations)
    themes = demand(registrations, env.themes, env.campaign.max_preferences, lang)
    left = env.campaign.deadline - env.clock.now()
    quarantined = sum(len(uow.inbound.quarantined(c)) for c in (Channel.EMAIL, Channel.TELEGRAM))
    failed = [
        {"id": m.id, "channel": m.channel.value, "kind": m.kind, "error": m.last_error or ""}
        for m in uow.outbox.list(status=OutboxStatus.FAILED, limit=50)
    ]
    return Overview(
        dict(counts),
        len(registrations),
        themes,
        max([d.total for d in themes] + [1]),
        left if left > timedelta(0) else None,
        quarantined,
        failed,
        per_province(env, registrations),
    )


def routes(console: Console) -> list[Route]:
    @staff_only(console, Permission.READ)
    async def dashboard(request: Request, signed: Signed) -> Response:
        lang = language(request)
        data = await db(console, lambda uow: overview(console, uow, lang))
        days, rest = divmod(int(data.left.total_seconds()), 86400) if data.left else (0, 0)
        return page(
            request,
            "dashboard.html",
            signed=signed,
            data=data,
            statuses=STATUSES,
            channels=CHANNELS,
            deadline=console.env.campaign.deadline,
            days=days,
            hours=rest // 3600,
        )

    return [Route("/", dashboard, methods=["GET"])]
