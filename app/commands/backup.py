"""`leertraject backup PATH` and `leertraject restore PATH [--force]`.

A backup is a folder: the database (database.sqlite or database.pgdump), the folders that live
outside it (assignment reports; the outbox folder and the local mail folder when the service
uses them) under files/, and manifest.json naming the database kind and schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from app.commands.help import CatalogCommand
from app.commands.output import say
from app.commands.state import CliState, pass_state
from app.config import Settings
from core.clock import SystemClock
from storage.backup import BackupError, backend, copy_folder, dump, dump_file_name, has_data, load
from storage.db import make_engine
from storage.migrate import alembic_config, current_revision, head_revision

MANIFEST = "manifest.json"
FORMAT = 1


def outside_folders(settings: Settings) -> dict[str, Path]:
    """What lives outside the database, by its name in the backup."""
    folders = {"reports": settings.path(settings.assignment.report_dir)}
    if settings.mail.transport == "folder":
        folders["outbox"] = settings.path(settings.mail.outbox_dir)
    if settings.mail.intake == "maildir":
        folders["maildir"] = settings.path(settings.mail.maildir)
    return folders


@click.command("backup", cls=CatalogCommand)
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@pass_state
def backup_command(state: CliState, path: Path) -> None:
    """Copy the database and the files beside it into the new folder PATH, while the service
    runs (SQLite: online backup; PostgreSQL: pg_dump, custom format)."""
    settings = state.settings()
    url = settings.database_url()
    if path.exists() and any(path.iterdir()):
        raise click.ClickException(say("ops.backup.exists", path=path))
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)  # personal data: for the service's user only
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
        dump(url, path)
    except BackupError as exc:
        raise click.ClickException(say("ops.backup.failed", detail=exc)) from exc
    finally:
        engine.dispose()
    files = {
        name: copy_folder(folder, path / "files" / name)
        for name, folder in outside_folders(settings).items()
    }
    manifest = {
        "format": FORMAT,
        "created_at": SystemClock().now().isoformat(),
        "database": backend(url),
        "revision": revision,
        "files": files,
    }
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    click.echo(
        say(
            "ops.backup.done",
            path=path,
            database=backend(url),
            revision=revision or "-",
            files=sum(files.values()),
        )
    )


@click.command("restore", cls=CatalogCommand)
@click.argument("path", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
@pass_state
def restore_command(state: CliState, path: Path, force: bool) -> None:
    """Put a backup made by `leertraject backup` back. Stop the service first."""
    settings = state.settings()
    url = settings.database_url()
    manifest = _manifest(path, url)
    revision = manifest["revision"]
    if revision is not None and not _known(url, revision):
        raise click.ClickException(say("ops.restore.newer", revision=revision))
    engine = make_engine(url)
    try:
        if not force and has_data(engine):
            raise click.ClickException(say("ops.restore.not_empty"))
    finally:
        engine.dispose()
    try:
        load(url, path / dump_file_name(url))
    except BackupError as exc:
        raise click.ClickException(say("ops.restore.failed", detail=exc)) from exc
    files = sum(
        copy_folder(path / "files" / name, folder)
        for name, folder in outside_folders(settings).items()
        if (path / "files" / name).is_dir()
    )
    click.echo(say("ops.restore.done", path=path, revision=revision or "-", files=files))
    head = head_revision(url)
    if revision != head:
        click.echo(say("ops.restore.upgrade", head=head))


def _manifest(path: Path, url: str) -> dict[str, Any]:
    """The manifest, checked: it comes from a file anyone could have written."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(say("ops.restore.not_a_backup", path=path)) from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("revision"), str | None)
    ):
        raise click.ClickException(say("ops.restore.not_a_backup", path=path))
    if manifest.get("database") != backend(url):
        raise click.ClickException(
            say(
                "ops.restore.wrong_database",
                backup=str(manifest.get("database"))[:20],
                configured=backend(url),
            )
        )
    if not (path / dump_file_name(url)).is_file():
        raise click.ClickException(say("ops.restore.not_a_backup", path=path))
    return manifest


def _known(url: str, revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config(url)).get_revision(revision) is not None
    except CommandError:
        return False
