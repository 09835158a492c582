"""A workshop's summary: what happened, for the facilitator's report and for the young people
who were there, as a page and as a PDF.

- the agenda with its timings: each step's planned minutes beside the minutes the room spent on
  its activities (from the room's moves the console recorded, `room_time`), and the workshop's
  start and end;
- how many took part: the people whose notes or choices the room counts (valid consent with
  "count my answers", not withdrawn), through the small-numbers rule (SECURITY 10);
- each activity's results as `workshops.results.activity_results` gives them (counts already
  suppressed), drawn as server-side SVG (`baraza.charts`): the phones' answers, with the number
  of people who sent them, and apart from them what a facilitator typed in from paper, marked
  so (a note or a mark on paper is not a person the summary can count);
- the notes, but only those shown in the room (never pending, hidden or held: what screening
  held, disclosures of harm included, never reaches a summary), and only from people who
  agreed to be quoted (a summary is kept and passed on: it quotes them);
- the decisions the facilitator noted (`WorkshopDecision`).

Nothing says who wrote or chose what. Reading a summary is audited (it shows what young people
wrote), once per page or download.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime
from math import floor
from typing import Any

from markupsafe import Markup
from sqlalchemy import and_, func, or_, union
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.models import AuditEntry, AuditRecordRef
from baraza.audit.services import record_audit
from baraza.charts import BarDatum, StackedRow, bar_chart, label_shortened, stacked_bars
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.disclosure import Cell, k_for
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.i18n import N_, RTL_LANGUAGES, has_right_to_left, text_in
from baraza.participation.api import quotable_participant_ids
from workshops.access import MAX_ID, activities_of, shown_participant_ids, steps_of, workshop_scope
from workshops.activities import KIND_LABELS, TEXT_KINDS
from workshops.models import (
    Activity,
    CardAnswer,
    Contribution,
    ContributionStatus,
    Vote,
    Workshop,
    WorkshopDecision,
    WorkshopStatus,
)
from workshops.note_votes import NOTES, is_note_vote
from workshops.results import PAPER, PHONES, ActivityResults, activity_results
from workshops.rooms import paper_counts

MAX_DECISION = 500
MAX_DECISIONS = 50
# Notes per activity in a summary: a wall of a thousand notes is not a summary; the page says
# how many more there were.
NOTES_LIMIT = 200

Gettext = Callable[[str], str]


# Who may read it ------------------------------------------------------------------------------------


def access_summary(session: Session, actor: Actor, workshop_id: int) -> Workshop:
    """A workshop whose summary the actor may read: `workshop.view` or `workshop.run` in its
    consultation's scope, checked in the query. Anything else is the same NotFound as a
    missing workshop (SECURITY 1)."""
    if not 0 < workshop_id <= MAX_ID:
        raise NotFound()
    row = session.exec(
        select(Workshop).where(
            Workshop.id == workshop_id,
            or_(workshop_scope(actor, "workshop.view"), workshop_scope(actor, "workshop.run")),
        )
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


def decisions_of(session: Session, workshop: Workshop) -> list[WorkshopDecision]:
    return list(
        session.exec(select(WorkshopDecision).where(WorkshopDecision.workshop_id == workshop.id).order_by(col(WorkshopDecision.id))).all()
    )


def decision_of(session: Session, workshop: Workshop, decision_id: int) -> WorkshopDecision:
    if not 0 < decision_id <= MAX_ID:
        raise NotFound()
    row = session.exec(
        select(WorkshopDecision).where(WorkshopDecision.id == decision_id, WorkshopDecision.workshop_id == workshop.id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    return row


# Use cases ------------------------------------------------------------------------------------------


def clean_decision(raw: str) -> str:
    text = " ".join((raw or "").replace("\x00", "").split())
    if not text:
        raise InvalidInput(errors={"text": N_("Write the decision first.")})
    if len(text) > MAX_DECISION:
        raise InvalidInput(errors={"text": N_("Keep this under %(max)s characters.", max=MAX_DECISION)})
    return text


def do_note_decision(session: Session, actor: Actor, workshop: Workshop, text: str) -> WorkshopDecision:
    """Add a decision the room reached to the workshop's summary (the caller reached the
    workshop with `workshop.run`). At most MAX_DECISIONS per workshop. Audited (the id, never
    the words)."""
    text = clean_decision(text)
    count = session.exec(select(func.count()).select_from(WorkshopDecision).where(WorkshopDecision.workshop_id == workshop.id)).one()
    if int(count) >= MAX_DECISIONS:
        raise Conflict(N_("This workshop already has %(max)s decisions. Remove one first.", max=MAX_DECISIONS))
    decision = WorkshopDecision(workshop_id=workshop.id, text=text, created_by_user_id=actor.user_id)  # type: ignore[arg-type]
    session.add(decision)
    session.flush()
    record_audit(session, actor, "workshop.decision_noted", [("workshops.workshop", workshop.id)], {"decision_id": decision.id})
    session.commit()
    return decision


def do_delete_decision(session: Session, actor: Actor, workshop: Workshop, decision: WorkshopDecision) -> None:
    """Remove a decision from the summary (a mistake, a duplicate). Audited."""
    decision_id = decision.id
    session.delete(decision)
    record_audit(session, actor, "workshop.decision_removed", [("workshops.workshop", workshop.id)], {"decision_id": decision_id})
    session.commit()


def do_read_summary(session: Session, actor: Actor, workshop: Workshop, what: str, lang: str) -> None:
    """A staff member read the summary (`page`) or downloaded its PDF (`pdf`); both show what
    young people wrote, so both are audited (SECURITY 23), once per page, not per refresh."""
    if what not in ("page", "pdf"):
        raise ValueError(what)
    action = "workshop.summary_viewed" if what == "page" else "workshop.summary_downloaded"
    record_audit(session, actor, action, [("workshops.workshop", workshop.id)], {"language": lang})
    session.commit()


# What the summary holds -----------------------------------------------------------------------------


@dataclass
class Chart:
    svg: Markup
    # The same numbers as a table: (label, number or "fewer than k").
    rows: list[tuple[str, str]] = field(default_factory=list)

    @property
    def shortened(self) -> bool:
        """Whether the drawing had to shorten a label (the table beside it then gives it whole)."""
        return any(label_shortened(label) for label, _ in self.rows)

    @property
    def right_to_left(self) -> bool:
        """Whether it holds Arabic (or other right-to-left) words. The PDF draws a chart's
        Arabic in display order (baraza.pdf.shaped_svg_text), which a screen reader or a copy
        reads backwards, so the PDF gives such a chart's numbers as a table too, in logical order."""
        return any(has_right_to_left(text) for row in self.rows for text in row)


@dataclass
class ActivitySummary:
    activity: Activity
    prompt: str
    kind_label: str
    opened_at: datetime | None
    closed_at: datetime | None
    minutes: int | None
    results: ActivityResults | None
    respondents: Cell | None
    charts: list[Chart] = field(default_factory=list)
    average: float | None = None
    words: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    more_notes: int = 0
    # What a facilitator typed in from paper (workshops.rooms), shown apart and marked so: how
    # many marks (a tally) and notes, the tally's chart, the notes shown in the room and the
    # words of a word cloud.
    paper_marks: int = 0
    paper_notes_count: int = 0
    paper_charts: list[Chart] = field(default_factory=list)
    paper_notes: list[str] = field(default_factory=list)
    paper_more_notes: int = 0
    paper_words: list[Any] = field(default_factory=list)

    @property
    def has_paper(self) -> bool:
        return bool(self.paper_marks or self.paper_notes_count)


@dataclass
class StepSummary:
    title: str
    planned_minutes: int
    minutes: int | None
    activities: list[ActivitySummary]


@dataclass
class WorkshopSummary:
    workshop: Workshop
    consultation: Consultation
    lang: str
    title: str
    k: int
    participants: Cell
    started_at: datetime | None
    ended_at: datetime | None
    planned_minutes: int
    minutes: int | None
    running: bool
    steps: list[StepSummary]
    decisions: list[WorkshopDecision]
    # Entered by a facilitator from paper, in the whole workshop (none of it is a person).
    paper_marks: int = 0
    paper_notes: int = 0

    @property
    def rtl(self) -> bool:
        return self.lang in RTL_LANGUAGES


def minutes_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 60)


# The room's moves: the console writes one audit entry for each (services.do_start_workshop,
# do_go_to_activity, do_show_lobby, do_end_workshop), with the activity the room went to. They
# are the only record of how long the room was on an activity: an activity stays open after the
# room moves on (a phone's last note is not refused) and the room may come back to it.
ROOM_MOVES = ("workshop.started", "workshop.activity_changed", "workshop.lobby", "workshop.ended")


def room_moves(session: Session, workshop: Workshop) -> list[tuple[datetime, int | None]]:
    """When the room moved, oldest first, and to which activity (None: the join screen, the
    start or the end)."""
    on_workshop, on_activity = aliased(AuditRecordRef), aliased(AuditRecordRef)
    rows = session.exec(
        select(AuditEntry.at, on_activity.record_id)
        .join(on_workshop, col(on_workshop.entry_seq) == AuditEntry.seq)
        .outerjoin(on_activity, and_(col(on_activity.entry_seq) == AuditEntry.seq, col(on_activity.record_type) == "workshops.activity"))
        .where(
            col(on_workshop.record_type) == "workshops.workshop",
            col(on_workshop.record_id) == str(workshop.id),
            col(AuditEntry.action).in_(ROOM_MOVES),
        )
        .order_by(col(AuditEntry.seq))
    ).all()
    return [(at, int(activity_id) if activity_id and activity_id.isdigit() else None) for at, activity_id in rows]


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def room_time(session: Session, workshop: Workshop, activities: Sequence[Activity], end: datetime | None) -> dict[int, float]:
    """Seconds the room spent on each activity it was on: from each move to it until the next
    move (to another activity, the join screen or the end), added up over its visits, within the
    workshop's start and `end` (its end, or now while it runs). The activities' times therefore
    never add up to more than the workshop's.

    Without recorded moves (the audit period purged them, or the workshop was not run from the
    console) it is estimated from the openings: each activity from its opening until it closed or
    the next one opened."""
    moves = room_moves(session, workshop)
    spent: dict[int, float] = {}
    if moves and end is not None:
        start = workshop.started_at or moves[0][0]
        # An activity deleted from the agenda since is not in the summary, nor in its times.
        listed = {a.id for a in activities}
        for (at, activity_id), (left_at, _) in zip(moves, [*moves[1:], (end, None)], strict=True):
            if activity_id is not None and activity_id in listed:
                spent[activity_id] = spent.get(activity_id, 0.0) + _seconds(max(at, start), min(left_at, end))
        return spent
    opened = sorted((a for a in activities if a.opened_at is not None and a.id is not None), key=lambda a: a.opened_at)  # type: ignore[arg-type,return-value]
    for activity, following in zip(opened, [*opened[1:], None][: len(opened)], strict=True):
        stops = [t for t in (activity.closed_at, end, following.opened_at if following else None) if t is not None]
        if stops:
            spent[activity.id] = _seconds(activity.opened_at, min(stops))  # type: ignore[index,arg-type]
    return spent


def whole_minutes(seconds: Mapping[int, float]) -> dict[int, int]:
    """Each activity's time in whole minutes, rounded so that they add up to their total rounded
    (largest remainders first): a step's minutes are the sum of its activities' as printed, and
    all of them never more than the workshop's time taken."""
    exact = {key: value / 60 for key, value in seconds.items()}
    minutes = {key: floor(value) for key, value in exact.items()}
    short = round(sum(exact.values())) - sum(minutes.values())
    for key in sorted(exact, key=lambda key: exact[key] - minutes[key], reverse=True)[: max(0, short)]:
        minutes[key] += 1
    return minutes


def participants_count(session: Session, workshop: Workshop) -> int:
    """People who took part: sent a note or made a choice in this workshop, among those the
    room counts (not withdrawn, counting agreed). Entries typed in from paper name nobody and
    are not people here."""
    counted = shown_participant_ids(workshop.consultation_id)
    sources = [
        select(Vote.participant_id).where(Vote.workshop_id == workshop.id, col(Vote.participant_id).in_(counted)),
        select(Contribution.participant_id).where(Contribution.workshop_id == workshop.id, col(Contribution.participant_id).in_(counted)),
    ]
    # The card sort keeps its answers in a table of its own.
    sources.append(
        select(CardAnswer.participant_id).where(CardAnswer.workshop_id == workshop.id, col(CardAnswer.participant_id).in_(counted))
    )
    people = union(*sources).subquery()
    return int(session.exec(select(func.count()).select_from(people)).one())


def people_cell(count: int, k: int) -> Cell:
    """A count of people on its own: 1 to k-1 reads "fewer than k" (zero is shown)."""
    return Cell(count, suppressed=0 < count < k, primary=0 < count < k)


def quotable_notes(
    session: Session, workshop: Workshop, activity: Activity, limit: int = NOTES_LIMIT, *, paper: bool = False
) -> tuple[list[str], int]:
    """The notes of an activity a summary may quote: shown in the room (a facilitator's
    moderation and the screening passed them), written by someone who agreed to be quoted and
    has not withdrawn; with `paper`, those typed in from paper instead (listed apart, marked as
    entered by the facilitator). Oldest first, as the room saw them arrive."""
    where = (
        Contribution.activity_id == activity.id,
        Contribution.workshop_id == workshop.id,
        Contribution.status == ContributionStatus.SHOWN.value,
        col(Contribution.participant_id).is_(None)
        if paper
        else col(Contribution.participant_id).in_(quotable_participant_ids(workshop.consultation_id)),
    )
    total = int(session.exec(select(func.count()).select_from(Contribution).where(*where)).one())
    rows = session.exec(select(Contribution).where(*where).order_by(col(Contribution.created_at), col(Contribution.id)).limit(limit)).all()
    return [row.text for row in rows], max(0, total - limit)


def quotable_ids(session: Session, workshop: Workshop, activity: Activity) -> set[int]:
    """Ids of the activity's notes a summary may quote (the rule of `quotable_notes`): a
    question of a Q&A or a statement a young person added is drawn only if its words may be."""
    rows = (
        session.exec(
            select(Contribution.id).where(
                Contribution.activity_id == activity.id,
                Contribution.workshop_id == workshop.id,
                Contribution.status == ContributionStatus.SHOWN.value,
                or_(
                    col(Contribution.participant_id).in_(quotable_participant_ids(workshop.consultation_id)),
                    col(Contribution.participant_id).is_(None),
                ),
            )
        ).all()
    )
    return {int(row) for row in rows if row is not None}


# How the room answered a statement, and where a card of the card sort was put (the keys
# results.py counts under), in the reader's language.
STATEMENT_CATEGORIES = (("agree", N_("Agree")), ("disagree", N_("Disagree")), ("pass", N_("Pass / unsure")))
CARD_CATEGORIES = (("fine", N_("Fine")), ("not_fine", N_("Not fine")), ("depends", N_("It depends")))


def _rows_table(rows: Sequence[StackedRow], categories: Sequence[tuple[str, str]], k: int, gettext: Gettext) -> list[tuple[str, str]]:
    names = dict(categories)
    return [
        (row.label, ", ".join(f"{names.get(key, key)}: {cell.text(k, gettext)}" for key, cell in row.cells.items() if key in names))
        for row in rows
    ]


def _kind_charts(
    session: Session, workshop: Workshop, activity: Activity, results: Any, title: str, k: int, gettext: Gettext, rtl: bool
) -> list[Chart]:
    """The results of Q&A (upvotes per question), statements (agree / disagree / pass per
    statement) and the card sort (fine / not fine / it depends per card). What young people
    wrote (a question, a statement they added) is drawn only if it may be quoted."""
    charts: list[Chart] = []
    quotable: set[int] | None = None

    def may_quote(contribution_id: Any) -> bool:
        nonlocal quotable
        if quotable is None:
            quotable = quotable_ids(session, workshop, activity)
        return isinstance(contribution_id, int) and contribution_id in quotable

    questions = [q for q in getattr(results, "questions", None) or [] if may_quote(getattr(q, "id", None))]
    if questions:
        bars = [BarDatum(str(q.text), _safe_cell(q.votes, k, results)) for q in questions]
        charts.append(Chart(bar_chart(bars, title=title, k=k, gettext=gettext, rtl=rtl), [(b.label, b.cell.text(k, gettext)) for b in bars]))
    statements = []
    for row in getattr(results, "statements", None) or []:
        key = str(getattr(row, "key", ""))
        if getattr(row, "added", False) and not (key[1:].isdigit() and may_quote(int(key[1:]))):
            continue
        statements.append(StackedRow(str(row.text), dict(row.cells)))
    if statements:
        categories = [(key, gettext(label)) for key, label in STATEMENT_CATEGORIES]
        charts.append(Chart(stacked_bars(statements, categories, title=title, k=k, gettext=gettext, rtl=rtl), _rows_table(statements, categories, k, gettext)))
    cards = []
    for row in getattr(results, "cards", None) or []:
        card = getattr(row, "card", None)
        parts = [getattr(card, name, "") for name in ("data_kind_label", "user_label", "purpose_label")]
        cards.append(StackedRow(" · ".join(p for p in parts if p) or str(getattr(card, "key", "")), dict(row.cells)))
    if cards:
        categories = [(key, gettext(label)) for key, label in CARD_CATEGORIES]
        charts.append(Chart(stacked_bars(cards, categories, title=title, k=k, gettext=gettext, rtl=rtl), _rows_table(cards, categories, k, gettext)))
    return charts


def _label_of(item: Any) -> str | None:
    for name in ("label", "text", "title", "name", "key"):
        value = getattr(item, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def _cell_of(item: Any) -> Cell | None:
    for name in ("cell", "count", "votes", "score"):
        value = getattr(item, name, None)
        if isinstance(value, Cell):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return Cell(value)
    return None


def _cells_of(item: Any) -> Mapping[str, Cell] | None:
    for name in ("cells", "counts", "answers"):
        value = getattr(item, name, None)
        if isinstance(value, Mapping) and value and all(isinstance(v, Cell) for v in value.values()):
            return value
    return None


def _categories(results: Any, rows: Sequence[Any], gettext: Gettext) -> list[tuple[str, str]]:
    """The categories of stacked rows (fine / not fine / depends; agree / disagree / pass), in
    the order the results give, labelled in the reader's language."""
    given = getattr(results, "categories", None) or getattr(results, "answers", None)
    out: list[tuple[str, str]] = []
    if isinstance(given, Mapping):
        out = [(str(key), gettext(str(label))) for key, label in given.items()]
    elif isinstance(given, Sequence) and not isinstance(given, str):
        for entry in given:
            if isinstance(entry, tuple) and len(entry) == 2:
                out.append((str(entry[0]), gettext(str(entry[1]))))
            elif _label_of(entry) is not None:
                out.append((str(getattr(entry, "key", _label_of(entry))), gettext(str(_label_of(entry)))))
    if not out:
        keys: list[str] = []
        for row in rows:
            for key in _cells_of(row) or {}:
                if key not in keys:
                    keys.append(key)
        out = [(key, gettext(key)) for key in keys]
    return out


# Fields of ActivityResults drawn on their own; anything else a kind adds is drawn generically.
_KNOWN = {
    "kind", "k", "sensitive", "visible", "respondents", "bars", "notes", "words", "average", "waiting", "total_notes",
    "questions", "statements", "cards", "card_filters", "card_filter_options",
}


def _generic_charts(results: Any, title: str, k: int, gettext: Gettext, rtl: bool) -> list[Chart]:
    """Charts for the parts of a result this module has no drawing of its own for: a list of
    (label, count) items becomes bars, a list of (label, {category: count}) items stacked
    bars. Counts keep the suppression results.py gave them; a bare integer is treated as a
    count under the same small-numbers rule."""
    charts: list[Chart] = []
    if not is_dataclass(results):
        return charts
    for f in fields(results):
        if f.name in _KNOWN or f.name.startswith("_"):
            continue
        value = getattr(results, f.name)
        if isinstance(value, Sequence) and not isinstance(value, str) and value:
            items = list(value)
            if all(_label_of(i) is not None and _cells_of(i) is not None for i in items):
                rows = [StackedRow(str(_label_of(i)), dict(_cells_of(i) or {})) for i in items]
                categories = _categories(results, items, gettext)
                svg = stacked_bars(rows, categories, title=title, k=k, gettext=gettext, rtl=rtl)
                names = dict(categories)
                table = [
                    (row.label, ", ".join(f"{names.get(key, key)}: {cell.text(k, gettext)}" for key, cell in row.cells.items()))
                    for row in rows
                ]
                charts.append(Chart(svg, table))
            elif all(_label_of(i) is not None and _cell_of(i) is not None for i in items):
                bars = [BarDatum(str(_label_of(i)), _safe_cell(_cell_of(i), k, results)) for i in items]
                charts.append(Chart(bar_chart(bars, title=title, k=k, gettext=gettext, rtl=rtl), [(b.label, b.cell.text(k, gettext)) for b in bars]))
    return charts


def _safe_cell(cell: Cell | None, k: int, results: Any) -> Cell:
    cell = cell or Cell(0)
    if not cell.suppressed and getattr(results, "sensitive", False) and 0 < cell.count < k:
        return Cell(cell.count, suppressed=True, primary=True)
    return cell


def summarise_activity(
    session: Session,
    consultation: Consultation,
    workshop: Workshop,
    activity: Activity,
    lang: str,
    gettext: Gettext,
    minutes: int | None = None,
    paper: tuple[int, int] | None = None,
) -> ActivitySummary:
    """One activity of the summary; `minutes` the room spent on it (`room_time`, `whole_minutes`);
    `paper` its (marks, notes) typed in from paper (`paper_entries`), read here when not given."""
    default = consultation.default_language
    prompt = text_in(activity.prompt, lang, default)
    # The phones' answers: their people are people; what was typed in from paper comes apart.
    results = activity_results(session, consultation, activity, lang, source=PHONES)
    summary = ActivitySummary(
        activity=activity,
        prompt=prompt,
        kind_label=KIND_LABELS.get(activity.kind, activity.kind),
        opened_at=activity.opened_at,
        closed_at=activity.closed_at,
        minutes=minutes,
        results=results,
        respondents=results.respondents if results is not None else None,
    )
    if results is None:
        return summary
    k, rtl = results.k, lang in RTL_LANGUAGES
    if is_note_vote(activity):
        _unquoted_notes_out(session, workshop, activity, results, gettext)
    if results.bars:
        bars = [BarDatum(bar.label, bar.cell) for bar in results.bars]
        summary.charts.append(Chart(bar_chart(bars, title=prompt, k=k, gettext=gettext, rtl=rtl), [(b.label, b.cell.text(k, gettext)) for b in bars]))
    summary.average = results.average
    summary.words = list(results.words)
    if activity.kind != "word_cloud" and (activity.kind in TEXT_KINDS or results.notes or results.total_notes):
        summary.notes, summary.more_notes = quotable_notes(session, workshop, activity)
    summary.charts.extend(_kind_charts(session, workshop, activity, results, prompt, k, gettext, rtl))
    summary.charts.extend(_generic_charts(results, prompt, k, gettext, rtl))
    if paper is None:
        paper = paper_entries(session, workshop).get(int(activity.id or 0), (0, 0))
    _add_paper(session, consultation, workshop, activity, summary, paper, lang, gettext)
    return summary


# A brainstorm's note in a dot vote's chart whose author did not agree to be quoted.
NOTE_NOT_QUOTED = N_("A note not quoted (%(n)s)")


def _unquoted_notes_out(session: Session, workshop: Workshop, activity: Activity, results: Any, gettext: Gettext) -> None:
    """A dot vote on a brainstorm's notes: a summary is kept and passed on, so a note is drawn
    with its words only when they may be quoted (as a question's upvotes are); any other keeps
    its place and its dots, without its words."""
    brainstorm_id = activity.config[NOTES].get("activity")
    brainstorm = session.exec(select(Activity).where(Activity.id == brainstorm_id, Activity.workshop_id == workshop.id)).one_or_none()
    quotable = quotable_ids(session, workshop, brainstorm) if brainstorm is not None else set()
    unquoted = 0
    bars = []
    for bar in results.bars:
        if bar.key.startswith("c") and not (bar.key[1:].isdigit() and int(bar.key[1:]) in quotable):
            unquoted += 1
            bar = replace(bar, label=gettext(NOTE_NOT_QUOTED) % {"n": unquoted})
        bars.append(bar)
    results.bars = bars


def paper_entries(session: Session, workshop: Workshop) -> dict[int, tuple[int, int]]:
    """Activity id -> (marks, notes shown in the room) a facilitator typed in from paper."""
    return {a: (c.marks, c.notes) for a, c in paper_counts(session, workshop, shown_only=True).items()}


def _add_paper(
    session: Session, consultation: Consultation, workshop: Workshop, activity: Activity, summary: ActivitySummary,
    paper_counts: tuple[int, int], lang: str, gettext: Gettext,
) -> None:
    """What a facilitator typed in from paper for the activity, apart from the phones' answers:
    a tally's bars (suppressed like the phones' on a sensitive activity), the notes shown in the
    room, the words of a word cloud."""
    marks, notes = paper_counts
    summary.paper_marks, summary.paper_notes_count = marks, notes
    if not marks and not notes:
        return
    paper = activity_results(session, consultation, activity, lang, source=PAPER)
    if paper is None:
        return
    rtl = lang in RTL_LANGUAGES
    if marks and paper.bars:
        title = gettext("Entered by the facilitator from paper")
        bars = [BarDatum(bar.label, bar.cell) for bar in paper.bars]
        summary.paper_charts.append(Chart(bar_chart(bars, title=title, k=paper.k, gettext=gettext, rtl=rtl), [(b.label, b.cell.text(paper.k, gettext)) for b in bars]))
    if notes:
        if activity.kind == "word_cloud":
            summary.paper_words = list(paper.words)
        else:
            summary.paper_notes, summary.paper_more_notes = quotable_notes(session, workshop, activity, paper=True)


def build_summary(session: Session, workshop: Workshop, consultation: Consultation, lang: str, gettext: Gettext) -> WorkshopSummary:
    """Everything the summary page and its PDF show, in `lang` (a language of the
    consultation; texts missing in it fall back to the consultation's own)."""
    default = consultation.default_language
    k = k_for(consultation)
    steps = steps_of(session, workshop)
    running = workshop.status == WorkshopStatus.LIVE
    end = workshop.ended_at if workshop.status == WorkshopStatus.ENDED else (utcnow() if running else None)
    every = activities_of(session, workshop)
    minutes = whole_minutes(room_time(session, workshop, every, end))
    paper = paper_entries(session, workshop)
    by_step: dict[int, list[Activity]] = {}
    for activity in every:
        by_step.setdefault(activity.step_id, []).append(activity)
    step_summaries = []
    for step in steps:
        activities = [
            summarise_activity(
                session, consultation, workshop, a, lang, gettext,
                # Opened from the agenda but never on the screen: no time of the room's.
                minutes=minutes.get(a.id or 0, 0 if a.opened_at is not None else None),
                paper=paper.get(a.id or 0, (0, 0)),
            )
            for a in by_step.get(step.id or 0, [])
        ]
        timed = [a.minutes for a in activities if a.minutes is not None]
        step_summaries.append(
            StepSummary(
                title=text_in(step.title, lang, default),
                planned_minutes=step.planned_minutes,
                minutes=sum(timed) if timed else None,
                activities=activities,
            )
        )
    return WorkshopSummary(
        workshop=workshop,
        consultation=consultation,
        lang=lang,
        title=text_in(workshop.title, lang, default),
        k=k,
        participants=people_cell(participants_count(session, workshop), k),
        paper_marks=sum(m for m, _n in paper.values()),
        paper_notes=sum(n for _m, n in paper.values()),
        started_at=workshop.started_at,
        ended_at=workshop.ended_at,
        planned_minutes=sum(s.planned_minutes for s in steps),
        minutes=minutes_between(workshop.started_at, end),
        running=running,
        steps=step_summaries,
        decisions=decisions_of(session, workshop),
    )


def summary_languages(consultation: Consultation) -> list[str]:
    languages = [consultation.default_language] + [lang for lang in consultation.languages if lang != consultation.default_language]
    return [lang for lang in languages if lang] or ["en"]


def filename_for(summary: WorkshopSummary) -> str:
    return f"workshop-{summary.workshop.id}-summary-{summary.lang}.pdf"
