"""Dot voting on a brainstorm's notes: the room spreads its dots over the ideas it wrote.

A dot vote started from a brainstorm (`services.do_start_note_vote`) keeps no young person's
words: its `config["notes"]` names the brainstorm and the ids of the notes the room saw when
the vote started, and its options are read from those notes each time they are shown
(`live_config`), keeping only the notes the room still sees: shown (not hidden by a
facilitator, not held by screening or the safeguarding queue), from someone whose answers are
counted and who has not withdrawn, or typed in from paper. A note that goes (hidden, withdrawn,
deleted in "my data") leaves the options, the phones' forms and the results at once, and the
dots already on it are no longer counted.

    config["notes"] = {
        "activity": 12,                      # the brainstorm (an activity of the same workshop)
        "by": "notes" | "groups",            # one option per note, or per group of the board
        "ids": [31, 35, 40],                 # by notes: every note; by groups: those in no group
        "groups": [{"key": "safety", "label": {"en": "Safety"}, "ids": [33, 34]}],
    }

An option is `c<note id>` (as a question's upvote names its note) or `g<category key>`; a
group's label is the facilitator's words (the board's category), and the group stays an
option while one of its notes is still shown. Pure reads: no commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from workshops.access import shown_participant_ids
from workshops.activities import MAX_DOTS
from workshops.models import Activity, Contribution, ContributionStatus

NOTES = "notes"  # the config key of a dot vote on notes
BY = ("notes", "groups")
# Options a dot vote on notes may have: a phone lists them one under the other and the
# projector draws a bar each; a board with more notes is grouped first (or some hidden).
MAX_NOTE_OPTIONS = 30
MAX_IDS = 500  # notes a brainstorm's vote may refer to (at most MAX_NOTE_OPTIONS per option list, groups hold more)


def is_note_vote(activity: Activity | Any) -> bool:
    return getattr(activity, "kind", None) == "dot_vote" and isinstance((getattr(activity, "config", None) or {}).get(NOTES), Mapping)


def note_target(note_id: int) -> str:
    return f"c{note_id}"


def group_target(key: str) -> str:
    return f"g{key}"


@dataclass(frozen=True)
class ShownNote:
    id: int
    text: str
    language: str
    category: str | None


def shown_notes(session: Session, consultation_id: int | None, workshop_id: int, brainstorm_id: int, ids: Sequence[int] | None = None) -> list[ShownNote]:
    """The brainstorm's notes the room sees now (as the wall shows them: shown, from people
    whose answers are counted, or typed in from paper), oldest first; only those of `ids` when
    given. Never a note of another workshop, whatever the config says."""
    if ids is not None and not ids:
        return []
    query = select(Contribution).where(
        Contribution.activity_id == brainstorm_id,
        Contribution.workshop_id == workshop_id,
        Contribution.status == ContributionStatus.SHOWN.value,
        or_(col(Contribution.participant_id).in_(shown_participant_ids(int(consultation_id or 0))), col(Contribution.participant_id).is_(None)),  # type: ignore[arg-type]
    )
    if ids is not None:
        query = query.where(col(Contribution.id).in_(list(ids)))
    rows = session.exec(query.order_by(col(Contribution.id))).all()
    return [ShownNote(int(r.id or 0), r.text, r.language, r.category) for r in rows]


def snapshot(notes: Sequence[ShownNote], categories: Sequence[Mapping[str, Any]], by: str) -> dict[str, Any]:
    """What a new dot vote keeps of the notes shown now: their ids, by group when `by` is
    "groups" (the board's categories in its order; notes in none, or in a category taken off
    the board, stay options of their own). Never their words."""
    if by == "groups":
        groups = []
        placed: set[int] = set()
        for category in categories:
            ids = [n.id for n in notes if n.category == category["key"]]
            if ids:
                groups.append({"key": category["key"], "label": dict(category.get("label") or {}), "ids": ids})
                placed.update(ids)
        if groups:
            return {"by": "groups", "ids": [n.id for n in notes if n.id not in placed], "groups": groups}
    # By notes: in the board's order (its groups, then the notes in none), else as they came.
    order = {c["key"]: i for i, c in enumerate(categories)}
    ordered = sorted(notes, key=lambda n: (order.get(n.category or "", len(order)), n.id))
    return {"by": "notes", "ids": [n.id for n in ordered], "groups": []}


def option_count(spec: Mapping[str, Any]) -> int:
    return len(spec.get("ids") or []) + len(spec.get("groups") or [])


def _ids(raw: Any) -> list[int]:
    return [i for i in raw if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= 2**31 - 1][:MAX_IDS] if isinstance(raw, list) else []


def note_options(session: Session, consultation_id: int | None, activity: Activity) -> list[dict[str, Any]]:
    """The options of a dot vote on notes as they stand now, in the vote's order: a group while
    one of its notes is still shown (its label, and `notes` the words of those shown, for the
    phone), a note while it is shown (`label` its words in the language it was written in)."""
    spec = activity.config.get(NOTES) or {}
    brainstorm_id = spec.get("activity")
    if not isinstance(brainstorm_id, int) or isinstance(brainstorm_id, bool):
        return []
    groups = [g for g in spec.get("groups") or [] if isinstance(g, Mapping) and isinstance(g.get("key"), str)]
    loose = _ids(spec.get("ids"))
    wanted = loose + [i for g in groups for i in _ids(g.get("ids"))]
    shown = {n.id: n for n in shown_notes(session, consultation_id, activity.workshop_id, brainstorm_id, wanted)}
    options: list[dict[str, Any]] = []
    for group in groups:
        inside = [shown[i] for i in _ids(group.get("ids")) if i in shown]
        if inside:
            options.append({"key": group_target(group["key"]), "label": dict(group.get("label") or {}), "notes": [n.text for n in inside]})
    for note_id in loose:
        if note_id in shown:
            note = shown[note_id]
            options.append({"key": note_target(note.id), "label": {note.language: note.text}, "notes": []})
    return options


def live_config(session: Session, consultation_id: int | None, activity: Activity) -> Mapping[str, Any]:
    """The activity's settings with the options the room sees now: for a dot vote on notes, its
    `options` read from the notes (never stored); any other activity's own config."""
    if not is_note_vote(activity):
        return activity.config
    return {**activity.config, "options": note_options(session, consultation_id, activity)}


def option_keys(config: Mapping[str, Any]) -> list[str]:
    return [o["key"] for o in config.get("options") or []]


def group_notes(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """Option key -> the words of the notes a group holds (the phone lists them under it)."""
    return {o["key"]: list(o.get("notes") or []) for o in config.get("options") or [] if o.get("notes")}


def strip_notes(config: Mapping[str, Any]) -> dict[str, Any]:
    """A config without its reference to notes: an agenda file or a copy never points at notes
    of this workshop (they hold no id; the copy's dot vote starts again from its own board)."""
    return {k: v for k, v in config.items() if k != NOTES}


@dataclass(frozen=True)
class Offer:
    """What the "Dot vote on these notes" form says of a brainstorm: the notes the room sees,
    how many of the board's groups hold some, and the options each choice would make."""

    notes: int
    groups: int
    by_groups: int  # options when voting on the groups (groups, and notes in none)
    max_options: int = MAX_NOTE_OPTIONS
    default_dots: int = 3
    max_dots: int = MAX_DOTS

    @property
    def default_by(self) -> str:
        # Grouping is how a facilitator gathers notes that say the same thing: dots spread over
        # five notes saying "safer streets" would split what the room wants most. A board with
        # groups votes on them unless the facilitator chooses the notes.
        return "groups" if self.groups else "notes"


def offer(session: Session, consultation_id: int | None, brainstorm: Activity) -> Offer:
    notes = shown_notes(session, consultation_id, brainstorm.workshop_id, int(brainstorm.id or 0))
    spec = snapshot(notes, brainstorm.config.get("categories") or [], "groups")
    groups = len(spec["groups"])
    return Offer(notes=len(notes), groups=groups, by_groups=option_count(spec) if groups else len(notes))
