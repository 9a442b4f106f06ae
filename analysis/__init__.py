"""Coding free text into themes per stage: pure Python, never imports Flask."""

from analysis.agreement import (
    AgreementReport,
    Disagreement,
    ThemeAgreement,
    cohen_kappa,
    compare_coders,
    krippendorff_alpha_nominal,
)
from analysis.codebook import (
    Codebook,
    CodebookError,
    Theme,
    export_csv,
    export_qdc,
    export_xlsx,
    import_csv,
    import_qdc,
    import_xlsx,
    load_codebook,
    validate_qdc,
)
from analysis.coder import ThemeCoder
from analysis.combine import combine_codings, model_codings, model_ready_themes
from analysis.discovery import CandidateTheme, Exemplar, discover_themes, uncoded_segments
from analysis.records import Coding, Segment
from analysis.redaction import RedactionResult, RedactionSpan, Redactor, redact
from analysis.review import review_queue, uncertainty
from analysis.rules import RuleCoder
from analysis.sentiment import (
    SentimentSummary,
    sentiment_band,
    sentiment_by_stage,
    sentiment_by_theme,
    sentiment_score,
    summarise_sentiment,
)
from analysis.stages import StageSuggester, StageSuggestion
from analysis.synthetic import make_survey_answers

__all__: list[str] = [
    "AgreementReport",
    "CandidateTheme",
    "Codebook",
    "CodebookError",
    "Coding",
    "Disagreement",
    "Exemplar",
    "RedactionResult",
    "RedactionSpan",
    "Redactor",
    "RuleCoder",
    "Segment",
    "SentimentSummary",
    "StageSuggester",
    "StageSuggestion",
    "Theme",
    "ThemeAgreement",
    "ThemeCoder",
    "cohen_kappa",
    "combine_codings",
    "compare_coders",
    "discover_themes",
    "export_csv",
    "export_qdc",
    "export_xlsx",
    "import_csv",
    "import_qdc",
    "import_xlsx",
    "krippendorff_alpha_nominal",
    "load_codebook",
    "make_survey_answers",
    "model_codings",
    "model_ready_themes",
    "redact",
    "review_queue",
    "sentiment_band",
    "sentiment_by_stage",
    "sentiment_by_theme",
    "sentiment_score",
    "summarise_sentiment",
    "uncertainty",
    "uncoded_segments",
    "validate_qdc",
]
