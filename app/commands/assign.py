"""`leertraject assign`: compute, explain and publish the groups; staff decisions, audited."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.commands.help import CatalogGroup
from app.commands.output import emit_json, emit_table, say
from app.commands.state import CliState, pass_state, staff_actor
from core.audit import log_action
from core.ports import UnitOfWork
from core.typed_text import csv_delimiter
from core.usecases.assign_staff import decide, set_score

if TYPE_CHECKING:
    from app.bootstrap import App


@click.group("assign", cls=CatalogGroup, invoke_without_command=True)
@click.option("--dry-run", is_flag=True, help="Compute and report; publish nothing.")
@click.option(
    "--publish", "do_publish", is_flag=True, help="Store the assignment and tell everyone."
)
@click.option("--run", "run_id", type=int, help="With --publish: the dry run to publish.")
@click.option(
    "--before-deadline",
    is_flag=True,
    help="With --publish: publish although the deadline is ahead.",
)
@click.option("--yes", is_flag=True, help="With --publish: do not ask (for scripts).")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the report.",
)
@click.option(
    "--language",
    type=click.Choice(["nl", "en"]),
    default="nl",
    show_default=True,
    help="Language of the report.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def assign_group(ctx: click.Context, /, **kwargs: Any) -> None:
    """Assign every submitted municipality to one theme group (see docs/assignment.md).

    `--dry-run --report DIR` computes and writes the report (HTML, PDF, Markdown, CSV, XLSX)
    without publishing. `--publish --run N` publishes that dry run; without `--run` a fresh
    run is computed. Either way the run and who would move are shown and confirmed first
    (`--yes` for scripts). Publishing closes registration and queues the confirmations.
    """
    if ctx.invoked_subcommand is not None:
        return
    dry, do_publish = kwargs["dry_run"], kwargs["do_publish"]
    if dry and do_publish:
        raise click.UsageError(say("cli.assign.dry_and_publish"))
    if not (dry or do_publish):
        raise click.UsageError(say("cli.assign.dry_or_publish"))
    if kwargs["run_id"] is not None and not do_publish:
        raise click.UsageError(say("cli.assign.run_needs_publish"))
    # the solver (ortools) and the report (jinja2, weasyprint, openpyxl): only when computing
    from app.assigning import compute_and_record, theme_demand
    from app.commands import publication
    from app.report import write_report

    state: CliState = ctx.obj
    app = state.app()
    if do_publish and not app.env.deadline_passed() and not kwargs["before_deadline"]:
        raise click.ClickException(say("cli.assign.before_deadline"))
    actor = staff_actor()
    try:
        if do_publish:
            summary = publication.publish_run(app, actor, kwargs["run_id"], kwargs["yes"])
        else:
            summary = publication.summary(compute_and_record(app, actor), None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    folder = kwargs["report_dir"] or app.settings.path(app.settings.assignment.report_dir) / (
        f"run-{summary['run']}"
    )
    run = publication.load_run(app, summary["run"])
    with app.uow() as uow:
        demand = theme_demand(uow, app)
    files = write_report(app.env, run, demand, folder, kwargs["language"])
    summary["report"] = [str(f) for f in files]
    if kwargs["as_json"]:
        emit_json(summary)
        return
    click.echo(publication.describe(app, summary))
    if do_publish:
        click.echo(say("cli.assign.published", messages=summary["messages"]))
    click.echo(say("cli.assign.report", files=", ".join(summary["report"])))


def _municipality(app: App, uow: UnitOfWork, ref: str) -> str:
    by_reference = uow.registrations.by_reference(ref.strip().upper())
    if by_reference is not None:
        return by_reference.municipality
    found = app.env.municipalities.lookup(ref)
    if found.municipality is None or not found.municipality.in_flanders:
        raise click.ClickException(say("cli.assign.unknown_ref", ref=ref))
    return found.municipality.refnis


def _theme(app: App, theme: str) -> int:
    found = app.env.themes.find(theme)
    if found is None:
        raise click.ClickException(say("cli.assign.unknown_theme", theme=theme))
    return found.number


def _decide(state: CliState, ref: str, theme: str | None, kind: str | None, action: str) -> None:
    app = state.app()
    number = _theme(app, theme) if theme else None

    def work(uow: UnitOfWork) -> str:
        municipality = _municipality(app, uow, ref)
        decide(uow, app.env, staff_actor(), municipality, number, kind, action)
        return municipality

    municipality = app.transaction(work)
    name = app.env.municipality_name(municipality)
    click.echo(say(f"cli.{action}", name=name, theme=number or "-"))


@assign_group.command("pin")
@click.argument("ref")
@click.argument("theme")
@pass_state
def pin_command(state: CliState, ref: str, theme: str) -> None:
    """This municipality (REF: reference or name) gets THEME, whatever else."""
    _decide(state, ref, theme, "pin", "assignment.pinned")


@assign_group.command("unpin")
@click.argument("ref")
@pass_state
def unpin_command(state: CliState, ref: str) -> None:
    """Remove the pin of a municipality."""
    _decide(state, ref, None, None, "assignment.unpinned")


@assign_group.command("exclude")
@click.argument("ref")
@click.argument("theme")
@click.option("--undo", is_flag=True, help="Allow the theme again.")
@pass_state
def exclude_command(state: CliState, ref: str, theme: str, undo: bool) -> None:
    """This municipality never gets THEME."""
    _decide(
        state,
        ref,
        theme,
        None if undo else "exclude",
        "assignment.unexcluded" if undo else "assignment.excluded",
    )


@assign_group.command("score")
@click.argument("ref")
@click.argument("theme")
@click.argument("score", type=click.IntRange(0, 3))
@pass_state
def score_command(state: CliState, ref: str, theme: str, score: int) -> None:
    """How well the municipality's priorities, realisations and actions fit THEME (0-3)."""
    app = state.app()
    number = _theme(app, theme)

    def work(uow: UnitOfWork) -> str:
        municipality = _municipality(app, uow, ref)
        set_score(uow, app.env, staff_actor(), municipality, number, score)
        return municipality

    municipality = app.transaction(work)
    name = app.env.municipality_name(municipality)
    click.echo(say("cli.assign.scored", score=score, name=name, theme=number))


@assign_group.command("scores")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_state
def scores_command(state: CliState, csv_file: Path) -> None:
    """Import fit scores from CSV (columns gemeente/municipality or referentie, thema, score)."""
    app = state.app()
    content = csv_file.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content), delimiter=csv_delimiter(content)))
    problems: list[str] = []

    def work(uow: UnitOfWork) -> int:
        done = 0
        for line, row in enumerate(rows, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            ref = (
                row.get("referentie")
                or row.get("reference")
                or row.get("gemeente")
                or row.get("municipality")
                or ""
            )
            try:
                municipality = _municipality(app, uow, ref)
                number = _theme(app, row.get("thema") or row.get("theme") or "")
                score = int(row.get("score", ""))
                if not 0 <= score <= 3:
                    raise ValueError
            except (click.ClickException, ValueError):
                problems.append(say("cli.assign.score_line", line=line, ref=ref or "-"))
                continue
            uow.assignments.set_score(municipality, number, score)
            done += 1
        log_action(
            uow,
            app.env.clock.now(),
            staff_actor(),
            "assignment.scores_imported",
            "scores",
            count=done,
        )
        return done

    done = app.transaction(work)
    click.echo(say("cli.assign.scores_read", done=done, problems=len(problems)))
    for problem in problems:
        click.echo("  " + problem, err=True)


@assign_group.command("decisions")
@pass_state
def decisions_command(state: CliState) -> None:
    """List staff's pins, exclusions and scores."""
    app = state.app()
    with app.uow() as uow:
        rules, scores = uow.assignments.rules(), uow.assignments.scores()
    emit_table(
        say("cli.assign.decisions"),
        [
            say("cli.assign.column.municipality"),
            say("cli.assign.column.theme"),
            say("cli.assign.column.kind"),
        ],
        [[app.env.municipality_name(m), t, say(f"cli.assign.kind.{k}")] for m, t, k in rules]
        + [
            [app.env.municipality_name(m), t, say("cli.assign.kind.score", score=s)]
            for (m, t), s in sorted(scores.items())
        ],
    )
