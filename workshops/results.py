"""What the screen and the console show of an activity: counts of votes as bars (a poll, a
scale, dots, a ranking's Borda points), the notes on the wall, the words of a word cloud by
lemma, questions by upvotes, statements' answers, the card sort's matrix. Never who wrote or
chose what.

Counts are COUNT queries over vote rows of the people the room may count
(`shown_participant_ids`: valid consent with "count my answers", not withdrawn) and paper
entries. On a sensitive activity every count goes through `baraza.disclosure` with the
consultation's k: a cell of 1 to k-1 people reads "fewer than k", a second cell goes when the
total would give the first away (by subtraction or by the bounds of the hidden ones), and while
fewer than k people answered (a poll, one statement, one card in the view) every cell reads
"fewer than k", zeros too (baraza.disclosure.all_fewer_than_k; SECURITY 10).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.disclosure import ALL, Cell, Dimension, SuppressedCounts, all_fewer_than_k, k_for, suppress_counts, suppress_cube
from baraza.participation.models import Participant
from baraza.text import words
from workshops.access import shown_participant_ids
from workshops.activities import (
    CARD_ANSWERS,
    STATEMENT_ANSWERS,
    TEXT_KINDS,
    Card,
    card_labels,
    option_labels,
    scale_points,
    text_in,
)
from workshops.models import (
    Activity,
    CardAnswer,
    Contribution,
    ContributionStatus,
    Presence,
    Reveal,
    Vote,
    Workshop,
    WorkshopStatus,
)
from workshops.note_votes import is_note_vote, live_config

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
    # Held notes in the console: why screening held them (message ids), and whether they may
    # disclose harm (the words are then shown only to safeguarding reviewers).
    reasons: tuple[str, ...] = ()
    disclosure: bool = False


@dataclass(frozen=True)
class Word:
    word: str
    count: int
    size: int  # 1-5


@dataclass(frozen=True)
class Question:
    """A question of a Q&A as the screen lists it: its upvotes, whether it was answered."""

    id: int
    text: str
    votes: Cell
    answered: bool


@dataclass(frozen=True)
class StatementRow:
    """A statement and how the room answered it (agree, disagree, pass), with its total."""

    key: str
    text: str
    cells: dict[str, Cell]
    total: Cell
    added: bool  # written by a young person, not seeded by the facilitator


@dataclass(frozen=True)
class CardRow:
    """One card of a card sort and where the people in view put it (fine, not fine, depends)."""

    card: Card
    cells: dict[str, Cell]
    total: Cell


@dataclass(frozen=True)
class CardFilters:
    """The card sort's view: a context (its id) and an age band, each from an allow-list
    (`card_filter_options`; SECURITY 5), or everyone."""

    context: str = ""
    age_band: str = ""


@dataclass(frozen=True)
class CardFilterOptions:
    contexts: tuple[tuple[str, str], ...]  # (id, name)
    age_bands: tuple[str, ...]


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
    questions: list[Question] = field(default_factory=list)
    statements: list[StatementRow] = field(default_factory=list)
    # A dot vote on a brainstorm's notes: its bars are young people's sentences, most dots first.
    on_notes: bool = False
    cards: list[CardRow] = field(default_factory=list)
    card_filters: CardFilters | None = None
    card_filter_options: CardFilterOptions | None = None

    @property
    def card_board(self) -> CardBoard | None:
        """A long card sort's board for the projector (None for a short one: its matrix fits)."""
        return card_board(self.cards) if len(self.cards) > LONG_CARD_SORT else None


# Whose entries a result counts: everyone's the room counts (the screen, the console), the
# phones' only, or only what a facilitator typed in from paper (the summary shows the two apart).
EVERYONE, PHONES, PAPER = "everyone", "phones", "paper"


def _of_source(model: Any, consultation_id: int, source: str):  # type: ignore[no-untyped-def]
    phones = col(model.participant_id).in_(shown_participant_ids(consultation_id))
    paper = col(model.participant_id).is_(None)
    return phones if source == PHONES else paper if source == PAPER else or_(phones, paper)


# A breakout group's results (workshops.rooms) count only what was sent in that group; NO_GROUP
# counts what was sent in no group while the room was split (a phone that came in late).
NO_GROUP = -1


def _in_group(model: Any, group_id: int | None):  # type: ignore[no-untyped-def]
    return col(model.group_id).is_(None) if group_id == NO_GROUP else col(model.group_id) == group_id


def _counted(consultation_id: int, group_id: int | None = None, source: str = EVERYONE):  # type: ignore[no-untyped-def]
    counted = _of_source(Vote, consultation_id, source)
    return counted if group_id is None else and_(counted, _in_group(Vote, group_id))


def _shown_text(consultation_id: int, group_id: int | None = None, source: str = EVERYONE):  # type: ignore[no-untyped-def]
    shown = _of_source(Contribution, consultation_id, source)
    return shown if group_id is None else and_(shown, _in_group(Contribution, group_id))


def results_visible(activity: Activity) -> bool:
    return activity.reveal == Reveal.LIVE.value or activity.revealed


def _cell(count: int, k: int, sensitive: bool) -> Cell:
    if sensitive and 0 < count < k:
        return Cell(count, suppressed=True, primary=True)
    return Cell(count)


def vote_results(
    session: Session, consultation: Consultation, activity: Activity, lang: str, *, group_id: int | None = None, source: str = EVERYONE
) -> ActivityResults:
    k = k_for(consultation)
    default = consultation.default_language
    counts_by_target = dict(
        session.exec(
            select(Vote.target, func.count(col(Vote.id)))
            .where(Vote.activity_id == activity.id, _counted(consultation.id, group_id, source))  # type: ignore[arg-type]
            .group_by(col(Vote.target))
        ).all()
    )
    people = session.exec(
        select(_people(col(Vote.participant_id))).where(Vote.activity_id == activity.id, _counted(consultation.id, group_id, source))  # type: ignore[arg-type]
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
        cells = all_fewer_than_k(dict(table.cells), int(people), k)
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


def _people(column: Any) -> Any:
    """Distinct people: a phone's participant; a mark typed in from paper is a person alone,
    but the marks of one paper ballot of a multiple-choice poll are one (`Vote.paper_ballot`).
    Marks' keys are negative, so they never meet a participant's id."""
    return func.count(func.distinct(func.coalesce(column, -func.coalesce(col(Vote.paper_ballot), col(Vote.id)))))


def dot_results(session: Session, consultation: Consultation, activity: Activity, lang: str, *, group_id: int | None = None) -> ActivityResults:
    """Dots per option and how many people placed dots. On a sensitive activity an option that
    fewer than k people put dots on reads "fewer than k" (its dots could point at them); dots
    do not add up to people, so no total gives a hidden bar away."""
    k = k_for(consultation)
    on_notes = is_note_vote(activity)
    config = live_config(session, consultation.id, activity)
    keys = option_labels(config, lang, consultation.default_language)
    counted = _counted(int(consultation.id or 0), group_id)
    if on_notes:
        # On a brainstorm's notes: dots on a note the room no longer sees (hidden, its author
        # withdrawn, deleted) are not counted, nor is a person whose dots were all there.
        counted = and_(counted, col(Vote.target).in_([key for key, _label in keys]))
    rows = session.exec(
        select(Vote.target, func.count(col(Vote.id)), _people(col(Vote.participant_id)))
        .where(Vote.activity_id == activity.id, counted)  # type: ignore[arg-type]
        .group_by(col(Vote.target))
    ).all()
    dots = {target: int(n) for target, n, _p in rows}
    voters = {target: int(p) for target, _n, p in rows}
    people = session.exec(select(_people(col(Vote.participant_id))).where(Vote.activity_id == activity.id, counted)).one()  # type: ignore[arg-type]
    cells = {
        key: Cell(dots.get(key, 0), suppressed=True, primary=True) if activity.sensitive and 0 < voters.get(key, 0) < k else Cell(dots.get(key, 0))
        for key, _label in keys
    }
    if activity.sensitive:
        cells = all_fewer_than_k(cells, int(people), k)
    return ActivityResults(
        kind=activity.kind, k=k, sensitive=activity.sensitive, visible=results_visible(activity),
        # The room's notes come out in order of dots, most first: what it prioritised.
        respondents=_cell(int(people), k, activity.sensitive), bars=_bars(keys, cells, ordered=on_notes), on_notes=on_notes,
    )


def _bars(keys: list[tuple[str, str]], cells: dict[str, Cell], *, ordered: bool = False) -> list[Bar]:
    # Bars are as long as their count against the longest bar shown: a share of a total that
    # is hidden would give the hidden cells back.
    widest = max([c.count for c in cells.values() if not c.suppressed] + [0])
    bars = [
        Bar(key, label, cells[key], 0 if cells[key].suppressed or widest == 0 else round(100 * cells[key].count / widest))
        for key, label in keys
    ]
    if ordered:
        bars.sort(key=lambda b: -b.cell.count if not b.cell.suppressed else 0)
    return bars


def ranking_results(session: Session, consultation: Consultation, activity: Activity, lang: str, *, group_id: int | None = None) -> ActivityResults:
    """A Borda count: in a ranking of n options, first place earns n - 1 points, last none;
    the bars are the points per option, highest first, and the count of rankings. On a
    sensitive activity nothing but "fewer than k" shows until k people ranked (with fewer,
    the points could give one person's order away)."""
    k = k_for(consultation)
    keys = option_labels(activity.config, lang, consultation.default_language)
    n = len(keys)
    rows = session.exec(
        select(Vote.target, func.count(col(Vote.id)), func.sum(col(Vote.value)))
        .where(Vote.activity_id == activity.id, _counted(consultation.id, group_id))  # type: ignore[arg-type]
        .group_by(col(Vote.target))
    ).all()
    points = {target: int(count) * n - int(total or 0) for target, count, total in rows}
    rankings = int(session.exec(select(_people(col(Vote.participant_id))).where(Vote.activity_id == activity.id, _counted(consultation.id, group_id))).one())  # type: ignore[arg-type]
    hidden = activity.sensitive and 0 < rankings < k
    cells = {key: Cell(points.get(key, 0), suppressed=hidden, primary=hidden) for key, _label in keys}
    return ActivityResults(
        kind=activity.kind, k=k, sensitive=activity.sensitive, visible=results_visible(activity),
        respondents=_cell(rankings, k, activity.sensitive), bars=_bars(keys, cells, ordered=True),
    )


def statement_results(
    session: Session, consultation: Consultation, activity: Activity, lang: str, *, for_console: bool = False, group_id: int | None = None
) -> ActivityResults:
    """Agree, disagree and pass per statement: the facilitator's, then those young people added
    that are shown (pre-moderated ones once a facilitator let them through). On a sensitive
    activity each statement's counts are suppressed with their total (one answer each)."""
    k = k_for(consultation)
    results = text_results(session, consultation, activity, for_console=for_console, group_id=group_id)
    rows = session.exec(
        select(Vote.target, Vote.value, func.count(col(Vote.id)))
        .where(Vote.activity_id == activity.id, _counted(consultation.id, group_id))  # type: ignore[arg-type]
        .group_by(col(Vote.target), col(Vote.value))
    ).all()
    by_value = {value: name for name, value in STATEMENT_ANSWERS.items()}
    counts: dict[str, dict[str, int]] = {}
    for target, value, n in rows:
        if value in by_value:
            counts.setdefault(target, {})[by_value[value]] = int(n)
    items = [(key, label, False) for key, label in option_labels(activity.config, lang, consultation.default_language, "statements")]
    items += [(f"c{note.id}", note.text, True) for note in sorted(results.notes, key=lambda n: n.id)]
    statements = []
    for key, text, added in items:
        answers = {name: counts.get(key, {}).get(name, 0) for name in STATEMENT_ANSWERS}
        if activity.sensitive:
            table = suppress_counts(answers, k, with_total=True)  # type: ignore[arg-type]
            cells = all_fewer_than_k({str(name): cell for name, cell in table.cells.items()}, sum(answers.values()), k)
            total = table.total or Cell(sum(answers.values()))
        else:
            cells = {name: Cell(n) for name, n in answers.items()}
            total = Cell(sum(answers.values()))
        statements.append(StatementRow(key, text, cells, total, added))
    people = int(session.exec(select(_people(col(Vote.participant_id))).where(Vote.activity_id == activity.id, _counted(consultation.id, group_id))).one())  # type: ignore[arg-type]
    results.respondents = _cell(people, k, activity.sensitive)
    results.statements = statements
    return results


def qa_results(
    session: Session, consultation: Consultation, activity: Activity, *, for_console: bool = False, group_id: int | None = None, source: str = EVERYONE
) -> ActivityResults:
    """The questions shown, open ones first by upvotes (then oldest first), answered ones
    after them. Upvotes are counted from vote rows of the people the room counts."""
    k = k_for(consultation)
    results = text_results(session, consultation, activity, for_console=for_console, group_id=group_id, wall_limit=None, source=source)
    votes = dict(
        session.exec(
            select(Vote.target, func.count(col(Vote.id)))
            .where(Vote.activity_id == activity.id, _counted(consultation.id, group_id))  # type: ignore[arg-type]
            .group_by(col(Vote.target))
        ).all()
    )
    answered = set(
        session.exec(
            select(Contribution.id).where(Contribution.activity_id == activity.id, col(Contribution.answered_at).is_not(None))
        ).all()
    )
    questions = [
        Question(note.id, note.text, _cell(int(votes.get(f"c{note.id}", 0)), k, activity.sensitive), note.id in answered)
        for note in results.notes
    ]
    questions.sort(key=lambda q: (q.answered, -q.votes.count, q.id))
    results.questions = questions[:WALL_LIMIT]
    results.notes = results.notes[:WALL_LIMIT]
    return results


OTHERS = "__others__"  # a context or age band not offered as a filter: counted, never shown on its own


def card_filter_options(session: Session, consultation: Consultation) -> CardFilterOptions:
    """The allowed filter values: the consultation's contexts, and the age bands at least k
    people the room counts share (so the list itself never points at a small group)."""
    k = k_for(consultation)
    bands = session.exec(
        select(Participant.age_band, func.count())
        .where(col(Participant.id).in_(shown_participant_ids(consultation.id)), col(Participant.age_band).is_not(None))  # type: ignore[arg-type]
        .group_by(col(Participant.age_band))
    ).all()
    return CardFilterOptions(
        contexts=tuple((str(c.id), c.name) for c in contexts_of(session, consultation)),
        age_bands=tuple(sorted(str(band) for band, n in bands if band and n >= k)),
    )


def card_results(
    session: Session, consultation: Consultation, activity: Activity, lang: str, filters: CardFilters | None = None
) -> ActivityResults:
    """Where the people in view put each card: fine, not fine, it depends, and how many sorted
    it. A view is everyone, a context, an age band or both (from the allow-lists); on a
    sensitive activity (the default) every view of a card is a slice of one suppressed cube
    (baraza.disclosure.suppress_cube), so no view, nor two views side by side ("everyone"
    minus "this context"), shows a group of fewer than k."""
    k = k_for(consultation)
    options = card_filter_options(session, consultation)
    filters = filters or CardFilters()
    context_keys = tuple(key for key, _name in options.contexts)
    if filters.context not in ("", *context_keys) or filters.age_band not in ("", *options.age_bands):
        filters = CardFilters()
    view = (filters.context or ALL, filters.age_band or ALL)

    def offered(value: Any, allowed: tuple[str, ...]) -> str:
        return str(value) if value is not None and str(value) in allowed else OTHERS

    rows = session.exec(
        select(CardAnswer.card_key, CardAnswer.answer, CardAnswer.participant_id, CardAnswer.context_id, Participant.age_band)  # type: ignore[call-overload]
        .join(Participant, col(Participant.id) == col(CardAnswer.participant_id))
        .where(CardAnswer.activity_id == activity.id, col(CardAnswer.participant_id).in_(shown_participant_ids(consultation.id)))  # type: ignore[arg-type]
    ).all()
    place: dict[int, tuple[str, str]] = {}
    leaves: dict[str, Counter[tuple[Any, ...]]] = {}
    for card_key, answer, participant_id, context_id, age_band in rows:
        coordinates = (offered(context_id, context_keys), offered(age_band, options.age_bands))
        place[int(participant_id)] = coordinates
        if answer in CARD_ANSWERS:
            leaves.setdefault(card_key, Counter())[(*coordinates, answer)] += 1
    breakdowns = [Dimension(context_keys, (OTHERS,)), Dimension(options.age_bands, (OTHERS,))]
    answers = Dimension(CARD_ANSWERS)

    def in_view(coordinates: tuple[str, str]) -> bool:
        return all(wanted == ALL or wanted == have for wanted, have in zip(view, coordinates, strict=True))

    cards = []
    for card in card_labels(activity.config, lang, consultation.default_language):
        card_leaves = leaves.get(card.key, Counter())
        if activity.sensitive:
            table: SuppressedCounts = suppress_cube(card_leaves, [*breakdowns, answers], k).counts(*view)
            total = table.total or Cell(0)
            # As on a poll: a card fewer than k people in view sorted shows nothing but "fewer
            # than k", its zeros too (two "fine" beside two 0s would say what both chose).
            cells = all_fewer_than_k({str(name): cell for name, cell in table.cells.items()}, total.count, k)
        else:
            counts = Counter({a: 0 for a in CARD_ANSWERS})
            for (context, band, answer), n in card_leaves.items():
                if in_view((context, band)):
                    counts[answer] += n
            cells = {a: Cell(counts[a]) for a in CARD_ANSWERS}
            total = Cell(sum(counts.values()))
        cards.append(CardRow(card, cells, total))
    people: Counter[tuple[Any, ...]] = Counter(place.values())
    if activity.sensitive:
        respondents = suppress_cube(people, breakdowns, k).cell(*view)
    else:
        respondents = Cell(sum(n for coordinates, n in people.items() if in_view(coordinates)))
    return ActivityResults(
        kind=activity.kind, k=k, sensitive=activity.sensitive, visible=results_visible(activity), respondents=respondents,
        cards=cards, card_filters=filters, card_filter_options=options,
    )


# The projector shows more cards than this as a board (card_board), not as the one-line matrix:
# 13 cards or more at the matrix's type ran off the bottom of a 1280x800 projector.
LONG_CARD_SORT = 12
SHADES = 4  # how many tints a count can take on the board (0: none)
# A column of this many lines (24 cards of 6 kinds of data: 15) fits a 1280x800 projector in the
# board's large type; a longer one takes a smaller size, never under 16 px.
BOARD_LINES = 16


@dataclass(frozen=True)
class CardGroup:
    """One kind of data on the board, with its cards (a part of them, where the group goes on
    in the next column)."""

    label: str
    rows: list[CardRow]


@dataclass(frozen=True)
class CardBoard:
    """A long card sort as the projector shows it: the cards by kind of data, in columns of
    about as many lines each. Presentation only: the rows and their cells are the results'
    own, suppressed where card_results suppressed them, nothing counted again."""

    columns: list[list[CardGroup]]
    # The largest count shown in an answer's column: a count's tint is its share of that, as a
    # bar is as long as its count against the longest bar shown, never a share of a hidden total.
    top: int
    fewer_than_k: bool  # some cell reads "fewer than k" (the board's key explains the mark)
    hidden: bool  # some cell is hidden to protect a small group
    # The number of answers when every card shows the same one (everyone sorted every card):
    # said once in the key instead of a column, which gives the cards' words the width of a
    # line. None when the cards' totals differ or one is suppressed: the column shows them.
    same_total: int | None

    @property
    def lines(self) -> int:
        """The longest column's lines (a kind's heading and its cards)."""
        return max((sum(1 + len(group.rows) for group in column) for column in self.columns), default=0)

    @property
    def very_long(self) -> bool:
        """Past BOARD_LINES a column takes the smaller type of a very long sort (up to
        MAX_CARDS cards, or many kinds of data) to stay on the screen."""
        return self.lines > BOARD_LINES

    def shade(self, cell: Cell) -> int:
        """0 (no tint) to SHADES, by the count against the largest one shown; 0 when suppressed."""
        if cell.suppressed or not cell.count or not self.top:
            return 0
        return max(1, math.ceil(SHADES * cell.count / self.top))


def card_board(cards: Sequence[CardRow], columns: int = 2) -> CardBoard:
    """The board of a long card sort: cards grouped by their kind of data (kinds in the order
    they first come, cards in the activity's order within a kind), so the kind is said once and
    a card takes one line; then cut into `columns` columns of about as many lines each (a
    kind's heading is a line; a kind cut between two columns repeats its heading, and never
    ends a column on its heading alone)."""
    groups: dict[str, list[CardRow]] = {}
    labels: dict[str, str] = {}
    for row in cards:
        groups.setdefault(row.card.data_kind, []).append(row)
        labels.setdefault(row.card.data_kind, row.card.data_kind_label)
    lines = sum(1 + len(rows) for rows in groups.values())
    per_column = max(2, math.ceil(lines / max(1, columns)))
    board: list[list[CardGroup]] = [[]]
    used = 0
    for kind, rows in groups.items():
        rest = list(rows)
        while rest:
            room = per_column - used - 1  # cards that fit under a heading here
            if room < 1 and len(board) < columns:
                board.append([])
                used, room = 0, per_column - 1
            take = rest if len(board) == columns else rest[: max(1, room)]
            board[-1].append(CardGroup(labels[kind], take))
            used += 1 + len(take)
            rest = rest[len(take) :]
    shown = [c for row in cards for c in row.cells.values() if not c.suppressed]
    every = [c for row in cards for c in [*row.cells.values(), row.total]]
    totals = {row.total.value for row in cards}
    return CardBoard(
        columns=[column for column in board if column],
        top=max((c.count for c in shown), default=0),
        fewer_than_k=any(c.suppressed and c.primary for c in every),
        hidden=any(c.suppressed and not c.primary for c in every),
        same_total=totals.pop() if len(totals) == 1 else None,
    )


def _lemmas_of(text: str, lang: str) -> list[tuple[str, str]]:
    """(lemma, the word as written) of each content word of a word-cloud entry, each lemma once
    (someone writing "privacy, privacy" gives it one vote). The core's text tools: lowercase
    lemmas in the entry's language, stop words and punctuation gone."""
    seen: dict[str, str] = {}
    for lemma, surface in _words(text, lang):
        seen.setdefault(lemma, surface)
    return list(seen.items())


@lru_cache(maxsize=4096)
def _words(text: str, lang: str) -> tuple[tuple[str, str], ...]:
    # The screen refetches its block on every batch of notes: each entry is read once.
    return tuple(words(unicodedata.normalize("NFC", text), lang))


def word_cloud(rows: Sequence[Contribution]) -> list[Word]:
    """The WORD_CLOUD_LIMIT most frequent lemmas of shown entries (the caller passes only those:
    a held or waiting entry is never counted), each shown as the form people wrote most often
    ("datos" and "dato" are one word, shown as "datos" if most wrote that)."""
    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for row in rows:
        for lemma, surface in _lemmas_of(row.text, row.language):
            counts[lemma] += 1
            forms.setdefault(lemma, Counter())[surface] += 1
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:WORD_CLOUD_LIMIT]
    most = top[0][1] if top else 1
    return [
        Word(forms[lemma].most_common(1)[0][0][:40], n, 1 + round(4 * (n - 1) / max(1, most - 1)) if most > 1 else 1)
        for lemma, n in top
    ]


def text_results(
    session: Session,
    consultation: Consultation,
    activity: Activity,
    *,
    for_console: bool = False,
    group_id: int | None = None,
    wall_limit: int | None = WALL_LIMIT,
    source: str = EVERYONE,
) -> ActivityResults:
    k = k_for(consultation)
    base = select(Contribution).where(Contribution.activity_id == activity.id, _shown_text(consultation.id, group_id, source))  # type: ignore[arg-type]
    shown_rows = list(
        session.exec(base.where(Contribution.status == ContributionStatus.SHOWN.value).order_by(col(Contribution.id).desc())).all()
    )
    # People who answered: whoever has a note the room saw or a facilitator decided on (shown, or
    # hidden by a facilitator). Hiding a note is moderation, not "not answering", so the number
    # stays when a note goes (docs/decisions.md). Notes waiting for a facilitator or held by
    # screening never reached the room, and no count hints at them. A paper note is a person.
    hidden = session.exec(
        select(Contribution.participant_id, Contribution.id).where(
            Contribution.activity_id == activity.id, _shown_text(consultation.id, group_id, source),  # type: ignore[arg-type]
            Contribution.status == ContributionStatus.HIDDEN.value,
        )
    ).all()
    authors = [(row.participant_id, row.id) for row in shown_rows] + [(participant_id, row_id) for participant_id, row_id in hidden]
    people = len({participant_id if participant_id is not None else -int(row_id or 0) for participant_id, row_id in authors})
    results = ActivityResults(
        kind=activity.kind, k=k, sensitive=activity.sensitive, visible=results_visible(activity),
        respondents=_cell(people, k, activity.sensitive), total_notes=len(shown_rows),
    )
    if activity.kind == "word_cloud":
        results.words = word_cloud(shown_rows)
    results.notes = [Note(int(r.id or 0), r.text, r.status, r.category) for r in shown_rows[:wall_limit]]
    if for_console:
        waiting = session.exec(
            base.where(col(Contribution.status).in_([ContributionStatus.PENDING.value, ContributionStatus.HIDDEN.value, ContributionStatus.HELD.value]))
            .order_by(col(Contribution.id).desc())
            .limit(WALL_LIMIT)
        ).all()
        results.waiting = [Note(int(r.id or 0), r.text, r.status, r.category) for r in waiting]
    return results


def activity_results(
    session: Session,
    consultation: Consultation,
    activity: Activity,
    lang: str,
    *,
    for_console: bool = False,
    group_id: int | None = None,
    card_filters: CardFilters | None = None,
    source: str = EVERYONE,
) -> ActivityResults | None:
    """The activity's results as the screen (or the console) shows them (`group_id`: one
    breakout group's); None for a kind without results. `source`: everyone's the room counts,
    or the phones' (PHONES) or the paper's (PAPER) alone, for the kinds paper is typed in for
    (polls, scales, notes and questions); other kinds hold phones' answers only."""
    if activity.kind in ("poll", "scale"):
        return vote_results(session, consultation, activity, lang, group_id=group_id, source=source)
    if activity.kind == "dot_vote":
        return dot_results(session, consultation, activity, lang, group_id=group_id)
    if activity.kind == "ranking":
        return ranking_results(session, consultation, activity, lang, group_id=group_id)
    if activity.kind == "statements":
        return statement_results(session, consultation, activity, lang, for_console=for_console, group_id=group_id)
    if activity.kind == "card_sort":
        return card_results(session, consultation, activity, lang, card_filters)
    if activity.kind == "qa":
        return qa_results(session, consultation, activity, for_console=for_console, group_id=group_id, source=source)
    if activity.kind in TEXT_KINDS:
        return text_results(session, consultation, activity, for_console=for_console, group_id=group_id, source=source)
    return None


def phones_in_room(session: Session, workshop: Workshop) -> int:
    """Phones that opened the workshop's page in the last PRESENCE_WINDOW (presence rows)."""
    since = utcnow() - PRESENCE_WINDOW
    return int(
        session.exec(select(func.count()).select_from(Presence).where(Presence.workshop_id == workshop.id, Presence.seen_at >= since)).one()
    )


def live_counts(session: Session, key: str, events: frozenset[str]) -> dict[str, dict[str, Any]]:
    """What the core's hub adds to a batch of this workshop's events (its channel's summariser),
    once per batch and process: the phones in the room on `workshop.room`, and on
    `workshop.results` the counts of the current poll when the screen shows them as they are
    (results visible, not sensitive, the whole room): the screen then updates its bars from the
    event instead of fetching its block. Only what the projector shows the whole room; anything
    else (a sensitive or hidden activity, groups, other kinds) carries no counts, and the
    screen fetches its block as before."""
    if not key.isdigit() or len(key) > 12:
        return {}
    workshop = session.exec(select(Workshop).where(Workshop.id == int(key))).one_or_none()
    if workshop is None or workshop.status != WorkshopStatus.LIVE.value:
        return {}
    out: dict[str, dict[str, Any]] = {}
    if "workshop.room" in events:
        out["workshop.room"] = {"phones": phones_in_room(session, workshop)}
    if "workshop.results" in events and workshop.current_activity_id is not None and workshop.screen_group_id is None:
        activity = session.exec(
            select(Activity).where(Activity.id == workshop.current_activity_id, Activity.workshop_id == workshop.id)
        ).one_or_none()
        if activity is not None and activity.kind == "poll" and not activity.sensitive and results_visible(activity):
            consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
            results = vote_results(session, consultation, activity, consultation.default_language)
            out["workshop.results"] = {
                "counts": {
                    "activity": activity.id,
                    "answered": results.respondents.value,
                    "bars": {bar.key: [bar.cell.value, bar.percent] for bar in results.bars},
                }
            }
    return out


def prompt_of(activity: Activity, lang: str, default: str) -> str:
    return text_in(activity.prompt, lang, default)
