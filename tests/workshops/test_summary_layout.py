"""How the summary reads on the page and on paper: a chart's words are never cut at its edge
(labels and the counts hidden under a bar wrap), a heading is never left at the foot of a PDF
page with its chart on the next, Arabic words of a chart are given as laid-out text too (the
PDF renderer draws SVG text a letter at a time), and the card sort's results table on the
projector and the console is one table whose header sits over its columns."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from baraza import charts, pdf
from tests.workshops.factories import (
    add_vote,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    poll_config,
    sign_in,
)

SVG = "{http://www.w3.org/2000/svg}"
LONG_STATEMENT = "Young people are asked before data about them is shared with anyone outside the school"


@pytest.fixture
def room(session, settings):
    consultation = make_consultation(session, k_threshold=5)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, ended=True, title="Data and us")
    people = [make_participant(session, settings, consultation)[0] for _ in range(3)]
    return consultation, facilitator, workshop, people


def statements_of(session, workshop, people, *texts):
    """A statements activity a few people answered: every count is under k, so each row's three
    counts are written under its bar instead of drawn."""
    activity = make_activity(
        session, workshop, "statements", prompt="Draft principles: do you agree or disagree?", sensitive=True,
        config={"statements": [{"key": f"s{i}", "text": {"en": text}} for i, text in enumerate(texts, start=1)], "allow_new": False},
    )
    for j, person in enumerate(people):
        for i in range(1, len(texts) + 1):
            add_vote(session, activity, person, f"s{i}", slot=i - 1, value=(1, -1, 0)[j % 3])  # agree, disagree, pass
    return activity


def svg_texts(html: str, containing: str) -> list[ET.Element]:
    svg = next(s for s in re.findall(r"<svg[^>]*>.*?</svg>", html, re.S) if containing in s)
    return list(ET.fromstring(svg).iter(f"{SVG}text"))


def test_a_statement_chart_writes_its_hidden_counts_whole_and_wraps_long_statements(client, session, room):
    consultation, facilitator, workshop, people = room
    statements_of(session, workshop, people, LONG_STATEMENT, "Data about us is never sold.")
    sign_in(client, facilitator)
    texts = svg_texts(client.get(f"/workshops/{workshop.id}/summary").text, "Data about us is never sold.")
    lines = [t.text or "" for t in texts]
    # The three counts under each bar, whole, on lines that fit the chart's width...
    under = [t for t in texts if t.get("font-style") == "italic"]
    assert under
    assert all(line.endswith("fewer than 5") or line.endswith("fewer than 5;") for line in (t.text or "" for t in under))
    assert sum("Pass / unsure: fewer than 5" in (t.text or "") for t in under) == 2  # one per statement
    for t in under:
        assert float(t.get("x", 0)) + len(t.text or "") * charts.CHAR_WIDTH <= charts.WIDTH
    # ...and the long statement on lines of its own, every word of it drawn.
    assert " ".join(line for line in lines if line in " ".join(LONG_STATEMENT.split()) and line).split() == LONG_STATEMENT.split()
    assert not any(line.endswith("…") for line in lines)
    # One row's words never run into the next's: lines go down the chart.
    rows = [float(t.get("y", 0)) for t in texts if t.get("text-anchor") == "end"]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)


def test_the_label_column_wraps_before_it_shortens():
    assert charts.label_lines("Let us delete our data") == ["Let us delete our data"]
    long = " ".join(["word"] * 40)
    lines = charts.label_lines(long)
    assert len(lines) == charts.LABEL_LINES and lines[-1].endswith("…")
    assert all(len(line) <= charts.MAX_LABEL_CHARS for line in lines)
    assert charts.label_shortened(long) and not charts.label_shortened(LONG_STATEMENT)


def pages_of(html: str) -> list[list[tuple[str, str]]]:
    """Per page of the PDF WeasyPrint lays out: the headings (h3) and charts (figure) on it, in order."""
    weasyprint = pdf._weasyprint()
    document = weasyprint.HTML(string=html, base_url=pdf.DEFAULT_BASE_URL, url_fetcher=pdf.make_url_fetcher(pdf.DEFAULT_BASE_URL)).render()
    pages: list[list[tuple[str, str]]] = []

    def walk(box: object, found: list[tuple[str, str]]) -> None:
        tag = getattr(box, "element_tag", None)
        if tag in ("h3", "figure") and not (found and found[-1][1] is getattr(box, "element", None)):
            found.append((str(tag), getattr(box, "element", None)))  # type: ignore[arg-type]
        for child in getattr(box, "children", ()) or ():
            walk(child, found)

    for page in document.pages:
        found: list[tuple[str, str]] = []
        walk(page._page_box, found)
        pages.append(found)
    return pages


def test_in_the_pdf_a_heading_stays_with_its_chart(client, session, room, monkeypatch):
    consultation, facilitator, workshop, people = room
    # Polls of every size, one after the other: some heading falls near a page's foot.
    for size in (3, 8, 5, 2, 7, 4, 6, 8, 3, 5, 7, 2, 6, 4):
        poll = make_activity(session, workshop, "poll", prompt=f"A poll with {size} options", config=poll_config(*[f"Option {i}" for i in range(size)]))
        for person in people:
            add_vote(session, poll, person, "o1")
    import workshops.views.summary as views

    drawn: list[str] = []
    monkeypatch.setattr(views, "render_pdf", lambda html, **kwargs: drawn.append(html) or b"%PDF-")
    sign_in(client, facilitator)
    assert client.get(f"/workshops/{workshop.id}/summary.pdf").status_code == 200
    pages = pages_of(drawn[0])
    assert len(pages) > 2
    for number, found in enumerate(pages, start=1):
        tags = [tag for tag, _element in found]
        assert tags[-1:] != ["h3"], f"page {number} ends with a heading whose chart is on the next"


def test_arabic_words_of_a_chart_are_given_as_text_in_the_pdf(client, session, room, monkeypatch):
    consultation, facilitator, workshop, people = room
    statements_of(session, workshop, people, "يجب ألا تشارك المدارس علاماتنا مع الشركات.", "Data about us is never sold.")
    import workshops.views.summary as views

    drawn: list[str] = []
    monkeypatch.setattr(views, "render_pdf", lambda html, **kwargs: drawn.append(html) or b"%PDF-")
    sign_in(client, facilitator)
    client.get(f"/workshops/{workshop.id}/summary.pdf")
    from tests.core.test_pdf import laid_out_text

    # The chart draws it a letter at a time; the table under it is laid out (joined, right to left).
    assert "يجب ألا تشارك المدارس علاماتنا مع الشركات." in laid_out_text(drawn[0])
    assert "<figcaption>" in drawn[0]
    # A summary in Arabic gives every chart's table.
    client.get(f"/workshops/{workshop.id}/summary.pdf", params={"lang": "ar"})
    assert drawn[-1].count("<figcaption>") == drawn[-1].count("<figure>") > 0


def test_the_card_sort_table_is_laid_out_as_a_table():
    """The board's notes are a grid (`ul.ws-cards`); the card sort's results table shares the
    class, and a grid would put its header row apart from its columns (all bunched to one side)."""
    css = (Path(__file__).resolve().parents[2] / "workshops" / "static" / "staff.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        display = re.search(r"display:\s*([a-z-]+)", body)
        if display is None:
            continue
        for selector in selectors.split(","):
            assert selector.split()[-1] != ".ws-cards", f"{selector.strip()} lays the card sort's table out as {display.group(1)}"
    # The template still marks the table with it (the console's and the screen's tests read it).
    template = (Path(__file__).resolve().parents[2] / "workshops" / "templates" / "workshops" / "_results_kinds.html").read_text()
    assert '<table class="ws-cards stack">' in template

