"""Flask commands: `questionnaires sync`, `users create`, `responses export`."""

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from survey_app.questionnaire import QuestionnaireError
from survey_app.services import exports, questionnaires, users

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
    """Write every response to a questionnaire as CSV, XLSX or JSON, with a data dictionary.

    XLSX and JSON hold the dictionary (a sheet, a key); for CSV it is a second file beside
    FILE, named FILE-dictionary.csv.
    """
    found = questionnaires.find_questionnaire(slug)
    if found is None:
        raise click.ClickException(
            f"No questionnaire with slug {slug!r}; run `questionnaires sync`."
        )
    Path(output).write_bytes(exports.export(found, fmt))
    click.echo(f"Wrote {output}")
    if fmt == "csv":
        sidecar = exports.sidecar_path(output)
        sidecar.write_bytes(exports.dictionary_csv(found))
        click.echo(f"Wrote the data dictionary to {sidecar}")
    else:
        where = "sheet" if fmt == "xlsx" else "key"
        click.echo(f"The data dictionary is in it (the 'dictionary' {where})")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(responses_cli)
