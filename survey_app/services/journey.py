"""Where a respondent is in a questionnaire: the next page to answer, and pages reached."""

from survey_app.questionnaire import Answer, Page, Questionnaire


def _unseen(definition: Questionnaire, page: Page, answers: dict[str, Answer]) -> bool:
    return any(definition.is_relevant(q, answers) and q.name not in answers for q in page.questions)


def next_unseen_page(definition: Questionnaire, answers: dict[str, Answer]) -> Page | None:
    """The first page with a relevant question not yet seen; None when all have been."""
    for page in definition.visible_pages(answers):
        if _unseen(definition, page, answers):
            return page
    return None


def is_reached(
    definition: Questionnaire,
    page: Page,
    answers: dict[str, Answer],
    visible: list[Page] | None = None,
) -> bool:
    """Whether every page before this one has been seen (answered or skipped); `visible`: the
    answers' visible pages, if the caller has them already."""
    for earlier in definition.visible_pages(answers) if visible is None else visible:
        if earlier == page:
            return True
        if _unseen(definition, earlier, answers):
            return False
    return False


def summary(definition: Questionnaire, answers: dict[str, Answer]) -> list[dict]:
    """Check-your-answers rows per section: question, answer in words, and the page to change it."""
    sections = []
    for section in definition.sections:
        rows = []
        for page in section.pages:
            for question in definition.relevant_questions(page, answers):
                answer = answers.get(question.name)
                rows.append(
                    {
                        "question": question,
                        "page_id": page.id,
                        "text": question.display(answer) if answer else "Not answered",
                    }
                )
        if rows:
            sections.append({"section": section, "rows": rows})
    return sections
