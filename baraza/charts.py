"""Charts drawn on the server as inline SVG: for PDFs and for pages that must work without
JavaScript. No script, no external font, no inline `style` (the CSP forbids it): presentation
attributes only. Every text in them is escaped here (SECURITY 27), whatever the caller passes.

    svg = bar_chart([BarDatum("Yes", Cell(12)), BarDatum("No", Cell(3, suppressed=True, primary=True))],
                    title=_("Should schools share marks?"), k=5, gettext=_)
    svg = stacked_bars([StackedRow("School marks", {"ok": Cell(9), "not_ok": Cell(2, True, True)})],
                       categories=[("ok", _("Fine")), ("not_ok", _("Not fine"))], title=..., k=5, gettext=_)

Counts arrive already suppressed (`baraza.disclosure`): a suppressed cell is never drawn as a
bar; the chart writes "fewer than k" (or "hidden") where its bar would be, and lengths are
scaled against the largest count shown, never against a total that includes hidden cells.

Each chart is `<svg role="img">` labelled by its `<title>` and `<desc>`; the `desc` lists every
value in words ("Yes: 12; No: fewer than 5"), the text alternative a screen reader reads, and
the same numbers are written as text beside the bars, so the chart never relies on length or
colour alone (WCAG 1.1.1, 1.4.1).

Why hand-built SVG rather than Plotly images: docs/decisions.md.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from baraza.disclosure import Cell
from baraza.i18n import reads_right_to_left

Gettext = Callable[[str], str]

# Geometry, in SVG user units (the chart scales to its container: width 100%, viewBox).
WIDTH = 640
ROW = 30
BAR = 18
PAD = 8
LABEL_SHARE = 0.36  # the label column, of the width
NUMBER_ROOM = 120  # room after the longest bar for its number or "fewer than k"
FONT = "DejaVu Sans, Noto Sans, Noto Naskh Arabic, Noto Sans Arabic, sans-serif"
FONT_SIZE = 13
MAX_LABEL_CHARS = 30  # about what a line of the label column holds at this size (DejaVu Sans, 13 units)
LABEL_LINES = 3  # a longer label is wrapped onto this many lines, then shortened
LINE = 16  # from one line of text to the next
# About what a unit of width holds of text at this size, to wrap what is written under a bar
# (the chart cannot measure text: the PDF renderer and browsers lay it out).
CHAR_WIDTH = 7.2
INK = "#1b1f24"
MUTED = "#4d5661"
TRACK = "#e6e9ec"
# Colours of stacked segments: the Okabe-Ito palette (distinguishable with the common colour
# vision deficiencies), darkened where white text must read on it (contrast 4.5:1).
PALETTE = ("#0b5e55", "#a34f00", "#3b5ba5", "#8c2d6e", "#4d6b00", "#5b5b5b")
ACCENT = PALETTE[0]


@dataclass(frozen=True)
class BarDatum:
    label: str
    cell: Cell


@dataclass(frozen=True)
class StackedRow:
    label: str
    cells: Mapping[str, Cell]  # category key -> count (suppressed already)


def _identity(text: str) -> str:
    return text


def cell_text(cell: Cell, k: int, gettext: Gettext | None = None) -> str:
    """The number, or why it is not shown, in the reader's language."""
    return cell.text(k, gettext or _identity)


def _short(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    label = " ".join(str(label).split())
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _wrap(parts: Sequence[str], chars: int, separator: str = " ") -> list[str]:
    """Lines of at most `chars` characters, made of whole `parts` (words, or "Agree: fewer than
    5" pieces) where they fit, a part too long for a line broken between its words, a word too
    long for a line cut."""
    lines: list[str] = []
    line = ""
    for part in parts:
        part = " ".join(part.split())
        if not part:
            continue
        joined = f"{line}{separator}{part}" if line else part
        if len(joined.rstrip()) <= chars:
            line = joined
            continue
        if line:
            # The separator stays at the end of the line it closes ("...fewer than 5;").
            lines.append((line + separator).rstrip())
            line = ""
        if len(part) <= chars:
            line = part
        elif separator != " ":
            words = _wrap(part.split(" "), chars)
            lines.extend(words[:-1])
            line = words[-1]
        else:
            while len(part) > chars:
                lines.append(part[:chars])
                part = part[chars:]
            line = part
    if line:
        lines.append(line.rstrip())
    return lines


def label_lines(label: str) -> list[str]:
    """A row's label as drawn: wrapped onto at most LABEL_LINES lines of the label column, the
    last one shortened with "…" when the label is longer still."""
    lines = _wrap(str(label).split(), MAX_LABEL_CHARS) or [""]
    if len(lines) <= LABEL_LINES:
        return lines
    rest = " ".join(lines[LABEL_LINES - 1 :])
    return [*lines[: LABEL_LINES - 1], _short(rest)]


def label_shortened(label: str) -> bool:
    """Whether the drawing had to shorten `label` (a table of the numbers then gives it whole)."""
    return " ".join(label_lines(label)) != " ".join(str(label).split())


def _label(x: float, top: float, lines: Sequence[str], rtl: bool) -> list[str]:
    """A row's label, its first line level with the bar, ending at x (the label column's edge)."""
    return [_text(x, top + i * LINE, line, rtl=rtl, start=False) for i, line in enumerate(lines)]


def _chart_id(kind: str, title: str, labels: Sequence[str]) -> str:
    # Stable across renders (tests, caches) and distinct between charts of one page.
    digest = hashlib.sha256("\x1f".join([kind, title, *labels]).encode()).hexdigest()[:10]
    return f"chart-{kind}-{digest}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open_svg(chart_id: str, height: float, title: str, desc: str, rtl: bool) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-family="{FONT}" font-size="{FONT_SIZE}" '
        f'fill="{INK}" direction="{"rtl" if rtl else "ltr"}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _x(x: float, rtl: bool) -> float:
    """Mirror a horizontal position for right-to-left charts (labels on the right)."""
    return WIDTH - x if rtl else x


def _text(x: float, y: float, text: str, *, rtl: bool, start: bool = True, fill: str = INK, italic: bool = False, centred: bool = False) -> str:
    """A line of text at x (measured from the chart's start side). `start`: the text begins at
    x and runs on along the line; otherwise it ends at x. Anchors are logical ("start" is the
    right-hand end of Arabic text), so with the text's own direction they mirror by themselves."""
    # The text's own direction, whatever the chart's: an English statement in an Arabic chart
    # keeps its question mark at its end. Its anchor flips with it, so it stays on its side.
    own_rtl = reads_right_to_left(text)
    anchor = "middle" if centred else ("start" if start == (own_rtl == rtl) else "end")
    attrs = f'x="{_num(_x(x, rtl))}" y="{_num(y)}" text-anchor="{anchor}" dominant-baseline="middle" direction="{"rtl" if own_rtl else "ltr"}"'
    if fill != INK:
        attrs += f' fill="{fill}"'
    if italic and not any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        # Arabic has no italic: a slanted one is only harder to read, and a PDF's fonts may have
        # no slanted Arabic at all (boxes). So no italics for a line with any Arabic in it.
        attrs += ' font-style="italic"'
    return f"<text {attrs}>{escape(text)}</text>"


def _rect(x: float, y: float, width: float, height: float, fill: str, rtl: bool) -> str:
    left = WIDTH - x - width if rtl else x
    return f'<rect x="{_num(left)}" y="{_num(y)}" width="{_num(max(0.0, width))}" height="{_num(height)}" fill="{fill}" rx="2"/>'


def bar_chart(
    bars: Sequence[BarDatum],
    *,
    title: str,
    k: int,
    gettext: Gettext | None = None,
    description: str = "",
    rtl: bool = False,
) -> Markup:
    """Horizontal bars, one per label, each as long as its count against the largest count
    shown; a suppressed count is drawn as its words ("fewer than 5") in place of the bar."""
    labels = [str(b.label) for b in bars]
    chart_id = _chart_id("bar", title, labels)
    summary = "; ".join(f"{' '.join(b.label.split())}: {cell_text(b.cell, k, gettext)}" for b in bars)
    desc = f"{description} {summary}".strip() if description else summary
    labels_drawn = [label_lines(label) for label in labels]
    # A row is as tall as its label: one line beside the bar, more under it.
    heights = [ROW + LINE * (len(lines) - 1) for lines in labels_drawn]
    height = PAD * 2 + (sum(heights) if bars else ROW)
    out = _open_svg(chart_id, height, title, desc, rtl)
    label_width = WIDTH * LABEL_SHARE
    track_start = label_width + PAD
    track_width = WIDTH - track_start - NUMBER_ROOM
    widest = max([b.cell.count for b in bars if not b.cell.suppressed] + [0])
    top = float(PAD)
    for bar, lines, row_height in zip(bars, labels_drawn, heights, strict=True):
        middle = top + ROW / 2
        top += row_height
        out.extend(_label(label_width, middle, lines, rtl))
        out.append(_rect(track_start, middle - BAR / 2, track_width, BAR, TRACK, rtl))
        if bar.cell.suppressed:
            out.append(_text(track_start + 4, middle, cell_text(bar.cell, k, gettext), rtl=rtl, fill=MUTED, italic=True))
            continue
        length = 0.0 if widest == 0 else track_width * bar.cell.count / widest
        if length:
            out.append(_rect(track_start, middle - BAR / 2, length, BAR, ACCENT, rtl))
        out.append(_text(track_start + track_width + 6, middle, str(bar.cell.count), rtl=rtl))
    out.append("</svg>")
    # Every text above went through escape(); the rest is numbers and our own attributes.
    return Markup("\n".join(out))  # noqa: S704


def stacked_bars(
    rows: Sequence[StackedRow],
    categories: Sequence[tuple[str, str]],
    *,
    title: str,
    k: int,
    gettext: Gettext | None = None,
    description: str = "",
    rtl: bool = False,
) -> Markup:
    """One bar per row (a card, a statement), split into its categories (fine / not fine / it
    depends), with a legend. Segments are as long as their counts against the longest row of
    shown counts; a suppressed segment is left out of the bar and named under it ("Not fine:
    fewer than 5"), so nothing of it can be measured off the drawing."""
    labels = [str(r.label) for r in rows]
    chart_id = _chart_id("stacked", title, labels + [c for c, _ in categories])
    names = dict(categories)
    parts = []
    for row in rows:
        values = ", ".join(f"{names[key]}: {cell_text(row.cells.get(key, Cell(0)), k, gettext)}" for key, _ in categories)
        parts.append(f"{' '.join(row.label.split())} ({values})")
    summary = "; ".join(parts)
    desc = f"{description} {summary}".strip() if description else summary
    label_width = WIDTH * LABEL_SHARE
    track_start = label_width + PAD
    track_width = WIDTH - track_start - PAD
    # The legend: a swatch and the category's name, in the categories' order, on as many lines
    # as the names need.
    legend: list[tuple[float, float, str]] = []
    x, y = float(PAD), float(PAD)
    for _key, name in categories:
        short = _short(name, 24)
        room = 20 + 8 * len(short)
        if x > PAD and x + room > WIDTH - PAD:
            x, y = float(PAD), y + LINE + 6
        legend.append((x, y, short))
        x += room + 24
    legend_height = y - PAD + ROW
    # Under each bar, the segments left out of it, in as many lines as the words need; beside
    # it, the label on as many lines as it needs (LABEL_LINES at most).
    per_line = int(track_width / CHAR_WIDTH)
    hidden_lines = [
        _wrap([f"{name}: {cell_text(row.cells[key], k, gettext)}" for key, name in categories if key in row.cells and row.cells[key].suppressed], per_line, "; ")
        for row in rows
    ]
    labels_drawn = [label_lines(row.label) for row in rows]
    heights = [
        max(ROW + 16, ROW / 2 + LINE * (len(lines) - 1) + LINE, ROW / 2 + BAR / 2 + 8 + LINE * len(under))
        for lines, under in zip(labels_drawn, hidden_lines, strict=True)
    ]
    height = PAD * 2 + legend_height + (sum(heights) if rows else ROW + 16)
    out = _open_svg(chart_id, height, title, desc, rtl)
    for index, (x, y, short) in enumerate(legend):
        out.append(_rect(x, y + 4, 14, 14, PALETTE[index % len(PALETTE)], rtl))
        out.append(_text(x + 20, y + 11, short, rtl=rtl))
    widest = max([sum(c.count for c in r.cells.values() if not c.suppressed) for r in rows] + [0])
    top = PAD + legend_height
    for row, lines, under, row_height in zip(rows, labels_drawn, hidden_lines, heights, strict=True):
        middle = top + ROW / 2
        top += row_height
        out.extend(_label(label_width, middle, lines, rtl))
        out.append(_rect(track_start, middle - BAR / 2, track_width, BAR, TRACK, rtl))
        offset = 0.0
        for index, (key, _name) in enumerate(categories):
            cell = row.cells.get(key, Cell(0))
            if cell.suppressed or not cell.count or not widest:
                continue
            length = track_width * cell.count / widest
            out.append(_rect(track_start + offset, middle - BAR / 2, length, BAR, PALETTE[index % len(PALETTE)], rtl))
            if length >= 8 * len(str(cell.count)) + 6:
                out.append(_text(track_start + offset + length / 2, middle, str(cell.count), rtl=rtl, fill="#ffffff", centred=True))
            offset += length
        for j, line in enumerate(under):
            out.append(_text(track_start, middle + BAR / 2 + 8 + j * LINE, line, rtl=rtl, fill=MUTED, italic=True))
    out.append("</svg>")
    # Every text above went through escape(); the rest is numbers and our own attributes.
    return Markup("\n".join(out))  # noqa: S704


def table_rows(bars: Sequence[BarDatum], k: int, gettext: Gettext | None = None) -> list[tuple[str, str]]:
    """The chart's data as (label, number or words) pairs, for a table beside it."""
    return [(b.label, cell_text(b.cell, k, gettext)) for b in bars]
