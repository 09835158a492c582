"""What the screen and the console show of an activity: counts of votes as bars, the notes on
the wall, the words of a word cloud. Never who wrote or chose what.

Counts are COUNT queries over vote rows of the people the room may count
(`shown_participant_ids`: valid consent with "count my answers", not withdrawn) and paper
entries. On a sensitive activity every count goes through `baraza.disclosure` with the
consultation's k: a cell of 1 to k-1 people reads "fewer than k", and a second cell goes when
the total would give the first away (SECURITY 10).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.disclosure import Cell, k_for, suppress_counts
from workshops.access import shown_participant_ids
from workshops.activities import TEXT_KINDS, option_labels, scale_points, text_in
from workshops.models import Activity, Contribution, ContributionStatus, Presence, Reveal, Vote, Workshop

# Notes shown on the wall at once; the console lists the same newest ones.
WALL_LIMIT = 60
WORD_CLOUD_LIMIT = 40
# A phone counts as in the room this long after it last opened the workshop's page.
PRESENCE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    cell: Cell
    percent: int  # against the longest bar shown, 0-100; 0 when the cell is hidden


@dataclass(frozen=True)
class Note:
    id: int
    text: str
    status: str
    category: str | None


@dataclass(frozen=True)
class Word:
    word: str
    count: int
    size: int  # 1-5


@dataclass
class ActivityResults:
    kind: str
    k: int
    sensitive: bool
    # Whether the screen may show the results now (hidden until revealed otherwise).
    visible: bool
    respondents: Cell
    bars: list[Bar] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    average: float | None = None
    # Notes waiting for a facilitator or hidden by one (the console only).
    waiting: list[Note] = field(default_factory=list)
    total_notes: int = 0


def _counted(consultation_id: int, group_id: int | None = None):  # type: ignore[no-untyped-def]
    counted = or_(col(Vote.participant_id).in_(shown_participant_ids(consultation_id)), col(Vote.participant_id).is_(None))
    # A breakout group's results (workshops.rooms): only the votes cast in that group.
    return counted if group_id is None else and_(counted, col(Vote.group_id) == group_id)


def _shown_text(consultation_id: int, group_id: int | None = None):  # type: ignore[no-untyped-def]
    shown = or_(col(Contribution.participant_id).in_(shown_participant_ids(consultation_id)), col(Contribution.participant_id).is_(None))
    return shown if group_id is None else and_(shown, col(Contribution.group_id) == group_id)


def results_visible(activity: Activity) -> bool:
    return activity.reveal == Reveal.LIVE.value or activity.revealed


def _cell(count: int, k: int, sensitive: bool) -> Cell:
    if sensitive and 0 < count < k:
        return Cell(count, suppressed=True, primary=True)
    return Cell(count)


def vote_results(session: Session, consultation: Consultation, activity: Activity, lang: str, *, group_id: int | None = None) -> ActivityResults:
    k = k_for(consultation)
    default = consultation.default_language
    counts_by_target = dict(
        session.exec(
            select(Vote.target, func.count(col(Vote.id)))
            .where(Vote.activity_id == activity.id, _counted(consultation.id, group_id))  # type: ignore[arg-type]
            .group_by(col(Vote.target))
        ).all()
    )
    people = session.exec(
        select(func.count(func.distinct(func.coalesce(col(Vote.participant_id), -col(Vote.id))))).where(
            Vote.activity_id == activity.id, _counted(consultation.id, group_id)  # type: ignore[arg-type]
        )
    ).one()
    if activity.kind == "scale":
        keys = [(str(p), str(p)) for p in scale_points(activity.config)]
    else:
        keys = option_labels(activity.config, lang, default)
    counts = {key: int(counts_by_target.get(key, 0)) for key, _label in keys}
    single = activity.kind == "scale" or not activity.config.get("multiple")
    if activity.sensitive:
        # One choice each: the bars add up to the people, so the total takes part in the
        # suppression. Several choices each: bars do not add up, only primary suppression.
        table = suppress_counts(counts, k, with_total=single)  # type: ignore[arg-type]
        cells = table.cells
        respondents = table.total if single and table.total is not None else _cell(int(people), k, True)
    else:
        cells = {key: Cell(n) for key, n in counts.items()}
        respondents = Cell(int(people))
    # Bars are as long as their count against the longest bar shown: a share of a total that
    # is hidden would give the hidden cells back.
    widest = max([c.count for c in cells.values() if not c.suppressed] + [0])
    bars = [
        Bar(key, label, cells[key], 0 if cells[key].suppressed or widest == 0 else round(100 * cells[key].count / widest))
        for key, label in keys
    ]
    average = None
    if activity.kind == "scale" and not any(c.suppressed for c in cells.values()) and int(people):
        total = sum(int(key) * cells[key].count for key, _ in keys)
        average = round(total / max(1, sum(cells[key].count for key, _ in keys)), 1)
    return ActivityResults(
        kind=activity.kind, k=k, sensitive=activity.sensitive, visible=results_visible(activity),
        respondents=respondents, bars=bars, average=average,
    )


_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def _normal_word(text: str) -> str:
    """A word cloud entry as counted: trimmed, in lower case, accents kept (a different word
    in Spanish), outer punctuation gone."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    words = _WORD.findall(text)
    return " ".join(words)[:40]


def text_results(
    session: Session, consultation: Consultation, activity: Activity, *, for_console: bool = False, group_id: int | None = None
) -> ActivityResults:
    k = k_for(consultation)
    base = select(Contribution).where(Contribution.activity_id == activity.id, _shown_text(consultation.id, group_id))  # type: ignore[arg-type]
    shown_rows = list(
        session.exec(base.where(Contribution.status == ContributionStatus.SHOWN.value).order_by(col(Contribution.id).desc())).all()
    )
    people = len({row.participant_id if row.participant_id is not None else -int(row.id or 0) for row in shown_rows})
    results = ActivityResults(
        kind=activity.kind, k=k, sensitive=activity.sensitive, visible=results_visible(activity),
        respondents=_cell(people, k, activity.sensitive), total_notes=len(shown_rows),
    )
    if activity.kind == "word_cloud":
        counter = Counter(w for w in (_normal_word(r.text) for r in shown_rows) if w)
        top = counter.most_common(WORD_CLOUD_LIMIT)
        most = top[0][1] if top else 1
        results.words = [Word(word, n, 1 + round(4 * (n - 1) / max(1, most - 1)) if most > 1 else 1) for word, n in top]
    results.notes = [Note(int(r.id or 0), r.text, r.status, r.category) for r in shown_rows[:WALL_LIMIT]]
    if for_console:
        waiting = session.exec(
            base.where(col(Contribution.status).in_([ContributionStatus.PENDING.value, ContributionStatus.HIDDEN.value, ContributionStatus.HELD.value]))
            .order_by(col(Contribution.id).desc())
            .limit(WALL_LIMIT)
        ).all()
        results.waiting = [Note(int(r.id or 0), r.text, r.status, r.category) for r in waiting]
    return results


def activity_results(session: Session, consultation: Consultation, activity: Activity, lang: str, *, for_console: bool = False) -> ActivityResults | None:
    """The activity's results as the screen (or the console) shows them; None for kinds phones
    cannot answer yet."""
    if activity.kind in ("poll", "scale"):
        return vote_results(session, consultation, activity, lang)
    if activity.kind in TEXT_KINDS:
        return text_results(session, consultation, activity, for_console=for_console)
    return None


def phones_in_room(session: Session, workshop: Workshop) -> int:
    """Phones that opened the workshop's page in the last PRESENCE_WINDOW (presence rows)."""
    since = utcnow() - PRESENCE_WINDOW
    return int(
        session.exec(select(func.count()).select_from(Presence).where(Presence.workshop_id == workshop.id, Presence.seen_at >= since)).one()
    )


def prompt_of(activity: Activity, lang: str, default: str) -> str:
    return text_in(activity.prompt, lang, default)
