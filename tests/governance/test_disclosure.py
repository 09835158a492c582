"""SECURITY 10: cells under k are suppressed, and a second cell where totals would give the
first away."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from baraza.disclosure import FEWER_THAN, HIDDEN, k_for, suppress_counts, suppress_table


def test_small_cells_are_suppressed_and_say_fewer_than_k():
    table = suppress_counts({"yes": 12, "no": 3, "unsure": 7}, k=5)
    assert table.cells["yes"].value == 12
    assert table.cells["no"].value is None and table.cells["no"].message == FEWER_THAN
    assert table.cells["no"].text(5) == "fewer than 5"
    # The total is shown, so a second cell is hidden: 22 - 12 would give "no" away.
    assert table.total.value == 22
    assert table.cells["unsure"].value is None and table.cells["unsure"].message == HIDDEN
    assert table.chart() == {"labels": ["yes", "no", "unsure"], "values": [12, None, None], "text": ["12", "fewer than 5", HIDDEN]}


def test_nothing_is_hidden_when_every_cell_is_big_enough():
    table = suppress_counts({"a": 5, "b": 9, "c": 0}, k=5)
    assert [c.value for c in table.cells.values()] == [5, 9, 0]
    assert table.total.value == 14


def test_a_small_total_is_suppressed_too():
    table = suppress_counts({"a": 3}, k=5)
    assert table.cells["a"].value is None and table.total.value is None


def test_k_is_per_consultation():
    class Consultation:
        k_threshold = 10

    assert k_for(Consultation()) == 10 and k_for(None) == 5
    assert suppress_counts({"a": 7, "b": 30}, k=k_for(Consultation())).cells["a"].value is None


def test_two_way_tables_hide_a_second_cell_in_each_row_and_column():
    grid = suppress_table({("Bogotá", "yes"): 12, ("Bogotá", "no"): 2, ("Zaatari", "yes"): 9, ("Zaatari", "no"): 8}, k=5)
    assert grid.cell("Bogotá", "no").primary
    for row in ("Bogotá", "Zaatari"):
        assert sum(grid.cell(row, c).suppressed for c in ("yes", "no")) != 1
    for col in ("yes", "no"):
        assert sum(grid.cell(r, col).suppressed for r in ("Bogotá", "Zaatari")) != 1


def _derivable(values, hidden, lines):
    """Which hidden members could be computed exactly from published totals (one unknown in a line)."""
    known = {k for k in values if k not in hidden}
    changed = True
    while changed:
        changed = False
        for members, total in lines:
            everything = members + [total]
            unknown = [m for m in everything if m not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
    return {k for k in hidden if k in known}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6), st.integers(min_value=2, max_value=10))
def test_no_small_cell_can_be_recovered_from_a_one_way_table(counts, k):
    table = suppress_counts({i: n for i, n in enumerate(counts)}, k=k)
    values = {i: n for i, n in enumerate(counts)} | {"total": sum(counts)}
    hidden = {i for i, c in table.cells.items() if c.suppressed} | ({"total"} if table.total.suppressed else set())
    for i, n in enumerate(counts):
        assert table.cells[i].suppressed == (0 < n < k) or table.cells[i].message == HIDDEN
    assert not {i for i in _derivable(values, hidden, [(list(range(len(counts))), "total")]) if 0 < values[i] < k}


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=4), st.data())
def test_no_small_cell_can_be_recovered_from_a_two_way_table(n_rows, n_cols, data):
    cells = {(r, c): data.draw(st.integers(min_value=0, max_value=30)) for r in range(n_rows) for c in range(n_cols)}
    grid = suppress_table(cells, k=5)
    values = {("cell", r, c): v for (r, c), v in cells.items()}
    for r in range(n_rows):
        values[("row", r)] = sum(cells[(r, c)] for c in range(n_cols))
    for c in range(n_cols):
        values[("col", c)] = sum(cells[(r, c)] for r in range(n_rows))
    values[("total",)] = sum(cells.values())
    hidden = {("cell", r, c) for (r, c), cell in grid.cells.items() if cell.suppressed}
    hidden |= {("row", r) for r, cell in grid.row_totals.items() if cell.suppressed}
    hidden |= {("col", c) for c, cell in grid.column_totals.items() if cell.suppressed}
    if grid.total.suppressed:
        hidden.add(("total",))
    lines = [([("cell", r, c) for c in range(n_cols)], ("row", r)) for r in range(n_rows)]
    lines += [([("cell", r, c) for r in range(n_rows)], ("col", c)) for c in range(n_cols)]
    lines += [([("row", r) for r in range(n_rows)], ("total",)), ([("col", c) for c in range(n_cols)], ("total",))]
    exposed = _derivable(values, hidden, lines)
    assert not {key for key in exposed if 0 < values[key] < 5}, (cells, exposed)
    assert all(grid.cells[key].suppressed for key, v in cells.items() if 0 < v < 5)



def _cube_lines(cube):
    from baraza.disclosure import ALL

    lines = []
    for i, d in enumerate(cube.dimensions):
        if not d.additive:
            continue
        for key in cube.cells:
            if key[i] == ALL:
                lines.append(([(*key[:i], v, *key[i + 1 :]) for v in d.domain], key))
    return lines


@settings(max_examples=120, deadline=None)
@given(st.integers(min_value=1, max_value=3), st.integers(min_value=0, max_value=1), st.integers(min_value=1, max_value=3), st.data())
def test_no_filtered_view_of_a_cube_gives_a_small_group_away(n_genders, n_others, n_answers, data):
    """Every view a reader can ask for (all, each gender, each answer) published at once, and
    still no small group, shown or among the "others", can be computed by subtraction."""
    from baraza.disclosure import Dimension, suppress_cube

    genders = Dimension(values=tuple(f"g{i}" for i in range(n_genders)), others=("rest",) if n_others else ())
    answers = Dimension(values=tuple(f"a{i}" for i in range(n_answers)))
    leaves = {(g, a): data.draw(st.integers(min_value=0, max_value=12)) for g in genders.domain for a in answers.domain}
    cube = suppress_cube(leaves, [genders, answers], k=5)
    values = {key: cell.count for key, cell in cube.cells.items()}
    # What the reader can see: every published cell that is not hidden; "rest" is never published.
    hidden = {key for key, cell in cube.cells.items() if cell.suppressed or "rest" in key}
    exposed = _derivable(values, hidden, _cube_lines(cube))
    assert not {key for key in exposed if 0 < values[key] < 5}, (leaves, exposed)
    assert all(cube.cells[key].suppressed for key, v in values.items() if 0 < v < 5)


def test_all_minus_girls_does_not_give_the_boys_away():
    from baraza.disclosure import ALL, Dimension, suppress_cube

    genders = Dimension(values=("girl",), others=("everyone else",))
    answers = Dimension(values=("yes", "no"))
    cube = suppress_cube({("girl", "yes"): 9, ("girl", "no"): 6, ("everyone else", "yes"): 2, ("everyone else", "no"): 7}, [genders, answers], k=5)
    everyone, girls = cube.counts(ALL), cube.counts("girl")
    assert everyone.cells["yes"].value == 11 and everyone.total.value == 24
    # 11 - 9 = 2 people outside the filter said yes: one of the two numbers must go.
    assert girls.cells["yes"].value is None and girls.cells["yes"].message == HIDDEN
    assert girls.cells["no"].value is None  # ... and then its partner in the girls' row
    # The unfiltered view, which everyone sees first, keeps its numbers.
    assert [c.value for c in everyone.cells.values()] == [11, 13]
