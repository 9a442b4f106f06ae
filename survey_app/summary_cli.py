"""Flask commands `research summary` (the thematic summary as JSON, CSV or XLSX) and
`demo seed` (a demonstration data set in the shape of the 2014-15 programme)."""

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from survey_app.database import reading_only
from survey_app.services import questionnaires
from survey_app.services import summary as summaries

demo_cli = AppGroup("demo", help="Demonstration data (never on a database with real responses).")


@click.command("summary")
@with_appcontext
@click.option("--questionnaire", "slug", required=True, help="The questionnaire's slug.")
@click.option("--format", "fmt", type=click.Choice(summaries.FORMATS), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option(
    "--threshold",
    type=click.IntRange(min=5),
    help="Counts below it are hidden (default SUMMARY_THRESHOLD, 10; never below 5).",
)
@click.option("--version", "version", help="Only this questionnaire version (its number).")
@click.option("--from", "date_from", help="Submitted on or after this date (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Submitted on or before this date (YYYY-MM-DD).")
@click.option("--crime-type", help="Only respondents who ticked this crime type (its value).")
@click.option("--area", help="Only respondents of this area (its value).")
@click.option("--channel", type=click.Choice(summaries.CHANNELS))
@click.option("--source", type=click.Choice(summaries.SUMMARY_SOURCES))
def summary_command(slug: str, fmt: str, output: str, threshold: int | None, **filters) -> None:
    """Write the thematic summary (closed questions, themes per stage, quotes, the journey),
    small counts hidden; in JSON hidden numbers are null."""
    with reading_only():
        request, errors = summaries.parse_request(slug, filters)
        found = questionnaires.find_questionnaire(slug)
        if found is not None:
            errors.update(
                summaries.without_unoffered(request, summaries.offered_choices(found.row.id))[1]
            )
        if errors:
            raise click.ClickException("; ".join(errors.values()))
        try:
            made = summaries.summary_for(request, threshold)
        except summaries.SummaryError as error:
            raise click.ClickException(str(error)) from None
        data = summaries.summary_file(made, fmt)
    Path(output).write_bytes(data)
    click.echo(
        f"Wrote the summary of {slug} (respondents: {made.respondents.text()}; counts below "
        f"{made.threshold} hidden) to {output}"
    )


@demo_cli.command("seed")
@click.option("--seed", "seed", type=int, default=2014, show_default=True, help="Random seed.")
def demo_seed_command(seed: int) -> None:
    """Create about 140 online and 2 paper demonstration responses, code them by rules and a few
    by a person. Refuses when the database holds any response already."""
    from survey_app.services import demo

    try:
        made = demo.seed(seed)
    except demo.DemoRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Created {made.online} online and {made.paper} paper demonstration responses, "
        f"{made.segments} segments, {made.machine_codings} machine codings and "
        f"{made.person_codings} codings by a person (demo account {made.coder_email})."
    )
