"""Small numbers: the one helper every count, table, chart and export goes through (SECURITY 10).

Aggregates can single out a small group ("the two girls from district 5 said..."). So:

- **Primary suppression**: a cell counting 1 to k-1 people is not shown; tables and charts say
  "fewer than 5" instead (k defaults to 5, and is set per consultation: `Consultation.k_threshold`).
- **Secondary suppression**: where a published total would give a suppressed cell away (total
  minus the other cells), a second cell is hidden too: the smallest other non-zero cell of the
  same row, column or total line; if there is none, the total itself. Repeated until no line
  has exactly one hidden member.
- **Bounds**: nor may hidden cells be worked out from their bounds: "fewer than 5" twice beside
  a total of 8 are 4 and 4. Where a line's total and shown cells leave a "fewer than k" cell a
  single possible value, one more cell of it is hidden (a 0 if that is enough, else the total).
- **All fewer than k**: a breakdown of fewer than k people shows "fewer than k" in every cell,
  zeros too (`all_fewer_than_k`): a 0 beside one small cell says what all of them chose.

Zero cells are shown (no person is singled out by "nobody"), unless `suppress_zeros=True`.

    table = suppress_counts({"yes": 12, "no": 3, "unsure": 7}, k=consultation.k_threshold)
    table.cells["no"].value        # None (suppressed)
    table.cells["no"].message      # "fewer than %(k)s"  -> _(cell.message, k=table.k)
    table.chart()                  # {"labels": [...], "values": [12, None, None], "text": [...]}

    grid = suppress_table({("Bogotá", "yes"): 12, ("Bogotá", "no"): 2, ...}, k=5)
    grid.cell("Bogotá", "no"), grid.row_total("Bogotá"), grid.column_total("no"), grid.total
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Any, cast

from baraza.i18n import N_

DEFAULT_K = 5
FEWER_THAN = N_("fewer than %(k)s")
HIDDEN = N_("hidden to protect a small group")


@dataclass(frozen=True)
class Cell:
    """One published number. `value` is None when suppressed; `count` keeps the true count for
    code that must not show it (never render `count`)."""

    count: int
    suppressed: bool = False
    primary: bool = False

    @property
    def value(self) -> int | None:
        return None if self.suppressed else self.count

    @property
    def message(self) -> str | None:
        """A message id for a suppressed cell (translate with k=...); None when shown."""
        if not self.suppressed:
            return None
        return FEWER_THAN if self.primary else HIDDEN

    def text(self, k: int, gettext: Callable[[str], str] | None = None) -> str:
        """The number, "fewer than 5" or "hidden": plain English for exports, or in the page's
        language through `gettext` (chart labels)."""
        if not self.suppressed:
            return str(self.count)
        t = gettext or str
        return t(FEWER_THAN) % {"k": k} if self.primary else t(HIDDEN)


def k_for(consultation: Any | None) -> int:
    """The threshold of a consultation (`k_threshold`), never below 2; the default otherwise."""
    k = getattr(consultation, "k_threshold", None) or DEFAULT_K
    return max(2, int(k))


def _suppress(
    values: dict[Hashable, int],
    lines: Sequence[tuple[list[Hashable], Hashable | None]],
    k: int,
    suppress_zeros: bool,
    unpublished: frozenset[Hashable] | set[Hashable] = frozenset(),
) -> dict[Hashable, Cell]:
    """Primary then secondary suppression over `lines` (members, published total).

    The second hidden cell of a line is the one that costs the reader least: one never shown
    anyway, then one whose hiding starts no new chain of hides in its other lines (in a cube a
    cell sits in a line per breakdown), then the smallest.

    `unpublished` cells are counted but never shown (the "everyone else" group of a filter): a
    small one is hidden like any other, and they are the first choice for a second hidden cell,
    since hiding them costs the reader nothing.
    """
    for key, value in values.items():
        if value < 0:
            raise ValueError(f"negative count for {key!r}")
    hidden: set[Hashable] = set()
    primary: set[Hashable] = set()
    for key, value in values.items():
        if 0 < value < k or (suppress_zeros and value == 0):
            hidden.add(key)
            primary.add(key)
    # A work list of lines: every line once, then again each line a newly hidden cell belongs to.
    by_key: dict[Hashable, list[int]] = {}
    for index, (members, total_key) in enumerate(lines):
        for key in [*members, total_key]:
            by_key.setdefault(key, []).append(index)
    queue = deque(range(len(lines)))
    queued = set(queue)

    def hide(pick: Hashable) -> None:
        """Hide one more cell and look again at every line it stands in."""
        hidden.add(pick)
        for other in by_key.get(pick, ()):
            if other not in queued:
                queue.append(other)
                queued.add(other)

    while queue:
        index = queue.popleft()
        queued.discard(index)
        members, total_key = lines[index]
        if total_key is None:
            continue  # a line without a published total gives nothing away by subtraction
        everything = [*members, total_key]
        hidden_here = sum(1 for m in everything if m in hidden)
        if hidden_here == 0:
            continue
        candidates = [m for m in members if m not in hidden]
        if hidden_here > 1:
            # Several hidden: the total minus the shown cells is their sum, which can still pin
            # them down by their bounds ("fewer than 5" twice, with 8 between them, is 4 and 4).
            if not _pinned(values, members, total_key, hidden, primary, unpublished, k, suppress_zeros):
                continue
            pick = _unpin(values, members, total_key, candidates, hidden, primary, unpublished, k, suppress_zeros, index, by_key, lines)
            if pick is not None:
                hide(pick)
            continue

        def knock_on(m: Hashable, line: int = index) -> int:
            """How many other lines hiding `m` would leave with one hidden member, each
            needing a hide of its own: fewer means less lost to the reader."""
            count = 0
            for other in by_key.get(m, ()):
                if other == line or lines[other][1] is None:
                    continue
                other_members, other_total = lines[other]
                if not any(x in hidden for x in (*other_members, other_total)):
                    count += 1
            return count

        positive = sorted(
            (m not in unpublished, knock_on(m), values[m], str(m), position)
            for position, m in enumerate(candidates)
            if values[m] > 0
        )
        # A zero never shown is one the reader may take for 0 anyway: hiding it protects nothing.
        zero = sorted(position for position, m in enumerate(candidates) if m not in unpublished)
        if positive:
            pick = candidates[positive[0][4]]
        elif zero:
            pick = candidates[zero[0]]
        else:
            pick = total_key
        if pick not in hidden:
            hide(pick)
    return {key: Cell(count=value, suppressed=key in hidden, primary=key in primary) for key, value in values.items()}


def all_fewer_than_k(cells: Mapping[Any, Cell], people: int, k: int) -> dict[Any, Cell]:
    """The cells of one breakdown of `people` (a poll's options, a card's answers, a theme's
    sizes per age band), each reading "fewer than k" when 0 < people < k, the empty ones too: a
    0 beside a single "fewer than k" would tell everyone what all of those few chose (or where
    they all are). From k people on the cells are returned as they are (a 0 singles no one out)."""
    if 0 < people < k:
        return {key: cell if cell.suppressed else Cell(cell.count, suppressed=True, primary=True) for key, cell in cells.items()}
    return dict(cells)


# Bounds: what a reader can work out from a line's total and its shown cells -------------------

_INF = 10**15
_Span = list[tuple[int, int]]  # disjoint integer intervals, in order; _INF for "no upper bound"


def _merge(spans: Iterable[tuple[int, int]]) -> _Span:
    out: _Span = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _reader_sees(
    key: Hashable, values: Mapping[Hashable, int], hidden: set[Hashable], primary: set[Hashable],
    unpublished: frozenset[Hashable] | set[Hashable], k: int, suppress_zeros: bool,
) -> _Span:
    """The values a cell may have for a reader of the published cells: its number when shown; 1
    to k-1 for "fewer than k" (0 to k-1 when zeros are hidden too); 0 or k and more for a cell
    hidden to protect another (k and more when zeros are hidden). A cell never published counts
    as known when not hidden (other views may give it away) and when 0 (the reader may take the
    few who are "other" for nobody)."""
    if key not in hidden or (key in unpublished and values[key] == 0):
        return [(values[key], values[key])]
    if key in primary:
        return [(0 if suppress_zeros else 1, k - 1)]
    return [(k, _INF)] if suppress_zeros else [(0, 0), (k, _INF)]


def _pinned(
    values: Mapping[Hashable, int], members: Sequence[Hashable], total_key: Hashable, hidden: set[Hashable],
    primary: set[Hashable], unpublished: frozenset[Hashable] | set[Hashable], k: int, suppress_zeros: bool,
) -> bool:
    """Whether a "fewer than k" cell of the line has one value only that fits its total and the
    other cells' bounds (the bound attack: "fewer than 5" twice with 8 between them are 4 and 4)."""
    lo, hi = (0 if suppress_zeros else 1), k - 1
    if lo == hi or not any(m in primary and m in hidden for m in members):
        return False  # "fewer than 2" is 1 whatever else is shown: nothing more to protect
    # Every "fewer than k" cell has the same bounds, so "all the others" of each is the same sum:
    # the shown cells, the other p - 1 small ones, and the cells hidden to protect them (each 0
    # or k and more, so together 0 or k and more; k each and more when zeros are hidden too).
    known = small = protecting = 0
    for m in members:
        if m not in hidden or (m in unpublished and values[m] == 0):
            known += values[m]
        elif m in primary:
            small += 1
        else:
            protecting += 1
    base, top = known + (small - 1) * lo, known + (small - 1) * hi
    if not protecting:
        others: _Span = [(base, top)]
    elif suppress_zeros:
        others = [(base + protecting * k, _INF)]
    else:
        others = _merge([(base, top), (base + k, _INF)])
    total = _reader_sees(total_key, values, hidden, primary, unpublished, k, suppress_zeros)
    # A small cell may be v when the total minus the others' sum may be v.
    fits = _merge((max(-_INF, ta - ob), tb if tb >= _INF else tb - oa) for ta, tb in total for oa, ob in others)
    return sum(max(0, min(b, hi) - max(a, lo) + 1) for a, b in fits) == 1


def _unpin(
    values: Mapping[Hashable, int], members: Sequence[Hashable], total_key: Hashable, candidates: Sequence[Hashable],
    hidden: set[Hashable], primary: set[Hashable], unpublished: frozenset[Hashable] | set[Hashable], k: int,
    suppress_zeros: bool, line: int, by_key: Mapping[Hashable, list[int]],
    lines: Sequence[tuple[list[Hashable], Hashable | None]],
) -> Hashable | None:
    """The further cell to hide so that a pinned line is not: one that unpins it on its own if
    any (a cell never shown first, since hiding it costs the reader nothing, then the one that
    starts fewest new hides in its other lines, then the smallest: often a 0), else the total."""
    ranked = []
    for position, m in enumerate(candidates):
        if m in unpublished and values[m] == 0:
            continue  # hiding it protects nothing (see _reader_sees)
        unpins = not _pinned(values, members, total_key, hidden | {m}, primary, unpublished, k, suppress_zeros)
        knock_on = sum(
            1 for other in by_key.get(m, ())
            if other != line and lines[other][1] is not None and not any(x in hidden for x in (*lines[other][0], lines[other][1]))
        )
        ranked.append((not unpins, m not in unpublished, knock_on, values[m], str(m), position))
    if ranked:
        best = min(ranked)
        if not best[0] or total_key in hidden:
            return candidates[best[5]]
    return None if total_key in hidden else total_key


@dataclass
class SuppressedCounts:
    k: int
    cells: dict[Hashable, Cell]
    total: Cell | None

    def items(self) -> Iterable[tuple[Hashable, Cell]]:
        return self.cells.items()

    @property
    def any_shown(self) -> bool:
        """Whether any count is shown: a chart of nothing but hidden bars says nothing."""
        return any(not cell.suppressed for cell in self.cells.values())

    def chart(self, labels: Mapping[Hashable, str] | None = None, gettext: Callable[[str], str] | None = None) -> dict[str, list[Any]]:
        """Data for a bar chart: suppressed bars have no value and say why in `text` (in the
        page's language when `gettext` is given)."""
        keys = list(self.cells)
        return {
            "labels": [labels.get(key, str(key)) if labels else str(key) for key in keys],
            "values": [self.cells[key].value for key in keys],
            "text": [self.cells[key].text(self.k, gettext) for key in keys],
        }


def suppress_counts(
    counts: Mapping[Hashable, int], k: int = DEFAULT_K, *, with_total: bool = True, suppress_zeros: bool = False
) -> SuppressedCounts:
    """A one-way table (category -> number of people) with its total, suppressed.

    `with_total=False` when the total is not published anywhere near the cells (then only
    primary suppression applies; a total published elsewhere must be suppressed with it).
    """
    k = max(2, int(k))
    values: dict[Hashable, int] = {key: int(v) for key, v in counts.items()}
    total_key = ("__total__",)
    if with_total:
        values[total_key] = sum(int(v) for v in counts.values())
    lines = [(list(counts), total_key if with_total else None)]
    cells = _suppress(values, lines, k, suppress_zeros)
    total = cells.pop(total_key) if with_total else None
    return SuppressedCounts(k=k, cells=cells, total=total)


@dataclass
class SuppressedTable:
    k: int
    rows: list[Hashable]
    columns: list[Hashable]
    cells: dict[tuple[Hashable, Hashable], Cell]
    row_totals: dict[Hashable, Cell] = field(default_factory=dict)
    column_totals: dict[Hashable, Cell] = field(default_factory=dict)
    total: Cell | None = None

    def cell(self, row: Hashable, column: Hashable) -> Cell:
        return self.cells[(row, column)]

    def row_total(self, row: Hashable) -> Cell:
        return self.row_totals[row]

    def column_total(self, column: Hashable) -> Cell:
        return self.column_totals[column]


def suppress_table(
    counts: Mapping[tuple[Hashable, Hashable], int],
    k: int = DEFAULT_K,
    *,
    rows: Sequence[Hashable] | None = None,
    columns: Sequence[Hashable] | None = None,
    suppress_zeros: bool = False,
) -> SuppressedTable:
    """A two-way table (row, column) -> people, with row, column and grand totals, suppressed.

    Missing (row, column) pairs count as zero.
    """
    k = max(2, int(k))
    rows = list(rows) if rows is not None else list(dict.fromkeys(r for r, _ in counts))
    columns = list(columns) if columns is not None else list(dict.fromkeys(c for _, c in counts))
    values: dict[Hashable, int] = {}
    for r in rows:
        for c in columns:
            values[("cell", r, c)] = int(counts.get((r, c), 0))
    for r in rows:
        values[("row", r)] = sum(values[("cell", r, c)] for c in columns)
    for c in columns:
        values[("col", c)] = sum(values[("cell", r, c)] for r in rows)
    values[("total",)] = sum(values[("row", r)] for r in rows)
    lines: list[tuple[list[Hashable], Hashable | None]] = []
    for r in rows:
        lines.append(([("cell", r, c) for c in columns], ("row", r)))
    for c in columns:
        lines.append(([("cell", r, c) for r in rows], ("col", c)))
    lines.append(([("row", r) for r in rows], ("total",)))
    lines.append(([("col", c) for c in columns], ("total",)))
    result = _suppress(values, lines, k, suppress_zeros)
    return SuppressedTable(
        k=k,
        rows=rows,
        columns=columns,
        cells={(r, c): result[("cell", r, c)] for r in rows for c in columns},
        row_totals={r: result[("row", r)] for r in rows},
        column_totals={c: result[("col", c)] for c in columns},
        total=result[("total",)],
    )


# Cubes: every filtered view of the same counts, suppressed together -----------------------------

ALL = "__all__"


@dataclass(frozen=True)
class Dimension:
    """One way a count is broken down in a cube (`suppress_cube`).

    `values` may be shown; `others` are counted but never shown on their own (the people whose
    age band or gender is too rare to offer as a filter, or was not given). `additive`: the values
    add up to the ALL cell; False for the options of a multiple choice, which people pick several
    of, where the ALL cell (how many answered) is given, not summed.
    """

    values: tuple[Hashable, ...]
    others: tuple[Hashable, ...] = ()
    additive: bool = True

    @property
    def domain(self) -> tuple[Hashable, ...]:
        return (*self.values, *self.others)


@dataclass
class SuppressedCube:
    k: int
    dimensions: tuple[Dimension, ...]
    cells: dict[tuple[Hashable, ...], Cell]

    def cell(self, *coordinates: Hashable) -> Cell:
        return self.cells[tuple(coordinates)]

    def counts(self, *prefix: Hashable, with_total: bool = True) -> SuppressedCounts:
        """The one-way table along the last dimension at `prefix` (one coordinate, value or ALL,
        for every other dimension), with the ALL cell as its total."""
        last = self.dimensions[-1]
        cells = {value: self.cells[(*prefix, value)] for value in last.values}
        return SuppressedCounts(k=self.k, cells=cells, total=self.cells[(*prefix, ALL)] if with_total else None)


def suppress_cube(
    leaves: Mapping[tuple[Hashable, ...], int], dimensions: Sequence[Dimension], k: int = DEFAULT_K
) -> SuppressedCube:
    """Counts broken down several ways at once (context x age band x gender x answer), suppressed
    so that no view of them, filtered or not, gives a small group away, alone or beside another.

    Suppressing each filtered view on its own is not enough: "all" minus "girls" is everyone who
    is not a girl, and "all" minus "girls" minus "boys" is the few who gave another answer. Here
    every view is a slice of one cube, and each breakdown is a line whose members add up to its
    ALL cell, so secondary suppression holds across views, the way it holds across the rows and
    columns of a two-way table. Every view computed from the same cube agrees with every other.

    `leaves` maps one coordinate per dimension to a number of people: a value of the dimension, or
    ALL for a dimension that is not additive. Missing leaves count as zero.
    """
    k = max(2, int(k))
    dims = tuple(dimensions)
    additive = [i for i, d in enumerate(dims) if d.additive]
    values: dict[tuple[Hashable, ...], int] = {}
    for key in product(*[(*d.domain, ALL) for d in dims]):
        values[key] = 0
    for key, n in leaves.items():
        if len(key) != len(dims):
            raise ValueError(f"{key!r} has {len(key)} coordinates, the cube has {len(dims)}")
        for i, (coordinate, d) in enumerate(zip(key, dims, strict=True)):
            if coordinate not in d.domain and not (coordinate == ALL and not d.additive):
                raise ValueError(f"{coordinate!r} is not a value of dimension {i}")
        n = int(n)
        for size in range(len(additive) + 1):
            for summed in combinations(additive, size):
                target = tuple(ALL if i in summed else c for i, c in enumerate(key))
                values[target] += n
    lines: list[tuple[list[Hashable], Hashable | None]] = []
    for i in additive:
        for key in values:
            if key[i] == ALL:
                lines.append(([(*key[:i], v, *key[i + 1 :]) for v in dims[i].domain], key))
    unpublished: set[Hashable] = {key for key in values if any(c in d.others for c, d in zip(key, dims, strict=True))}
    cells = _suppress(cast(dict[Hashable, int], values), lines, k, False, unpublished)
    return SuppressedCube(k=k, dimensions=dims, cells={cast(tuple[Hashable, ...], key): cell for key, cell in cells.items()})
