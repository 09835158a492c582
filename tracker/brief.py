"""The policy brief: for one consultation, under the dashboard's filters, where things stand, as a
page to read and a PDF a policymaker can hand a minister (BRIEF.md, "Dashboards and reports").

Nothing is counted here: every number is a cell of the dashboard (`dashboards.cached_dashboard`),
already under the small-numbers rule, so the brief says exactly what the dashboard says, a
hidden cell in the same words ("fewer than 5"). What the brief adds is arrangement: the filters
stated in words, the key figures as sentences, each chart drawn on the server as SVG
(`baraza.charts`, so the PDF needs no script) beside its table. No young person's words: the
dashboard shows none (theme names are staff's curated labels, scorecard reasons stay on the
commitment pages), and neither does the brief.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup
from sqlmodel import Session

from baraza.charts import BarDatum, StackedRow, bar_chart, stacked_bars
from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.disclosure import FEWER_THAN, Cell
from baraza.i18n import N_, reads_right_to_left, text_direction
from tracker.dashboards import Chart, Dashboard, Filters, Row, Value, stakeholders_of
from tracker.models import STATUS_LABELS, CommitmentStatus

Gettext = Callable[[str], str]

# Months of "adoption over time" a brief prints; the dashboard and its CSV keep them all.
ADOPTION_MONTHS = 6


@dataclass
class Figure:
    """One chart of the dashboard as the brief prints it: its drawing (None when there is
    nothing to draw) and the rows of its table."""

    chart: Chart
    svg: Markup | None
    rows: list[Row]
    note: str = ""  # what the brief left out of the dashboard's table, translated


@dataclass
class Brief:
    consultation: Consultation
    title: str  # the consultation's, in the reader's language
    board: Dashboard
    lang: str
    fewer: str  # "fewer than 5" in the reader's language: how the dashboard words a small group
    stated: list[tuple[str, str]]  # the filters in words: (what, which), translated
    taking_part: Value | None
    in_a_theme: Value | None
    rated: Value | None
    average_rating: Value | None
    who_took_part: list[tuple[str, Value]]  # per context, then all contexts
    top_theme: tuple[str, Value] | None
    recommendations: int
    commitments: int
    by_status: list[tuple[str, int]]  # translated status, commitments in it
    commitments_figure: Figure
    figures: list[Figure] = field(default_factory=list)
    generated_at: datetime = field(default_factory=utcnow)  # the one clock (baraza.db)

    @property
    def k(self) -> int:
        return self.board.k

    def fewer_than_k(self, value: Value | None) -> bool:
        """Whether a cell is hidden for being under k itself (not hidden with another one)."""
        return value is not None and value.suppressed and value.text == self.fewer

    @property
    def rtl(self) -> bool:
        return text_direction(self.lang) == "rtl"


def _drawn(value: Value, fewer: str) -> Cell | None:
    """A dashboard cell as `baraza.charts` draws it: a hidden one stays hidden (in the same
    words), a number is drawn (whole: the table beside it keeps its decimals), and "–" (nothing
    to show, not a zero) is not drawn at all."""
    if value.suppressed:
        return Cell(0, suppressed=True, primary=value.text == fewer)
    if value.value is None:
        return None
    return Cell(round(value.value))


def _stacked(chart: Chart, rows: list[Row], columns: list[int], fewer: str, k: int, gettext: Gettext, rtl: bool) -> Markup | None:
    """Columns that are parts of one whole (contexts of a theme, statuses of a stakeholder's
    commitments): one bar per row, in segments."""
    if not rows or not columns:
        return None
    stacked = []
    for row in rows:
        cells = {str(i): cell for i in columns if i < len(row.cells) and (cell := _drawn(row.cells[i], fewer)) is not None}
        stacked.append(StackedRow(row.label, cells))
    return stacked_bars(
        stacked, [(str(i), _read_in(chart.columns[i], rtl)) for i in columns],
        title=chart.title, k=k, gettext=gettext, description=chart.description, rtl=rtl,
    )


def _read_in(name: str, rtl: bool) -> str:
    """A category's name as a right-to-left chart writes it: one that starts in Latin letters
    ("Nairobi") is marked right to left (RLM), so the line under a bar, "Nairobi: أقل من 5",
    reads as Arabic does. Without the mark `baraza.charts` draws that line in italics, which the
    system's oblique Latin font draws the Arabic of, in the PDF, as unjoined boxes."""
    return f"\u200f{name}" if rtl and name and not reads_right_to_left(name) else name


def _bars(chart: Chart, rows: list[Row], columns: list[int], fewer: str, k: int, gettext: Gettext, rtl: bool,
          whole: Value | None = None, numbered: bool = False) -> Markup | None:
    """Columns that are separate measures (taking part, rated; claimed progress, youth rating):
    a bar per row and measure, "Nairobi: Taking part", or with `numbered` "2. Youth rating" for
    the second row of the table (a commitment's title is too long to repeat on every bar).
    `whole` adds a first bar for the whole of a scale (100%), so percentages are drawn against
    it rather than against the largest."""
    bars = [BarDatum(whole.text, Cell(round(whole.value or 0)))] if whole is not None else []
    for number, row in enumerate(rows, start=1):
        for i in columns:
            if i < len(row.cells) and (cell := _drawn(row.cells[i], fewer)) is not None:
                bars.append(BarDatum(f"{number}. {chart.columns[i]}" if numbered else f"{row.label}: {chart.columns[i]}", cell))
    if len(bars) <= (1 if whole is not None else 0):
        return None
    return bar_chart(bars, title=chart.title, k=k, gettext=gettext, description=chart.description, rtl=rtl)


def _figure(chart: Chart, contexts: int, fewer: str, k: int, gettext: Gettext, rtl: bool) -> Figure:
    """How each of the dashboard's charts is drawn on paper."""
    rows, note = chart.rows, ""
    if chart.key == "adoption":
        # Months over stakeholders: each month's bar in one segment per stakeholder (the
        # contexts' series come after them and count a commitment in each context it covers,
        # so they are in the table only).
        if len(rows) > ADOPTION_MONTHS:
            rows = rows[-ADOPTION_MONTHS:]
            note = gettext(N_("The last %(months)s months; the dashboard and its CSV have every month.")) % {"months": ADOPTION_MONTHS}
        svg = _stacked(chart, rows, list(range(len(chart.columns) - contexts)), fewer, k, gettext, rtl)
    elif chart.key == "scorecards":
        whole = Value(100, gettext(N_("The whole scale (100%)")))
        svg = _bars(chart, rows, [chart.column(key) for key in ("claimed_progress", "team_progress", "youth_rating")], fewer, k, gettext, rtl, whole, numbered=True)
    elif chart.key == "contexts":
        # The last row is every context together: the table gives it, the bars compare contexts.
        svg = _bars(chart, rows[:-1], chart.plotted, fewer, k, gettext, rtl)
    else:
        svg = _stacked(chart, rows, chart.plotted, fewer, k, gettext, rtl)
    return Figure(chart, svg, rows, note)


def _cell(chart: Chart, label: str, column: int) -> Value | None:
    for row in chart.rows:
        if row.label == label and column < len(row.cells):
            return row.cells[column]
    return None


def _period(filters: Filters, gettext: Gettext) -> str:
    since, until = (filters.since.isoformat() if filters.since else None), (filters.until.isoformat() if filters.until else None)
    if since and until:
        return gettext(N_("From %(since)s until %(until)s (whole days, UTC)")) % {"since": since, "until": until}
    if since:
        return gettext(N_("From %(since)s on (whole days, UTC)")) % {"since": since}
    if until:
        return gettext(N_("Until %(until)s (whole days, UTC)")) % {"until": until}
    return gettext(N_("Everything so far"))


def build_brief(session: Session, consultation: Consultation, board: Dashboard, filters: Filters, gettext: Gettext, lang: str) -> Brief:
    """The brief of `board`, the dashboard of `consultation` under `filters` (checked already by
    `dashboards.check_filters`) in the reader's language. Reads only names; counts nothing."""
    contexts = [c for c in contexts_of(session, consultation) if filters.context_id in (None, c.id)]
    stakeholders = stakeholders_of(session, consultation)
    stated = [
        (gettext(N_("Context")), contexts[0].name if filters.context_id is not None and contexts else gettext(N_("All contexts"))),
        (gettext(N_("Stakeholder")), stakeholders.get(filters.organisation_id or 0, "") if filters.organisation_id else gettext(N_("All stakeholders"))),
        (gettext(N_("Period")), _period(filters, gettext)),
    ]
    everyone = gettext(N_("All contexts"))
    compared, themes = board.chart("contexts"), board.chart("themes")
    statuses, scorecards = board.chart("statuses"), board.chart("scorecards")
    fewer = gettext(FEWER_THAN) % {"k": board.k}
    rtl = text_direction(lang) == "rtl"
    top = themes.rows[0] if themes.rows else None
    status_keys = [s.value for s in CommitmentStatus]
    by_status = [
        (gettext(STATUS_LABELS[s]), sum(int(row.cells[i].value or 0) for row in statuses.rows)) for i, s in enumerate(status_keys)
    ]
    figures = [_figure(c, len(contexts), fewer, board.k, gettext, rtl) for c in board.charts]
    return Brief(
        consultation=consultation,
        title=consultation.title_in(lang),
        board=board,
        lang=lang,
        fewer=fewer,
        stated=stated,
        taking_part=_cell(compared, everyone, compared.column("taking_part")),
        in_a_theme=_cell(compared, everyone, compared.column("in_a_theme")),
        rated=_cell(compared, everyone, compared.column("rated")),
        average_rating=_cell(compared, everyone, compared.column("average_rating")),
        who_took_part=[(row.label, row.cells[compared.column("taking_part")]) for row in compared.rows if row.cells],
        top_theme=(top.label, top.cells[-1]) if top is not None and top.cells else None,
        recommendations=len(board.chart("endorsements").rows),
        commitments=len(scorecards.rows),
        by_status=[(label, n) for label, n in by_status if n],
        commitments_figure=next(f for f in figures if f.chart.key == "scorecards"),
        figures=[f for f in figures if f.chart.key != "scorecards"],
    )


def filename_for(brief: Brief) -> str:
    return f"policy-brief-{brief.consultation.id}-{brief.lang}.pdf"
