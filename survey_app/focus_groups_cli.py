"""`flask focus-groups import FILE_OR_FOLDER --date --area --group [--kind] [--topic-guide]
[--yes]`: transcripts into pseudonymised, staged turns from the command line, for batches.

Without --yes it prints the preview (pseudonyms, replacements, turns by stage) and stores
nothing; with --yes each transcript becomes a session with one segment per turn. A folder
imports each file in it (each checked by content; a bad one is reported and skipped).
"""

from datetime import UTC, date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from survey_app.models.focus_groups import CONSENT_METHODS, SESSION_KINDS
from survey_app.services import focus_groups, topic_guides, transcripts

focus_groups_cli = AppGroup("focus-groups", help="Focus groups and workshops: transcripts.")


def _date(_ctx, _param, value: str) -> date:
    try:
        held_on = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give the date as YYYY-MM-DD, for example 2015-03-04") from None
    if held_on > datetime.now(UTC).date():
        raise click.BadParameter("the date must be today or in the past")
    return held_on


def _print_preview(found: transcripts.FileImport) -> None:
    preview = found.preview
    transcript = preview.transcript
    click.echo(f"{found.path.name} ({found.file_format}): {len(transcript.turns)} turns")
    speakers = ", ".join(
        f"{s} ({n} turn{'' if n == 1 else 's'})" for s, n in transcript.speakers.items()
    )
    click.echo(f"  Speakers: {speakers}")
    if transcript.replacements:
        click.echo("  Replacements:")
        for r in transcript.replacements:
            click.echo(f"    {r.original!r} -> {r.replacement} ({r.kind}, {r.count}x)")
    else:
        click.echo("  Replacements: none found")
    click.echo("  Turns by stage:")
    for title, stage, n in preview.turns_by_section():
        click.echo(f"    {title} [{stage}]: {n}")
    suggested = sum(1 for s in preview.staged if s.decided == "suggested")
    if suggested:
        click.echo(f"  ({suggested} turns staged by suggestion: check them in the browser)")


@focus_groups_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--date", "held_on", required=True, callback=_date, help="YYYY-MM-DD")
@click.option("--area", required=True, help="A value of the survey's area choices.")
@click.option(
    "--group",
    "groups",
    required=True,
    multiple=True,
    help="A value of the survey's crime-type choices (repeat for several).",
)
@click.option("--kind", type=click.Choice(SESSION_KINDS), default="focus_group")
@click.option("--topic-guide", "guide_name", default=topic_guides.DEFAULT_TOPIC_GUIDE)
@click.option("--attendees", type=click.IntRange(1, 500), help="Number of participants.")
@click.option("--consent", type=click.Choice(CONSENT_METHODS), help="How consent was obtained.")
@click.option(
    "--facilitator",
    "facilitator_names",
    multiple=True,
    help="A facilitator's name as written in the transcript, if not marked there.",
)
@click.option("--yes", is_flag=True, help="Store the turns (without it nothing is stored).")
def import_command(
    path: Path,
    held_on: date,
    area: str,
    groups: tuple[str, ...],
    kind: str,
    guide_name: str,
    attendees: int | None,
    consent: str | None,
    facilitator_names: tuple[str, ...],
    yes: bool,
) -> None:
    """Preview transcripts as pseudonymised, staged turns; store them with --yes."""
    areas, known_groups = focus_groups.survey_choices()
    if area not in dict(areas):
        known = ", ".join(dict(areas)) or "none: run `flask questionnaires sync`"
        raise click.BadParameter(f"{area!r} is not an area (known: {known})", param_hint="--area")
    for group in groups:
        if group not in dict(known_groups):
            known = ", ".join(dict(known_groups)) or "none: run `flask questionnaires sync`"
            raise click.BadParameter(
                f"{group!r} is not a victim group (known: {known})", param_hint="--group"
            )
    version = topic_guides.current_version(guide_name)
    if version is None:
        raise click.BadParameter(
            f"no topic guide {guide_name!r}: run `flask questionnaires sync`",
            param_hint="--topic-guide",
        )
    guide = topic_guides.guide_of(version)
    files = transcripts.transcript_files(path)
    if not files:
        raise click.ClickException(f"{path} has no files")
    failed = stored = 0
    for file in files:
        found = transcripts.read_for_import(file, guide, facilitator_names)
        if found.preview is None:
            failed += 1
            click.echo(f"{file.name}: not imported: {found.error}", err=True)
            continue
        _print_preview(found)
        if yes:
            session, turns = transcripts.store_new_session(
                kind=kind,
                held_on=held_on,
                area=area,
                crime_types=list(groups),
                guide_name=guide_name,
                preview=found.preview,
                attendees=attendees,
                consent_method=consent,
            )
            stored += 1
            click.echo(f"  Stored {turns} turns as session {session.id}")
    if not yes:
        click.echo("Nothing stored: run again with --yes to store these turns.")
    else:
        click.echo(f"{stored} transcripts stored, {failed} not imported.")
    if failed:
        raise SystemExit(1)


@focus_groups_cli.command("purge")
def purge_command() -> None:
    """Delete transcripts uploaded but neither confirmed nor cancelled before they expired
    (they hold the names a confirm would have replaced); safe to run from cron."""
    click.echo(f"Deleted {transcripts.purge()} expired transcript previews.")
