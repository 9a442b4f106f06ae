"""Disclosure control: threshold, zeros, secondary suppression, audited by linear programming."""

import pytest

from analysis.disclosure import MIN_THRESHOLD, Disclosure, check_threshold


def bounds_of_hidden_cells(ledger):
    """Smallest and largest value each hidden count can take, given everything shown.

    An independent check of the ledger: a reader knows the shown counts, that a count marked
    "fewer than T" is between 0 and T-1, that counts are not negative, and every stated sum.
    Linear programming over those facts gives each hidden count's range; a range of one value
    means the count could be worked out.
    """
    from scipy.optimize import linprog

    keys = sorted({k for total, parts in ledger.sums for k in (total, *parts)}, key=repr)
    hidden = [k for k in keys if ledger.hidden(k)]
    index = {k: i for i, k in enumerate(hidden)}
    a_eq, b_eq = [], []
    for total, parts in ledger.sums:
        row = [0.0] * len(hidden)
        constant = 0.0
        for key, sign in ((total, -1.0), *((p, 1.0) for p in parts)):
            if key in index:
                row[index[key]] += sign
            else:
                constant += sign * ledger.true_value(key)
        if any(row):
            a_eq.append(row)
            b_eq.append(-constant)
    limits = [
        (0, ledger.threshold - 1) if ledger.hidden(k) == "small" else (0, None) for k in hidden
    ]
    ranges = {}
    for key, i in index.items():
        low = linprog(
            [1.0 if j == i else 0.0 for j in range(len(hidden))],
            A_eq=a_eq or None,
            b_eq=b_eq or None,
            bounds=limits,
        )
        high = linprog(
            [-1.0 if j == i else 0.0 for j in range(len(hidden))],
            A_eq=a_eq or None,
            b_eq=b_eq or None,
            bounds=limits,
        )
        assert low.status == 0 and high.status == 0
        ranges[key] = (round(low.fun, 6), round(-high.fun, 6))
    return ranges


def assert_nothing_hidden_can_be_worked_out(ledger):
    for key, (low, high) in bounds_of_hidden_cells(ledger).items():
        assert high - low >= 1, f"{key!r} is pinned to {low}..{high}"


def test_the_threshold_defaults_to_ten_and_is_never_below_five():
    assert Disclosure().threshold == 10
    assert Disclosure(5).threshold == MIN_THRESHOLD == 5
    assert check_threshold(20) == 20
    for bad in (4, 0, -1, 7.5):
        with pytest.raises(ValueError):
            Disclosure(bad)


def test_two_paper_responses_cannot_be_worked_out_from_142():
    ledger = Disclosure()
    total = ledger.count(("resp",), 142)
    online = ledger.count(("channel", "online"), 140)
    paper = ledger.count(("channel", "paper"), 2)
    ledger.add_total(total, [online, paper])
    assert ledger.cell(paper).text() == "fewer than 10"
    assert ledger.cell(paper).value is None and ledger.cell(paper).percent is None
    assert ledger.cell(online, total).text() == "withheld"
    assert ledger.cell(online, total).percent is None
    assert ledger.cell(total).value == 142
    assert_nothing_hidden_can_be_worked_out(ledger)


def test_counts_at_or_above_the_threshold_are_shown_with_percentages():
    ledger = Disclosure()
    ledger.count("base", 40)
    ledger.count("yes", 30)
    ledger.count("no", 10)
    ledger.add_total("base", ["yes", "no"])
    assert ledger.cell("yes", "base").value == 30
    assert ledger.cell("yes", "base").percent == 75.0
    assert ledger.cell("no", "base").percent == 25.0
    assert ledger.cell("no", "base").text() == "10"


def test_zeros_are_hidden_like_acro_unless_asked_otherwise():
    for zeros, expected in ((True, "small"), (False, None)):
        ledger = Disclosure(zeros_disclosive=zeros)
        ledger.count("none", 0)
        assert ledger.hidden("none") == expected


def test_secondary_suppression_in_a_cross_tab_hides_the_next_smallest_cell():
    # Rows: areas; columns: answers; every row and column total shown.
    #             yes  no  not_sure | total
    #  liverpool   50  20     3     |  73
    #  wirral      40  25    12     |  77
    #  total       90  45    15     | 150
    table = {
        ("liverpool", "yes"): 50,
        ("liverpool", "no"): 20,
        ("liverpool", "not_sure"): 3,
        ("wirral", "yes"): 40,
        ("wirral", "no"): 25,
        ("wirral", "not_sure"): 12,
    }
    ledger = Disclosure()
    for key, value in table.items():
        ledger.count(key, value)
    for area in ("liverpool", "wirral"):
        ledger.count((area, "total"), sum(v for (a, _), v in table.items() if a == area))
        ledger.add_total((area, "total"), [(area, c) for c in ("yes", "no", "not_sure")])
    for answer in ("yes", "no", "not_sure"):
        ledger.count(("total", answer), sum(v for (_, c), v in table.items() if c == answer))
        ledger.add_total(("total", answer), [(a, answer) for a in ("liverpool", "wirral")])
    ledger.count(("total", "total"), 150)
    ledger.add_total(("total", "total"), [("total", c) for c in ("yes", "no", "not_sure")])
    ledger.add_total(("total", "total"), [(a, "total") for a in ("liverpool", "wirral")])

    hidden = {k: ledger.hidden(k) for k in [*table, ("total", "not_sure")] if ledger.hidden(k)}
    # 3 is small; its row then hides 20 (the row's smallest other count) and its column 12;
    # 12's row hides 25, and the no column (20 and 25 hidden) is safe.
    assert hidden == {
        ("liverpool", "not_sure"): "small",
        ("liverpool", "no"): "secondary",
        ("wirral", "not_sure"): "secondary",
        ("wirral", "no"): "secondary",
    }
    assert ledger.value(("total", "not_sure")) == 15
    assert_nothing_hidden_can_be_worked_out(ledger)


def test_hidden_zeros_under_a_shown_total_hide_one_more_count():
    ledger = Disclosure()
    ledger.count("base", 60)
    for key, value in (("5", 20), ("4", 25), ("3", 15), ("2", 0), ("1", 0)):
        ledger.count(key, value)
    ledger.add_total("base", ["5", "4", "3", "2", "1"])
    # Two hidden zeros would add up to 0 and give themselves away: the smallest non-zero goes.
    assert ledger.hidden("3") == "secondary"
    assert ledger.value("5") == 20 and ledger.value("4") == 25
    assert_nothing_hidden_can_be_worked_out(ledger)


def test_a_chain_of_sums_is_checked_as_one_line():
    # reported = contact + no_contact; contact = answered + not_answered; with 0 small the
    # lines alone would let "not_answered" (47) and reported (47) pin the hidden zeros.
    ledger = Disclosure()
    ledger.count("reported", 47)
    ledger.count("contact", 47)
    ledger.count("no_contact", 0)
    ledger.count("answered", 0)
    ledger.count("not_answered", 47)
    ledger.add_total("reported", ["contact", "no_contact"])
    ledger.add_total("contact", ["answered", "not_answered"])
    assert ledger.hidden("contact") and ledger.hidden("not_answered")
    assert_nothing_hidden_can_be_worked_out(ledger)


def test_one_quantity_under_two_names_gets_one_decision():
    ledger = Disclosure()
    ledger.count("q_yes", 8)
    key = ledger.count("journey_reported", 8, same_as="q_yes")
    assert key == "q_yes"
    assert ledger.cell("journey_reported").text() == "fewer than 10"
    other = ledger.count("different", 12, same_as="q_yes")  # not equal: its own cell
    assert other == "different" and ledger.value("different") == 12


def test_inconsistent_counts_are_refused():
    ledger = Disclosure()
    ledger.count("a", 3)
    with pytest.raises(ValueError):
        ledger.count("a", 4)
    ledger.count("b", 5)
    ledger.count("t", 9)
    with pytest.raises(ValueError):
        ledger.add_total("t", ["a", "b"])
    with pytest.raises(KeyError):
        ledger.add_total("t", ["missing"])
