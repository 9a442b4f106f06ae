"""Work done once in gunicorn's master before it forks its workers (gunicorn.conf.py, when_ready).

Each worker used to compile the templates it rendered (about a second of CPU for the respondent
pages) and parse the published questionnaires on its first requests, and so did every worker
started again after a crash or a kill: its first respondents waited. Done once in the master,
the workers are forked with both, and share that memory (gc.freeze in pre_fork).
"""

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from survey_app.extensions import db
from survey_app.models import QuestionnaireRow
from survey_app.services import questionnaires

log = logging.getLogger(__name__)


def warm_up(app: Flask) -> None:
    """Compile every template and parse every published questionnaire version; a database that
    cannot be reached only leaves the parsing to the workers, as before."""
    env = app.jinja_env
    if not env.auto_reload:  # development reloads them anyway
        for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
            env.get_template(name)
    if "sqlalchemy" not in app.extensions:  # another app served with this config (a benchmark)
        return
    with app.app_context():
        try:
            current = QuestionnaireRow.current_version_id
            for version_id in db.session.scalars(select(current).where(current.is_not(None))):
                questionnaires.published_version(version_id)
        except SQLAlchemyError as error:
            log.warning("Questionnaires not parsed before forking: %s", type(error).__name__)
        finally:
            db.session.remove()
            db.engine.dispose()  # the master keeps no database connection
