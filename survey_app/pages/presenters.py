"""Turn typed questions into GOV.UK Frontend macro parameters (kept out of the templates)."""

from dataclasses import dataclass

from survey_app.questionnaire import LongText, MonthYear, MultipleChoice, Number, Page, Question

PREFER_NOT = "prefer-not-to-say"


@dataclass(frozen=True)
class RenderedQuestion:
    """Which GOV.UK macro draws a question, with its parameters."""

    macro: str
    params: dict
    prefer_not: dict | None = None  # a separate "Prefer not to say" checkbox for text inputs


def present_page(
    page: Page, values: dict[str, list[str]], errors: dict[str, str]
) -> list[RenderedQuestion]:
    """Macro parameters for every question on a page; a lone question's label is the heading."""
    heading = len(page.questions) == 1
    return [present_question(q, values, errors.get(q.name), heading) for q in page.questions]


def present_question(
    question: Question, values: dict[str, list[str]], error: str | None, heading: bool
) -> RenderedQuestion:
    """Macro parameters for one question, refilled from `values` (form field name -> values)."""
    if hasattr(question, "choices"):
        return _choices(question, values, error, heading)
    if isinstance(question, MonthYear):
        return _month_year(question, values, error, heading)
    return _text(question, values, error, heading)


def _label(question: Question, heading: bool) -> dict:
    return {
        "text": question.label,
        "isPageHeading": heading,
        "classes": "govuk-label--l" if heading else "govuk-label--m",
    }


def _legend(question: Question, heading: bool) -> dict:
    return {
        "legend": {
            "text": question.label,
            "isPageHeading": heading,
            "classes": "govuk-fieldset__legend--l" if heading else "govuk-fieldset__legend--m",
        }
    }


def _common(question: Question, error: str | None) -> dict:
    params: dict = {}
    if question.hint:
        params["hint"] = {"text": question.hint}
    if error:
        params["errorMessage"] = {"text": error}
    return params


def _choices(question, values, error, heading) -> RenderedQuestion:
    chosen = set(values.get(question.name, []))
    multiple = isinstance(question, MultipleChoice)
    items = []
    for choice in question.choices:
        item = {
            "value": choice.form_value,
            "text": choice.label,
            "checked": choice.form_value in chosen,
        }
        if choice.hint:
            item["hint"] = {"text": choice.hint}
        if multiple and choice.exclusive:
            item["behaviour"] = "exclusive"
        items.append(item)
    if question.prefer_not_to_say:
        items.append({"divider": "or"})
        item = {"value": PREFER_NOT, "text": "Prefer not to say", "checked": PREFER_NOT in chosen}
        if multiple:
            item["behaviour"] = "exclusive"
        items.append(item)
    params = {
        "name": question.name,
        "idPrefix": question.name,
        "fieldset": _legend(question, heading),
        "items": items,
        **_common(question, error),
    }
    return RenderedQuestion("govukCheckboxes" if multiple else "govukRadios", params)


def _month_year(question, values, error, heading) -> RenderedQuestion:
    def item(part: str, label: str, width: int) -> dict:
        given = values.get(f"{question.name}-{part}", [""])
        return {
            "name": part,
            "label": label,
            "value": given[0] if given else "",
            "classes": f"govuk-input--width-{width}" + (" govuk-input--error" if error else ""),
            "inputmode": "numeric",
        }

    params = {
        "id": question.name,
        "namePrefix": question.name,
        "fieldset": _legend(question, heading),
        "items": [item("month", "Month", 2), item("year", "Year", 4)],
        **_common(question, error),
    }
    return RenderedQuestion("govukDateInput", params, _prefer_not(question, values))


def _text(question, values, error, heading) -> RenderedQuestion:
    given = values.get(question.name, [""])
    params = {
        "name": question.name,
        "id": question.name,
        "label": _label(question, heading),
        "value": given[0] if given else "",
        **_common(question, error),
    }
    if isinstance(question, LongText):
        params["maxlength"] = question.max_length
        params["rows"] = 6
        macro = "govukCharacterCount"
    elif isinstance(question, Number):
        params["inputmode"] = "numeric"
        params["classes"] = "govuk-input--width-5"
        params["spellcheck"] = False
        macro = "govukInput"
    else:
        params["spellcheck"] = True
        macro = "govukInput"
    return RenderedQuestion(macro, params, _prefer_not(question, values))


def _prefer_not(question, values) -> dict | None:
    if not question.prefer_not_to_say:
        return None
    name = f"{question.name}-{PREFER_NOT}"
    return {
        "name": name,
        "idPrefix": name,
        "items": [
            {"value": "yes", "text": "Prefer not to say", "checked": "yes" in values.get(name, [])}
        ],
        "classes": "govuk-checkboxes--small",
    }
