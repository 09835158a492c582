"""Dashboards for policymakers and the consultation team, and the numbers of the public page.

What is counted (issue 10, seed 003 objective 1), per consultation:

- **themes per context**: people whose texts fall in each theme of the current analysis, by
  context (the `theme_sources` hook; insights implements it);
- **endorsement of each recommendation**: young people who back it or not (the
  `endorsement_sources` hook; shown empty with a note while no app offers endorsements);
- **adoption over time**: per stakeholder, and per context, how many commitments were embedded
  in policy or a system by the end of each month. A commitment applies to the contexts its
  stakeholder ticked, or to every context of its consultation when none is (`covers`;
  docs/decisions.md);
- **commitments by status**: per stakeholder, as they stood at the end of the period;
- **scorecards against claims**: per commitment, the stakeholder's claimed status and progress
  and the team's assessment at the end of the period, beside the young people's average rating
  (the `rating_sources` hook);
- **contexts compared**: per context, young people taking part, counted in a theme, and who
  rated a scorecard, with their average rating.

Every filter narrows every chart. The context: young people of that context, and commitments
that apply to it. The stakeholder: its recommendations and commitments. The period (from,
until, whole days in UTC): what young people gave in it, by the date the hooks give (words
written, `ThemeItem.written_at`; stances taken, `EndorsementItem.given_at`; ratings given,
`RatingItem.given_at`; joining, for "taking part"); the months of adoption in it; statuses,
claims and assessments as they stood at its end. With a period, an item that carries no date
cannot be placed in it: it is left out, and the chart says so.

The small-numbers rule (SECURITY 10): every count of young people goes through
`baraza.disclosure` with the consultation's k, and an average is shown only where its count
is. Commitments are organisations' public promises, named one by one on the public page: their
counts are not about people and are shown as they are.

Reads are cached in the process (`DashboardCache`), keyed by the consultation and every filter
(`Filters.key`) and by the consultation's dashboard version: every event that changes a number
(a commitment moved, a recommendation made final, a survey answered, a participant joined,
withdrew or changed consent, ...) publishes on the live channel
`tracker.dashboard:<consultation id>`, whose newest event id is the version, shared by every
process. What no event announces (an analysis run finishing, a theme renamed) is picked up when
the entry expires (CACHE_SECONDS).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from baraza.accounts.models import Context, Organisation
from baraza.accounts.roles import Actor
from baraza.consultations.access import contexts_of, list_consultations
from baraza.consultations.models import Consultation
from baraza.db import registry_of
from baraza.disclosure import Cell, k_for, suppress_counts, suppress_table
from baraza.errors import InvalidInput, NotFound
from baraza.events import Event
from baraza.i18n import N_, reads_right_to_left
from baraza.live.services import latest_id, publish
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.participation.services.rights import neutralise_cell
from baraza.refs import Ref
from baraza.registry import EndorsementItem, RatingItem, ThemeItem
from tracker.access import FOLLOW
from tracker.models import (
    STATUS_LABELS,
    AddressedRecommendation,
    Commitment,
    CommitmentEntry,
    CommitmentStatus,
    EntryKind,
    Rollup,
)
from tracker.services import parse_day, rolled_up

Gettext = Callable[[str], str]
log = logging.getLogger(__name__)

CHANNEL = "tracker.dashboard"
CACHE_SECONDS = 300
STALE_SECONDS = 900
CACHE_ENTRIES = 256
MAX_MONTHS = 36
# Events after which a dashboard's numbers may have changed. Declared by the core, surveys,
# insights and the tracker itself.
EVENTS = (
    "commitment.changed",
    "recommendation.finalised",
    "recommendation.reopened",
    "survey.response_completed",
    "participant.joined",
    "participant.withdrawn",
    "participant.consent_changed",
    "participant.item_changed",
    "consultation.status_changed",
)
CHARTS = ("themes", "endorsements", "adoption", "statuses", "scorecards", "contexts")


def on_dashboard_event(session: Session, event: Event) -> None:
    """Bump the consultation's dashboard version (in the event's transaction: a rollback bumps
    nothing). Coalesced: a burst of answers is one event for the streams."""
    if event.consultation_id is not None:
        publish(session, Ref(CHANNEL, event.consultation_id), "dashboard.changed", coalesce=True)


def dashboard_version(session: Session, consultation_id: int) -> int:
    return latest_id(session, f"{CHANNEL}:{consultation_id}")


# -- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the reader asked for (a plain GET form). Unknown or malformed values are refused
    with a message, never ignored silently."""

    consultation_id: int | None = None
    context_id: int | None = None
    organisation_id: int | None = None
    since: date | None = None
    until: date | None = None

    def key(self) -> tuple[Any, ...]:
        return (self.consultation_id, self.context_id, self.organisation_id, self.since, self.until)

    def query(self) -> dict[str, str]:
        values = {
            "consultation": self.consultation_id, "context": self.context_id, "stakeholder": self.organisation_id,
            "since": self.since.isoformat() if self.since else None, "until": self.until.isoformat() if self.until else None,
        }
        return {k: str(v) for k, v in values.items() if v is not None}


FILTER_NAMES = ("consultation", "context", "stakeholder", "since", "until")


def _int(raw: str | None, name: str) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    # ASCII digits only: "²" or "١٢" pass str.isdigit() and are no id.
    if not (raw.strip().isascii() and raw.strip().isdigit()) or len(raw.strip()) > 12:
        raise InvalidInput(errors={name: N_("Choose from the list.")})
    return int(raw.strip())


def _day(raw: str | None, name: str) -> date | None:
    return parse_day(raw or "", name)


_PARSERS: dict[str, Callable[[str | None, str], Any]] = {
    "consultation": _int, "context": _int, "stakeholder": _int, "since": _day, "until": _day,
}
_FIELDS = {"consultation": "consultation_id", "context": "context_id", "stakeholder": "organisation_id", "since": "since", "until": "until"}


def parse_filters(params: Any) -> Filters:
    """The filters asked for; InvalidInput naming every malformed one (and a period that ends
    before it starts)."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in FILTER_NAMES:
        try:
            values[_FIELDS[name]] = _PARSERS[name](params.get(name), name)
        except InvalidInput as exc:
            problems.update(exc.errors)
    filters = Filters(**values)
    if filters.since and filters.until and filters.since > filters.until:
        problems["until"] = N_("The end of the period comes before its start.")
    if problems:
        raise InvalidInput(errors=problems)
    return filters


def well_formed_filters(params: Any) -> Filters:
    """The filters that could be read, the others left out: what a page refusing the rest
    still shows (its consultation's contexts and stakeholders to choose from)."""
    values: dict[str, Any] = {}
    for name in FILTER_NAMES:
        try:
            values[_FIELDS[name]] = _PARSERS[name](params.get(name), name)
        except InvalidInput:
            continue
    return Filters(**values)


# -- the charts' data ----------------------------------------------------------------------------


@dataclass
class Value:
    """One cell of a chart's table: `value` is None when it is not shown (then `text` says why:
    "fewer than 5", "hidden to protect a small group", or "–" for nothing to show)."""

    value: float | int | None
    text: str
    suppressed: bool = False


@dataclass
class Row:
    label: str
    cells: list[Value]


@dataclass
class Chart:
    key: str
    title: str  # translated
    description: str  # translated
    kind: str  # "bar" (one series), "grouped" (a series per column), "line" (columns over rows)
    columns: list[str]  # translated headers of the value columns
    rows: list[Row] = field(default_factory=list)
    note: str = ""  # translated: what is not there and why
    row_header: str = ""
    # The columns a chart draws (the others are in the table only: totals, texts).
    plotted: list[int] = field(default_factory=list)
    # Names of the value columns, for readers of a chart's cells (the brief) that must not
    # depend on their order; charts read only as a whole leave it empty.
    column_keys: list[str] = field(default_factory=list)

    def column(self, key: str) -> int:
        """The position of the value column named `key`."""
        return self.column_keys.index(key)


@dataclass
class Dashboard:
    consultation_id: int
    k: int
    version: int
    charts: list[Chart]
    counted_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def chart(self, key: str) -> Chart:
        for chart in self.charts:
            if chart.key == key:
                return chart
        raise NotFound()

    def as_json(self) -> dict[str, Any]:
        return {
            "consultation": self.consultation_id, "k": self.k, "counted_at": self.counted_at.isoformat(timespec="seconds"),
            "charts": [asdict(c) for c in self.charts],
        }


def _cell(cell: Cell, k: int, gettext: Gettext) -> Value:
    return Value(cell.value, cell.text(k, gettext), cell.suppressed)


def _number(value: float | int | None, text: str | None = None) -> Value:
    if value is None:
        return Value(None, text or "–")
    return Value(value, text or (f"{value:g}" if isinstance(value, float) else str(value)))


def _in_period(moment: datetime | None, filters: Filters) -> bool:
    if moment is None:
        return True
    day = moment.date()
    return (filters.since is None or day >= filters.since) and (filters.until is None or day <= filters.until)


def _dated_in(moment: datetime | None, source: _Source, what: str) -> bool:
    """Whether something young people gave at `moment` falls in the period chosen. Without a
    period, everything does; with one, something undated cannot be placed in it: it is left
    out, and `what` (the chart) notes it."""
    if source.since is None and source.until is None:
        return True
    if moment is None:
        source.undated.add(what)
        return False
    day = moment.astimezone(UTC).date() if moment.tzinfo else moment.date()
    return (source.since is None or day >= source.since) and (source.until is None or day <= source.until)


def covers(commitment: Commitment, context_id: int | None) -> bool:
    """Whether a commitment applies to a context: those its stakeholder ticked, or every one
    when none is (docs/decisions.md)."""
    return not commitment.context_ids or context_id in commitment.context_ids


def _end_of_period(source: _Source) -> datetime | None:
    """The first moment after the period (None: no end chosen, as things stand now)."""
    if source.until is None:
        return None
    return datetime.combine(source.until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def _end_of(filters: Filters) -> datetime:
    if filters.until is None:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


@dataclass
class _Source:
    """What every chart reads, loaded once per build."""

    consultation: Consultation
    k: int
    contexts: list[Context]
    addressed: list[AddressedRecommendation]
    commitments: list[Commitment]
    entries: dict[int, list[CommitmentEntry]]
    organisations: dict[int, str]
    since: date | None = None
    until: date | None = None
    # Ratings per commitment, read once per build (two charts use them).
    ratings: dict[int, list[RatingItem]] = field(default_factory=dict)
    themes: list[ThemeItem] | None = None
    # The charts that left out undated items because a period is chosen.
    undated: set[str] = field(default_factory=set)
    # Each commitment's parts (made by the end of the period), whose progress it rolls up.
    parts: dict[int, list[Commitment]] = field(default_factory=dict)


def load_source(session: Session, consultation: Consultation, filters: Filters) -> _Source:
    contexts = [c for c in contexts_of(session, consultation) if filters.context_id in (None, c.id)]
    addressed = list(session.exec(
        select(AddressedRecommendation).where(AddressedRecommendation.consultation_id == consultation.id).order_by(col(AddressedRecommendation.id))
    ).all())
    if filters.organisation_id is not None:
        addressed = [a for a in addressed if a.organisation_id == filters.organisation_id]
    query = select(Commitment).where(Commitment.consultation_id == consultation.id, col(Commitment.parent_id).is_(None))
    if filters.organisation_id is not None:
        query = query.where(Commitment.organisation_id == filters.organisation_id)
    end = _end_of(filters)
    commitments = [
        c for c in session.exec(query.order_by(col(Commitment.id))).all()
        if c.created_at < end and (filters.context_id is None or covers(c, filters.context_id))
    ]
    entries: dict[int, list[CommitmentEntry]] = defaultdict(list)
    parts: dict[int, list[Commitment]] = defaultdict(list)
    ids = [c.id for c in commitments]
    if ids:
        for part in session.exec(select(Commitment).where(col(Commitment.parent_id).in_(ids)).order_by(col(Commitment.id))).all():
            if part.created_at < end:
                parts[part.parent_id].append(part)  # type: ignore[index]
        ids += [p.id for found in parts.values() for p in found]
        for entry in session.exec(
            select(CommitmentEntry).where(col(CommitmentEntry.commitment_id).in_(ids)).order_by(col(CommitmentEntry.created_at), col(CommitmentEntry.id))
        ).all():
            entries[entry.commitment_id].append(entry)
    org_ids = sorted({a.organisation_id for a in addressed} | {c.organisation_id for c in commitments})
    organisations = dict(session.exec(select(Organisation.id, Organisation.name).where(col(Organisation.id).in_(org_ids))).all()) if org_ids else {}
    return _Source(
        consultation, k_for(consultation), contexts, addressed, commitments, entries, organisations,  # type: ignore[arg-type]
        since=filters.since, until=filters.until, parts=parts,
    )


def countable_ids(session: Session, consultation_id: int) -> set[int]:
    """Participants who may be counted (valid consent with analysis, not withdrawn): hooks
    promise it, and the dashboard checks it again (SECURITY 21)."""
    return set(session.exec(analysable_participant_ids(consultation_id)).all())  # type: ignore[call-overload]


def _in_contexts(context_id: int | None, source: _Source) -> bool:
    return any(c.id == context_id for c in source.contexts)


def themes_chart(session: Session, source: _Source, allowed: set[int], gettext: Gettext, lang: str) -> Chart:
    chart = Chart(
        "themes", gettext(N_("Themes per context")),
        gettext(N_("Young people whose words fall in each theme of the current analysis, by context.")),
        "grouped", [c.name for c in source.contexts] + [gettext(N_("All contexts"))], row_header=gettext(N_("Theme")),
    )
    chart.plotted = list(range(len(source.contexts)))
    sources = registry_of(session).theme_sources
    if not sources:
        chart.note = gettext(N_("No installed app offers themes."))
        return chart
    items = theme_items_of(session, source)
    people: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    labels: dict[str, str] = {}
    for item in items:
        if item.participant_id in allowed and _in_contexts(item.context_id, source):
            people[(item.theme, item.context_id)].add(item.participant_id)
            labels.setdefault(item.theme, dict(item.labels).get(lang) or item.label)
    if not labels:
        if source.since or source.until:
            chart.note = gettext(N_("Nobody's words in a theme were written in this period."))
        else:
            chart.note = gettext(N_("No analysis of this consultation's words has finished yet."))
        return chart
    if "themes" in source.undated:
        chart.note = gettext(N_("Some words carry no date (their app gives none): they are counted only when no period is chosen."))
    themes = sorted(labels, key=lambda t: (-sum(len(v) for (th, _c), v in people.items() if th == t), labels[t]))
    table = suppress_table(
        {key: len(v) for key, v in people.items()}, k=source.k, rows=themes, columns=[c.id for c in source.contexts]
    )
    for theme in themes:
        cells = [_cell(table.cell(theme, c.id), source.k, gettext) for c in source.contexts]
        chart.rows.append(Row(labels[theme], [*cells, _cell(table.row_total(theme), source.k, gettext)]))
    return chart


def _recommendation_titles(source: _Source, lang: str) -> dict[str, str]:
    titles: dict[str, str] = {}
    for row in source.addressed:
        title = row.title.get(lang) or next(iter(row.title.values()), "")
        titles.setdefault(str(row.recommendation_ref), title)
    return titles


def endorsements_chart(session: Session, source: _Source, allowed: set[int], gettext: Gettext, lang: str) -> Chart:
    chart = Chart(
        "endorsements", gettext(N_("Endorsement of each recommendation")),
        gettext(N_("Young people who endorse each final recommendation, and who do not.")),
        "grouped", [gettext(N_("Endorse")), gettext(N_("Do not endorse")), gettext(N_("Everyone who answered"))],
        row_header=gettext(N_("Recommendation")), plotted=[0, 1],
    )
    titles = _recommendation_titles(source, lang)
    sources = registry_of(session).endorsement_sources
    if not sources:
        chart.note = gettext(N_("No installed app collects endorsements yet: the recommendations are listed without them."))
        chart.plotted = []  # nothing to draw: the table lists the recommendations
        for title in titles.values():
            chart.rows.append(Row(title, [_number(None), _number(None), _number(None)]))
        return chart
    items: list[EndorsementItem] = [i for s in sources for i in s(session, source.consultation.id)]
    stance: dict[tuple[str, int], bool] = {}
    for item in items:
        if (
            item.participant_id in allowed and _in_contexts(item.context_id, source) and str(item.subject) in titles
            and _dated_in(item.given_at, source, "endorsements")
        ):
            stance[(str(item.subject), item.participant_id)] = item.endorses
    if "endorsements" in source.undated:
        chart.note = gettext(N_("Some stances carry no date: they are counted only when no period is chosen."))
    counts: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    for (subject, _person), endorses in stance.items():
        counts[(subject, "yes" if endorses else "no")] += 1
    table = suppress_table(counts, k=source.k, rows=list(titles), columns=["yes", "no"])
    for subject, title in titles.items():
        chart.rows.append(Row(title, [
            _cell(table.cell(subject, "yes"), source.k, gettext), _cell(table.cell(subject, "no"), source.k, gettext),
            _cell(table.row_total(subject), source.k, gettext),
        ]))
    return chart


def status_at(commitment: Commitment, entries: Iterable[CommitmentEntry], moment: datetime | None) -> str | None:
    """The status the stakeholder claimed at `moment` (None: now); None before it was made."""
    if moment is None:
        return commitment.status
    status = None
    for entry in entries:
        if entry.created_at >= moment:
            break
        if entry.side == "stakeholder" and entry.status:
            status = entry.status
    return status


def _months(first: date, last: date) -> list[date]:
    months: list[date] = []
    current = first.replace(day=1)
    while current <= last and len(months) < MAX_MONTHS:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def adoption_chart(source: _Source, gettext: Gettext) -> Chart:
    """Per stakeholder (in the contexts chosen), then per context (the stakeholders chosen):
    commitments embedded by the end of each month. A commitment counts in every context it
    covers (`covers`), so the contexts' series may add up to more than the stakeholders'."""
    orgs = sorted({c.organisation_id for c in source.commitments}, key=lambda o: source.organisations.get(o, ""))
    # (column, "stakeholder" or "context", its id)
    series: list[tuple[str, str, int]] = [(source.organisations.get(o, ""), "stakeholder", o) for o in orgs]
    series += [(gettext(N_("Context: %(name)s")) % {"name": c.name}, "context", c.id or 0) for c in source.contexts]

    def counts_in(commitment: Commitment, kind: str, id_: int) -> bool:
        return commitment.organisation_id == id_ if kind == "stakeholder" else covers(commitment, id_)

    chart = Chart(
        "adoption", gettext(N_("Adoption over time")),
        gettext(N_("Commitments embedded in policy or a system by the end of each month: each stakeholder's, then all those that apply in each context (a commitment that covers several contexts counts in each).")),
        "line", [name for name, _kind, _id in series], row_header=gettext(N_("Month")), plotted=list(range(len(series))),
    )
    if not source.commitments:
        chart.note = gettext(N_("No commitments yet."))
        return chart
    first = min(c.created_at for c in source.commitments).date()
    if source.addressed:
        first = min(first, min(a.addressed_at for a in source.addressed).date())
    today = datetime.now(UTC).date()
    start = max(first, source.since) if source.since else first
    last = min(source.until, today) if source.until else today
    months = _months(start, last)
    if len(months) == MAX_MONTHS:
        months = _months(max(start, (last - timedelta(days=31 * (MAX_MONTHS - 1))).replace(day=1)), last)
    for month in months:
        end = datetime.combine((month + timedelta(days=32)).replace(day=1), datetime.min.time(), tzinfo=UTC)
        embedded = [
            c for c in source.commitments
            if status_at(c, source.entries.get(c.id or 0, []), end) == CommitmentStatus.EMBEDDED.value
        ]
        chart.rows.append(Row(month.strftime("%Y-%m"), [
            _number(len([c for c in embedded if counts_in(c, kind, id_)])) for _name, kind, id_ in series
        ]))
    return chart


def statuses_chart(source: _Source, filters: Filters, gettext: Gettext) -> Chart:
    statuses = [s.value for s in CommitmentStatus]
    chart = Chart(
        "statuses", gettext(N_("Commitments by status")),
        gettext(N_("Each stakeholder's commitments by the status it reported, at the end of the period.")),
        "grouped", [gettext(STATUS_LABELS[s]) for s in statuses] + [gettext(N_("All"))], row_header=gettext(N_("Stakeholder")),
        plotted=list(range(len(statuses))),
    )
    moment = _end_of(filters) if filters.until else None
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(statuses, 0))
    for c in source.commitments:
        status = status_at(c, source.entries.get(c.id, []), moment)  # type: ignore[arg-type]
        if status in statuses:
            counts[c.organisation_id][status] += 1
    for org in sorted(counts, key=lambda o: source.organisations.get(o, "")):
        row = [_number(counts[org][s]) for s in statuses]
        chart.rows.append(Row(source.organisations.get(org, ""), [*row, _number(sum(counts[org].values()))]))
    if not chart.rows:
        chart.note = gettext(N_("No commitments yet."))
    return chart


@dataclass
class YouthView:
    people: int
    mean_percent: float | None
    per_context: dict[int | None, tuple[int, float]]


def youth_view(session: Session, source: _Source, commitment: Commitment, allowed: set[int]) -> YouthView:
    """Young people's ratings of one commitment, one person once (their ratings averaged), in
    the chosen contexts, as a percentage of the scale."""
    items = ratings_of(session, source, commitment)
    per_person: dict[int, list[RatingItem]] = defaultdict(list)
    for item in items:
        if item.participant_id in allowed and _in_contexts(item.context_id, source):
            per_person[item.participant_id].append(item)
    if not per_person:
        return YouthView(0, None, {})

    def percent(item: RatingItem) -> float:
        span = item.scale_max - item.scale_min
        return 100.0 * (item.rating - item.scale_min) / span if span > 0 else 0.0

    scores = {p: sum(percent(i) for i in rated) / len(rated) for p, rated in per_person.items()}
    per_context: dict[int | None, list[float]] = defaultdict(list)
    for person, rated in per_person.items():
        per_context[rated[-1].context_id].append(scores[person])
    return YouthView(
        len(scores), sum(scores.values()) / len(scores), {c: (len(v), sum(v) / len(v)) for c, v in per_context.items()}
    )


def progress_at(commitment: Commitment, source: _Source, moment: datetime | None) -> int:
    """The progress the stakeholder claimed at `moment` (None: now): its own as last reported,
    or its parts' rolled up as the commitment says (`services.rolled_up`, as the commitment and
    public pages show it), each part as it stood then, declined parts left out."""
    parts = source.parts.get(commitment.id or 0, [])
    if moment is None:
        return rolled_up(commitment, parts)

    def own(c: Commitment) -> int:
        found = _latest(source.entries.get(c.id or 0, []), "stakeholder", before=moment)
        return found.progress if found is not None and found.progress is not None else 0

    counted = [p for p in parts if status_at(p, source.entries.get(p.id or 0, []), moment) != CommitmentStatus.DECLINED.value]
    if not counted:
        return own(commitment)
    if commitment.rollup == Rollup.WEIGHTED:
        return round(sum(own(p) * p.weight for p in counted) / sum(p.weight for p in counted))
    return round(sum(own(p) for p in counted) / len(counted))


def _latest(entries: Iterable[CommitmentEntry], side: str, kind: str | None = None, before: datetime | None = None) -> CommitmentEntry | None:
    found = None
    for entry in entries:
        if before is not None and entry.created_at >= before:
            break
        if entry.side == side and entry.progress is not None and (kind is None or entry.kind == kind):
            found = entry
    return found


def titled(title: str, organisation: str) -> str:
    """"Title (Organisation)". When one reads right to left and the other does not, the
    organisation is isolated in its own direction (first strong isolate ... pop), or an Arabic
    title's brackets would close around the wrong words."""
    if organisation and reads_right_to_left(title) != reads_right_to_left(organisation):
        return f"{title} \u2068({organisation})\u2069"
    return f"{title} ({organisation})"


def scorecards_chart(session: Session, source: _Source, allowed: set[int], gettext: Gettext) -> tuple[Chart, dict[int, YouthView]]:
    chart = Chart(
        "scorecards", gettext(N_("Youth scorecards against stakeholders' claims")),
        gettext(N_("Each commitment's progress as its stakeholder claims it, as the consultation team assesses it, and the young people's average rating (as a share of the scale).")),
        "grouped",
        [gettext(N_("Claimed status")), gettext(N_("Claimed progress (%)")), gettext(N_("Team's assessment (%)")),
         gettext(N_("Young people who rated")), gettext(N_("Youth rating (percent of scale)"))],
        row_header=gettext(N_("Commitment")), plotted=[1, 2, 4],
        column_keys=["claimed_status", "claimed_progress", "team_progress", "youth_rated", "youth_rating"],
    )
    views: dict[int, YouthView] = {}
    moment = _end_of_period(source)
    for c in source.commitments:
        entries = source.entries.get(c.id or 0, [])
        view = youth_view(session, source, c, allowed)
        views[c.id] = view  # type: ignore[index]
        counted = suppress_counts({"rated": view.people}, k=source.k, with_total=False).cells["rated"]
        # As they stood at the end of the period (now, without one), like the statuses.
        team = _latest(entries, "team", EntryKind.ASSESSMENT.value, before=moment)
        status = status_at(c, entries, moment) or c.status
        progress = progress_at(c, source, moment)
        shown = not counted.suppressed and view.people > 0 and view.mean_percent is not None
        chart.rows.append(Row(titled(c.title, source.organisations.get(c.organisation_id, "")), [
            Value(None, gettext(STATUS_LABELS.get(status, status))),
            _number(progress),
            _number(team.progress if team else None),
            _cell(counted, source.k, gettext),
            _number(round(view.mean_percent, 1)) if shown and view.mean_percent is not None else Value(None, counted.text(source.k, gettext) if counted.suppressed else "–", counted.suppressed),
        ]))
    if not chart.rows:
        chart.note = gettext(N_("No commitments yet."))
    elif "ratings" in source.undated:
        chart.note = gettext(N_("Some ratings carry no date: they are counted only when no period is chosen."))
    return chart, views


def contexts_chart(session: Session, source: _Source, filters: Filters, allowed: set[int], views: dict[int, YouthView], gettext: Gettext) -> Chart:
    chart = Chart(
        "contexts", gettext(N_("Contexts compared")),
        gettext(N_("Young people taking part in each context, counted in a theme, and who rated a scorecard, with their average rating.")),
        "grouped",
        [gettext(N_("Taking part")), gettext(N_("Counted in a theme")), gettext(N_("Rated a scorecard")), gettext(N_("Average rating (percent of scale)"))],
        row_header=gettext(N_("Context")), plotted=[0, 1, 2],
        column_keys=["taking_part", "in_a_theme", "rated", "average_rating"],
    )
    context_ids = [c.id for c in source.contexts]
    joined: dict[Hashable, int] = dict.fromkeys(context_ids, 0)
    for context_id, joined_at in session.exec(
        select(Participant.context_id, Participant.joined_at).where(
            Participant.consultation_id == source.consultation.id, col(Participant.id).in_(analysable_participant_ids(source.consultation.id or 0))
        )
    ).all():
        if context_id in joined and _in_period(joined_at, filters):
            joined[context_id] += 1
    themed: dict[Hashable, set[int]] = {c: set() for c in context_ids}
    for theme in theme_items_of(session, source):
        if theme.participant_id in allowed and theme.context_id in themed:
            themed[theme.context_id].add(theme.participant_id)
    raters: dict[Hashable, list[float]] = {c: [] for c in context_ids}
    per_person: dict[int, tuple[int | None, float]] = {}
    # One person once across commitments: their own average over what they rated.
    sums: dict[int, list[float]] = defaultdict(list)
    contexts_of_person: dict[int, int | None] = {}
    for c in source.commitments:
        for item in ratings_of(session, source, c):
            if item.participant_id in allowed and item.context_id in raters:
                span = item.scale_max - item.scale_min
                sums[item.participant_id].append(100.0 * (item.rating - item.scale_min) / span if span > 0 else 0.0)
                contexts_of_person[item.participant_id] = item.context_id
    for person, values in sums.items():
        per_person[person] = (contexts_of_person[person], sum(values) / len(values))
    for rater_context, score in per_person.values():
        raters[rater_context].append(score)
    taking = suppress_counts(joined, k=source.k)
    in_theme = suppress_counts({c: len(v) for c, v in themed.items()}, k=source.k)
    rated = suppress_counts({c: len(v) for c, v in raters.items()}, k=source.k)
    for context in source.contexts:
        r = rated.cells[context.id]
        mean = round(sum(raters[context.id]) / len(raters[context.id]), 1) if raters[context.id] and not r.suppressed else None
        chart.rows.append(Row(context.name, [
            _cell(taking.cells[context.id], source.k, gettext), _cell(in_theme.cells[context.id], source.k, gettext),
            _cell(r, source.k, gettext),
            _number(mean) if mean is not None else Value(None, r.text(source.k, gettext) if r.suppressed else "–", r.suppressed),
        ]))
    totals = [taking.total, in_theme.total, rated.total]
    all_raters = [s for v in raters.values() for s in v]
    chart.rows.append(Row(gettext(N_("All contexts")), [
        *[_cell(t, source.k, gettext) for t in totals if t is not None],
        _number(round(sum(all_raters) / len(all_raters), 1)) if rated.total and not rated.total.suppressed and all_raters else Value(None, "–"),
    ]))
    if source.undated & {"themes", "ratings"}:
        chart.note = gettext(N_("Some words or ratings carry no date: they are counted only when no period is chosen."))
    return chart


def theme_items_of(session: Session, source: _Source) -> list[ThemeItem]:
    """Who is counted in which theme, from every app offering it (`theme_sources`), read once."""
    if source.themes is None:
        source.themes = [
            i for s in registry_of(session).theme_sources for i in s(session, source.consultation.id)
            if _dated_in(i.written_at, source, "themes")
        ]
    return source.themes


def ratings_of(session: Session, source: _Source, commitment: Commitment) -> list[RatingItem]:
    """Young people's ratings of a commitment, from every app offering them (`rating_sources`),
    given in the period."""
    if commitment.id not in source.ratings:
        items: list[RatingItem] = []
        for rating_source in registry_of(session).rating_sources:
            items.extend(
                i for i in rating_source(session, Ref("tracker.commitment", commitment.id)) if _dated_in(i.given_at, source, "ratings")
            )
        source.ratings[commitment.id] = items  # type: ignore[index]
    return source.ratings[commitment.id]  # type: ignore[index]


def build_dashboard(session: Session, consultation: Consultation, filters: Filters, gettext: Gettext, lang: str) -> Dashboard:
    """Every chart of one consultation, suppressed below its k. Reads only."""
    source = load_source(session, consultation, filters)
    allowed = countable_ids(session, consultation.id)  # type: ignore[arg-type]
    scorecards, views = scorecards_chart(session, source, allowed, gettext)
    charts = [
        themes_chart(session, source, allowed, gettext, lang),
        endorsements_chart(session, source, allowed, gettext, lang),
        adoption_chart(source, gettext),
        statuses_chart(source, filters, gettext),
        scorecards,
        contexts_chart(session, source, filters, allowed, views, gettext),
    ]
    return Dashboard(consultation.id, source.k, dashboard_version(session, consultation.id), charts)  # type: ignore[arg-type]


# -- the cache -------------------------------------------------------------------------------------


class DashboardCache:
    """Built dashboards by (consultation, filters, language), with the version they counted.

    One per application (`app.state`), thread-safe (pages run in the thread pool), least
    recently used out. A read whose entry counted the current version gets it at once. After a
    change (a newer version), the previous figures are served while one thread counts again
    (stale while revalidating: counting a consultation of 5,000 young people takes seconds, and
    answers arrive in bursts): the page says when its figures were counted. An entry older than
    `stale_seconds`, or none at all, is counted in the request. What no event announces (an
    analysis finishing) is counted again once an entry is `seconds` old.
    """

    def __init__(self, entries: int = CACHE_ENTRIES, seconds: float = CACHE_SECONDS, stale_seconds: float = STALE_SECONDS,
                 background: bool = True) -> None:
        self.entries, self.seconds, self.stale_seconds, self.background = entries, seconds, stale_seconds, background
        self._items: OrderedDict[tuple[Any, ...], tuple[int, float, Any]] = OrderedDict()
        self._building: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()
        self.hits = self.stale = self.misses = 0

    def get_or_build(self, base: tuple[Any, ...], version: int, build: Callable[[], Any], build_apart: Callable[[], Any] | None = None) -> Any:
        """The value for `base` counted at `version`: from the cache, the previous one while
        `build_apart` (its own session) counts again in a thread, or `build()` now."""
        now = time.monotonic()
        with self._lock:
            found = self._items.get(base)
            if found is not None:
                counted, at, value = found
                age = now - at
                if counted == version and age < self.seconds:
                    self._items.move_to_end(base)
                    self.hits += 1
                    return value
                if build_apart is not None and self.background and age < self.stale_seconds:
                    self.stale += 1
                    if base not in self._building:
                        self._building.add(base)
                        threading.Thread(target=self._build_apart, args=(base, version, build_apart), daemon=True).start()
                    return value
        value = build()
        self._store(base, version, now, value)
        with self._lock:
            self.misses += 1
        return value

    def _build_apart(self, base: tuple[Any, ...], version: int, build: Callable[[], Any]) -> None:
        started = time.monotonic()
        try:
            self._store(base, version, started, build())
        except Exception:  # noqa: BLE001 - the stale figures stay; the next read tries again
            log.warning("recounting a dashboard failed", exc_info=True)
        finally:
            with self._lock:
                self._building.discard(base)

    def _store(self, base: tuple[Any, ...], version: int, at: float, value: Any) -> None:
        with self._lock:
            found = self._items.get(base)
            if found is not None and found[0] > version:
                return  # a newer count landed first
            self._items[base] = (version, at, value)
            self._items.move_to_end(base)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def cache_of(app_state: Any) -> DashboardCache:
    """The application's cache. Under tests every count happens in the request (no thread
    outlives a test's database); the bench turns the thread on as production has it."""
    cache = getattr(app_state, "tracker_dashboards", None)
    if cache is None:
        settings = getattr(getattr(app_state, "baraza", None), "settings", None)
        cache = DashboardCache(background=getattr(settings, "environment", "") != "test")
        app_state.tracker_dashboards = cache
    return cache


def cached_dashboard(
    session: Session, cache: DashboardCache, consultation: Consultation, filters: Filters, gettext: Gettext, lang: str,
    engine: Any = None,
) -> Dashboard:
    """The dashboard, from the cache when it counted the current version (see DashboardCache);
    `engine` lets a thread count again on its own session."""
    version = dashboard_version(session, consultation.id)  # type: ignore[arg-type]
    consultation_id = consultation.id

    def apart() -> Dashboard:
        with Session(engine, expire_on_commit=False) as own:
            row = own.get(Consultation, consultation_id)
            if row is None:
                raise NotFound()
            return build_dashboard(own, row, filters, gettext, lang)

    return cache.get_or_build(  # type: ignore[no-any-return]
        ("dashboard", consultation.id, filters.key(), lang), version,
        lambda: build_dashboard(session, consultation, filters, gettext, lang), apart if engine is not None else None,
    )


# -- scope ----------------------------------------------------------------------------------------


def dashboard_consultations(session: Session, actor: Actor) -> list[Consultation]:
    """The consultations whose dashboards `actor` reads: those they follow commitments of
    (a policymaker: their organisation's; the team: their consultations)."""
    return list_consultations(session, actor, FOLLOW)


def choose_consultation(consultations: list[Consultation], filters: Filters) -> Consultation | None:
    """The chosen consultation, or the newest one in reach; NotFound for one out of reach."""
    if filters.consultation_id is None:
        return consultations[0] if consultations else None
    for consultation in consultations:
        if consultation.id == filters.consultation_id:
            return consultation
    raise NotFound()


def check_filters(session: Session, consultation: Consultation, filters: Filters) -> None:
    """A context or stakeholder that is not the consultation's is bad input (400), told plainly."""
    if filters.context_id is not None and filters.context_id not in {c.id for c in contexts_of(session, consultation)}:
        raise InvalidInput(errors={"context": N_("Choose a context of this consultation.")})
    if filters.organisation_id is not None and filters.organisation_id not in set(stakeholders_of(session, consultation)):
        raise InvalidInput(errors={"stakeholder": N_("Choose a stakeholder this consultation's recommendations were addressed to.")})


def stakeholders_of(session: Session, consultation: Consultation) -> dict[int, str]:
    rows = session.exec(
        select(Organisation.id, Organisation.name)
        .where(col(Organisation.id).in_(select(AddressedRecommendation.organisation_id).where(AddressedRecommendation.consultation_id == consultation.id)))
        .order_by(col(Organisation.name))
    ).all()
    return {int(r[0] or 0): r[1] for r in rows}


# -- exports --------------------------------------------------------------------------------------


def chart_csv(chart: Chart) -> bytes:
    """A chart's table as CSV: suppressed cells say why in words, never a number; every cell
    neutralised so a spreadsheet runs no formula (SECURITY 33)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise_cell(v) for v in [chart.row_header, *chart.columns]])
    for row in chart.rows:
        writer.writerow([neutralise_cell(row.label), *[neutralise_cell(cell.text) for cell in row.cells]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def etag_of(*parts: Any) -> str:
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:32]
    return f'"{digest}"'


def follow_dashboard(session: Session, actor: Actor, key: str) -> bool:
    """Who may follow `tracker.dashboard:<consultation id>`: whoever reads its dashboard."""
    return key.isdigit() and any(c.id == int(key) for c in dashboard_consultations(session, actor))
