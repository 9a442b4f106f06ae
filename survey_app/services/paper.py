"""Paper questionnaires: printing batches, logging returns, keying, double entry, reconciling.

Each printed copy has a serial (survey_app.paper.serials). Staff key a copy into a PaperEntry;
when a questionnaire needs double entry a second, different person keys it blind. Agreeing
entries (or a single one) become a final Response with channel "paper"; disagreeing ones wait
for a person to settle each difference from the paper. Every write is audited.
"""

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from survey_app.database import committing
from survey_app.extensions import db
from survey_app.models import (
    PaperBatch,
    PaperCopy,
    PaperEntry,
    PaperReturn,
    QuestionnaireRow,
    Response,
    User,
)
from survey_app.models.base import random_id
from survey_app.paper import render_paper_html, render_paper_pdf
from survey_app.paper.serials import check_serial, make_serial, serial_problem
from survey_app.questionnaire import Answer, AnswerError, AnswerState, MonthYear, Questionnaire
from survey_app.services import audit, segments, support_services
from survey_app.services.questionnaires import definition_of
from survey_app.services.responses import answer_rows

MAX_BATCH = 2000
#: ``final_via`` of a copy reconciled by one of the two people who keyed it.
SELF_SETTLED = "self-settled"
#: Form values that mark a question's state instead of an answer.
STATE_VALUES = {
    "state:illegible": AnswerState.ILLEGIBLE,
    "state:multiple": AnswerState.MULTIPLE,
}


class KeyingProblem(Exception):
    """A serial cannot be keyed (now, by this person); the message says why, in plain words."""


class Conflict(Exception):
    """Someone saved the same record since this person opened it."""


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# ----- printing and returns -------------------------------------------------------------------


def _prefix_for(row: QuestionnaireRow) -> str:
    """Initials of the slug's words (at least 2 letters), made unique among questionnaires."""
    words = [w for w in re.split(r"[^a-z]+", row.slug.lower()) if w]
    base = "".join(w[0] for w in words).upper()[:4] or "Q"
    base = (base + "X")[: max(2, len(base))]
    taken = set(db.session.scalars(select(QuestionnaireRow.paper_prefix)))
    candidate, n = base, 0
    while candidate in taken:
        n += 1
        candidate = base[:4] + chr(ord("A") + (n - 1) // 26) + chr(ord("A") + (n - 1) % 26)
    return candidate


def print_batch(row: QuestionnaireRow, count: int, user: User, today: date) -> PaperBatch:
    """Record a batch of `count` copies of the current version with the next serials."""
    if not 1 <= count <= MAX_BATCH:
        raise ValueError(f"A batch has 1 to {MAX_BATCH:,} copies")
    with committing():
        if row.paper_prefix is None:
            row.paper_prefix = _prefix_for(row)
        last = db.session.scalar(
            select(func.max(PaperCopy.number)).where(PaperCopy.questionnaire_id == row.id)
        )
        batch = PaperBatch(
            questionnaire_id=row.id,
            version_id=row.current_version_id,
            printed_on=today,
            count=count,
            created_by_id=user.id,
        )
        db.session.add(batch)
        db.session.flush()
        first = (last or 0) + 1
        for number in range(first, first + count):
            db.session.add(
                PaperCopy(
                    serial=make_serial(row.paper_prefix, number),
                    questionnaire_id=row.id,
                    version_id=row.current_version_id,
                    batch_id=batch.id,
                    number=number,
                )
            )
        audit.record(user, "paper.print", field=row.slug, new={"batch": batch.id, "count": count})
    return batch


def find_batch(batch_id: int) -> PaperBatch | None:
    return db.session.get(PaperBatch, batch_id)


@dataclass(frozen=True)
class BatchPart:
    """A run of a batch's copies downloaded as one PDF (big batches come in parts)."""

    number: int
    serials: list[str]

    @property
    def first(self) -> str:
        return self.serials[0]

    @property
    def last(self) -> str:
        return self.serials[-1]


def batch_parts(batch: PaperBatch) -> list[BatchPart]:
    """The batch's serials in parts of at most PAPER_COPIES_PER_PDF copies, in order."""
    size = current_app.config["PAPER_COPIES_PER_PDF"]
    serials = [copy.serial for copy in batch.copies]
    return [
        BatchPart(number, serials[start : start + size])
        for number, start in enumerate(range(0, len(serials), size), start=1)
    ]


def _paper_cache_dir() -> Path:
    configured = current_app.config.get("PAPER_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "paper-cache"


def batch_pdf(batch: PaperBatch, serials: list[str], large_print: bool) -> bytes:
    """The PDF of these copies of the batch: its version, every copy with its own serial."""
    return render_paper_pdf(
        definition_of(batch.version),
        serials,
        large_print,
        support_services=support_services.all_support_services(),
        cache_dir=_paper_cache_dir(),
    )


def batch_preview(batch: PaperBatch, serials: list[str], large_print: bool, css_href: str) -> str:
    """The printable HTML of these copies, linking its stylesheet (the CSP forbids inline ones)."""
    return render_paper_html(
        definition_of(batch.version),
        serials,
        large_print,
        support_services=support_services.all_support_services(),
        css_href=css_href,
    )


def batches_for(row: QuestionnaireRow) -> list[PaperBatch]:
    return list(
        db.session.scalars(
            select(PaperBatch)
            .where(PaperBatch.questionnaire_id == row.id)
            .order_by(PaperBatch.id.desc())
        )
    )


def log_return(row: QuestionnaireRow, received_on: date, count: int, user: User) -> PaperReturn:
    """Record a delivery of completed copies."""
    if count < 1:
        raise ValueError("A delivery has at least 1 copy")
    with committing():
        delivery = PaperReturn(
            questionnaire_id=row.id, received_on=received_on, count=count, logged_by_id=user.id
        )
        db.session.add(delivery)
        audit.record(
            user,
            "paper.return",
            field=row.slug,
            new={"received_on": received_on.isoformat(), "count": count},
        )
    return delivery


def set_double_entry(row: QuestionnaireRow, required: bool, user: User) -> None:
    """Require (or stop requiring) two independent keyings of every copy."""
    if row.double_entry != required:
        with committing():
            audit.record(
                user,
                "questionnaire.double_entry",
                field=row.slug,
                old=row.double_entry,
                new=required,
            )
            row.double_entry = required


# ----- finding a copy to key --------------------------------------------------------------------


def find_copy(serial: str) -> PaperCopy | None:
    normalised = check_serial(serial)
    return db.session.get(PaperCopy, normalised) if normalised else None


def entries_needed(copy: PaperCopy) -> int:
    row = db.session.get(QuestionnaireRow, copy.questionnaire_id)
    return 2 if row.double_entry else 1


def own_entry(copy: PaperCopy, user: User) -> PaperEntry | None:
    return next((e for e in copy.entries if e.keyer_id == user.id), None)


def serial_examples() -> list[str]:
    """Example serials with the real prefixes, the most recently printed first (what staff see
    on the forms in front of them); a made-up one before anything is printed."""
    prefixes = db.session.execute(
        select(QuestionnaireRow.paper_prefix, func.max(PaperBatch.id))
        .join(PaperBatch, PaperBatch.questionnaire_id == QuestionnaireRow.id)
        .group_by(QuestionnaireRow.paper_prefix)
        .order_by(func.max(PaperBatch.id).desc())
    ).all()
    return [make_serial(prefix, 123) for prefix, _ in prefixes] or [make_serial("VES", 123)]


def printed_copy(text: str) -> PaperCopy:
    """The printed copy a typed serial names; else KeyingProblem saying what is wrong."""
    problem = serial_problem(text)
    if problem == "format":
        raise KeyingProblem(
            f"Enter the serial number as printed on the form, like {serial_examples()[0]}"
        )
    if problem == "check-digit":
        raise KeyingProblem("That serial number is not right: check each digit against the form")
    copy = find_copy(text)
    if copy is None:
        raise KeyingProblem(f"No printed copy has the serial number {check_serial(text)}")
    return copy


def copy_for_keying(text: str, user: User) -> PaperCopy:
    """The copy a typed serial names, if this person may key it now; else KeyingProblem."""
    copy = printed_copy(text)
    if own_entry(copy, user) is not None:
        if copy.response_id or len(copy.entries) >= entries_needed(copy):
            raise KeyingProblem(f"You have already keyed {copy.serial}")
        raise KeyingProblem(
            f"You have already keyed {copy.serial}. Someone else must key it the second time"
        )
    if copy.response_id is not None:
        raise KeyingProblem(f"{copy.serial} has already been keyed and is final")
    if len(copy.entries) >= entries_needed(copy):
        raise KeyingProblem(f"{copy.serial} has already been keyed twice")
    return copy


# ----- the keying form --------------------------------------------------------------------------


def question_numbers(definition: Questionnaire) -> dict[str, int]:
    """Question name -> number on paper (1 upwards, in questionnaire order)."""
    return {q.name: n for n, q in enumerate(definition.questions, start=1)}


def _state_field(question) -> str:
    return question.name if question.has_choices else f"{question.name}-state"


def parse_question(question, form) -> Answer:
    """Read one question as keyed from paper; raise AnswerError for an impossible entry."""
    marks = [v for v in form.getlist(_state_field(question)) if v in STATE_VALUES]
    if marks:
        own = [
            v
            for name in question.field_names()
            for v in form.getlist(name)
            if v and v not in STATE_VALUES
        ]
        if len(marks) > 1 or own:
            raise AnswerError(
                "Key the answer or mark it illegible or more than one ticked, not both",
                question.field_id,
            )
        return Answer(STATE_VALUES[marks[0]])
    data = MultiDict(form)
    if question.has_choices:
        data.setlist(
            question.name, [v for v in form.getlist(question.name) if v not in STATE_VALUES]
        )
    # A required question can be left blank on paper: record it as not answered. Paper
    # respondents often write a year without its month: that is kept as a year alone.
    if isinstance(question, MonthYear):
        question = replace(question, year_alone=True)
    return replace(question, required=False).parse(data)


def parse_keyed(
    definition: Questionnaire, form
) -> tuple[dict[str, Answer], dict[str, AnswerError]]:
    """Every question's answer as keyed (routing ignored), and errors by question name."""
    answers, errors = {}, {}
    for question in definition.questions:
        try:
            answers[question.name] = parse_question(question, form)
        except AnswerError as error:
            errors[question.name] = error
    return answers, errors


def form_values(definition: Questionnaire, answers: dict[str, Answer]) -> dict[str, list[str]]:
    """Form fields that show stored answers again on the keying page."""
    values: dict[str, list[str]] = {}
    for question in definition.questions:
        answer = answers.get(question.name)
        if answer is not None and answer.state in (AnswerState.ILLEGIBLE, AnswerState.MULTIPLE):
            mark = next(k for k, v in STATE_VALUES.items() if v is answer.state)
            values[_state_field(question)] = [mark]
        else:
            values.update(question.form_values(answer))
    return values


def routing_flags(definition: Questionnaire, answers: dict[str, Answer]) -> dict[str, str]:
    """Questions answered on paper although the routing says they should have been skipped."""
    numbers = question_numbers(definition)
    flags = {}
    for question in definition.questions:
        answer = answers.get(question.name)
        if answer is None or answer.state is AnswerState.SKIPPED:
            continue
        if not definition.is_relevant(question, answers):
            flags[question.name] = (
                f"Question {numbers[question.name]} was answered, but the routing says it "
                "should have been skipped"
            )
    return flags


@dataclass(frozen=True)
class Blanks:
    """How many of the questions the routing shows were left blank in a keying."""

    blank: int
    shown: int

    @property
    def most(self) -> bool:
        """More than half of the questions the routing shows are blank."""
        return self.blank * 2 > self.shown


def blanks(definition: Questionnaire, answers: dict[str, Answer]) -> Blanks:
    """Blank questions among those the routing shows, given what was keyed."""
    shown = [q for q in definition.questions if definition.is_relevant(q, answers)]
    blank = [
        q
        for q in shown
        if answers.get(q.name) is None or answers[q.name].state is AnswerState.SKIPPED
    ]
    return Blanks(len(blank), len(shown))


def answers_of(entry: PaperEntry) -> dict[str, Answer]:
    return {name: Answer.from_json(data) for name, data in entry.answers.items()}


def _json(answers: dict[str, Answer]) -> dict:
    return {name: answer.to_json() for name, answer in answers.items()}


# ----- saving entries ---------------------------------------------------------------------------


@dataclass
class SaveResult:
    """What happened when an entry was saved."""

    copy: PaperCopy
    entry: PaperEntry
    outcome: str  # "saved", "waiting", "final", "discrepancies"
    discrepancies: list[str] = field(default_factory=list)


def save_entry(
    copy: PaperCopy,
    user: User,
    definition: Questionnaire,
    answers: dict[str, Answer],
    expected_version: int | None,
    today: date,
) -> SaveResult:
    """Create this person's entry for the copy, or change it (refused if changed meanwhile).

    Every field created or changed is audited. When the copy has all the entries it needs,
    they are compared: agreement (or a single entry) makes the copy final.
    """
    with committing():
        flags = routing_flags(definition, answers)
        entry = own_entry(copy, user)
        new_json = _json(answers)
        if entry is None:
            if copy.response_id is not None or len(copy.entries) >= entries_needed(copy):
                raise KeyingProblem(f"{copy.serial} has already been keyed by enough people")
            entry = PaperEntry(
                serial=copy.serial,
                round=len(copy.entries) + 1,
                keyer_id=user.id,
                answers=new_json,
                flags=flags,
                saved_at=now(),
            )
            db.session.add(entry)
            try:
                db.session.flush()
            except IntegrityError:
                # Someone else saved the same round at the same moment.
                raise Conflict from None
            for name, data in new_json.items():
                audit.record(user, "entry.create", serial=copy.serial, field=name, new=data)
        else:
            if copy.response_id is not None or len(copy.entries) >= entries_needed(copy):
                raise KeyingProblem(
                    f"{copy.serial} has been compared already and cannot be changed"
                )
            changed = db.session.execute(
                update(PaperEntry)
                .where(PaperEntry.id == entry.id, PaperEntry.lock_version == expected_version)
                .values(
                    answers=new_json,
                    flags=flags,
                    saved_at=now(),
                    lock_version=PaperEntry.lock_version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount != 1:
                raise Conflict
            for name, data in new_json.items():
                old = entry.answers.get(name)
                if old != data:
                    audit.record(
                        user, "entry.change", serial=copy.serial, field=name, old=old, new=data
                    )
    db.session.refresh(copy)
    db.session.refresh(entry)
    return _after_save(copy, entry, user, definition, today)


def _after_save(copy, entry, user, definition, today) -> SaveResult:
    needed = entries_needed(copy)
    if len(copy.entries) < needed:
        return SaveResult(copy, entry, "waiting")
    if needed == 1:
        finalise(copy, user, definition, answers_of(entry), "single", today)
        return SaveResult(copy, entry, "final")
    differing = discrepancies(definition, copy.entries[0], copy.entries[1])
    if not differing:
        finalise(copy, user, definition, answers_of(entry), "agreed", today)
        return SaveResult(copy, entry, "final")
    return SaveResult(copy, entry, "discrepancies", differing)


def discrepancies(definition: Questionnaire, first: PaperEntry, second: PaperEntry) -> list[str]:
    """Names of the questions the two keyings disagree on, in questionnaire order."""
    return [
        q.name
        for q in definition.questions
        if first.answers.get(q.name) != second.answers.get(q.name)
    ]


def finalise(copy, user, definition, answers, via: str, today: date) -> Response:
    """Store the copy's answers as a final paper Response with its segments, exactly once."""
    with committing():
        response = Response(
            id=random_id(), version_id=copy.version_id, channel="paper", submitted_on=today
        )
        response.answers = answer_rows(definition, answers)
        db.session.add(response)
        segments.add_for_new_response(response, definition)
        db.session.flush()
        claimed = db.session.execute(
            update(PaperCopy)
            .where(PaperCopy.serial == copy.serial, PaperCopy.response_id.is_(None))
            .values(response_id=response.id, final_via=via, lock_version=PaperCopy.lock_version + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise Conflict
        audit.record(user, "response.final", serial=copy.serial, response_id=response.id, new=via)
    db.session.refresh(copy)
    return response


# ----- reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    """One question the two keyings disagree on."""

    question: object
    number: int
    first: Answer
    second: Answer


def discrepancies_of(copy: PaperCopy) -> list[Discrepancy]:
    """The differences waiting to be settled for a copy keyed twice."""
    if len(copy.entries) < 2:
        return []
    definition = definition_of(copy.version)
    numbers = question_numbers(definition)
    first, second = copy.entries[0], copy.entries[1]
    return [
        Discrepancy(
            definition.question(name),
            numbers[name],
            Answer.from_json(first.answers.get(name, {"state": "skipped"})),
            Answer.from_json(second.answers.get(name, {"state": "skipped"})),
        )
        for name in discrepancies(definition, first, second)
    ]


@dataclass(frozen=True)
class RoutingFlag:
    """A question answered on paper although the routing skips it, and which keyings say so."""

    question: str
    message: str
    keyings: tuple[str, ...]  # "first", "second"


def flags_of(copy: PaperCopy) -> list[RoutingFlag]:
    """Routing inconsistencies recorded when the copy was keyed, in questionnaire order."""
    definition = definition_of(copy.version)
    rounds = ("first", "second")
    found = []
    for question in definition.questions:
        keyings = tuple(
            rounds[n] for n, entry in enumerate(copy.entries[:2]) if question.name in entry.flags
        )
        if keyings:
            message = next(e.flags[question.name] for e in copy.entries if question.name in e.flags)
            found.append(RoutingFlag(question.name, message, keyings))
    return found


def settle(differences: list[Discrepancy], form) -> tuple[dict[str, Answer], dict[str, str]]:
    """Read the reconciliation form: per difference, the first keying, the second, or the
    answer keyed as "other"; returns the settled answers and error messages by question name."""
    settled, errors = {}, {}
    for item in differences:
        q = item.question
        choice = form.get(f"settle-{q.name}")
        if choice == "first":
            settled[q.name] = item.first
        elif choice == "second":
            settled[q.name] = item.second
        elif choice == "other":
            try:
                settled[q.name] = parse_question(q, form)
            except AnswerError as error:
                errors[q.name] = error.message
        else:
            errors[q.name] = f"Select what question {item.number} says on the paper"
    return settled, errors


def reconcile(
    copy: PaperCopy, user: User, settled: dict[str, Answer], expected_version: int, today: date
) -> Response:
    """Settle every difference (from the paper) and make the copy final; audited per field."""
    with committing():  # one transaction with finalise's
        claimed = db.session.execute(
            update(PaperCopy)
            .where(
                PaperCopy.serial == copy.serial,
                PaperCopy.lock_version == expected_version,
                PaperCopy.response_id.is_(None),
            )
            .values(lock_version=PaperCopy.lock_version + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise Conflict
        definition = definition_of(copy.version)
        first, second = copy.entries[0], copy.entries[1]
        answers = answers_of(second)
        for name in discrepancies(definition, first, second):
            answers[name] = settled[name]
            audit.record(
                user,
                "reconcile",
                serial=copy.serial,
                field=name,
                old={"first": first.answers.get(name), "second": second.answers.get(name)},
                new=settled[name].to_json(),
            )
        db.session.flush()
        db.session.refresh(copy)
        return finalise(copy, user, definition, answers, settled_via(copy, user), today)


def keyed_by(copy: PaperCopy, user: User) -> bool:
    """Whether this person keyed one of the copy's entries."""
    return any(entry.keyer_id == user.id for entry in copy.entries)


def settled_via(copy: PaperCopy, user: User) -> str:
    """How a reconciliation makes the copy final: "reconciled" by a third person, or
    "self-settled" by one of its two keyers (allowed: users.md's research officer settles the
    differences herself; recorded so that the dashboard can show it)."""
    return SELF_SETTLED if keyed_by(copy, user) else "reconciled"


# ----- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Counts for the paper dashboard."""

    issued: int
    returned: int
    keyed_once: int
    keyed_twice: int
    reconciled: int
    final: int
    awaiting_reconciliation: int
    self_settled: int = 0


def progress(row: QuestionnaireRow) -> Progress:
    """Issued, returned, keyed once and twice, reconciled and final copies."""
    copies = list(db.session.scalars(select(PaperCopy).where(PaperCopy.questionnaire_id == row.id)))
    returned = db.session.scalar(
        select(func.coalesce(func.sum(PaperReturn.count), 0)).where(
            PaperReturn.questionnaire_id == row.id
        )
    )
    keyed = Counter(len(c.entries) for c in copies)
    return Progress(
        issued=len(copies),
        returned=int(returned),
        keyed_once=sum(n for k, n in keyed.items() if k >= 1),
        keyed_twice=keyed.get(2, 0),
        reconciled=sum(1 for c in copies if c.final_via in ("reconciled", SELF_SETTLED)),
        self_settled=sum(1 for c in copies if c.final_via == SELF_SETTLED),
        final=sum(1 for c in copies if c.response_id),
        awaiting_reconciliation=sum(
            1 for c in copies if len(c.entries) == 2 and c.response_id is None
        ),
    )


@dataclass(frozen=True)
class FlaggedCopy:
    """A final copy with answers to questions its routing skips (paper question numbers)."""

    serial: str
    numbers: list[int]


def flagged_finals(row: QuestionnaireRow) -> list[FlaggedCopy]:
    """Final copies whose final answers include questions the routing says to skip, in serial
    order: judged on the final record (after reconciliation and corrections), as exports are."""
    found = []
    for copy, response in db.session.execute(
        select(PaperCopy, Response)
        .join(Response, Response.id == PaperCopy.response_id)
        .where(PaperCopy.questionnaire_id == row.id)
        .order_by(PaperCopy.number)
    ):
        definition = definition_of(copy.version)
        answers = {
            a.question: Answer.from_json({"state": a.state, "value": a.value})
            for a in response.answers
        }
        numbers = question_numbers(definition)
        flags = routing_flags(definition, answers)
        if flags:
            found.append(FlaggedCopy(copy.serial, [numbers[name] for name in flags]))
    return found


def self_settled(row: QuestionnaireRow) -> list[PaperCopy]:
    """Final copies whose differences were settled by one of their own two keyers."""
    return list(
        db.session.scalars(
            select(PaperCopy)
            .where(PaperCopy.questionnaire_id == row.id, PaperCopy.final_via == SELF_SETTLED)
            .order_by(PaperCopy.number)
        )
    )


def awaiting_reconciliation(row: QuestionnaireRow) -> list[PaperCopy]:
    copies = db.session.scalars(
        select(PaperCopy)
        .where(PaperCopy.questionnaire_id == row.id, PaperCopy.response_id.is_(None))
        .order_by(PaperCopy.number)
    )
    return [c for c in copies if len(c.entries) == 2]


@dataclass(frozen=True)
class ErrorRate:
    """Keying errors: discrepancies between two keyings over fields keyed twice."""

    label: str
    discrepancies: int
    fields: int

    @property
    def rate(self) -> float:
        return self.discrepancies / self.fields if self.fields else 0.0


def error_rates(row: QuestionnaireRow) -> tuple[ErrorRate, list[ErrorRate]]:
    """The keying error rate for the questionnaire and for each question (field)."""
    copies = [
        c
        for c in db.session.scalars(select(PaperCopy).where(PaperCopy.questionnaire_id == row.id))
        if len(c.entries) == 2
    ]
    per_field: dict[str, list[int]] = {}
    labels: dict[str, str] = {}
    for copy in copies:
        definition = definition_of(copy.version)
        numbers = question_numbers(definition)
        differing = set(discrepancies(definition, copy.entries[0], copy.entries[1]))
        for question in definition.questions:
            counts = per_field.setdefault(question.name, [0, 0])
            counts[0] += question.name in differing
            counts[1] += 1
            labels[question.name] = f"{numbers[question.name]}. {question.label}"
    fields = [ErrorRate(labels[name], d, n) for name, (d, n) in per_field.items()]
    total = ErrorRate(
        row.title, sum(f.discrepancies for f in fields), sum(f.fields for f in fields)
    )
    return total, fields
