"""Coding free text into themes per stage: pure Python, never imports Flask.

The public names below load their module on first use (PEP 562), so that importing a light part
such as ``analysis.spreadsheet`` (as the web app does) does not load scikit-learn.
``from analysis import ThemeCoder`` works as usual.
"""

from importlib import import_module

#: Public name -> the module that defines it.
_MODULE_OF = {
    **dict.fromkeys(
        [
            "AgreementReport",
            "Disagreement",
            "ThemeAgreement",
            "cohen_kappa",
            "compare_coders",
            "krippendorff_alpha_nominal",
        ],
        "analysis.agreement",
    ),
    **dict.fromkeys(
        [
            "Codebook",
            "CodebookError",
            "Theme",
            "export_csv",
            "export_qdc",
            "export_xlsx",
            "import_csv",
            "import_qdc",
            "import_xlsx",
            "load_codebook",
            "validate_qdc",
        ],
        "analysis.codebook",
    ),
    "ThemeCoder": "analysis.coder",
    **dict.fromkeys(["combine_codings", "model_codings", "model_ready_themes"], "analysis.combine"),
    **dict.fromkeys(
        ["CandidateTheme", "Exemplar", "discover_themes", "uncoded_segments"],
        "analysis.discovery",
    ),
    **dict.fromkeys(["Cell", "Disclosure"], "analysis.disclosure"),
    **dict.fromkeys(
        ["Quote", "identifying_details", "pick_quotes", "says_nothing"], "analysis.quotes"
    ),
    **dict.fromkeys(
        ["ClosedAnswer", "Coding", "Respondent", "Segment", "coding_status"], "analysis.records"
    ),
    **dict.fromkeys(
        ["RedactionResult", "RedactionSpan", "Redactor", "TextTooLongError", "redact"],
        "analysis.redaction",
    ),
    **dict.fromkeys(
        [
            "summary_tables",
            "write_summary",
            "write_summary_csv",
            "write_summary_json",
            "write_summary_xlsx",
        ],
        "analysis.report_files",
    ),
    **dict.fromkeys(["review_queue", "uncertainty"], "analysis.review"),
    "RuleCoder": "analysis.rules",
    **dict.fromkeys(
        [
            "SentimentSummary",
            "sentiment_band",
            "sentiment_by_stage",
            "sentiment_by_theme",
            "sentiment_score",
            "summarise_sentiment",
        ],
        "analysis.sentiment",
    ),
    **dict.fromkeys(["StageSuggester", "StageSuggestion"], "analysis.stages"),
    **dict.fromkeys(
        [
            "ClosedQuestion",
            "CountRef",
            "Journey",
            "JourneyStep",
            "Summary",
            "SummaryFilter",
            "SummaryRecords",
            "build_summary",
            "closed_questions",
            "segments_behind",
        ],
        "analysis.summary",
    ),
    "make_survey_answers": "analysis.synthetic",
    **dict.fromkeys(
        ["Section", "TopicGuide", "TopicGuideError", "parse_topic_guide"], "analysis.topic_guides"
    ),
    **dict.fromkeys(
        [
            "RawTurn",
            "Replacement",
            "StagedTurn",
            "Transcript",
            "TranscriptError",
            "Turn",
            "assign_stages",
            "parse_turns",
            "pseudonymise",
            "read_transcript",
        ],
        "analysis.transcripts",
    ),
}

__all__: list[str] = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(import_module(_MODULE_OF[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
