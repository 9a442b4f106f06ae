"""Respondent pages: thin views over services.drafts, services.responses and the definition."""

import contextlib
from dataclasses import replace
from datetime import UTC, date, datetime

from flask import abort, current_app, redirect, render_template, request, session, url_for
from limits import parse
from sqlalchemy.exc import OperationalError
from wtforms import ValidationError

from survey_app import start_page_shortcut
from survey_app.csrf_tokens import generate_csrf, validate_csrf
from survey_app.database import read_before_writing
from survey_app.extensions import csrf, limiter
from survey_app.page_cache import render_page
from survey_app.pages.presenters import present_page
from survey_app.questionnaire import AnswerError
from survey_app.ratelimit import anonymous_client_key
from survey_app.respond import bp
from survey_app.services import drafts, journey, questionnaires, responses, support_services

# CSRF is checked inside the views here so that a stale token re-shows the page with what was typed.
csrf.exempt(bp)

NOTICES = {
    "earlier-first": "Answer the earlier questions first. You can skip any question.",
    "not-asked": "That question does not apply to you, so we have taken you to the next one.",
    "started-again": (
        "Your session had ended, so we started a new one. Check the answers on this page and "
        "continue. If you saved your answers earlier, you can continue with your code instead."
    ),
    "resumed": "Welcome back. You can carry on where you left off.",
}


def now() -> datetime:
    """The current time in UTC without tzinfo (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return now().date()


def _questionnaire_or_404(slug: str, fresh: bool = False):
    showing_only = request.method in ("GET", "HEAD") and not fresh
    max_age = current_app.config["PUBLISHED_CACHE_SECONDS"] if showing_only else 0
    found = questionnaires.find_published(slug, max_age)
    if found is None:
        abort(404)
    return found


def _draft_for(found, find=drafts.find_draft_snapshot):
    """The session's open draft for this questionnaire, or None: a read-only snapshot, or with
    `find=drafts.find_draft` the ORM object (for pages that change more than its answers)."""
    draft = find(session.get("draft"), now())
    if draft is None or draft.status != "open":
        return None
    if _version(draft).questionnaire_id != found.row.id:
        return None
    return draft


def _version(draft):
    """The draft's questionnaire version, parsed once per app (versions never change)."""
    return questionnaires.published_version(draft.version_id)


def _may_start_draft() -> bool:
    """Count one more new draft for this client (an HMAC key, never the address) this hour.

    Only starting a draft counts, so someone carrying on with their own is never turned away.
    """
    if not limiter.enabled:
        return True
    allowance = parse(f"{current_app.config['DRAFTS_PER_HOUR']}/hour")
    return limiter.limiter.hit(allowance, "new-draft", anonymous_client_key())


def _start_draft(found):
    """A new draft for this visitor, its id put in the session (429 when over the limit)."""
    if not _may_start_draft():
        abort(429)
    draft = drafts.start_draft(found.version, now(), current_app.config["UNSAVED_DRAFT_HOURS"])
    session["draft"] = draft.id
    return draft


def _csrf_ok() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


@bp.get("/")
def index():
    """List the questionnaires open today."""
    return render_template("respond/index.html", items=questionnaires.open_questionnaires(today()))


@bp.get("/s/<slug>/")
def start(slug: str):
    """Start page: purpose, anonymity, time needed, skipping, support, and 999."""
    found = _questionnaire_or_404(slug)
    row, day, has_draft = found.row, today(), _draft_for(found) is not None
    # The busiest page: rendered once per version, dates, day and draft-or-not (page_cache.py).
    page = render_page(
        (row.slug, found.version.content_hash, row.opens_on, row.closes_on, day, has_draft),
        "respond/start.html",
        lambda: {
            "found": found,
            "is_open": row.is_open(day),
            "support_services": support_services.general_support_services(),
            "draft": has_draft,
            "today": day,
        },
    )
    if not has_draft:  # the same for every visitor without a cookie: served again without Flask
        start_page_shortcut.allow_keeping(slug, day)
    return page


@bp.get("/s/<slug>/start")
def begin(slug: str):
    """Start, or carry on with, the questionnaire: the start page's button is a plain link.

    A link (as GOV.UK start buttons are) means the start page needs no CSRF token, so merely
    reading it sets no cookie at all. A cross-site link here can only start an empty draft or
    land on the visitor's own: SameSite=Lax cookies travel with top-level links, so an existing
    draft is found and kept, never replaced.
    """
    found = _questionnaire_or_404(slug, fresh=True)
    if not found.row.is_open(today()):
        return redirect(url_for("respond.start", slug=slug))
    draft = _draft_for(found) or _start_draft(found)
    # The session cookie is being set anyway: give it the CSRF token now, so that the question
    # page does not sign and send a new cookie as well.
    generate_csrf()
    return redirect(_next_url(found, draft))


def _next_url(found, draft, answers=None) -> str:
    definition = _version(draft).definition
    answers = drafts.answers_of(draft) if answers is None else answers
    page = journey.next_unseen_page(definition, answers)
    if page is None:
        return url_for("respond.check", slug=found.row.slug)
    return url_for("respond.question", slug=found.row.slug, page_id=page.id)


@bp.route("/s/<slug>/q/<page_id>", methods=["GET", "POST"])
def question(slug: str, page_id: str):
    """One page of questions: show it, or validate and save what was given."""
    if request.method == "POST":
        # No write lock until answers are written: save_answers reads the draft again under it.
        read_before_writing()
    found = _questionnaire_or_404(slug)
    if not found.row.is_open(today()):
        return redirect(url_for("respond.start", slug=slug))
    draft = _draft_for(found)
    notice = NOTICES.get(request.args.get("notice", ""))
    if draft is None:
        # Without a valid token this may be another site's form (SameSite=Lax cookies do not
        # travel with a cross-site POST): starting a draft would replace the visitor's session
        # and lose their answers. Leave the session alone and go to the start page.
        if request.method == "GET" or not _csrf_ok():
            return redirect(url_for("respond.start", slug=slug))
        # The draft lapsed mid-page (the session and its token remain): start again without
        # losing what was just typed.
        draft = _start_draft(found)
        definition = _version(draft).definition
        page = _page_or_none(definition, page_id)
        if page is None or page not in definition.visible_pages({}):
            # The page depends on answers the lost session held: start from the beginning.
            return redirect(_with_notice(_next_url(found, draft), "started-again"))
        return _render_page(found, draft, page, request.form, {}, NOTICES["started-again"])

    definition = _version(draft).definition
    answers = drafts.answers_of(draft)
    page = _page_or_none(definition, page_id)
    visible = definition.visible_pages(answers)
    if page is None or page not in visible:
        return redirect(_with_notice(_next_url(found, draft), "not-asked"))
    if request.method == "GET":
        if not journey.is_reached(definition, page, answers, visible):
            return redirect(_with_notice(_next_url(found, draft), "earlier-first"))
        values = {}
        for q in page.questions:
            if q.name in answers:
                values.update(q.form_values(answers[q.name]))
        return _render_page(found, draft, page, values, {}, notice, visible)

    if not _csrf_ok():
        return _render_page(found, draft, page, request.form, {}, NOTICES["started-again"])
    parsed, errors = {}, {}
    for q in definition.relevant_questions(page, answers):
        try:
            parsed[q.name] = q.parse(request.form)
        except AnswerError as error:
            errors[q.name] = error
    if errors:
        return _render_page(found, draft, page, request.form, errors, None)
    # The saved answers, as stored: reading the draft again would take another transaction.
    saved = drafts.save_answers(draft, definition, page, parsed)
    if request.form.get("action") == "save":
        return redirect(url_for("respond.save", slug=slug))
    if request.form.get("return_to") == "check":
        return redirect(_next_url(found, draft, saved))
    # The pages shown change only if the answers did (a page sent again unchanged is common).
    following = definition.next_page(page.id, saved, visible if saved == answers else None)
    if following is None:
        return redirect(url_for("respond.check", slug=slug))
    return redirect(url_for("respond.question", slug=slug, page_id=following.id))


def _page_or_none(definition, page_id):
    try:
        return definition.page(page_id)
    except KeyError:
        return None


def _with_notice(url: str, notice: str) -> str:
    return f"{url}?notice={notice}"


def _render_page(found, draft, page, values, errors, notice, visible=None):
    answers = drafts.answers_of(draft)
    questions = _version(draft).definition.relevant_questions(page, answers)
    return render_question_page(
        found, _version(draft), answers, page, questions, values, errors, notice, visible
    )


def render_question_page(
    found, version, answers, page, questions, values, errors, notice, visible=None
):
    """A question page showing `questions` of `page`, filled in with `values` (`visible`: the
    answers' visible pages, if the caller has them already)."""
    definition = version.definition
    values = (
        {key: list(values.getlist(key)) for key in values} if hasattr(values, "getlist") else values
    )
    sections = definition.sections
    section_number = next(i for i, s in enumerate(sections, 1) if s.id == page.section_id)
    previous = definition.previous_page(page.id, answers, visible)
    back = (
        url_for("respond.question", slug=found.row.slug, page_id=previous.id)
        if previous
        else url_for("respond.start", slug=found.row.slug)
    )
    if request.values.get("return_to") == "check":
        back = url_for("respond.check", slug=found.row.slug)
    # Only "check" means anything: any other value would be a new page-cache key for each
    # made-up value, letting anyone empty the cache (page_cache.MAX_PAGES) at will.
    return_to = "check" if request.values.get("return_to") == "check" else None

    def context() -> dict:
        error_list = [
            {"text": str(error.message), "href": f"#{error.field_id}"} for error in errors.values()
        ]
        return {
            "found": found,
            "page": page,
            "heading": page.title if len(questions) > 1 else questions[0].label,
            "rendered": present_page(
                _only(page, questions), values, {k: e.message for k, e in errors.items()}
            ),
            "section": sections[section_number - 1],
            "section_number": section_number,
            "section_count": len(sections),
            "back": back,
            "notice": notice,
            "form_errors": error_list,
            "return_to": return_to,
        }

    if values or errors:
        return render_template("respond/question.html", **context())
    # A page with nothing filled in looks the same for everyone who reaches it the same way.
    key = (
        found.row.slug,
        version.content_hash,
        page.id,
        tuple(q.name for q in questions),
        back,
        notice,
        return_to,
    )
    return render_page(key, "respond/question.html", context)


def _only(page, questions):
    return replace(page, questions=tuple(questions))


@bp.route("/s/<slug>/check", methods=["GET", "POST"])
@limiter.limit(lambda: f"{current_app.config['SUBMISSIONS_PER_HOUR']}/hour", methods=["POST"])
def check(slug: str):
    """Check your answers, with change links; posting submits."""
    found = _questionnaire_or_404(slug)
    if not found.row.is_open(today()):
        return redirect(url_for("respond.start", slug=slug))
    draft = _draft_for(found, drafts.find_draft)
    if draft is None:
        if request.method == "POST" and _already_sent():
            # An earlier press sent the answers but its reply never arrived (a dropped
            # connection): pressing again lands on the confirmation, not on a new start.
            return redirect(url_for("respond.done", slug=slug))
        return redirect(url_for("respond.start", slug=slug))
    definition = _version(draft).definition
    answers = drafts.answers_of(draft)
    if journey.next_unseen_page(definition, answers) is not None:
        return redirect(_with_notice(_next_url(found, draft), "earlier-first"))
    if request.method == "POST":
        if not _csrf_ok():
            return render_template("errors/session_expired.html"), 400
        # A second click or tab finds the draft already spent: both land on the confirmation.
        with contextlib.suppress(responses.AlreadySubmitted):
            responses.submit_draft(draft, definition, answers, now())
        return redirect(url_for("respond.done", slug=slug))
    return render_template(
        "respond/check.html",
        found=found,
        summary=journey.summary(definition, answers),
    )


def _already_sent() -> bool:
    spent = drafts.find_draft(session.get("draft"), now())
    return spent is not None and spent.status == "submitted"


@bp.get("/s/<slug>/done")
def done(slug: str):
    """Confirmation, shown once, with support services chosen by crime type and area.

    The services hint at what happened and where, so the page is not left for whoever uses the
    browser next: once shown, the spent draft is deleted and dropped from the session, and a
    reload gets a neutral page that names nothing.
    """
    found = _questionnaire_or_404(slug)
    draft = drafts.find_draft(session.get("draft"), now())
    if draft is not None and draft.status == "open":
        return redirect(url_for("respond.start", slug=slug))
    if draft is None:
        return render_template("respond/sent.html", found=found)
    page = render_template(
        "respond/done.html",
        found=found,
        support_services=support_services.support_services_for_answers(drafts.answers_of(draft)),
    )
    drafts.forget_submitted(draft.id)
    session.pop("draft", None)
    return page


@bp.route("/s/<slug>/save", methods=["GET", "POST"])
def save(slug: str):
    """Save and come back later: a random code, shown once; no email or name asked."""
    found = _questionnaire_or_404(slug)
    draft = _draft_for(found, drafts.find_draft)
    if draft is None:
        return redirect(url_for("respond.start", slug=slug))
    days = current_app.config["RESUME_CODE_DAYS"]
    if request.method == "POST":
        if not _csrf_ok():
            return render_template("errors/session_expired.html"), 400
        code = drafts.save_for_later(draft, now(), days)
        return render_template("respond/saved.html", found=found, code=code, days=days)
    return render_template(
        "respond/save.html", found=found, days=days, next_url=_next_url(found, draft)
    )


@bp.route("/resume", methods=["GET", "POST"])
@limiter.limit(lambda: f"{current_app.config['RESUME_ATTEMPTS_PER_HOUR']}/hour", methods=["POST"])
def resume():
    """Continue a saved questionnaire with its code."""
    error = None
    code = ""
    if request.method == "POST":
        code = request.form.get("code", "")[:100]
        if not _csrf_ok():
            error = "Your session had ended. Enter your code again"
        elif not code.strip():
            error = "Enter the code you were given"
        elif drafts.normalise_code(code) is None:
            error = "Enter the code exactly as it was shown, for example 7K3QM-XPD9R-TVW2A"
        else:
            draft = drafts.resume(code, now())
            if draft is None:
                error = "That code is not recognised or has expired. Check it and try again"
            else:
                session.clear()
                session["draft"] = draft.id
                found = questionnaires.find_questionnaire(draft.version.questionnaire.slug)
                return redirect(_with_notice(_next_url(found, draft), "resumed"))
    return render_template(
        "respond/resume.html",
        code=code,
        error=error,
        form_errors=[{"text": error, "href": "#code"}] if error else [],
    )


@bp.get("/exit")
def quick_exit():
    """Quick exit: forget the session (and an unsaved draft), then leave for a neutral site.

    It leaves even when the database cannot be reached: the draft then lapses by itself.
    """
    with contextlib.suppress(OperationalError):
        drafts.discard(session.get("draft"))
    session.clear()
    response = redirect(current_app.config["EXIT_URL"], code=303)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response.delete_cookie(current_app.config["SESSION_COOKIE_NAME"])
    return response


@bp.get("/support")
def support_page():
    """Every support service we signpost, national first."""
    return render_template(
        "respond/support.html", support_services=support_services.all_support_services()
    )


@bp.get("/privacy")
def privacy():
    """How anonymity is kept, in plain English."""
    return render_template("respond/privacy.html")


@bp.get("/accessibility")
def accessibility():
    """Accessibility statement."""
    return render_template("respond/accessibility.html")
