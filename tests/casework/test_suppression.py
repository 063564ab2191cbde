"""SECURITY.md 48: no count under 10 is shown, nor can be worked out from the totals.

The property test builds random quarters (a total, split by category and by district),
suppresses them, and then attacks the result with its own solver, written without the
suppression module's graph: for every hidden small cell it lists the values the cell could
take given every shown cell, the totals, and what the labels say ("fewer than 10" is 0 to
9, "not shown" is 10 or more). Each must have at least two.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from casework.suppression import THRESHOLD, Edge, is_protected, ring, suppress


@st.composite
def quarters(draw):
    categories = draw(st.lists(st.integers(0, 45), min_size=1, max_size=6))
    total = sum(categories)
    cuts = sorted(draw(st.lists(st.integers(0, total), min_size=0, max_size=5)))
    bounds = [0, *cuts, total]
    districts = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    return total, [
        {("category", i): n for i, n in enumerate(categories)},
        {("district", i): n for i, n in enumerate(districts)},
    ]


def _bounds(key, value, primary, complementary):
    if key in primary:
        return 0, THRESHOLD - 1
    if key in complementary:
        return THRESHOLD, None
    return value, value


def feasible_values(key, total, breakdowns, primary, complementary) -> set[int]:
    """Every value the hidden cell ``key`` could have, by brute force over the total. An
    unbounded hidden cell is taken up to a cap well above any true value: a smaller cap
    could only make a protected cell look exposed, never the other way round."""
    cap = 2 * total + 2 * THRESHOLD
    t_lo, t_hi = _bounds("total", total, primary, complementary)
    t_hi = cap if t_hi is None else t_hi
    found: set[int] = set()
    for candidate in range(t_lo, t_hi + 1):
        intervals = []
        for cells in breakdowns:
            shown = sum(v for k, v in cells.items() if k not in primary | complementary)
            hidden = [
                (k, *_bounds(k, v, primary, complementary)) for k, v in cells.items() if k in primary | complementary
            ]
            rest = candidate - shown
            if key in cells:
                others = [h for h in hidden if h[0] != key]
                low = rest - sum(cap if hi is None else hi for _, _, hi in others)
                high = rest - sum(lo for _, lo, _ in others)
                _, own_lo, own_hi = next(h for h in hidden if h[0] == key)
                intervals.append((max(low, own_lo), min(high, own_hi)))
            else:
                low = sum(lo for _, lo, _ in hidden)
                high = sum(cap if hi is None else hi for _, _, hi in hidden)
                if not low <= rest <= high:
                    break
        else:
            if key == "total":
                found.add(candidate)
            for low, high in intervals:
                found |= set(range(low, high + 1))
    return found


@settings(max_examples=300, deadline=None)
@given(quarters())
def test_no_small_cell_can_be_worked_out(quarter):
    total, breakdowns = quarter
    primary, complementary = suppress(ring("total", total, breakdowns))
    values = {"total": total} | {k: v for cells in breakdowns for k, v in cells.items()}
    # Every count under the threshold is hidden; every hidden cell is hidden for a reason.
    assert {k for k, v in values.items() if v < THRESHOLD} == primary
    assert all(values[k] >= THRESHOLD for k in complementary)
    for key in primary:
        options = feasible_values(key, total, breakdowns, primary, complementary)
        assert values[key] in options, "the solver must find the true value"
        assert len(options) >= 2, f"{key} = {values[key]} can be worked out: {sorted(options)}"


def test_a_lone_small_cell_takes_the_smallest_other_cell_with_it():
    primary, complementary = suppress(ring("total", 60, [{"a": 30, "b": 4, "c": 12, "d": 14}]))
    assert primary == {"b"} and complementary == {"c"}


def test_nothing_is_hidden_when_every_count_is_large():
    primary, complementary = suppress(ring("total", 50, [{"a": 20, "b": 30}, {"x": 25, "y": 25}]))
    assert primary == complementary == set()


def test_a_small_total_hides_everything():
    primary, complementary = suppress(ring("total", 7, [{"a": 3, "b": 4}, {"x": 7}]))
    assert primary == {"total", "a", "b", "x"} and complementary == set()


def test_two_small_cells_of_zero_can_still_be_pinned_without_help():
    """0 and 0 with a shown total: both "fewer than 10", but the shown cells add up to the
    total, so a reader knows both are 0. A third cell must be hidden."""
    edges = ring("total", 40, [{"a": 0, "b": 0, "c": 15, "d": 25}])
    assert not is_protected(edges[1], edges, hidden={"a", "b"}, primary={"a", "b"})
    primary, complementary = suppress(edges)
    assert primary == {"a", "b"} and complementary == {"c"}


def test_the_result_does_not_depend_on_the_order_of_the_cells():
    cells = {"a": 12, "b": 3, "c": 11, "d": 40}
    forward = suppress(ring("total", 66, [cells]))
    backward = suppress(list(reversed(ring("total", 66, [dict(reversed(cells.items()))]))))
    assert forward == backward


def test_edges_are_plain_data():
    assert Edge("k", 3, "A", "B").value == 3
