"""Disclosure control for published counts: threshold suppression and secondary suppression.

The rules follow **ACRO** (the SACRO project's checker of research outputs, ``acro`` 1.0.2), the
reference named in ``design.md``: a frequency count below the threshold (default 10) is
disclosive, and so is a zero (ACRO's ``zeros_are_disclosive``: a zero says that *nobody* in a
group gave an answer, which tells something about *everyone* in it; ``zeros_disclosive=False``
shows zeros, as NHS Digital does). The threshold can be raised, or lowered to no less than
:data:`MIN_THRESHOLD` (5). Counts are never rounded (NHS Digital rounds to the nearest 5; we
withhold instead), and the percentage of a hidden count, or of a hidden base, is withheld.

ACRO does no secondary suppression, so that part is ours. A hidden count that could be worked
out from a total and the other counts of its row or column (the 2 paper responses, from 142
responses of which 140 online) makes the smallest other count of that line hidden too
(preferring a non-zero one), or the total when no other count is left; so do hidden parts that
are all zeros under a shown total. Lines made by putting one stated sum into another are checked
as well. This repeats until no line gives a hidden count away.

A :class:`Disclosure` ledger holds every count of one summary under a key that names the
quantity (``("resp", "channel", "paper")``), so a number that appears in several tables is one
cell with one decision: it cannot be hidden in one table and shown in another.

Limits: only sums stated with :meth:`Disclosure.add_total` (and one level of their
combinations) are protected; a full linear-programming audit over many overlapping tables is not
run, and overlapping groups (crime types, several of which a respondent may tick) have no sum to
protect.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_THRESHOLD",
    "MIN_THRESHOLD",
    "Cell",
    "Disclosure",
    "check_threshold",
]

DEFAULT_THRESHOLD = 10
"""Counts below this are hidden (ACRO's default ``safe_threshold``)."""
MIN_THRESHOLD = 5
"""The threshold can never be set lower than this."""

#: Why a count is hidden: it is small (below the threshold, or zero), or it would let a small
#: count be worked out by subtraction.
SMALL = "small"
SECONDARY = "secondary"


def check_threshold(threshold: int) -> int:
    """Return ``threshold`` as an int, or raise ``ValueError`` when it is below 5.

    Parameters
    ----------
    threshold : int

    Returns
    -------
    int
    """
    value = int(threshold)
    if value != threshold or value < MIN_THRESHOLD:
        raise ValueError(
            f"the disclosure threshold must be a whole number of at least {MIN_THRESHOLD}, "
            f"not {threshold!r}"
        )
    return value


@dataclass(frozen=True)
class Cell:
    """A count as it may be published: the number, or why it is hidden, and a percentage.

    Parameters
    ----------
    value : int or None
        The count, or ``None`` when hidden.
    suppressed : str or None
        ``None`` when shown; ``"small"`` when below the threshold; ``"secondary"`` when hidden
        so that a small count cannot be worked out from it.
    percent : float or None
        Percentage of the count's base, rounded to one decimal place; ``None`` when the count
        or its base is hidden (or there is no base).
    threshold : int
        The threshold in force (for :meth:`text`).
    """

    value: int | None
    suppressed: str | None = None
    percent: float | None = None
    threshold: int = DEFAULT_THRESHOLD

    @property
    def shown(self) -> bool:
        """True when the count may be published."""
        return self.suppressed is None

    def text(self) -> str:
        """The count as people read it: ``"142"``, ``"fewer than 10"`` or ``"withheld"``."""
        if self.suppressed == SMALL:
            return f"fewer than {self.threshold}"  # zeros included: "0" would be disclosive
        if self.suppressed == SECONDARY:
            return "withheld"
        return str(self.value)

    def percent_text(self) -> str:
        """The percentage as people read it (``"12.5%"``), or ``"withheld"``."""
        return "withheld" if self.percent is None else f"{self.percent:g}%"


class Disclosure:
    """A ledger of the counts of one output, deciding which may be shown.

    Register every count with :meth:`count`, every sum that a reader could rebuild with
    :meth:`add_total`, call :meth:`resolve`, then read :meth:`cell`.

    Parameters
    ----------
    threshold : int, default=10
        Counts below it are hidden. At least :data:`MIN_THRESHOLD`.
    zeros_disclosive : bool, default=True
        Hide zeros too (ACRO's default). With False, a zero is shown as 0 (as NHS Digital
        does); secondary suppression then never needs to protect a zero.
    """

    def __init__(self, threshold: int = DEFAULT_THRESHOLD, zeros_disclosive: bool = True) -> None:
        self.threshold = check_threshold(threshold)
        self.zeros_disclosive = bool(zeros_disclosive)
        self._values: dict[Hashable, int] = {}
        self._totals: list[tuple[Hashable, tuple[Hashable, ...]]] = []
        self._hidden: dict[Hashable, str] = {}
        self._alias: dict[Hashable, Hashable] = {}
        self._resolved = False

    def count(self, key: Hashable, value: int, same_as: Hashable | None = None) -> Hashable:
        """Register the count ``value`` under ``key`` and return the key to use for it.

        Registering a key twice with different values is an error: the same quantity must have
        one value everywhere. With ``same_as``, a registered key holding the same value, the
        two are one cell (one decision for both) and ``same_as`` is returned: use it for a
        quantity that another table shows under another name (the journey's "reported" and the
        reported question's "yes"). Joining two equal counts is always safe.
        """
        value = int(value)
        if same_as is not None:
            same_as = self._alias.get(same_as, same_as)
            if self._values.get(same_as) == value and key not in self._values:
                self._alias[key] = same_as
                return same_as
        old = self._values.setdefault(key, value)
        if old != value:
            raise ValueError(f"count {key!r} registered as {old} and as {value}")
        self._resolved = False
        return key

    def add_total(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        """State that the count ``total`` is the sum of the counts ``parts`` (all registered).

        Raises ``ValueError`` when the registered values do not add up, which would be a bug in
        the caller's tables.
        """
        total = self._alias.get(total, total)
        parts = tuple(dict.fromkeys(self._alias.get(p, p) for p in parts))
        missing = [k for k in (total, *parts) if k not in self._values]
        if missing:
            raise KeyError(f"unregistered counts: {missing!r}")
        if sum(self._values[p] for p in parts) != self._values[total]:
            raise ValueError(
                f"{total!r} = {self._values[total]} is not the sum of {parts!r} "
                f"({sum(self._values[p] for p in parts)})"
            )
        if parts:
            self._totals.append((total, parts))
            self._resolved = False

    def _lines(self) -> list[tuple[Hashable, tuple[Hashable, ...]]]:
        """The stated sums plus those made by putting one sum into another.

        When ``T = A + B`` and ``B = C + D`` are stated, ``T = A + C + D`` is added: with ``B``
        hidden, the two lines alone each look safe, but together they could pin ``C``. When
        ``T = A + B + C`` and ``S = A + B``, ``T = S + C`` is added.
        """
        by_total: dict[Hashable, list[tuple[Hashable, ...]]] = {}
        for total, parts in self._totals:
            by_total.setdefault(total, []).append(parts)
        seen = {(total, frozenset(parts)) for total, parts in self._totals}
        lines = list(self._totals)
        for total, parts in self._totals:
            for part in parts:
                for inner in by_total.get(part, ()):
                    if total in inner or set(inner) & set(parts):
                        continue
                    merged = tuple(p for p in parts if p != part) + inner
                    key = (total, frozenset(merged))
                    if key not in seen:
                        seen.add(key)
                        lines.append((total, merged))
        # When one line's parts are some of another's (T = A + B + C and S = A + B), their
        # difference is a line too (T = S + C): it gives C away when only C is hidden.
        containing: dict[Hashable, list[int]] = {}
        part_sets = [frozenset(parts) for _total, parts in lines]
        for i, parts in enumerate(part_sets):
            for part in parts:
                containing.setdefault(part, []).append(i)
        for j, (small_total, small_parts) in enumerate(list(lines)):
            if not small_parts:
                continue
            inner = part_sets[j]
            for i in containing.get(small_parts[0], ()):
                outer = part_sets[i]
                big_total = lines[i][0]
                if i == j or big_total == small_total or not inner < outer:
                    continue
                merged = (small_total, *(p for p in lines[i][1] if p not in inner))
                key = (big_total, frozenset(merged))
                if small_total not in outer and key not in seen:
                    seen.add(key)
                    lines.append((big_total, merged))
        return lines

    def resolve(self) -> None:
        """Decide which counts are hidden: small ones, then secondary suppression.

        A line (a total and its parts) needs another hidden count when one of its hidden
        members could be worked out exactly: when exactly one member is hidden (by subtraction
        or addition), or when the total is shown and the hidden parts are all zeros (their sum,
        zero, would give each of them away). The smallest shown part is hidden next, or the
        total when no part is left; this repeats until every line is safe.
        """
        values = self._values
        hidden = {
            k: SMALL
            for k, v in values.items()
            if v < self.threshold and (v or self.zeros_disclosive)
        }
        lines = self._lines()
        changed = True
        while changed:
            changed = False
            for total, parts in lines:
                hidden_parts = [p for p in parts if p in hidden]
                if total in hidden:
                    needs_more = not hidden_parts and bool(parts)
                else:
                    needs_more = bool(hidden_parts) and (
                        len(hidden_parts) == 1 or not any(values[p] for p in hidden_parts)
                    )
                if not needs_more:
                    continue
                open_parts = [p for p in parts if p not in hidden]
                if open_parts:
                    # A zero protects badly (a zero total elsewhere gives it away): prefer the
                    # smallest non-zero count.
                    pick = min(open_parts, key=lambda k: (values[k] == 0, values[k]))
                elif total not in hidden:
                    pick = total
                else:  # pragma: no cover - every member is already hidden
                    continue
                hidden[pick] = SECONDARY
                changed = True
        self._hidden = hidden
        self._resolved = True

    def hidden(self, key: Hashable) -> str | None:
        """Why ``key`` is hidden (``"small"`` or ``"secondary"``), or ``None`` when shown."""
        if not self._resolved:
            self.resolve()
        key = self._alias.get(key, key)
        if key not in self._values:
            raise KeyError(key)
        return self._hidden.get(key)

    def value(self, key: Hashable) -> int | None:
        """The count under ``key`` when it may be shown, else ``None``."""
        return None if self.hidden(key) else self._values[self._alias.get(key, key)]

    def cell(self, key: Hashable, base: Hashable | None = None) -> Cell:
        """The publishable :class:`Cell` of ``key``, with its percentage of ``base``."""
        reason = self.hidden(key)
        value = None if reason else self._values[self._alias.get(key, key)]
        percent = None
        if value is not None and base is not None and self.hidden(base) is None:
            denominator = self._values[self._alias.get(base, base)]
            if denominator:
                percent = round(100.0 * value / denominator, 1)
        return Cell(value, reason, percent, self.threshold)

    @property
    def sums(self) -> list[tuple[Hashable, tuple[Hashable, ...]]]:
        """The stated sums, as ``(total, parts)`` (for audits and tests)."""
        return list(self._totals)

    def true_value(self, key: Hashable) -> int:
        """The registered count, shown or not: for audits and tests, never for output."""
        return self._values[self._alias.get(key, key)]

    def __contains__(self, key: Hashable) -> bool:
        return self._alias.get(key, key) in self._values

    def __len__(self) -> int:
        return len(self._values)
