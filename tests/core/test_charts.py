"""Charts drawn on the server as inline SVG (baraza/charts.py): no script, every text escaped,
suppressed counts written as words and never drawn, a text alternative for screen readers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from baraza.charts import BarDatum, StackedRow, bar_chart, stacked_bars
from baraza.disclosure import Cell, suppress_counts

SVG = "{http://www.w3.org/2000/svg}"
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>&amp;'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # well-formed XML, or this raises


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def bars_drawn(root: ET.Element) -> list[float]:
    """Widths of the coloured bars (the grey tracks behind them left out)."""
    return [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect") if r.get("fill") != "#e6e9ec"]


def test_a_bar_chart_draws_counts_and_says_which_are_hidden() -> None:
    table = suppress_counts({"yes": 12, "no": 3, "unsure": 7}, k=5)
    svg = bar_chart(
        [BarDatum("Yes", table.cells["yes"]), BarDatum("No", table.cells["no"]), BarDatum("Not sure", table.cells["unsure"])],
        title="Should schools share marks?", k=5,
    )
    root = parse(svg)
    assert root.get("role") == "img"
    labelled_by = root.get("aria-labelledby", "").split()
    ids = {e.get("id"): e for e in root.iter() if e.get("id")}
    assert [ids[i].tag for i in labelled_by] == [f"{SVG}title", f"{SVG}desc"]
    assert ids[labelled_by[0]].text == "Should schools share marks?"
    desc = ids[labelled_by[1]].text or ""
    # The totals would give "no" away, so a second count goes too (secondary suppression).
    assert "Yes: 12" in desc and "No: fewer than 5" in desc and "Not sure: hidden to protect a small group" in desc
    shown = texts(root)
    assert "12" in shown and "fewer than 5" in shown and "3" not in shown and "7" not in shown
    assert len(bars_drawn(root)) == 1  # only the shown count has a bar


def test_bars_are_measured_against_the_largest_shown_count() -> None:
    root = parse(bar_chart([BarDatum("a", Cell(10)), BarDatum("b", Cell(5)), BarDatum("c", Cell(0))], title="t", k=5))
    widths = bars_drawn(root)
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) < 0.2


def test_the_hidden_message_is_in_the_readers_language() -> None:
    catalog = {"fewer than %(k)s": "menos de %(k)s"}
    svg = bar_chart([BarDatum("Sí", Cell(2, suppressed=True, primary=True))], title="t", k=5, gettext=lambda s: catalog.get(s, s))
    assert "menos de 5" in texts(parse(svg))


def test_every_text_is_escaped() -> None:
    svg = bar_chart([BarDatum(XSS, Cell(6))], title=XSS, k=5, description=XSS)
    stacked = stacked_bars([StackedRow(XSS, {"a": Cell(6)})], [("a", XSS)], title=XSS, k=5, description=XSS)
    for chart in (svg, stacked):
        raw = str(chart)
        assert "<script" not in raw and "<img" not in raw
        root = parse(raw)
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img", "foreignObject", "a")]
        assert all(not name.startswith("on") for e in root.iter() for name in e.attrib)
        # What was typed comes back as characters (shortened labels aside).
        assert any(t.startswith("<script>") for t in texts(root))
        assert "&amp;amp;" in raw  # escaped once more, not unescaped


def test_no_script_no_style_attribute_no_outside_reference() -> None:
    raw = str(stacked_bars([StackedRow("x", {"a": Cell(9), "b": Cell(1, True, True)})], [("a", "A"), ("b", "B")], title="t", k=5))
    assert "<script" not in raw and " style=" not in raw and "href" not in raw and "url(" not in raw


def test_a_stacked_bar_leaves_hidden_segments_out_and_names_them() -> None:
    rows = [
        StackedRow("School marks", {"fine": Cell(9), "not_fine": Cell(2, suppressed=True, primary=True), "depends": Cell(6)}),
        StackedRow("Health records", {"fine": Cell(0), "not_fine": Cell(11), "depends": Cell(5)}),
    ]
    categories = [("fine", "Fine"), ("not_fine", "Not fine"), ("depends", "It depends")]
    root = parse(stacked_bars(rows, categories, title="Who may use my data", k=5))
    shown = texts(root)
    assert {"Fine", "Not fine", "It depends"} <= set(shown)  # the legend
    assert "Not fine: fewer than 5" in shown
    assert "2" not in shown
    desc = next(root.iter(f"{SVG}desc")).text or ""
    assert "School marks (Fine: 9, Not fine: fewer than 5, It depends: 6)" in desc
    # Segments: 9 and 6 in the first row, 11 and 5 in the second, on one scale (16 is the widest).
    segments = sorted(w for w in bars_drawn(root) if w > 14)  # legend swatches are 14 wide
    assert len(segments) == 4
    assert abs(segments[-1] / segments[0] - 11 / 5) < 0.01


def test_right_to_left_mirrors_the_chart() -> None:
    ltr = parse(bar_chart([BarDatum("نعم", Cell(8))], title="t", k=5))
    rtl = parse(bar_chart([BarDatum("نعم", Cell(8))], title="t", k=5, rtl=True))

    def bar_x(root: ET.Element) -> float:
        return next(float(r.get("x", 0)) for r in root.iter(f"{SVG}rect") if r.get("fill") != "#e6e9ec")

    assert bar_x(rtl) < bar_x(ltr)
    # Each text in its own direction: Arabic right to left, a count left to right.
    assert {t.text: t.get("direction") for t in rtl.iter(f"{SVG}text")} == {"نعم": "rtl", "8": "ltr"}


def test_english_in_an_arabic_chart_keeps_its_punctuation_and_its_side() -> None:
    """"Who will read our answers?" in an Arabic chart is drawn left to right (its question
    mark at its end), anchored at the other end, so it sits where an Arabic label would."""
    chart = parse(bar_chart([BarDatum("نعم", Cell(8)), BarDatum("Who will read our answers?", Cell(6))], title="t", k=5, rtl=True))
    texts = {t.text: t for t in chart.iter(f"{SVG}text")}
    arabic, english = texts["نعم"], texts["Who will read our answers?"]
    assert (arabic.get("direction"), english.get("direction")) == ("rtl", "ltr")
    assert arabic.get("x") == english.get("x")
    assert {arabic.get("text-anchor"), english.get("text-anchor")} == {"start", "end"}


def test_arabic_is_never_slanted() -> None:
    """A hidden count's words are in italics, except in Arabic, which has no italic."""
    ar = bar_chart([BarDatum("نعم", Cell(2, suppressed=True, primary=True))], title="t", k=5, rtl=True, gettext=lambda m: "أقل من %(k)s")
    en = bar_chart([BarDatum("Yes", Cell(2, suppressed=True, primary=True))], title="t", k=5)
    assert "italic" not in str(ar) and "italic" in str(en)


def test_a_line_with_arabic_in_it_is_never_slanted_even_when_it_starts_with_a_latin_name() -> None:
    """"Mombasa: أقل من 5" under a bar of an Arabic chart: a PDF's fonts may have no slanted
    Arabic (boxes), and Arabic has no italic anyway."""
    chart = str(stacked_bars([StackedRow("x", {"a": Cell(9), "b": Cell(1, True, True)})], [("a", "A"), ("b", "Mombasa")], title="t", k=5, rtl=True, gettext=lambda m: "أقل من %(k)s"))
    assert "Mombasa: أقل من 5" in chart and "italic" not in chart


def test_ids_differ_between_charts_of_one_page() -> None:
    a = parse(bar_chart([BarDatum("a", Cell(6))], title="one", k=5))
    b = parse(bar_chart([BarDatum("a", Cell(6))], title="two", k=5))
    assert a.get("id") != b.get("id")
    assert re.fullmatch(r"chart-bar-[0-9a-f]{10}", a.get("id") or "")
