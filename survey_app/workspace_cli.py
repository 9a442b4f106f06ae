"""`flask research segments index`: put every segment into the workspace's search index at once
(pages add at most a few hundred each; after a large import or a first upgrade, run this)."""

import click
from flask.cli import with_appcontext

from survey_app.services import workspace


@click.command("index")
@with_appcontext
def index_command() -> None:
    """Make the redacted, searchable text of every segment not yet in the search index."""
    done = workspace.index_missing()
    click.echo(f"{done} segments added to the search index; {workspace.unindexed()} missing.")
