"""Agreement between two coders (two people, or a person and a machine) on multi-theme codings.

Each (segment, theme) pair is one yes/no decision. Cohen's kappa is computed per theme over the
segments; Krippendorff's alpha (nominal) overall treats every (segment, theme) decision as a unit
with two coders; percentage agreement is the share of decisions on which the coders agree.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from analysis.commands import CommandError, answer_texts, read_texts, write_table
from analysis.records import Coding, Segment

__all__ = [
    "AgreementReport",
    "Disagreement",
    "ThemeAgreement",
    "add_agreement_parser",
    "cohen_kappa",
    "compare_coders",
    "krippendorff_alpha_nominal",
    "run_agreement",
]


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa between two coders' labels of the same items.

    Parameters
    ----------
    a, b : sequence
        Labels, one per item, in the same order.

    Returns
    -------
    float
        ``(po - pe) / (1 - pe)``; NaN when chance agreement is 1 (both coders gave every item
        the same single label), where kappa is undefined.
    """
    if len(a) != len(b):
        raise ValueError("both coders must label the same items")
    n = len(a)
    if n == 0:
        return math.nan
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    count_a, count_b = Counter(a), Counter(b)
    pe = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if pe == 1.0:
        return math.nan
    return (po - pe) / (1.0 - pe)


def krippendorff_alpha_nominal(data: Sequence[Sequence[Hashable | None]]) -> float:
    """Krippendorff's alpha for nominal data, allowing missing values and any number of coders.

    Parameters
    ----------
    data : sequence of sequences
        One row per coder, one column per unit; ``None`` where a coder gave no value.

    Returns
    -------
    float
        ``1 - (n - 1) * sum(o_ck, c != k) / sum(n_c * n_k, c != k)`` from the coincidence
        matrix; NaN when there is no variation to measure against.
    """
    units = list(zip(*data, strict=True)) if data else []
    coincidence: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue  # a unit coded once cannot be paired
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidence[(c, k)] += 1.0 / (m - 1)
    totals: dict[Hashable, float] = defaultdict(float)
    for (c, _k), value in coincidence.items():
        totals[c] += value
    n = sum(totals.values())
    observed = sum(v for (c, k), v in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if n <= 1 or expected == 0:
        return math.nan
    return 1.0 - (n - 1) * observed / expected


@dataclass(frozen=True)
class ThemeAgreement:
    """Agreement on one theme: kappa, percentage agreement and how often each coder used it."""

    theme_id: str
    kappa: float
    percent_agreement: float
    a_count: int
    b_count: int
    both: int


@dataclass(frozen=True)
class Disagreement:
    """One decision to review: whether each coder gave ``theme_id`` to ``segment_id``."""

    segment_id: str
    theme_id: str
    a_says: bool
    b_says: bool


@dataclass(frozen=True)
class AgreementReport:
    """Agreement between coder A and coder B over the same segments."""

    n_segments: int
    alpha: float
    percent_agreement: float
    exact_match: float
    themes: tuple[ThemeAgreement, ...] = ()
    disagreements: tuple[Disagreement, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        """Plain dict for JSON and tables (NaN kappas become ``None``)."""

        def clean(x: float) -> float | None:
            return None if isinstance(x, float) and math.isnan(x) else round(x, 4)

        return {
            "n_segments": self.n_segments,
            "alpha": clean(self.alpha),
            "percent_agreement": clean(self.percent_agreement),
            "exact_match": clean(self.exact_match),
            "themes": [
                {
                    "theme_id": t.theme_id,
                    "kappa": clean(t.kappa),
                    "percent_agreement": clean(t.percent_agreement),
                    "a_count": t.a_count,
                    "b_count": t.b_count,
                    "both": t.both,
                }
                for t in self.themes
            ],
            "disagreements": [vars(d) for d in self.disagreements],
        }


def _themes_by_segment(codings: Iterable[Coding], min_confidence: float) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for coding in codings:
        if coding.confidence >= min_confidence:
            out[coding.segment_id].add(coding.theme_id)
    return out


def compare_coders(
    codings_a: Iterable[Coding],
    codings_b: Iterable[Coding],
    segments: Iterable[str | Segment] | None = None,
    theme_ids: Iterable[str] | None = None,
    min_confidence: float = 0.0,
) -> AgreementReport:
    """Compare two coders' multi-theme codings of the same segments.

    Parameters
    ----------
    codings_a, codings_b : iterable of Coding
        Each coder's codings (a segment may carry several themes, or none).
    segments : iterable of str or Segment, optional
        The segments both coders looked at. Pass them so that segments one coder left uncoded
        count as agreement on "no theme"; defaults to every segment either coder coded.
    theme_ids : iterable of str, optional
        Themes to compare; defaults to every theme either coder used.
    min_confidence : float, default 0.0
        Ignore codings below this confidence (for a machine coder's weak suggestions).

    Returns
    -------
    AgreementReport
    """
    a = _themes_by_segment(codings_a, min_confidence)
    b = _themes_by_segment(codings_b, min_confidence)
    if segments is None:
        ids = sorted(set(a) | set(b))
    else:
        ids = [s.id if isinstance(s, Segment) else str(s) for s in segments]
    themes = (
        sorted(theme_ids)
        if theme_ids is not None
        else sorted(set().union(*a.values(), *b.values()))
    )
    per_theme = []
    disagreements = []
    row_a: list[int] = []
    row_b: list[int] = []
    for theme in themes:
        ya = [int(theme in a.get(s, ())) for s in ids]
        yb = [int(theme in b.get(s, ())) for s in ids]
        row_a.extend(ya)
        row_b.extend(yb)
        agree = sum(x == y for x, y in zip(ya, yb, strict=True))
        per_theme.append(
            ThemeAgreement(
                theme_id=theme,
                kappa=cohen_kappa(ya, yb),
                percent_agreement=agree / len(ids) if ids else math.nan,
                a_count=sum(ya),
                b_count=sum(yb),
                both=sum(x and y for x, y in zip(ya, yb, strict=True)),
            )
        )
    for s in ids:
        for theme in themes:
            in_a, in_b = theme in a.get(s, ()), theme in b.get(s, ())
            if in_a != in_b:
                disagreements.append(Disagreement(s, theme, in_a, in_b))
    decisions = len(row_a)
    same = sum(x == y for x, y in zip(row_a, row_b, strict=True))
    exact = sum(a.get(s, set()) & set(themes) == b.get(s, set()) & set(themes) for s in ids)
    return AgreementReport(
        n_segments=len(ids),
        alpha=krippendorff_alpha_nominal([row_a, row_b]),
        percent_agreement=same / decisions if decisions else math.nan,
        exact_match=exact / len(ids) if ids else math.nan,
        themes=tuple(per_theme),
        disagreements=tuple(disagreements),
    )


# ---------------------------------------------------------------------------- command line
def run_agreement(args) -> int:
    """``python -m analysis agreement``: two coders' columns of one CSV, compared."""
    rows, _ = read_texts(args.file, args.text_column, [args.a_column, args.b_column])
    lines, texts, codings_a, codings_b = [], [], [], []
    # Redacted, and "" for a status placeholder ("skipped"), which is skipped like a blank.
    redacted = answer_texts(row.get(args.text_column) for row in rows)
    for line, (row, text) in enumerate(zip(rows, redacted, strict=True), start=2):  # 1: header
        if not text:
            continue
        lines.append(line)
        texts.append(text)
        for column, codings in ((args.a_column, codings_a), (args.b_column, codings_b)):
            cell = (row.get(column) or "").strip()
            parts = [cell] if args.separator is None else cell.split(args.separator)
            codings.extend(Coding(str(line), p.strip(), column) for p in parts if p.strip())
    if not codings_a or not codings_b:
        empty = args.a_column if not codings_a else args.b_column
        raise CommandError(f"column {empty!r} holds no codes")
    report = compare_coders(codings_a, codings_b, segments=[str(line) for line in lines])
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report, args)
    if args.output:
        text_of = dict(zip(map(str, lines), texts, strict=True))
        write_table(
            args.output,
            ["line", "text", "theme", args.a_column, args.b_column],
            (
                [d.segment_id, text_of[d.segment_id], d.theme_id, _yes(d.a_says), _yes(d.b_says)]
                for d in report.disagreements
            ),
        )
    return 0


def _yes(says: bool) -> str:
    return "yes" if says else "no"


def _print_report(report: AgreementReport, args) -> None:
    """The figures as a table, then the first ``args.limit`` disagreements."""

    def show(x: float) -> str:
        return "  n/a" if math.isnan(x) else f"{x:5.2f}"

    a, b = args.a_column, args.b_column
    print(f"{a} and {b} on {report.n_segments} texts")
    print(
        f"Krippendorff's alpha {show(report.alpha).strip()}   agreement "
        f"{report.percent_agreement:.1%} of theme decisions   same themes on "
        f"{report.exact_match:.1%} of texts"
    )
    width = max(len("theme"), *(len(t.theme_id) for t in report.themes))
    print(f"\n{'theme':<{width}}  kappa  agree  {a}  {b}  both")
    for t in report.themes:
        print(
            f"{t.theme_id:<{width}}  {show(t.kappa)}  {t.percent_agreement:5.0%}  "
            f"{t.a_count:>{len(a)}}  {t.b_count:>{len(b)}}  {t.both:4d}"
        )
    print(f"\n{len(report.disagreements)} disagreements (line: theme, {a} / {b})")
    for d in report.disagreements[: args.limit]:
        print(f"{d.segment_id:>5}: {d.theme_id}, {_yes(d.a_says)} / {_yes(d.b_says)}")
    if len(report.disagreements) > args.limit:
        more = len(report.disagreements) - args.limit
        print(f"... and {more} more" + ("" if args.output else " (--output)"))


def add_agreement_parser(subparsers):
    """Add the ``agreement`` subcommand to an argparse subparsers object."""
    p = subparsers.add_parser(
        "agreement",
        help="agreement between two coders' columns of a CSV",
        description=(
            "Cohen's kappa per theme, Krippendorff's alpha overall, percentage agreement and the "
            "disagreements between two coders (two people, or a person and a machine) who "
            "coded the same texts, each in their own column."
        ),
    )
    p.add_argument("file", help="CSV file (UTF-8 or Windows-1252)")
    p.add_argument("--text-column", required=True, help="column holding the text")
    p.add_argument("--a-column", required=True, help="column holding the first coder's codes")
    p.add_argument("--b-column", required=True, help="column holding the second coder's codes")
    p.add_argument(
        "--separator", default=None, help='split several codes in one cell on this, e.g. ";"'
    )
    p.add_argument("--limit", type=int, default=20, help="disagreements listed (default 20)")
    p.add_argument("--output", help="write every disagreement to this CSV file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run_agreement)
    return p
