"""The moderation queue and the board: what a facilitator decides about the notes of one
activity before or after the room sees them, and where a note sits on the board.

- Pre-moderation: notes wait (`pending`) until approved (`shown`) or hidden.
- Post-moderation: notes show at once; a facilitator hides one and can restore it.
- Held notes (screening found personal data, an insult, or what reads as a disclosure of
  harm) are listed for the facilitator with why they were held, and never reach the screen:
  no action here shows one, and every note going (back) to the screen is screened again, so
  words a participant corrected since are held if they must be.
- Releasing a held note: a facilitator who may review safeguarding concerns
  (`safeguarding.review` on the consultation) judges the flagged words harmless (a phone
  number of a helpline, a word list's false alarm) and lets the note onto the screen. The
  judgement is recorded through the core's safeguarding module (a case decided "no concern"
  by that person, with why), so `is_cleared` says so from then on. A possible disclosure of
  harm is never released here: the people who can act decide it in the safeguarding queue,
  and a "no concern" there puts the note on the screen (`on_concern_decided`).
- The board: a brainstorm's categories (`config["categories"]`, set on the agenda) group its
  notes on the screen; the facilitator moves a note to a category or back to "not grouped".

Every use case runs in one transaction, writes one audit entry naming every note it touched
(never their words), publishes `workshop.results` on the workshop's channel, and commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import consultation_scope
from baraza.consultations.models import Consultation
from baraza.consultations.screening import screen_for
from baraza.db import registry_of, utcnow
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.events import Event
from baraza.i18n import N_
from baraza.refs import Ref
from baraza.safeguarding.models import CaseDecision, SafeguardingCase
from baraza.safeguarding.services import REVIEW, do_decide_concern, is_cleared, raise_concern
from baraza.screening import DISCLOSURE, INSULT, PERSONAL_DATA
from workshops.access import shown_participant_ids
from workshops.activities import NOTE_KINDS, option_labels
from workshops.models import Activity, Contribution, ContributionStatus, Moderation, Workshop
from workshops.results import Note
from workshops.services import publish_results

# How many notes of each kind the queue lists at once (the newest first).
QUEUE_LIMIT = 200
# How many notes one batch may touch (a form lists at most QUEUE_LIMIT).
BATCH_LIMIT = QUEUE_LIMIT
# Activities whose notes sit on a board with categories.
BOARD_KINDS = frozenset({"brainstorm"})
# Moderation actions: from which statuses each applies, and the status it gives.
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({ContributionStatus.PENDING.value}), ContributionStatus.SHOWN.value),
    "hide": (frozenset({ContributionStatus.PENDING.value, ContributionStatus.SHOWN.value}), ContributionStatus.HIDDEN.value),
    "restore": (frozenset({ContributionStatus.HIDDEN.value}), ContributionStatus.SHOWN.value),
}
AUDIT_ACTIONS = {"approve": "workshop.notes_approved", "hide": "workshop.notes_hidden", "restore": "workshop.notes_restored"}
# The screen's reasons (baraza.screening; "doubtful" comes from the measured screening the
# insights app puts behind registry.screen), in words for the facilitator.
HOLD_REASONS = {
    DISCLOSURE: N_("It may tell of harm: its words are in the safeguarding queue, for the people who can act on it."),
    "doubtful": N_("Screening was not sure whether it tells of harm: read it with care."),
    PERSONAL_DATA: N_("It holds personal data (a name, a school, a place, a phone number, an e-mail, a link or a handle)."),
    INSULT: N_("It holds an insult."),
}
HELD_WITHOUT_REASON = N_("Screening held it for a person to look at.")


@dataclass(frozen=True)
class QueuedNote:
    id: int
    text: str
    status: str
    category: str | None
    paper: bool  # typed in by a facilitator from paper: nobody behind it
    group_id: int | None
    reasons: tuple[str, ...] = ()  # why screening held it (message ids), for held notes only
    # A possible disclosure of harm: its words are read in the safeguarding queue, by the
    # people who can act on it (audited there), never here; `text` is then empty.
    safeguarding: bool = False


@dataclass
class Queue:
    pending: list[QueuedNote] = field(default_factory=list)
    held: list[QueuedNote] = field(default_factory=list)
    shown: list[QueuedNote] = field(default_factory=list)
    hidden: list[QueuedNote] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.pending) + len(self.held) + len(self.shown) + len(self.hidden)


def moderatable(activity: Activity) -> bool:
    """Kinds whose activities store notes: the wall's kinds, statements young people add, and
    a card sort's reasons."""
    return activity.kind in NOTE_KINDS or activity.kind == "card_sort"


def hold_reasons(session: Session, note: Contribution) -> tuple[tuple[str, ...], bool]:
    """Why screening holds the note's words, as message ids for the facilitator, and whether
    they may disclose harm. Screened again now rather than stored: nothing more about the note
    is kept, and a note the participant corrected is judged on its current words."""
    screened = screen_for(session, note.consultation_id, note.text, note.language)
    reasons = tuple(HOLD_REASONS[r] for r in screened.reasons if r in HOLD_REASONS)
    return reasons or (HELD_WITHOUT_REASON,), screened.disclosure and not is_cleared(session, note_ref(note))


def note_ref(note: Contribution) -> Ref:
    return Ref("workshops.contribution", note.id)


def may_review(session: Session, actor: Actor, consultation_id: int) -> bool:
    """Whether `actor` holds `safeguarding.review` on the consultation: reads held words of a
    possible disclosure, and releases held notes."""
    found = session.exec(select(Consultation.id).where(Consultation.id == consultation_id, consultation_scope(actor, REVIEW))).first()
    return found is not None


def console_waiting(session: Session, actor: Actor, consultation: Consultation, notes: Sequence[Note]) -> tuple[list[Note], list[int]]:
    """The console's "not on the screen" list as `actor` may see it: a held note carries why it
    was held; the words of a possible disclosure of harm are left out (empty text) unless the
    viewer may review safeguarding concerns. Returns the notes and the ids of disclosures whose
    words are shown (the caller audits that read)."""
    reviewer: bool | None = None
    out: list[Note] = []
    read: list[int] = []
    held = [n.id for n in notes if n.status == ContributionStatus.HELD.value]
    rows = {r.id: r for r in session.exec(select(Contribution).where(col(Contribution.id).in_(held or [0]))).all()}
    for n in notes:
        row = rows.get(n.id)
        if row is None:
            out.append(n)
            continue
        reasons, disclosure = hold_reasons(session, row)
        text = n.text
        if disclosure:
            if reviewer is None:
                reviewer = may_review(session, actor, consultation.id)  # type: ignore[arg-type]
            if reviewer:
                read.append(n.id)
            else:
                text = ""
        out.append(Note(n.id, text, n.status, n.category, reasons, disclosure))
    return out, read


def do_read_held_notes(session: Session, actor: Actor, consultation: Consultation, workshop_id: int, notes: Sequence[Note]) -> list[Note]:
    """The console's held notes as `actor` may see them (`console_waiting`). Effects: when the
    words of a possible disclosure are shown (a safeguarding reviewer), that read is audited
    and committed (SECURITY 23); nothing else is written."""
    shown, read = console_waiting(session, actor, consultation, notes)
    if read:
        record_audit(
            session, actor, "workshop.held_notes_read",
            [("workshops.workshop", workshop_id)] + [("workshops.contribution", i) for i in read], {"notes": len(read)},
        )
        session.commit()
    return shown


def queue_of(session: Session, consultation: Consultation, activity: Activity) -> Queue:
    """An activity's notes by where they stand, newest first. Like the screen, only notes of
    people the room may count (not withdrawn, counted with everyone else's) and paper entries:
    the queue never puts a note back that its writer took away."""
    rows = session.exec(
        select(Contribution)
        .where(
            Contribution.activity_id == activity.id,
            or_(col(Contribution.participant_id).in_(shown_participant_ids(consultation.id)), col(Contribution.participant_id).is_(None)),  # type: ignore[arg-type]
        )
        .order_by(col(Contribution.id).desc())
    ).all()
    queue = Queue()
    lists = {
        ContributionStatus.PENDING.value: queue.pending,
        ContributionStatus.HELD.value: queue.held,
        ContributionStatus.SHOWN.value: queue.shown,
        ContributionStatus.HIDDEN.value: queue.hidden,
    }
    for row in rows:
        target = lists.get(row.status)
        if target is None or len(target) >= QUEUE_LIMIT:
            continue
        reasons: tuple[str, ...] = ()
        disclosure = False
        if row.status == ContributionStatus.HELD.value:
            reasons, disclosure = hold_reasons(session, row)
        text = "" if disclosure else row.text
        target.append(
            QueuedNote(int(row.id or 0), text, row.status, row.category, row.participant_id is None, row.group_id, reasons, disclosure)
        )
    return queue


def waiting_count(session: Session, activity: Activity) -> int:
    """Notes waiting for a facilitator (pending) in an activity: the console's link says so."""
    return len(
        session.exec(
            select(Contribution.id).where(Contribution.activity_id == activity.id, Contribution.status == ContributionStatus.PENDING.value)
        ).all()
    )


def _notes_of(session: Session, workshop: Workshop, activity: Activity, ids: Sequence[int]) -> list[Contribution]:
    """The notes among `ids` that belong to this activity of this workshop (others are ignored:
    an id from another workshop names nothing here)."""
    wanted = sorted({i for i in ids if 0 < i <= 2**31 - 1})
    if not wanted:
        return []
    return list(
        session.exec(
            select(Contribution)
            .where(col(Contribution.id).in_(wanted), Contribution.workshop_id == workshop.id, Contribution.activity_id == activity.id)
            .order_by(col(Contribution.id))
        ).all()
    )


def do_moderate_notes(session: Session, actor: Actor, workshop: Workshop, activity: Activity, action: str, ids: Sequence[int]) -> int:
    """Approve, hide or restore notes of one activity (one note, or a batch: "approve all shown").

    Effects, in one transaction: each note in a status the action applies to changes status;
    a note going to the screen is screened again and, if its words must be held, is held
    instead (never shown); notes in other statuses are left as they are. One audit entry
    names every note changed; the screen, the consoles and the queues refresh. Returns how
    many notes changed; an unknown action or nothing to change is a 400/409."""
    if action not in ACTIONS:
        raise InvalidInput(N_("Baraza does not know this action."))
    if not moderatable(activity):
        raise InvalidInput(N_("This activity takes no notes."))
    if len(ids) > BATCH_LIMIT:
        raise InvalidInput(N_("At most %(max)s notes at once.", max=BATCH_LIMIT))
    sources, target = ACTIONS[action]
    changed: list[Contribution] = []
    held: list[Contribution] = []
    now = utcnow()
    screen = registry_of(session).screen
    for note in _notes_of(session, workshop, activity, ids):
        if note.status not in sources:
            continue
        # Words a person released (a case decided "no concern") stay released; a correction
        # of them is screened again by the corrector and held there.
        if target == ContributionStatus.SHOWN.value and screen(note.text, note.language).held and not is_cleared(session, note_ref(note)):
            note.status = ContributionStatus.HELD.value
            held.append(note)
        else:
            note.status = target
            changed.append(note)
        note.updated_at = now
        session.add(note)
    if not changed and not held:
        raise Conflict(N_("Nothing to change: these notes are already where you asked."))
    record_audit(
        session, actor, AUDIT_ACTIONS[action],
        [("workshops.workshop", workshop.id), ("workshops.activity", activity.id)]
        + [("workshops.contribution", n.id) for n in changed + held],
        {"changed": len(changed), "held": len(held)},
    )
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return len(changed)


# Releasing a held note -----------------------------------------------------------------------------

MAX_RELEASE_NOTE = 1000


def do_release_note(session: Session, actor: Actor, workshop: Workshop, activity: Activity, note: Contribution, why: str) -> Contribution:
    """Let a held note onto the screen: the facilitator read its words and judged what screening
    flagged harmless (personal data that identifies nobody, a word list's false alarm).

    Needs `safeguarding.review` on the consultation as well as running the workshop (anyone
    else: NotFound, like a missing note). A note that may disclose harm is not released here
    (409): its words are decided in the safeguarding queue, whose "no concern" puts it on the
    screen. Effects, in one transaction: the note is shown (the facilitator has read it, so
    pre-moderation is satisfied); the judgement goes through the core's safeguarding module as
    a case on the note decided "no concern" by the actor with `why` (required, sealed, never
    in the audit entry), so `is_cleared` holds for it; an audit entry `workshop.note_released`
    names the note and the reasons (never the words); the screen follows. Commits."""
    if not moderatable(activity) or note.activity_id != activity.id or note.workshop_id != workshop.id:
        raise InvalidInput(N_("This note is not in this activity."))
    if not may_review(session, actor, workshop.consultation_id):
        raise NotFound()
    if note.status != ContributionStatus.HELD.value:
        raise Conflict(N_("This note is not held."))
    why = (why or "").strip()
    if not why:
        raise InvalidInput(errors={"why": N_("Say why these words may go on the screen.")})
    if len(why) > MAX_RELEASE_NOTE:
        raise InvalidInput(errors={"why": N_("Keep this under %(max)s characters.", max=MAX_RELEASE_NOTE)})
    ref = note_ref(note)
    screened = screen_for(session, note.consultation_id, note.text, note.language)
    case = session.exec(select(SafeguardingCase).where(SafeguardingCase.source == ref)).one_or_none()
    if case is not None and case.is_open:
        raise Conflict(N_("This note waits in the safeguarding queue: decide it there."))
    if case is not None and case.holds_text:
        raise Conflict(N_("A safeguarding decision keeps this note out of every screen."))
    if screened.disclosure and not is_cleared(session, ref):
        raise Conflict(N_("This note may tell of harm: it is decided in the safeguarding queue, not here."))
    codes = [r for r in screened.reasons if r in (PERSONAL_DATA, INSULT, "doubtful")] or ["held"]
    note.status = ContributionStatus.SHOWN.value
    note.updated_at = utcnow()
    session.add(note)
    record_audit(
        session, actor, "workshop.note_released",
        [("workshops.workshop", workshop.id), ("workshops.activity", activity.id), ("workshops.contribution", note.id)],
        {"reasons": codes},
    )
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    try:
        # One case per note: raising it again opens a case decided "no concern" before, so the
        # judgement on these words is this person's, now. do_decide_concern commits it all.
        case = raise_concern(
            session, consultation_id=workshop.consultation_id, source=ref, reasons=codes, app="workshops", context_id=note.context_id
        )
        do_decide_concern(session, actor, case, CaseDecision.NO_CONCERN.value, why)
    except Exception:
        session.rollback()
        raise
    return note


def on_concern_decided(session: Session, event: Event) -> None:
    """A reviewer decided a workshop note's case in the safeguarding queue: "no concern" lets it
    go where its activity's moderation says (the screen, or waiting for the facilitator),
    unless screening still holds it for something else (personal data, an insult), which the
    facilitator then releases or not in the moderation queue."""
    if event.data.get("decision") != CaseDecision.NO_CONCERN.value:
        return
    for ref in event.refs:
        if ref.kind != "workshops.contribution" or not ref.id.isdigit():
            continue
        note = session.exec(select(Contribution).where(Contribution.id == int(ref.id))).one_or_none()
        if note is None or note.status != ContributionStatus.HELD.value:
            continue
        screened = screen_for(session, note.consultation_id, note.text, note.language)
        if PERSONAL_DATA in screened.reasons or INSULT in screened.reasons:
            continue
        activity = session.exec(select(Activity).where(Activity.id == note.activity_id)).one()
        note.status = ContributionStatus.PENDING.value if activity.moderation == Moderation.PRE else ContributionStatus.SHOWN.value
        note.updated_at = utcnow()
        session.add(note)
        publish_results(session, note.workshop_id, note.activity_id)


# The board --------------------------------------------------------------------------------------------


def board_categories(activity: Activity, lang: str, default: str) -> list[tuple[str, str]]:
    """(key, label) of the board's categories, in the agenda's order; none outside a board."""
    if activity.kind not in BOARD_KINDS:
        return []
    return option_labels(activity.config, lang, default, key="categories")


def do_move_note(session: Session, actor: Actor, workshop: Workshop, activity: Activity, note: Contribution, category: str) -> Contribution:
    """Put a note of a board in one of its categories, or back among the notes not grouped
    (`category=""`). Only the place on the board changes, never the words or whether the note
    shows. Audited (the category key, never the words); the screen follows at once."""
    if activity.kind not in BOARD_KINDS or note.activity_id != activity.id or note.workshop_id != workshop.id:
        raise InvalidInput(N_("This note is not on this board."))
    keys = {c["key"] for c in activity.config.get("categories") or []}
    if category and category not in keys:
        raise InvalidInput(errors={"category": N_("Choose one of the board's categories.")})
    new = category or None
    if note.category == new:
        return note
    note.category = new
    note.updated_at = utcnow()
    session.add(note)
    record_audit(
        session, actor, "workshop.note_moved",
        [("workshops.workshop", workshop.id), ("workshops.activity", activity.id), ("workshops.contribution", note.id)],
        {"category": new or ""},
    )
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return note


@dataclass(frozen=True)
class BoardSection:
    key: str  # "" for the notes not grouped
    label: str
    notes: list[Any]


def board_sections(activity: Activity, notes: Sequence[Any], lang: str, default: str) -> list[BoardSection]:
    """The notes of a board by category, in the agenda's order, then those not grouped (a
    category taken off the agenda counts as not grouped). Empty when the board has no
    categories: the wall shows the notes as they come."""
    categories = board_categories(activity, lang, default)
    if not categories:
        return []
    keys = {key for key, _label in categories}
    sections = [BoardSection(key, label, [n for n in notes if n.category == key]) for key, label in categories]
    sections.append(BoardSection("", "", [n for n in notes if n.category not in keys]))
    return sections
