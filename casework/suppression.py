"""Small-count suppression for the public figures (SECURITY.md 48).

Every count under ``THRESHOLD`` is shown as "fewer than 10" (primary suppression). That is
not enough when totals are published: a total minus the shown cells gives the hidden one
back. So more cells are hidden (complementary suppression) until no hidden small count can
be worked out from what is shown.

The model. A table whose cells add up to totals is a network: each cell is an edge, and
"these cells add up to that total" is flow conservation at a node. A quarter's figures are
a ring: the total runs C → H0, the categories H0 → H1 and the districts H1 → C, so both
breakdowns add up to the same total. A reader knows every shown value exactly, that a
"fewer than 10" cell is between 0 and 9, and that a cell hidden to protect another is at
least 10. Another set of values consistent with all that differs from the true one by a
circulation on the hidden edges; it exists, with the small cell changed, exactly when the
residual graph has a cycle through that cell. So a small cell is safe if and only if such a
cycle exists; when it does not, the cheapest set of shown cells to hide that would create
one is found with a shortest path (cost: the values hidden), and the check runs again.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

THRESHOLD = 10
UNBOUNDED = float("inf")


@dataclass(frozen=True)
class Edge:
    key: Hashable
    value: int
    tail: Hashable
    head: Hashable


def _bounds(edge: Edge, hidden: set, primary: set) -> tuple[float, float]:
    """What a reader of the published table knows about the edge's value."""
    if edge.key in primary:
        return 0, THRESHOLD - 1
    if edge.key in hidden:
        return THRESHOLD, UNBOUNDED
    return edge.value, edge.value


def _arcs(edge: Edge, lo: float, hi: float) -> list[tuple[Hashable, Hashable, int]]:
    """Residual arcs (from, to, direction): +1 if the value can grow, -1 if it can shrink."""
    arcs = []
    if edge.value < hi:
        arcs.append((edge.tail, edge.head, +1))
    if edge.value > lo:
        arcs.append((edge.head, edge.tail, -1))
    return arcs


def _cheapest_path(edges: list[Edge], start, goal, *, skip: Hashable, hidden: set, primary: set):
    """Cheapest path start → goal in the residual graph, where a shown edge may be used at
    the price of hiding it (its value). Returns the shown edges to hide, or None."""
    graph: dict = {}
    for edge in edges:
        if edge.key == skip:
            continue
        shown = edge.key not in hidden
        lo, hi = (THRESHOLD, UNBOUNDED) if shown else _bounds(edge, hidden, primary)
        for a, b, _ in _arcs(edge, lo, hi):
            graph.setdefault(a, []).append((b, edge.value if shown else 0, edge.key if shown else None))
    counter = itertools.count()
    queue = [(0, next(counter), start, ())]
    settled: set = set()
    while queue:
        cost, _, node, used = heapq.heappop(queue)
        if node == goal:
            return set(used)
        if node in settled:
            continue
        settled.add(node)
        for nxt, price, key in graph.get(node, []):
            if nxt not in settled:
                heapq.heappush(queue, (cost + price, next(counter), nxt, used + ((key,) if key is not None else ())))
    return None


def is_protected(edge: Edge, edges: list[Edge], hidden: set, primary: set) -> bool:
    """Whether a reader can not pin the hidden edge to one value."""
    return _protection(edge, edges, hidden, primary, shown_usable=False) is not None


def _protection(edge: Edge, edges, hidden, primary, *, shown_usable: bool):
    lo, hi = _bounds(edge, hidden, primary)
    usable = list(edges) if shown_usable else [e for e in edges if e.key in hidden]
    best = None
    for a, b, _ in _arcs(edge, lo, hi):
        # A cycle through the arc a → b is the arc plus a path b → a.
        extra = _cheapest_path(usable, b, a, skip=edge.key, hidden=hidden, primary=primary)
        if extra is not None:
            price = sum(e.value for e in edges if e.key in extra)
            if best is None or price < best[0]:
                best = (price, extra)
    return None if best is None else best[1]


def suppress(edges: Iterable[Edge]) -> tuple[set, set]:
    """The keys to hide: (primary, complementary). Deterministic for the same input."""
    edges = sorted(edges, key=lambda e: (e.value, str(e.key)))
    primary = {e.key for e in edges if e.value < THRESHOLD}
    hidden = set(primary)
    for _ in range(len(edges) + 1):
        exposed = [e for e in edges if e.key in primary and not is_protected(e, edges, hidden, primary)]
        if not exposed:
            break
        extra = _protection(exposed[0], edges, hidden, primary, shown_usable=True)
        if not extra:
            # Nothing shown can protect it: hide everything it is connected to.
            extra = {e.key for e in edges}
        hidden |= extra
    return primary, hidden - primary


def ring(total_key: Hashable, total: int, breakdowns: list[dict[Hashable, int]]) -> list[Edge]:
    """Several breakdowns of one total, as the ring network described above."""
    nodes = [f"H{i}" for i in range(len(breakdowns))] + ["C"]
    edges = [Edge(total_key, total, "C", nodes[0])]
    for i, cells in enumerate(breakdowns):
        edges += [Edge(key, value, nodes[i], nodes[i + 1]) for key, value in cells.items()]
    return edges
