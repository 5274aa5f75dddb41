"""The assignment (issue 12): dry runs side by side, the report, staff decisions, publishing.

The same use cases as `leertraject assign`: a dry run is app's `compute_and_record` (handed in
as `Console.dry_run`), pins, exclusions and scores are core.usecases.assign_staff's `decide`
and `set_score`, publishing is its `publish_checked` (the run must still match the inputs and
the published run must still be the one the confirmation page showed).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.i18n import t
from core.model import AssignmentRun, Status
from core.report_view import build_view
from core.staff import Permission, StaffUnitOfWork
from core.usecases.assign import moves
from core.usecases.assign_staff import (
    PublishRefused,
    compare,
    decide,
    figures,
    publish_checked,
    set_score,
    theme_demand,
)
from core.usecases.staff import web_actor
from web.console import Console
from web.guard import Signed, db, field, form, staff_only
from web.render import language, page

RECENT = 20  # runs listed on the page
MOST_COMPARED = 6
ACTIONS = {  # what the decisions form may ask: (kind, audit action)
    "pin": ("pin", "assignment.pinned"),
    "unpin": (None, "assignment.unpinned"),
    "exclude": ("exclude", "assignment.excluded"),
    "unexclude": (None, "assignment.unexcluded"),
}


def _run_ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values[:MOST_COMPARED]:
        if value.isdigit() and len(value) < 10 and int(value) not in ids:
            ids.append(int(value))
    return ids


def routes(console: Console) -> list[Route]:
    env = console.env

    def _names(moved: list[tuple[str, int | None, int | None]]) -> list[tuple[str, str, str]]:
        return [
            (env.municipality_name(m), "-" if a is None else str(a), "-" if b is None else str(b))
            for m, a, b in moved
        ]

    @staff_only(console, Permission.READ)
    async def index(request: Request, signed: Signed) -> Response:
        def work(uow: StaffUnitOfWork) -> tuple[list[AssignmentRun], AssignmentRun | None]:
            return uow.assignments.recent_runs(RECENT), uow.assignments.published_run()

        runs, published = await db(console, work)
        return page(
            request,
            "assignment.html",
            signed=signed,
            runs=[figures(r) for r in runs],
            published=published.id if published else None,
            can_run=signed.can(Permission.RUN_ASSIGNMENT) and console.dry_run is not None,
            can_publish=signed.can(Permission.PUBLISH_ASSIGNMENT),
            error=request.query_params.get("error") == "changed",
        )

    @staff_only(console, Permission.RUN_ASSIGNMENT)
    async def dry_run(request: Request, signed: Signed) -> Response:
        if console.dry_run is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        before = await db(console, lambda uow: uow.assignments.latest_run())
        try:
            run = await run_in_threadpool(console.dry_run, web_actor(signed.member))
        except ValueError:  # the inputs changed while it was being computed
            return RedirectResponse("/assignment?error=changed", status_code=303)
        if before is None:
            return RedirectResponse(f"/assignment/runs/{run.id}", status_code=303)
        return RedirectResponse(f"/assignment/compare?run={before.id}&run={run.id}", 303)

    @staff_only(console, Permission.READ)
    async def side_by_side(request: Request, signed: Signed) -> Response:
        ids = _run_ids(request.query_params.getlist("run"))

        def work(uow: StaffUnitOfWork) -> list[AssignmentRun]:
            found = [uow.assignments.get_run(i) for i in ids]
            return [r for r in found if r is not None]

        runs = await db(console, work) if len(ids) >= 2 else []
        if len(runs) < 2:
            message = "web.assignment.compare_two"
            return page(request, "error.html", 400, signed=signed, message=message)
        shown = compare(runs, [theme.number for theme in env.themes])
        return page(
            request,
            "assignment_compare.html",
            signed=signed,
            c=shown,
            label=env.municipality_name,
        )

    @staff_only(console, Permission.READ)
    async def report(request: Request, signed: Signed) -> Response:
        run_id = int(request.path_params["run"])
        lang = language(request)

        def work(uow: StaffUnitOfWork) -> tuple[AssignmentRun | None, dict[int, int]]:
            return uow.assignments.get_run(run_id), theme_demand(uow, env)

        run, demand = await db(console, work)
        if run is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        return page(
            request,
            "assignment_report.html",
            signed=signed,
            run=run,
            v=build_view(env, run, demand, lang),
            can_publish=signed.can(Permission.PUBLISH_ASSIGNMENT) and run.published_at is None,
            told=request.query_params.get("told", ""),
        )

    async def _confirmation(
        request: Request, signed: Signed, run_id: int, status: int = 200, error: str = ""
    ) -> Response:
        def work(uow: StaffUnitOfWork) -> tuple[AssignmentRun | None, ...] | None:
            run = uow.assignments.get_run(run_id)
            if run is None:
                return None
            before = uow.assignments.published_run()
            previous = [r for r in uow.assignments.recent_runs(RECENT) if r.id != run.id]
            earlier = next((r for r in previous if r.id is not None and r.id < run_id), None)
            return run, before, earlier

        found = await db(console, work)
        if found is None or found[0] is None:
            return page(request, "error.html", 404, signed=signed, message="web.not_found")
        run, before, earlier = found
        assert run is not None
        against = before or earlier  # who moves: against the published run, else the last run
        moved = moves(against, run)
        return page(
            request,
            "assignment_publish.html",
            status,
            signed=signed,
            run=figures(run),
            against=against,
            against_published=before is not None,
            moved=_names(moved),
            deadline_passed=env.deadline_passed(),
            already=run.published_at is not None,
            error=error,
        )

    @staff_only(console, Permission.PUBLISH_ASSIGNMENT)
    async def confirm(request: Request, signed: Signed) -> Response:
        return await _confirmation(request, signed, int(request.path_params["run"]))

    @staff_only(console, Permission.PUBLISH_ASSIGNMENT)
    async def publish(request: Request, signed: Signed) -> Response:
        run_id = int(request.path_params["run"])
        posted = await form(request)
        seen_text = field(posted, "published", 12)
        seen = int(seen_text) if seen_text.isdigit() else None
        early = field(posted, "before_deadline", 5) == "yes"
        actor = web_actor(signed.member)
        options = console.assign_options
        try:
            told = await db(
                console,
                lambda uow: publish_checked(uow, env, run_id, seen, actor, options, early),
            )
        except PublishRefused as refused:
            lang = language(request)
            error = t(refused.key, lang, **refused.params)
            return await _confirmation(request, signed, run_id, 409, error)
        return RedirectResponse(f"/assignment/runs/{run_id}?told={told}", status_code=303)

    async def _decisions(
        request: Request, signed: Signed, status: int = 200, error: str = ""
    ) -> Response:
        lang = language(request)

        def work(
            uow: StaffUnitOfWork,
        ) -> tuple[list[tuple[str, int, str]], dict[tuple[str, int], int], list[str]]:
            registered = sorted(
                {r.municipality for r in uow.registrations.list(Status.SUBMITTED)},
                key=env.municipality_name,
            )
            return uow.assignments.rules(), uow.assignments.scores(), registered

        rules, scores, registered = await db(console, work)
        return page(
            request,
            "assignment_decisions.html",
            status,
            signed=signed,
            rules=rules,
            scores=sorted(scores.items()),
            municipalities=[(m, env.municipality_name(m)) for m in registered],
            themes=[(theme.number, theme.title(lang)) for theme in env.themes],
            label=env.municipality_name,
            can_change=signed.can(Permission.RUN_ASSIGNMENT),
            error=error,
        )

    @staff_only(console, Permission.READ)
    async def decisions(request: Request, signed: Signed) -> Response:
        return await _decisions(request, signed)

    @staff_only(console, Permission.RUN_ASSIGNMENT)
    async def change(request: Request, signed: Signed) -> Response:
        posted = await form(request)
        action = field(posted, "action", 20)
        municipality = field(posted, "municipality", 10)
        theme_text, score_text = field(posted, "theme", 3), field(posted, "score", 2)
        theme = env.themes.get(int(theme_text)) if theme_text.isdigit() else None
        known = env.municipalities.get(municipality) is not None
        score = int(score_text) if score_text.isdigit() else -1
        wrong = (
            not known
            or action not in (*ACTIONS, "score")
            or (theme is None and action != "unpin")
            or (action == "score" and not 0 <= score <= 3)
        )
        if wrong:
            return await _decisions(request, signed, 400, "web.assignment.decision_invalid")
        actor = web_actor(signed.member)
        number = theme.number if theme is not None and action != "unpin" else None
        if action == "score":
            assert number is not None
            await db(console, lambda uow: set_score(uow, env, actor, municipality, number, score))
        else:
            kind, audited = ACTIONS[action]
            await db(
                console, lambda uow: decide(uow, env, actor, municipality, number, kind, audited)
            )
        return RedirectResponse("/assignment/decisions", status_code=303)

    return [
        Route("/assignment", index, methods=["GET"]),
        Route("/assignment/dry-run", dry_run, methods=["POST"]),
        Route("/assignment/compare", side_by_side, methods=["GET"]),
        Route("/assignment/decisions", decisions, methods=["GET"]),
        Route("/assignment/decisions", change, methods=["POST"]),
        Route("/assignment/runs/{run:int}", report, methods=["GET"]),
        Route("/assignment/runs/{run:int}/publish", confirm, methods=["GET"]),
        Route("/assignment/runs/{run:int}/publish", publish, methods=["POST"]),
    ]
