"""A long card sort on the projector: a board of the cards by kind of data in two columns
(workshops.results.card_board), built from the results' own rows and cells, nothing counted or
suppressed again. The console keeps the full matrix; a short sort keeps it on the screen too.
The browser measures the board on a 1280x800 projector (tests/e2e/test_workshops_card_board.py)."""

from __future__ import annotations

import re

from baraza.disclosure import Cell
from baraza.participation.api import participant_actor
from tests.workshops.factories import make_activity, make_consultation, make_facilitator, make_participant, make_workshop, sign_in
from workshops import services
from workshops.access import activity_of
from workshops.activities import Card, default_config
from workshops.results import BOARD_LINES, CardRow, card_board, card_results

FEWER = Cell(3, suppressed=True, primary=True)
HIDDEN = Cell(6, suppressed=True)


def row(kind: str, n: int, fine: Cell | None = None, total: Cell | None = None) -> CardRow:
    card = Card(f"{kind}.u{n}.p", kind, f"u{n}", "p", kind.title(), f"User {n}", "To help")
    return CardRow(card, {"fine": fine or Cell(n), "not_fine": Cell(0), "depends": FEWER}, total or Cell(12))


def lines(column) -> int:
    return sum(1 + len(group.rows) for group in column)


def test_the_board_groups_cards_by_kind_of_data_in_two_even_columns():
    rows = [row("health", 1), row("school", 2), row("health", 3), *[row("online", n) for n in range(4, 14)], row("school", 14)]
    board = card_board(rows)
    assert len(board.columns) == 2
    # Kinds in the order they first come, cards in the activity's order within a kind.
    groups = [(g.label, [r.card.key for r in g.rows]) for column in board.columns for g in column]
    assert [label for label, _keys in groups][:3] == ["Health", "School", "Online"]
    assert groups[0][1] == ["health.u1.p", "health.u3.p"]
    # Every card once, the very rows (and cells) of the results: nothing counted again.
    shown = [r for column in board.columns for g in column for r in g.rows]
    assert sorted(id(r) for r in shown) == sorted(id(r) for r in rows)
    # About as many lines each (17 lines, and the repeated heading: 9 and 9).
    assert abs(lines(board.columns[0]) - lines(board.columns[1])) <= 2
    # A kind cut between the columns repeats its heading in the second, and no column ends on a
    # heading alone.
    assert board.columns[0][-1].label == board.columns[1][0].label == "Online"
    assert all(g.rows for column in board.columns for g in column)
    assert board.lines == max(lines(c) for c in board.columns) and not board.very_long


def test_a_very_long_board_takes_the_smaller_type():
    board = card_board([row(f"kind{n % 12}", n) for n in range(30)])  # 12 kinds of data, 30 cards: 42 lines
    assert board.lines > BOARD_LINES and board.very_long


def test_tints_follow_the_largest_count_shown_and_never_a_suppressed_one():
    board = card_board([row("health", 1, fine=Cell(8)), row("health", 2, fine=Cell(2)), row("health", 3, fine=HIDDEN)])
    assert board.top == 8  # the hidden 6 and the "fewer than 5" 3 are not the largest shown
    assert board.shade(Cell(8)) == 4 and board.shade(Cell(2)) == 1 and board.shade(Cell(0)) == 0
    assert board.shade(FEWER) == 0 and board.shade(HIDDEN) == 0
    assert board.fewer_than_k and board.hidden


def test_the_answers_column_goes_only_when_every_card_shows_the_same_number():
    assert card_board([row("a", 1), row("b", 2)]).same_total == 12
    assert card_board([row("a", 1), row("b", 2, total=Cell(11))]).same_total is None
    assert card_board([row("a", 1, total=FEWER), row("b", 2, total=FEWER)]).same_total is None


def long_sort(session, settings, consultation, cards: int, people: int):
    workshop = make_workshop(session, consultation)
    config = default_config("card_sort")
    every = [(d["key"], u["key"], p["key"]) for d in config["data_kinds"] for u in config["users"] for p in config["purposes"]]
    config["cards"] = [{"key": ".".join(t), "data_kind": t[0], "user": t[1], "purpose": t[2]} for t in every[:cards]]
    sort = make_activity(session, workshop, "card_sort", prompt="Who may use my data?", config=config, sensitive=True)
    for n in range(people):
        person, _token = make_participant(session, settings, consultation)
        for c, card in enumerate(config["cards"]):
            services.do_sort_card(
                session, participant_actor(person), settings, consultation, person, workshop, activity_of(session, workshop, sort.id),
                card=card["key"], answer=("fine", "not_fine", "depends")[(c + (n % 2)) % 3] if n < 6 else "fine", reason="",
                client_id=f"card-{c:04d}-{person.id:08d}", language="en",
            )
    return workshop, sort


def test_the_screen_shows_a_long_card_sort_as_a_board_and_the_console_its_matrix(client, session, settings):
    consultation = make_consultation(session)
    workshop, sort = long_sort(session, settings, consultation, cards=20, people=7)
    results = card_results(session, consultation, sort, "en")
    sign_in(client, make_facilitator(session, consultation))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert 'class="ws-card-board"' in screen and 'class="ws-cards stack"' not in screen
    assert len(re.findall(r"<tr data-ws-card=", screen)) == 20
    assert " style=" not in screen and "<script>" not in screen  # the CSP: no inline styles or scripts
    # Each card's counts, in the results' order: a number, or the short mark with its words.
    for card_row in results.cards:
        tr = re.search(rf'<tr data-ws-card="{re.escape(card_row.card.key)}">(.*?)</tr>', screen, re.S)
        assert tr is not None, card_row.card.key
        tds = re.findall(r"<td data-ws-count[^>]*>(.*?)</td>", tr.group(1), re.S)
        cells = [card_row.cells["fine"], card_row.cells["not_fine"], card_row.cells["depends"]]
        assert len(tds) == 3  # everyone sorted every card: the key says "7 answers on each card"
        for td, cell in zip(tds, cells, strict=True):
            if cell.suppressed:
                words = "fewer than 5" if cell.primary else "hidden to protect a small group"
                assert 'aria-hidden="true">' in td and f'<span class="visually-hidden">{words}</span>' in td, td
            else:
                assert td.strip() == str(cell.value), td
    assert "7 answers on each card" in screen and '<span class="ws-mark" aria-hidden="true">&lt;5</span> fewer than 5' in screen
    # The console (a laptop page that scrolls) keeps the full matrix with every column.
    console = client.get(f"/workshops/{workshop.id}/console").text
    assert 'class="ws-cards stack"' in console and "ws-card-board" not in console
    assert console.count("<th scope=\"row\" dir=\"auto\">") >= 20


def test_a_short_card_sort_keeps_its_matrix_on_the_screen(client, session, settings):
    consultation = make_consultation(session)
    workshop, _sort = long_sort(session, settings, consultation, cards=12, people=1)
    sign_in(client, make_facilitator(session, consultation))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert 'class="ws-cards stack"' in screen and "ws-card-board" not in screen
    assert screen.split('class="ws-cards stack"')[1].split("</table>")[0].count("<th scope=\"row\"") == 12
