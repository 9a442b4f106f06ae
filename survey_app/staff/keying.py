"""GOV.UK macro parameters for the keying page: every question, numbered, with state marks."""

from dataclasses import replace

from survey_app.pages.presenters import present_question
from survey_app.questionnaire import MultipleChoice

ILLEGIBLE = {"value": "state:illegible", "text": "Illegible"}
MULTIPLE = {"value": "state:multiple", "text": "More than one box ticked"}


def keying_fields(definition, numbers, values, errors) -> list:
    """Presented questions in paper order; choice groups end with the state marks."""
    rendered = []
    for question in definition.questions:
        numbered = replace(question, label=f"{numbers[question.name]}. {question.label}")
        item = present_question(numbered, values, errors.get(question.name), heading=False)
        params = dict(item.params)
        if question.has_choices:
            chosen = values.get(question.name, [])
            marks = [ILLEGIBLE] + ([] if isinstance(question, MultipleChoice) else [MULTIPLE])
            params["items"] = [
                *params["items"],
                {"divider": "or"},
                *({**mark, "checked": mark["value"] in chosen} for mark in marks),
            ]
            params["classes"] = "govuk-radios--small govuk-checkboxes--small"
            extra = None
        else:
            name = f"{question.name}-state"
            extra = {
                "name": name,
                "idPrefix": name,
                "items": [{**ILLEGIBLE, "checked": ILLEGIBLE["value"] in values.get(name, [])}],
                "classes": "govuk-checkboxes--small",
                "fieldset": {
                    "legend": {
                        "text": f"Question {numbers[question.name]} on paper",
                        "classes": "govuk-visually-hidden",
                    }
                },
            }
        rendered.append((question, replace(item, params=params), extra))
    return rendered


def focus_first(fields: list) -> list:
    """The same fields with the first question's first control autofocused, so that keying
    starts at question 1 without tabbing through the header on every form."""
    if not fields:
        return fields
    question, item, extra = fields[0]
    params = dict(item.params)
    autofocus = {"autofocus": "autofocus"}
    if "items" in params:
        first = {**params["items"][0]}
        first["attributes"] = {**first.get("attributes", {}), **autofocus}
        params["items"] = [first, *params["items"][1:]]
    else:
        params["attributes"] = {**params.get("attributes", {}), **autofocus}
    return [(question, replace(item, params=params), extra), *fields[1:]]
