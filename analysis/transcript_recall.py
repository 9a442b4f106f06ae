"""Redaction recall on transcripts: how many of the identifying details marked in a set of cases
are gone from the pseudonymised turns (per type, and for speakers' own names)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from analysis.transcripts import parse_turns, pseudonymise

__all__ = ["transcript_recall"]


def _occurrences(term: str, text: str) -> int:
    return len(re.findall(rf"(?i)(?<![^\W\d_]){re.escape(term)}(?![^\W\d_])", text))


def transcript_recall(cases: Iterable[Mapping]) -> dict[str, dict[str, float]]:
    """Per type and "overall": details marked (``expected``), still present (``missed``) and
    ``recall``. A detail counts as missed when its text is still in any stored turn."""
    counts: dict[str, list[int]] = {}
    for case in cases:
        turns, register = parse_turns(str(case["transcript"]).splitlines())
        stored = "\n".join(
            t.speaker + " " + t.text for t in pseudonymise(turns, register=register).turns
        )
        seen: set[tuple[str, str]] = set()
        for item in case.get("identifying") or []:
            kind, text = str(item["type"]), str(item["text"])
            if (kind, text) in seen:
                continue
            seen.add((kind, text))
            entry = counts.setdefault(kind, [0, 0])
            entry[0] += 1
            entry[1] += 1 if _occurrences(text, stored) else 0
    totals = [sum(v[0] for v in counts.values()), sum(v[1] for v in counts.values())]
    return {
        kind: {
            "expected": n,
            "missed": missed,
            "recall": (n - missed) / n if n else 1.0,
        }
        for kind, (n, missed) in [*sorted(counts.items()), ("overall", totals)]
    }
