"""Flask commands: `questionnaires sync`, `users create`, `responses export` and `scatter`, and
`db backup` / `db restore` beside Flask-Migrate's `db upgrade`."""

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate.cli import db as db_cli

from survey_app.questionnaire import QuestionnaireError
from survey_app.services import backups, exports, questionnaires, responses, users

questionnaires_cli = AppGroup("questionnaires", help="Questionnaire definitions.")
users_cli = AppGroup("users", help="Staff accounts.")
responses_cli = AppGroup("responses", help="Stored responses.")


@questionnaires_cli.command("sync")
def sync_command() -> None:
    """Load and validate every file in questionnaires/; new content becomes a new version."""
    directory = Path(current_app.config["QUESTIONNAIRES_DIR"])
    try:
        results = questionnaires.sync_questionnaires(directory, datetime.now(UTC).date())
    except QuestionnaireError as error:
        raise click.ClickException(str(error)) from None
    for result in results:
        state = "new version" if result.created else "unchanged"
        click.echo(f"{result.slug}: version {result.version_number} ({state}) from {result.source}")


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
    """Write every response to a questionnaire as CSV, XLSX or JSON."""
    found = questionnaires.find_questionnaire(slug)
    if found is None:
        raise click.ClickException(
            f"No questionnaire with slug {slug!r}; run `questionnaires sync`."
        )
    Path(output).write_bytes(exports.export(found, fmt))
    click.echo(f"Wrote {output}")


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


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(responses_cli)
