"""What the workshops app offers the core through the registry's hooks, and what it does when
the core tells it a participant changed.

- participant activities: "live now" on a participant's consultation home;
- participant data, correction and erasure for "my data", withdrawal and the purge (SECURITY
  21-22): notes can be read, corrected and deleted; votes are listed and can be deleted;
- retention purgers for `free_text` (notes) and `answers` (votes) (SECURITY 14);
- text sources: every note of participants who allow analysis, for the insights pipeline;
- consultation links: "Workshops" on the staff consultation page;
- subscribers: a withdrawal (or a changed choice about being counted, or a deleted note)
  takes the person's notes and votes off every screen at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from babel.support import NullTranslations
from sqlalchemy import or_
from sqlmodel import Session, col, delete, select

from baraza.consultations.models import Consultation
from baraza.consultations.screening import screen_for
from baraza.db import utcnow
from baraza.errors import InvalidInput
from baraza.events import Event
from baraza.i18n import N_, catalog, text_in, translate
from baraza.live import publish
from baraza.participation.api import analysable_participant_ids
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.registry import ConsultationLink, ParticipantActivity, ParticipantItem, TextItem, VoteItem
from baraza.safeguarding.services import held_sources, raise_concern
from workshops.access import live_workshops_of
from workshops.activities import CARD_ANSWER_LABELS, STATEMENT_ANSWERS, STATEMENT_LABELS, card_labels, option_labels
from workshops.models import Activity, CardAnswer, Contribution, ContributionStatus, Presence, Vote, VoteSubmission, Workshop
from workshops.note_votes import NOTES, group_target, is_note_vote
from workshops.services import (
    ROOM_EVENT,
    channel_of,
    clean_text,
    drop_votes_on_notes,
    erase_workshop_data,
    note_limit,
    publish_results,
)

NOTE_SOURCE = "workshops.contribution"
VOTE_SOURCE = "workshops.vote"
CARD_SOURCE = "workshops.card_answer"
STATEMENT_SOURCE = "workshops.statement"


def _language(wanted: str, consultation: Consultation) -> tuple[str, str]:
    default = consultation.default_language
    lang = wanted if wanted in consultation.languages else default
    return lang, default


# Participant home ---------------------------------------------------------------------------------------


def activities(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantActivity]:
    """Workshops running now in the participant's consultation, titled in the page's language."""
    default = consultation.default_language
    return [
        ParticipantActivity(title=text_in(w.title, lang, default), route_name="workshops:phone", params={"workshop_id": w.id}, live=True)
        for w in live_workshops_of(session, consultation.id)  # type: ignore[arg-type]
    ]


def consultation_links(consultation: Any) -> list[ConsultationLink]:
    return [ConsultationLink(N_("Workshops"), "workshops:index", "workshop.view")]


# Insights ------------------------------------------------------------------------------------------------


def workshop_texts(session: Session, consultation_id: int) -> Iterator[TextItem]:
    """Every note written in the consultation's workshops by participants who allow analysis
    (withdrawn people never), with its chain of evidence (source and id): notes, words,
    questions, statements young people added, and the reasons given in card sorts; and the
    notes a facilitator typed in from paper (`participant_id` None: nobody's consent governs
    them, the room wrote them anonymously), except those a safeguarding case holds."""
    rows = session.exec(
        select(Contribution)
        .where(
            Contribution.consultation_id == consultation_id,
            or_(
                col(Contribution.participant_id).in_(analysable_participant_ids(consultation_id)),
                # Notes a room wrote on paper, typed in by a facilitator: nobody behind them
                # (participant_id None). Screened and held like a phone's note when stored;
                # a note a safeguarding case holds is left out here as well.
                col(Contribution.entered_by_user_id).is_not(None),
            ),
        )
        .order_by(col(Contribution.id))
    ).all()
    held = held_sources(session, consultation_id)
    for row in rows:
        if not row.text:
            continue
        if row.participant_id is None and Ref("workshops.contribution", row.id) in held:
            continue
        yield TextItem(
            source=NOTE_SOURCE,
            source_id=str(row.id),
            consultation_id=consultation_id,
            participant_id=row.participant_id,
            context_id=row.context_id,
            language=row.language,
            text=row.text,
            # As the words stand: a note corrected in "my data" dates from its correction.
            written_at=row.updated_at,
        )


def statement_votes(session: Session, consultation_id: int) -> Iterator[VoteItem]:
    """Every answer to a statement (agree +1, disagree -1, pass 0) in the consultation's
    workshops, of participants who allow analysis, for the opinion groups of insights. A
    statement is named "workshops.statement:<activity id>:<key>" (a seeded statement's key, or
    c<contribution id> for one a young person added); only statements shown to the room count."""
    rows = session.exec(
        select(Vote, Activity)
        .join(Activity, col(Activity.id) == col(Vote.activity_id))
        .where(
            Vote.consultation_id == consultation_id,
            Activity.kind == "statements",
            col(Vote.participant_id).in_(analysable_participant_ids(consultation_id)),
        )
        .order_by(col(Vote.id))
    ).all()
    consultation = session.exec(select(Consultation).where(Consultation.id == consultation_id)).one()
    default = consultation.default_language
    added_ids = [int(v.target[1:]) for v, _a in rows if v.target.startswith("c") and v.target[1:].isdigit()]
    added = {
        row.id: row.text
        for row in session.exec(
            select(Contribution).where(col(Contribution.id).in_(added_ids or [0]), Contribution.status == ContributionStatus.SHOWN.value)
        ).all()
    }
    for vote, activity in rows:
        if vote.value not in STATEMENT_ANSWERS.values() or vote.participant_id is None:
            continue
        if vote.target.startswith("c"):
            text = added.get(int(vote.target[1:])) if vote.target[1:].isdigit() else None
        else:
            text = dict(option_labels(activity.config, default, default, "statements")).get(vote.target)
        if text is None:
            continue
        yield VoteItem(
            source=STATEMENT_SOURCE,
            statement=f"{STATEMENT_SOURCE}:{activity.id}:{vote.target}",
            statement_text=text,
            consultation_id=consultation_id,
            participant_id=vote.participant_id,
            context_id=vote.context_id,
            vote=vote.value,
        )


# My data ---------------------------------------------------------------------------------------------------


def _activities_and_workshops(session: Session, activity_ids: set[int]) -> dict[int, tuple[Activity, Workshop]]:
    if not activity_ids:
        return {}
    rows = session.exec(
        select(Activity, Workshop).join(Workshop, col(Workshop.id) == col(Activity.workshop_id)).where(col(Activity.id).in_(sorted(activity_ids)))
    ).all()
    return {a.id: (a, w) for a, w in rows}  # type: ignore[misc]


def participant_data(session: Session, consultation: Consultation, participant: Participant, lang: str) -> list[ParticipantItem]:
    """The participant's notes (readable, correctable, deletable) and votes (readable, deletable),
    in the page's language: what they answered in the words their phone showed, never a stored code."""
    lang, default = _language(lang, consultation)
    words = catalog(lang)
    notes = session.exec(
        select(Contribution)
        .where(Contribution.consultation_id == consultation.id, Contribution.participant_id == participant.id)
        .order_by(col(Contribution.id))
    ).all()
    votes = session.exec(
        select(Vote).where(Vote.consultation_id == consultation.id, Vote.participant_id == participant.id).order_by(col(Vote.id))
    ).all()
    cards = session.exec(
        select(CardAnswer).where(CardAnswer.consultation_id == consultation.id, CardAnswer.participant_id == participant.id).order_by(col(CardAnswer.id))
    ).all()
    context = _activities_and_workshops(session, {n.activity_id for n in notes} | {v.activity_id for v in votes} | {c.activity_id for c in cards})
    items: list[ParticipantItem] = []
    for note in notes:
        activity, workshop = context[note.activity_id]
        items.append(
            ParticipantItem(
                source=NOTE_SOURCE,
                item_id=str(note.id),
                category="free_text",
                label=text_in(activity.prompt, lang, default),
                value=note.text,
                created_at=note.created_at,
                group=text_in(workshop.title, lang, default),
                kind="long_text",
                correctable=True,
                deletable=True,
                record=Ref("workshops.contribution", note.id),
            )
        )
    for vote in votes:
        activity, workshop = context[vote.activity_id]
        about, value = _vote_words(activity, vote, lang, default, words)
        prompt = text_in(activity.prompt, lang, default)
        items.append(
            ParticipantItem(
                source=VOTE_SOURCE,
                item_id=str(vote.id),
                category="answers",
                label=f"{prompt} ({about})" if about else prompt,
                value=value,
                created_at=vote.created_at,
                group=text_in(workshop.title, lang, default),
                kind="text",
                correctable=False,
                deletable=True,
            )
        )
    for answer in cards:
        activity, workshop = context[answer.activity_id]
        card = next((c for c in card_labels(activity.config, lang, default) if c.key == answer.card_key), None)
        what = f"{card.data_kind_label} · {card.user_label} · {card.purpose_label}" if card else answer.card_key
        label = CARD_ANSWER_LABELS.get(answer.answer)
        items.append(
            ParticipantItem(
                source=CARD_SOURCE,
                item_id=str(answer.id),
                category="answers",
                label=f"{text_in(activity.prompt, lang, default)} ({what})",
                value=translate(words, label) if label else answer.answer,
                created_at=answer.created_at,
                group=text_in(workshop.title, lang, default),
                kind="text",
                correctable=False,
                deletable=True,
            )
        )
    return items


def _vote_words(activity: Activity, vote: Vote, lang: str, default: str, catalog: NullTranslations) -> tuple[str, str]:
    """(what the vote was about, what it chose), in words: an option, a place in a ranking; for
    a statement, the statement and the answer as the phone's buttons say it; for a Q&A upvote,
    the phone's "You voted for this"."""
    if is_note_vote(activity):
        # A dot on a brainstorm's note: another young person's words stay out of this one's
        # data and downloads; a group of the board is named by the facilitator's words.
        groups = {group_target(str(g.get("key"))): g.get("label") for g in activity.config[NOTES].get("groups") or [] if isinstance(g, dict)}
        if vote.target in groups:
            return "", text_in(groups[vote.target], lang, default) or vote.target
        return "", translate(catalog, N_("A note from the room"))
    if activity.kind in ("poll", "dot_vote", "ranking"):
        label = dict(option_labels(activity.config, lang, default)).get(vote.target, vote.target)
        return "", f"{vote.value}. {label}" if activity.kind == "ranking" else label
    if activity.kind in ("statements", "qa"):
        if vote.target.startswith("c"):
            # Another young person's words stay out of this one's data and downloads.
            about = translate(catalog, N_("from the room"))
        else:
            about = dict(option_labels(activity.config, lang, default, "statements")).get(vote.target, vote.target)
        if activity.kind == "qa":
            return about, translate(catalog, N_("You voted for this"))
        name = {v: k for k, v in STATEMENT_ANSWERS.items()}.get(vote.value)
        return about, translate(catalog, STATEMENT_LABELS[name]) if name else str(vote.value)
    return "", vote.target


def _own_note(session: Session, consultation: Consultation, participant: Participant, item_id: str) -> Contribution | None:
    if not item_id.isdigit() or int(item_id) > 2**31 - 1:
        return None
    return session.exec(
        select(Contribution).where(
            Contribution.id == int(item_id), Contribution.participant_id == participant.id, Contribution.consultation_id == consultation.id
        )
    ).one_or_none()


def correct_note(session: Session, consultation: Consultation, participant: Participant, item: ParticipantItem, new_value: str) -> str | None:
    """A participant rewrites one of their notes; the previous text goes to the core's
    correction history. The screen shows the new text at once."""
    if item.source != NOTE_SOURCE:
        return None
    note = _own_note(session, consultation, participant, item.item_id)
    if note is None:
        raise InvalidInput("This answer could not be found.")
    text = clean_text(new_value)
    activity = session.exec(select(Activity).where(Activity.id == note.activity_id)).one()
    limit = note_limit(activity)
    if not text:
        raise InvalidInput(errors={"value": N_("Write the new answer, or delete it instead.")})
    if len(text) > limit:
        raise InvalidInput(errors={"value": N_("Keep this under %(max)s characters.", max=limit)})
    previous = note.text
    note.text = text
    screened = screen_for(session, note.consultation_id, text, note.language)
    if screened.held:
        note.status = ContributionStatus.HELD.value  # the new words wait for a person, like a new note
    note.updated_at = utcnow()
    session.add(note)
    if screened.disclosure:
        # Like a new note: to the safeguarding queue (a case decided "no concern" for the old
        # words opens again: these words are looked at again).
        raise_concern(
            session, consultation_id=consultation.id, source=Ref("workshops.contribution", note.id),  # type: ignore[arg-type]
            reasons=screened.reasons, app="workshops", context_id=note.context_id,
        )
    publish_results(session, note.workshop_id, note.activity_id)
    return previous


def erase_participant(session: Session, consultation: Consultation, participant: Participant, items: Sequence[ParticipantItem] | None) -> int:
    """Delete what a participant gave in workshops: everything (withdrawal erasure, purge) or
    the listed notes and votes. Screens showing them refresh at once."""
    if items is None:
        count, workshops = erase_workshop_data(session, consultation.id, participant.id)  # type: ignore[arg-type]
        for workshop_id in workshops:
            publish_results(session, workshop_id)
        return count
    note_ids = [int(i.item_id) for i in items if i.source == NOTE_SOURCE and i.item_id.isdigit()]
    vote_ids = [int(i.item_id) for i in items if i.source == VOTE_SOURCE and i.item_id.isdigit()]
    card_ids = [int(i.item_id) for i in items if i.source == CARD_SOURCE and i.item_id.isdigit()]
    if note_ids:
        notes = session.exec(
            select(Contribution.id, Contribution.activity_id).where(
                col(Contribution.id).in_(note_ids), Contribution.participant_id == participant.id, Contribution.consultation_id == consultation.id
            )
        ).all()
        drop_votes_on_notes(session, [(int(i or 0), int(a)) for i, a in notes])
    count = 0
    for model, ids in ((Contribution, note_ids), (Vote, vote_ids), (CardAnswer, card_ids)):
        if not ids:
            continue
        mine = session.exec(
            select(model).where(
                col(model.id).in_(ids), model.participant_id == participant.id, model.consultation_id == consultation.id  # type: ignore[attr-defined]
            )
        ).all()
        for row in mine:
            publish_results(session, row.workshop_id, row.activity_id)  # type: ignore[attr-defined]
            session.delete(row)
            count += 1
    session.flush()
    return count


# Retention -------------------------------------------------------------------------------------------------


def purge_expired(session: Session, consultation: Consultation, category: str, cutoff: datetime) -> int:
    """Delete workshop data of `category` collected before `cutoff` in `consultation`: notes
    (`free_text`), votes and the record of their sending (`answers`). Also drops presence rows
    older than a day, whatever the category (they only serve the count on the screen)."""
    in_consultation = select(Workshop.id).where(Workshop.consultation_id == consultation.id)
    session.exec(
        delete(Presence).where(  # type: ignore[call-overload]
            col(Presence.workshop_id).in_(in_consultation), col(Presence.seen_at) < utcnow() - timedelta(days=1)
        )
    )
    count = 0
    if category == "free_text":
        result = session.exec(
            delete(Contribution).where(col(Contribution.consultation_id) == consultation.id, col(Contribution.created_at) < cutoff)  # type: ignore[call-overload]
        )
        count += int(result.rowcount or 0)
    elif category == "answers":
        result = session.exec(delete(Vote).where(col(Vote.consultation_id) == consultation.id, col(Vote.created_at) < cutoff))  # type: ignore[call-overload]
        count += int(result.rowcount or 0)
        result = session.exec(delete(CardAnswer).where(col(CardAnswer.consultation_id) == consultation.id, col(CardAnswer.created_at) < cutoff))  # type: ignore[call-overload]
        count += int(result.rowcount or 0)
        session.exec(
            delete(VoteSubmission).where(col(VoteSubmission.consultation_id) == consultation.id, col(VoteSubmission.created_at) < cutoff)  # type: ignore[call-overload]
        )
    return count


# Events ------------------------------------------------------------------------------------------------------


def _participant_id(event: Event) -> int | None:
    for ref in event.refs:
        if ref.kind == "participant" and ref.id.isdigit():
            return int(ref.id)
    return None


def _workshops_holding(session: Session, consultation_id: int, participant_id: int) -> set[int]:
    notes = session.exec(
        select(Contribution.workshop_id).where(Contribution.consultation_id == consultation_id, Contribution.participant_id == participant_id)
    ).all()
    votes = session.exec(select(Vote.workshop_id).where(Vote.consultation_id == consultation_id, Vote.participant_id == participant_id)).all()
    cards = session.exec(
        select(CardAnswer.workshop_id).where(CardAnswer.consultation_id == consultation_id, CardAnswer.participant_id == participant_id)
    ).all()
    return set(notes) | set(votes) | set(cards)


def remove_from_screens(session: Session, event: Event) -> None:
    """A participant withdrew (or changed whether their answers are counted): every screen
    counts and shows only the people `shown_participant_ids` allows, so refreshing them takes
    the person's notes and votes off at once; the purge erases the rows within the
    consultation's days. A withdrawn phone also leaves the room's count."""
    participant_id = _participant_id(event)
    if participant_id is None or event.consultation_id is None:
        return
    for workshop_id in _workshops_holding(session, event.consultation_id, participant_id):
        publish_results(session, workshop_id)
    if event.name == "participant.withdrawn":
        present = session.exec(
            select(Presence.workshop_id).where(
                Presence.participant_id == participant_id,
                col(Presence.workshop_id).in_(select(Workshop.id).where(Workshop.consultation_id == event.consultation_id)),
            )
        ).all()
        session.exec(delete(Presence).where(col(Presence.participant_id) == participant_id, col(Presence.workshop_id).in_(list(present))))  # type: ignore[call-overload]
        for workshop_id in present:
            publish(session, channel_of(workshop_id), ROOM_EVENT, coalesce=True)
