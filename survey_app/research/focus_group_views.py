"""Focus groups and workshops: record sessions, upload a transcript, preview, confirm.

Thin views over survey_app/services/focus_groups.py and transcripts.py. The upload is read in
memory and never stored; the preview and the confirm both work from the server's pending import,
so nothing the browser sends back becomes stored text.
"""

from datetime import UTC, datetime

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from analysis.transcripts import CONTINUE, MAX_TRANSCRIPT_BYTES, TranscriptError
from survey_app.auth import require_role
from survey_app.errors import TITLES
from survey_app.research import bp
from survey_app.services import focus_groups, topic_guides, transcripts
from survey_app.services.focus_groups import CONSENT_LABELS, KIND_LABELS, SessionInput

# Stored turns are pseudonymised already; pages still show them redacted, with their themes.
from survey_app.services.research import segment_views_of

RESEARCH_ROLES = ("researcher", "admin")
# The blueprint's access rule, run again where an error comes before it (see _too_large).
_access_rule = require_role(*RESEARCH_ROLES)
#: The upload request may carry the largest transcript plus the form around it.
UPLOAD_REQUEST_LIMIT = MAX_TRANSCRIPT_BYTES + 64 * 1024
STAGE_LABELS = {
    "reporting": "Reporting",
    "engagement": "Support and being kept informed",
    "recovery": "Coping and recovery",
    "none": "No stage",
}


def _user():
    return current_user._get_current_object()


def _today():
    return datetime.now(UTC).date()


def _session_or_404(session_id: str):
    session = focus_groups.find_session(session_id)
    if session is None:
        abort(404)
    return session


def _entered() -> SessionInput:
    form = request.form
    return SessionInput(
        kind=form.get("kind", ""),
        held_on=form.get("held_on", ""),
        area=form.get("area", ""),
        crime_types=form.getlist("crime_types"),
        attendees=form.get("attendees", ""),
        topic_guide=form.get("topic_guide", ""),
        facilitators=form.getlist("facilitators"),
        consent_obtained=form.get("consent_obtained", ""),
        consent_method=form.get("consent_method", ""),
        notes=form.get("notes", ""),
    )


def _session_form(entered: SessionInput, errors: dict[str, str], session=None):
    offered = focus_groups.choices()
    return render_template(
        "research/focus_groups/session_form.html",
        entered=entered,
        errors=errors,
        form_errors=[{"text": m, "href": f"#{f}"} for f, m in errors.items()],
        offered=offered,
        session=session,
        kinds=KIND_LABELS,
        consent_labels=CONSENT_LABELS,
    ), (400 if errors else 200)


@bp.get("/sessions")
def sessions():
    """Every focus group and workshop, newest first."""
    return render_template(
        "research/focus_groups/sessions.html",
        rows=focus_groups.all_sessions(),
        offered=focus_groups.choices(),
        kinds=KIND_LABELS,
        notice=request.args.get("notice"),
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
def session_new():
    """Record a focus group or workshop."""
    if request.method == "GET":
        return _session_form(
            SessionInput(
                kind="focus_group",
                topic_guide=topic_guides.DEFAULT_TOPIC_GUIDE,
                facilitators=[str(_user().id)],
            ),
            {},
        )
    entered = _entered()
    try:
        session = focus_groups.create_session(entered, _user(), _today())
    except focus_groups.SessionError as error:
        return _session_form(entered, error.errors)
    return redirect(url_for("research.session", session_id=session.id, notice="created"))


@bp.route("/sessions/<session_id>/edit", methods=["GET", "POST"])
def session_edit(session_id: str):
    """Change a session's details (its stored turns follow its area, groups and kind)."""
    session = _session_or_404(session_id)
    if request.method == "GET":
        return _session_form(SessionInput.of(session), {}, session)
    entered = _entered()
    try:
        focus_groups.update_session(session_id, entered, _user(), _today())
    except focus_groups.SessionError as error:
        return _session_form(entered, error.errors, session)
    return redirect(url_for("research.session", session_id=session_id, notice="saved"))


def _session_page(session, upload_error: str | None = None, status: int = 200):
    turns = focus_groups.session_turns(session.id)
    by_stage: dict[str, list] = {stage: [] for stage in STAGE_LABELS}
    for segment in turns:
        by_stage.setdefault(segment.stage, []).append(segment)
    return render_template(
        "research/focus_groups/session.html",
        session=session,
        offered=focus_groups.choices(),
        kinds=KIND_LABELS,
        consent_labels=CONSENT_LABELS,
        by_stage=by_stage,
        stage_labels=STAGE_LABELS,
        turns=turns,
        views={v.id: v for v in segment_views_of(turns, original=False)},
        survey_slug=focus_groups.survey_questionnaire_slug(),
        upload_error=upload_error,
        form_errors=[{"text": upload_error, "href": "#transcript"}] if upload_error else [],
        notice=request.args.get("notice"),
        limit_mb=MAX_TRANSCRIPT_BYTES // (1024 * 1024),
    ), status


@bp.get("/sessions/<session_id>")
def session(session_id: str):
    """A session's details, the transcript upload, and its stored turns by stage."""
    return _session_page(_session_or_404(session_id))


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values) -> None:
    """The transcript upload may be larger than other forms: raise the limit for it alone
    (before the CSRF check reads the form), and only for signed-in staff."""
    if endpoint == "research.transcript_upload" and _may_upload():
        request.max_content_length = UPLOAD_REQUEST_LIMIT


def _may_upload() -> bool:
    return current_user.is_authenticated and current_user.role in RESEARCH_ROLES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    """A transcript over the limit: say so on the session page; elsewhere the usual page.

    The CSRF check reads the form, and so raises this, before the blueprint's access rule has
    run: the rule is run here before anything of the session is shown."""
    generic = render_template("errors/error.html", title=TITLES[413], code=413), 413
    if request.endpoint != "research.transcript_upload" or not _may_upload():
        return generic
    try:
        if _access_rule() is not None:  # a session that has ended, for instance
            return generic
    except HTTPException:
        return generic
    session = focus_groups.find_session((request.view_args or {}).get("session_id", ""))
    if session is None:
        return generic
    limit = MAX_TRANSCRIPT_BYTES // (1024 * 1024)
    return _session_page(session, f"The file is larger than {limit} MB", 413)


@bp.post("/sessions/<session_id>/transcript")
def transcript_upload(session_id: str):
    """Read an uploaded transcript (in memory) into a pending import; then the preview."""
    upload = request.files.get("transcript")
    session = _session_or_404(session_id)
    if upload is None or not upload.filename:
        return _session_page(session, "Select a transcript file", 400)
    data = upload.stream.read(MAX_TRANSCRIPT_BYTES + 1)
    try:
        pending = transcripts.start_import(session_id, data, _user())
    except (TranscriptError, transcripts.ImportRefused) as error:
        return _session_page(session, str(error), 400)
    finally:
        del data
    return redirect(
        url_for("research.transcript_preview", session_id=session_id, pending_id=pending.id)
    )


def _pending_or_gone(session_id: str, pending_id: str):
    pending = transcripts.find_pending(session_id, pending_id, _user())
    if pending is None:
        session = _session_or_404(session_id)
        return None, _session_page(
            session,
            "That preview has expired or was already used: upload the transcript again",
            404,
        )
    return pending, None


def _preview_page(session_id: str, pending, errors: dict[str, str] | None = None, status=200):
    session = _session_or_404(session_id)
    preview = transcripts.preview_of(pending)
    errors = errors or {}
    return render_template(
        "research/focus_groups/preview.html",
        session=session,
        pending=pending,
        preview=preview,
        marks={int(k): v for k, v in pending.marks.items()},
        continue_mark=CONTINUE,
        stage_labels=STAGE_LABELS,
        kinds=KIND_LABELS,
        offered=focus_groups.choices(),
        errors=errors,
        form_errors=[{"text": m, "href": f"#{f}"} for f, m in errors.items()],
        notice=request.args.get("notice"),
    ), status


@bp.get("/sessions/<session_id>/imports/<pending_id>")
def transcript_preview(session_id: str, pending_id: str):
    """What would be stored: pseudonyms, every replacement, each turn's section and stage."""
    pending, gone = _pending_or_gone(session_id, pending_id)
    if pending is None:
        return gone
    return _preview_page(session_id, pending)


@bp.post("/sessions/<session_id>/imports/<pending_id>")
def transcript_update(session_id: str, pending_id: str):
    """Apply the researcher's changes (terms added or removed, replacements undone, section
    marks) to the pending import; the preview is recomputed on the server."""
    _session_or_404(session_id)
    form = request.form
    marks = {}
    for name, value in form.items():
        if name.startswith("mark-") and name[5:].isdigit() and value:
            marks[int(name[5:])] = value
    changes = transcripts.Changes(
        add_term=form.get("add_term", ""),
        remove_added=tuple(form.getlist("remove_added")),
        keep=tuple(form.getlist("keep")),
        marks=marks,
    )
    try:
        updated = transcripts.update_pending(session_id, pending_id, _user(), _revision(), changes)
    except transcripts.StaleRevision as error:
        return _preview_again(session_id, pending_id, {"revision": str(error)}, 409)
    except ValueError as error:
        return _preview_again(session_id, pending_id, {"add_term": str(error)}, 400)
    if updated is None:
        return _pending_or_gone(session_id, pending_id)[1]
    return redirect(
        url_for(
            "research.transcript_preview",
            session_id=session_id,
            pending_id=pending_id,
            notice="updated",
        )
    )


def _revision() -> int:
    revision = request.form.get("revision", "")
    return int(revision) if revision.isdigit() and len(revision) < 10 else -1


def _preview_again(session_id: str, pending_id: str, errors: dict[str, str], status: int):
    pending, gone = _pending_or_gone(session_id, pending_id)
    if pending is None:
        return gone
    return _preview_page(session_id, pending, errors, status)


@bp.post("/sessions/<session_id>/imports/<pending_id>/confirm")
def transcript_confirm(session_id: str, pending_id: str):
    """Store the previewed turns as segments, in one transaction, and forget the upload."""
    _session_or_404(session_id)
    try:
        stored = transcripts.confirm_pending(session_id, pending_id, _user(), _revision())
    except transcripts.StaleRevision as error:
        return _preview_again(session_id, pending_id, {"revision": str(error)}, 409)
    except transcripts.ImportRefused as error:
        return _session_page(_session_or_404(session_id), str(error), 409)
    if stored is None:
        return _pending_or_gone(session_id, pending_id)[1]
    return redirect(url_for("research.session", session_id=session_id, notice="stored"))


@bp.post("/sessions/<session_id>/imports/<pending_id>/cancel")
def transcript_cancel(session_id: str, pending_id: str):
    """Forget the upload; nothing is stored."""
    _session_or_404(session_id)
    transcripts.cancel_pending(session_id, pending_id, _user())
    return redirect(url_for("research.session", session_id=session_id, notice="cancelled"))


def _delete_page(session, errors: dict[str, str] | None = None, status: int = 200):
    errors = errors or {}
    return render_template(
        "research/focus_groups/transcript_delete.html",
        session=session,
        stored=transcripts.stored_transcript(session.id),
        offered=focus_groups.choices(),
        kinds=KIND_LABELS,
        form_errors=errors,
    ), status


@bp.route("/sessions/<session_id>/transcript/delete", methods=["GET", "POST"])
def transcript_delete(session_id: str):
    """Delete a session's stored turns (after a page saying what goes), so that a corrected
    transcript can be uploaded."""
    session = _session_or_404(session_id)
    if request.method == "GET":
        return _delete_page(session)
    expected = request.form.get("expected", "")
    try:
        deleted = transcripts.delete_stored(
            session_id,
            _user(),
            int(expected) if expected.isdigit() and len(expected) < 10 else -1,
        )
    except transcripts.ImportRefused as error:
        return _delete_page(_session_or_404(session_id), {"expected": str(error)}, 409)
    if deleted is None:
        abort(404)
    return redirect(url_for("research.session", session_id=session_id, notice="deleted"))
