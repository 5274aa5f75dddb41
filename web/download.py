"""Every list of the console as CSV or XLSX: the project's export (core.export for the CSV and
the formula guard, app's XLSX writer handed in), never a second one."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from core.audit import log_action
from core.export import csv_bytes
from core.staff import StaffUnitOfWork
from core.usecases.staff import web_actor
from web.console import Console, Table
from web.guard import Signed, db

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def download(
    console: Console,
    signed: Signed,
    fmt: str,
    subject: str,
    filename: str,
    title: str,
    table: Callable[[StaffUnitOfWork], Table],
) -> Response:
    """The table in `fmt` as an attachment `filename.fmt`; audited as `subject.exported`."""
    actor = web_actor(signed.member)

    def work(uow: StaffUnitOfWork) -> Table:
        made = table(uow)
        log_action(uow, console.env.clock.now(), actor, f"{subject}.exported", subject, format=fmt)
        return made

    header, rows = await db(console, work)
    body = csv_bytes(header, rows) if fmt == "csv" else console.xlsx(header, rows, title)
    return Response(
        body,
        media_type=FORMATS[fmt],
        headers={"content-disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
