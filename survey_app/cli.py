"""Flask commands: `questionnaires sync`, `users create`, `responses export` and `scatter`,
`research ...`, and `db backup` / `db restore` beside Flask-Migrate's `db upgrade`."""

import sys
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate.cli import db as db_cli

from survey_app.database import reading_only
from survey_app.focus_groups_cli import focus_groups_cli
from survey_app.services import (
    backups,
    coding,
    definitions,
    exports,
    qda_export,
    questionnaires,
    research,
    responses,
    segments,
    users,
)
from survey_app.summary_cli import demo_cli, summary_command
from survey_app.workspace_cli import index_command

questionnaires_cli = AppGroup("questionnaires", help="Questionnaire definitions.")
users_cli = AppGroup("users", help="Staff accounts.")
responses_cli = AppGroup("responses", help="Stored responses.")
research_cli = AppGroup("research", help="Segments, coding and research downloads.")
segments_cli = AppGroup("segments", help="Segments: the units of text that get coded.")
research_cli.add_command(segments_cli)
research_responses_cli = AppGroup("responses", help="Responses with theme columns.")
research_cli.add_command(research_responses_cli)


@questionnaires_cli.command("sync")
def sync_command() -> None:
    """Load and validate every file in questionnaires/ (questionnaires, codebooks ...: each by its
    `kind`); new content becomes a new version."""
    directory = Path(current_app.config["QUESTIONNAIRES_DIR"])
    try:
        results = definitions.sync_definitions(directory, datetime.now(UTC).date())
    except definitions.DefinitionError as error:
        raise click.ClickException(str(error)) from None
    for result in results:
        state = "new version" if result.created else "unchanged"
        label = result.name if result.kind == "questionnaire" else f"{result.kind} {result.name}"
        click.echo(f"{label}: version {result.version_number} ({state}) from {result.source}")
        if result.note:
            click.echo(f"  note: {result.note}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(users.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff account; the password comes from a prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create_user(email, role, password)
    except users.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} account {user.email}")


@responses_cli.command("export")
@click.option("--questionnaire", "slug", required=True, help="The questionnaire's slug.")
@click.option("--format", "fmt", type=click.Choice(exports.FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_command(slug: str, fmt: str, output: str) -> None:
    """Write every response to a questionnaire as CSV, XLSX, JSON or SPSS (.sav).

    XLSX and JSON hold the data dictionary (a sheet, a key); for CSV it is a second file beside
    FILE, named FILE-dictionary.csv; the .sav holds the labels itself and leaves out free text.
    """
    with reading_only():
        found = questionnaires.find_questionnaire(slug)
        if found is None:
            raise click.ClickException(
                f"No questionnaire with slug {slug!r}; run `questionnaires sync`."
            )
        data = exports.export(found, fmt)
        dictionary = exports.dictionary_csv(found) if fmt == "csv" else None
    Path(output).write_bytes(data)
    click.echo(f"Wrote {output}")
    if dictionary is not None:
        sidecar = exports.sidecar_path(output)
        sidecar.write_bytes(dictionary)
        click.echo(f"Wrote the data dictionary to {sidecar}")
    elif fmt == "sav":
        click.echo("The labels are in it (variables, codes, measurement levels)")
    else:
        where = "sheet" if fmt == "xlsx" else "key"
        click.echo(f"The data dictionary is in it (the 'dictionary' {where})")


@db_cli.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def backup_command(output: str) -> None:
    """Write a consistent backup of the database (SQLite online backup, or pg_dump) to a file."""
    from survey_app.extensions import db

    try:
        info = backups.backup(db.engine.url, Path(output))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {info.kind} backup at schema revision {info.revision} to {output}")
    click.echo("It holds respondents' answers: keep it encrypted and as briefly as you can.")


@db_cli.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(backup_file: str, yes: bool) -> None:
    """Replace the database's contents with a backup (checked whole first). Stop the app first."""
    from survey_app.extensions import db

    url = db.engine.url
    try:
        info = backups.inspect_backup(Path(backup_file))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    target = url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(
            f"Replace everything in {target} with the {info.kind} backup at revision "
            f"{info.revision}?",
            abort=True,
        )
    db.session.remove()
    db.engine.dispose()  # no pooled connection may keep the old database open
    try:
        backups.restore(url, Path(backup_file))
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {backup_file} into {target} (schema revision {info.revision}).")
    click.echo("Run `flask db upgrade` if this version of the app is newer than the backup.")


@responses_cli.command("scatter")
def scatter_command() -> None:
    """Hide the order of submission in PostgreSQL's storage; run daily (nothing to do on SQLite)."""
    if responses.scatter_stored_order():
        click.echo("Rewrote response and answer rows in one transaction and put them in id order.")
    else:
        click.echo("Nothing to do: on SQLite those tables are stored in id order (WITHOUT ROWID).")


@segments_cli.command("rebuild")
def rebuild_segments_command() -> None:
    """Bring every response's segments in line with its answers (safe to run again)."""

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} responses", err=True)

    changes = segments.rebuild(questionnaires.definition_of, progress)
    click.echo(
        f"{changes.responses} responses: {changes.added} segments added, "
        f"{changes.changed} changed ({changes.codings_to_review} codings to review), "
        f"{changes.removed} removed; {segments.count_segments()} segments in all"
    )


@research_cli.command("code")
@click.option("--questionnaire", "slug", help="Only this questionnaire's segments.")
@click.option("--coder", type=click.Choice(coding.CODERS), default="rules", show_default=True)
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False),
    help="A model from `python -m analysis train` (with --coder model; without it, a model "
    "is trained here from people's codings once a theme has enough of them).",
)
def code_command(slug: str | None, coder: str, model_path: str | None) -> None:
    """Code every segment this machine coder has not seen yet; suggestions are stored with their
    confidence and never replace anything already coded."""
    if model_path and coder == "rules":
        coder = "model"
    with click.progressbar(length=0, label="Coding segments", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            summary = coding.code_segments(slug, coder, model_path, progress)
        except coding.CodingError as error:
            raise click.ClickException(str(error)) from None
    click.echo(
        f"{summary.coder}: {summary.segments} segments looked at, {summary.coded} given a theme, "
        f"{summary.codings} codings stored in {summary.total_seconds:.1f} s"
        f"{summary.superseded_note}"
    )
    times = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in summary.seconds.items())
    click.echo(f"Time: {times}")
    for theme, count in summary.per_theme.most_common():
        click.echo(f"  {theme}: {count}")


def _questionnaire_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    found = questionnaires.find_questionnaire(slug)
    if found is None:
        raise click.ClickException(
            f"No questionnaire with slug {slug!r}; run `questionnaires sync`."
        )
    return found.row.id


@segments_cli.command("export")
@click.option("--questionnaire", "slug", help="Only this questionnaire's segments.")
@click.option(
    "--source", type=click.Choice(("survey", "focus_group", "workshop")), help="Only this source."
)
@click.option("--format", "fmt", type=click.Choice(research.SEGMENT_FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--original", is_flag=True, help="Unredacted text (recorded in the audit trail).")
def export_segments_command(
    slug: str | None, source: str | None, fmt: str, output: str, original: bool
) -> None:
    """Write coded segments (themes joined with "; "), text redacted unless --original."""
    # The original text's download is audited (a write); otherwise it only reads.
    with nullcontext() if original else reading_only():
        header, table = research.segment_table(_questionnaire_id(slug), source, original=original)
    Path(output).write_bytes(research.as_file(header, table, fmt, "segments"))
    state = "original text, audited" if original else "redacted"
    click.echo(f"Wrote {len(table)} segments ({state}) to {output}")


@research_responses_cli.command("export")
@click.option("--questionnaire", "slug", required=True, help="The questionnaire's slug.")
@click.option("--format", "fmt", type=click.Choice(research.RESPONSE_FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--original", is_flag=True, help="Unredacted free text (audited).")
def export_responses_command(slug: str, fmt: str, output: str, original: bool) -> None:
    """Write responses with one 0/1 column per theme; free text redacted unless --original
    (SPSS .sav: no free text at all)."""
    if original and fmt == "sav":
        raise click.UsageError("--original has nothing to add to a .sav: it holds no free text.")
    with reading_only():
        _questionnaire_id(slug)
        found = questionnaires.find_questionnaire(slug)
        data, count = research.responses_file(found, fmt, original=original)
        themes = len(research.theme_keys())
    if original:  # audited once the reading is done, with the write lock
        research.audit_original_responses(found, count, None)
    Path(output).write_bytes(data)
    click.echo(f"Wrote {count} responses with {themes} themes to {output}")


@research_cli.command("project")
@click.option("--questionnaire", "slug", required=True, help="The questionnaire's slug.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
def export_project_command(slug: str, output: str) -> None:
    """Write the coded free text and focus-group transcripts, redacted, as a REFI-QDA project
    (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    with reading_only():
        data = qda_export.project_file(_questionnaire_id(slug), slug)
    if data is None:
        raise click.ClickException("No codebook yet: run `flask questionnaires sync`.")
    Path(output).write_bytes(data)
    click.echo(f"Wrote the REFI-QDA project (redacted) to {output}")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(responses_cli)
    app.cli.add_command(research_cli)
    research_cli.add_command(summary_command)
    segments_cli.add_command(index_command)
    app.cli.add_command(demo_cli)
    app.cli.add_command(focus_groups_cli)
