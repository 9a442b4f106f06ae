"""Paper questionnaires: printable HTML and PDF generated from the questionnaire definition."""

from .plan import PaperChoice, PaperPlan, PaperQuestion, PaperSection, condition_words, paper_plan
from .render import pages_per_copy, paper_css, render_paper_html, render_paper_pdf

__all__ = [
    "PaperChoice",
    "PaperPlan",
    "PaperQuestion",
    "PaperSection",
    "condition_words",
    "pages_per_copy",
    "paper_css",
    "paper_plan",
    "render_paper_html",
    "render_paper_pdf",
]
