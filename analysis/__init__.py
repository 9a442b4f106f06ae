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
from analysis.discovery import CandidateTheme, Exemplar, discover_themes, uncoded_segments
from analysis.redaction import RedactionResult, RedactionSpan, Redactor, redact
from analysis.rules import RuleCoder
from analysis.sentiment import (
    SentimentSummary,
    sentiment_band,
    sentiment_by_stage,
    sentiment_by_theme,
    sentiment_score,
    summarise_sentiment,
)

__all__: list[str] = [
    "AgreementReport",
    "CandidateTheme",
    "Codebook",
    "CodebookError",
    "Disagreement",
    "Exemplar",
    "RedactionResult",
    "RedactionSpan",
    "Redactor",
    "RuleCoder",
    "SentimentSummary",
    "Theme",
    "ThemeAgreement",
    "ThemeCoder",
    "cohen_kappa",
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
    "redact",
    "sentiment_band",
    "sentiment_by_stage",
    "sentiment_by_theme",
    "sentiment_score",
    "summarise_sentiment",
    "uncoded_segments",
    "validate_qdc",
]
