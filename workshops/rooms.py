"""Running the room: breakout groups, and what a room wrote on paper.

**Breakout groups.** The facilitator splits the room for one activity, at random among the
phones present or by the numbers phones show (`workshop_presence.number`: a number per phone
per workshop, never a name). A split makes `workshop_group` rows for the activity and places
each chosen phone in one (`workshop_group_member`, one place per phone per workshop); a
phone's notes and votes in that activity carry its group (`group_id`), so each group has its
own board and results, now and afterwards. The phone sees its group's board; the screen shows
the whole room together, every group side by side, or one group (`workshop.screen_group_id`).
Ending the breakout (or splitting again) empties the places; the groups stay, so per-group
results of past activities still read.

**Paper and offline rooms.** A facilitator types in what a room wrote on paper: notes, and
tallies of a single-choice poll or a scale. Such rows have no participant and no consent
record, and name the staff member who typed them (`entered_by_user_id`): they count in the
results and show as "entered by the facilitator" in the queue and the summary data, and are
never in anyone's "my data" (that lists a participant's own rows only). Paper notes are
screened like any note.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import categories_of
from baraza.consultations.models import Consultation
from baraza.db import registry_of, utcnow
from baraza.errors import Conflict, InvalidInput, NotFound
from baraza.i18n import N_
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.safeguarding.services import raise_concern
from workshops.access import shown_participant_ids
from workshops.activities import TEXT_KINDS, option_labels, scale_points
from workshops.models import (
    Activity,
    Contribution,
    ContributionStatus,
    Presence,
    Vote,
    Workshop,
    WorkshopGroup,
    WorkshopGroupMember,
    WorkshopStatus,
)
from workshops.moderation import board_sections
from workshops.results import NO_GROUP, PRESENCE_WINDOW, text_results, vote_results
from workshops.services import check_client_id, clean_text, publish_results, publish_state

MIN_GROUPS = 2
MAX_GROUPS = 12
# Paper entry: notes typed in at once, and the largest tally of one option.
MAX_PAPER_NOTES = 100
MAX_TALLY = 1000
# On the phone: the newest notes of the person's group.
GROUP_BOARD_LIMIT = 30
# screen_group_id: 0 shows every group side by side (None: the whole room together).
ALL_GROUPS = 0
PAPER_CHOICE_KINDS = frozenset({"poll", "scale"})


def _refs(workshop: Workshop, activity: Activity | None = None) -> list[tuple[str, Any]]:
    refs: list[tuple[str, Any]] = [("workshops.workshop", workshop.id)]
    if activity is not None:
        refs.append(("workshops.activity", activity.id))
    return refs


# Numbers and groups ------------------------------------------------------------------------------------


def next_number(session: Session, workshop_id: int) -> int:
    """The number a phone new to the workshop gets: one more than the highest so far. UNIQUE
    (workshop, number) stops two phones getting the same one in a race (the loser counts on
    its next page)."""
    highest = session.exec(select(func.max(Presence.number)).where(Presence.workshop_id == workshop_id)).one()
    return int(highest or 0) + 1


def seat_number(session: Session, workshop: Workshop, participant: Participant) -> int | None:
    return session.exec(
        select(Presence.number).where(Presence.workshop_id == workshop.id, Presence.participant_id == participant.id)
    ).one_or_none()


@dataclass(frozen=True)
class PhoneInRoom:
    number: int
    participant_id: int  # never shown; the page shows the number
    group_id: int | None


def phones_present(session: Session, workshop: Workshop) -> list[PhoneInRoom]:
    """Phones seen in the last PRESENCE_WINDOW that have a number, not withdrawn, by number."""
    since = utcnow() - PRESENCE_WINDOW
    rows = session.exec(
        select(Presence.number, Presence.participant_id, WorkshopGroupMember.group_id)
        .join(Participant, col(Participant.id) == col(Presence.participant_id))
        .outerjoin(
            WorkshopGroupMember,
            (col(WorkshopGroupMember.workshop_id) == col(Presence.workshop_id))
            & (col(WorkshopGroupMember.participant_id) == col(Presence.participant_id)),
        )
        .where(
            Presence.workshop_id == workshop.id,
            col(Presence.number).is_not(None),
            Presence.seen_at >= since,
            col(Participant.withdrawn_at).is_(None),
        )
        .order_by(col(Presence.number))
    ).all()
    return [PhoneInRoom(int(n or 0), int(p), g) for n, p, g in rows]


def groups_of(session: Session, workshop: Workshop, activity: Activity) -> list[WorkshopGroup]:
    """The activity's breakout groups, in order (the current split's and earlier ones that
    hold notes or votes)."""
    return list(
        session.exec(
            select(WorkshopGroup)
            .where(WorkshopGroup.workshop_id == workshop.id, WorkshopGroup.activity_id == activity.id)
            .order_by(col(WorkshopGroup.position), col(WorkshopGroup.id))
        ).all()
    )


def group_of(session: Session, workshop: Workshop, group_id: int) -> WorkshopGroup:
    """A group of a workshop the caller already reached; 404 for any other."""
    if not 0 < group_id <= 2**31 - 1:
        raise NotFound()
    row = session.exec(select(WorkshopGroup).where(WorkshopGroup.id == group_id, WorkshopGroup.workshop_id == workshop.id)).one_or_none()
    if row is None:
        raise NotFound()
    return row


def split_activity_id(session: Session, workshop: Workshop) -> int | None:
    """The activity the room is split for now (phones hold places), or None."""
    return session.exec(
        select(WorkshopGroup.activity_id)
        .join(WorkshopGroupMember, col(WorkshopGroupMember.group_id) == col(WorkshopGroup.id))
        .where(WorkshopGroupMember.workshop_id == workshop.id)
        .limit(1)
    ).first()


def members_by_group(session: Session, workshop: Workshop) -> dict[int, list[int]]:
    """Group id -> the numbers of the phones placed in it now (never who they are)."""
    rows = session.exec(
        select(WorkshopGroupMember.group_id, Presence.number)
        .join(
            Presence,
            (col(Presence.workshop_id) == col(WorkshopGroupMember.workshop_id))
            & (col(Presence.participant_id) == col(WorkshopGroupMember.participant_id)),
            isouter=True,
        )
        .where(WorkshopGroupMember.workshop_id == workshop.id)
    ).all()
    out: dict[int, list[int]] = {}
    for group_id, number in rows:
        out.setdefault(group_id, [])
        if number is not None:
            out[group_id].append(int(number))
    return {g: sorted(n) for g, n in out.items()}


def group_for(session: Session, activity_id: int | None, participant_id: int | None) -> int | None:
    """The breakout group a participant is in for this activity (their notes and votes carry
    it), or None when the room is not split for it or they hold no place."""
    if activity_id is None or participant_id is None:
        return None
    return session.exec(group_query(activity_id, participant_id)).first()


def group_query(activity_id: Any, participant_id: Any) -> Any:
    """The select of `group_for`; the ids may be SQL expressions (the vote's prebuilt read
    takes it as a subquery, workshops.services)."""
    return (
        select(WorkshopGroupMember.group_id)
        .join(WorkshopGroup, col(WorkshopGroup.id) == col(WorkshopGroupMember.group_id))
        .where(col(WorkshopGroupMember.participant_id) == participant_id, col(WorkshopGroup.activity_id) == activity_id)
    )


def split_query(activity_id: Any) -> Any:
    """The select of a place held in a group of the activity (exists while the room is split
    for it); the id may be an SQL expression (the vote's prebuilt read, workshops.services)."""
    return (
        select(WorkshopGroupMember.id)
        .join(WorkshopGroup, col(WorkshopGroup.id) == col(WorkshopGroupMember.group_id))
        .where(col(WorkshopGroup.activity_id) == activity_id)
    )


def split_mark(session: Session, workshop: Workshop) -> int:
    """Which split the room is in: the newest group's id (0 before any). A split form carries
    the mark of the page it was drawn on (`seen`)."""
    return int(session.exec(select(func.max(WorkshopGroup.id)).where(WorkshopGroup.workshop_id == workshop.id)).one() or 0)


class SplitJustNow(Exception):
    """The room was split since the page was drawn (a double click, or a co-facilitator): the
    second press changes nothing, and the page shows the split that was made."""


def _split_target(session: Session, workshop: Workshop, activity: Activity, seen: int | None) -> None:
    if workshop.status != WorkshopStatus.LIVE:
        raise Conflict(N_("This workshop is not running. Start it first."))
    if activity.workshop_id != workshop.id:
        raise InvalidInput(N_("This activity is not in this workshop."))
    # One split at a time: the workshop's row is locked (FOR UPDATE on PostgreSQL; on SQLite
    # writers take turns under BEGIN IMMEDIATE), then the page's mark is compared.
    session.exec(select(Workshop.id).where(Workshop.id == workshop.id).with_for_update()).one()
    if seen is not None and split_mark(session, workshop) != seen:
        raise SplitJustNow()


def _clear_places(session: Session, workshop: Workshop) -> None:
    session.exec(delete(WorkshopGroupMember).where(col(WorkshopGroupMember.workshop_id) == workshop.id))  # type: ignore[call-overload]


def _fresh_groups(session: Session, workshop: Workshop, activity: Activity, count: int) -> list[WorkshopGroup]:
    """`count` new groups for the activity. Earlier groups of the activity that hold nothing
    go; those holding notes or votes stay (their results still read) and the new ones are
    numbered after them, so no two groups of an activity share a number."""
    kept: list[WorkshopGroup] = []
    for group in groups_of(session, workshop, activity):
        holds = any(
            session.exec(select(model.id).where(model.group_id == group.id).limit(1)).first() is not None  # type: ignore[attr-defined]
            for model in (Contribution, Vote)
        )
        if holds:
            kept.append(group)
        else:
            session.delete(group)
    session.flush()
    start = max([g.position for g in kept] + [-1]) + 1
    groups = [
        WorkshopGroup(workshop_id=workshop.id, activity_id=activity.id, position=start + i, name=str(start + i + 1))  # type: ignore[arg-type]
        for i in range(count)
    ]
    session.add_all(groups)
    session.flush()
    return groups


def _placed(session: Session, actor: Actor, workshop: Workshop, activity: Activity, groups: list[WorkshopGroup],
            places: Mapping[int, int], how: str) -> list[WorkshopGroup]:
    for participant_id, group_index in places.items():
        session.add(
            WorkshopGroupMember(group_id=groups[group_index].id, workshop_id=workshop.id, participant_id=participant_id)  # type: ignore[arg-type]
        )
    workshop.screen_group_id = None
    workshop.updated_at = utcnow()
    session.add(workshop)
    session.flush()
    record_audit(
        session, actor, "workshop.breakout_started", _refs(workshop, activity),
        {"how": how, "groups": len(groups), "phones": len(places)},
    )
    publish_state(session, workshop)
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return groups


def do_split_at_random(
    session: Session, actor: Actor, workshop: Workshop, activity: Activity, count: int, *, seen: int | None = None
) -> list[WorkshopGroup]:
    """Split the phones present into `count` groups (2-12) at random, as evenly as they go,
    for `activity`. Any earlier split ends (places are emptied). Phones tell their person
    their group at once; the screen shows the whole room until the facilitator chooses.
    `seen` is the split the page showed (`split_mark`): if the room was split since,
    `SplitJustNow` and nothing changes. Audited (the number of groups and phones; never who is where)."""
    _split_target(session, workshop, activity, seen)
    phones = phones_present(session, workshop)
    if not MIN_GROUPS <= count <= MAX_GROUPS:
        raise InvalidInput(errors={"groups": N_("Choose from %(low)s to %(high)s groups.", low=MIN_GROUPS, high=MAX_GROUPS)})
    if len(phones) < count:
        raise Conflict(N_("There are fewer phones in the room than groups. Choose fewer groups, or wait for phones to come in."))
    ids = [p.participant_id for p in phones]
    secrets.SystemRandom().shuffle(ids)
    _clear_places(session, workshop)
    groups = _fresh_groups(session, workshop, activity, count)
    return _placed(session, actor, workshop, activity, groups, {pid: i % count for i, pid in enumerate(ids)}, "random")


def read_numbers(raw: str) -> tuple[list[int], list[str]]:
    """"3, 7 x 12" -> ([3, 7, 12], ["x"]): the numbers typed in a group's box, and what in it
    is not a number (so every mistake of the form can be told at once)."""
    numbers: list[int] = []
    wrong: list[str] = []
    for part in raw.replace(",", " ").replace(";", " ").split():
        if part.isdigit() and len(part) <= 6:
            numbers.append(int(part))
        else:
            wrong.append(part[:20])
    return numbers, wrong


def numbers_field(box: int) -> str:
    """The form field of group `box`'s numbers (1-based), and the key of its problems."""
    return f"numbers.{box}"


def check_groups_by_numbers(session: Session, workshop: Workshop, boxes: Sequence[str]) -> tuple[dict[int, int], int, dict[str, str]]:
    """Read the facilitator's boxes (one per group, as typed) against the phones of the
    workshop: every problem at once, keyed by the box it is in (`numbers.<n>`; `numbers` for
    the form as a whole), so each shows beside its box. Returns (participant id -> index of
    its group among the groups made, how many groups, problems)."""
    by_number = dict(
        session.exec(
            select(Presence.number, Presence.participant_id)
            .join(Participant, col(Participant.id) == col(Presence.participant_id))
            .where(Presence.workshop_id == workshop.id, col(Presence.number).is_not(None), col(Participant.withdrawn_at).is_(None))
        ).all()
    )
    problems: dict[str, str] = {}
    places: dict[int, int] = {}
    first_box: dict[int, int] = {}  # number -> the box it was first typed in
    made = 0
    for box, raw in enumerate(boxes, start=1):
        numbers, wrong = read_numbers(raw)
        field = numbers_field(box)
        if wrong:
            problems[field] = N_("Group %(n)s: write only the phones' numbers, separated by commas or spaces (not “%(text)s”).", n=box, text=wrong[0])
        unknown = sorted({n for n in numbers if n not in by_number})
        if unknown:
            problems[field + ".unknown"] = (
                N_("Group %(n)s: no phone has the number %(numbers)s in this workshop.", n=box, numbers=str(unknown[0]))
                if len(unknown) == 1
                else N_("Group %(n)s: no phone has the numbers %(numbers)s in this workshop.", n=box, numbers=", ".join(map(str, unknown)))
            )
        twice = sorted({n for n in numbers if n in first_box and first_box[n] != box})
        if twice:
            problems[field + ".twice"] = N_(
                "Group %(n)s: phone %(number)s is in group %(other)s too. A phone can be in one group only.",
                n=box, number=str(twice[0]), other=first_box[twice[0]],
            ) if len(twice) == 1 else N_(
                "Group %(n)s: phones %(numbers)s are in another group too. A phone can be in one group only.",
                n=box, numbers=", ".join(map(str, twice)),
            )
        if not numbers and not wrong:
            continue
        for number in numbers:
            first_box.setdefault(number, box)
            if number in by_number and first_box[number] == box:
                places[int(by_number[number])] = made
        made += 1
    if not made and not problems:
        problems["numbers"] = N_("Write at least one phone's number in a group.")
    return places, made, problems


def do_split_by_numbers(
    session: Session, actor: Actor, workshop: Workshop, activity: Activity, boxes: Sequence[str], *, seen: int | None = None
) -> list[WorkshopGroup]:
    """Make groups of the phones whose numbers the facilitator typed (the numbers phones show,
    never names): one box of numbers per group, as typed; empty boxes are left out. A number
    must be a phone of this workshop and in one group only; every problem is refused at once
    (`check_groups_by_numbers`). Phones not chosen stay with the whole room (the room page
    lists them, to place later). Any earlier split ends. `seen` as for a random split. Audited
    like a random split."""
    _split_target(session, workshop, activity, seen)
    if len([b for b in boxes if b.strip()]) > MAX_GROUPS:
        raise InvalidInput(errors={"numbers": N_("Choose from %(low)s to %(high)s groups.", low=1, high=MAX_GROUPS)})
    places, made, problems = check_groups_by_numbers(session, workshop, boxes)
    if problems:
        raise InvalidInput(errors=problems)
    _clear_places(session, workshop)
    groups = _fresh_groups(session, workshop, activity, made)
    return _placed(session, actor, workshop, activity, groups, places, "numbers")


def unplaced_phones(session: Session, workshop: Workshop, activity: Activity) -> list[int]:
    """The numbers of the phones present that hold no place while the room is split for
    `activity` (a phone that came in after the split, or one left out of it); [] when the room
    is not split for it."""
    if split_activity_id(session, workshop) != activity.id:
        return []
    return [p.number for p in phones_present(session, workshop) if p.group_id is None]


def do_place_phone(session: Session, actor: Actor, workshop: Workshop, activity: Activity, number: int, group_id: int) -> WorkshopGroup:
    """Put the phone showing `number` in a group of the split the room is in for `activity`
    (a phone that came in after the split, or one to move): its later notes and votes carry
    the group, and the phone shows it at once. Audited (never who the phone is)."""
    _split_target(session, workshop, activity, None)
    if split_activity_id(session, workshop) != activity.id:
        raise Conflict(N_("The room is not split for this activity. Make groups first."))
    group = group_of(session, workshop, group_id)
    if group.activity_id != activity.id:
        raise InvalidInput(errors={"group": N_("This group belongs to another activity.")})
    participant_id = session.exec(
        select(Presence.participant_id)
        .join(Participant, col(Participant.id) == col(Presence.participant_id))
        .where(Presence.workshop_id == workshop.id, Presence.number == number, col(Participant.withdrawn_at).is_(None))
    ).one_or_none()
    if participant_id is None:
        raise InvalidInput(errors={"number": N_("No phone has the number %(n)s in this workshop.", n=number)})
    session.exec(
        delete(WorkshopGroupMember).where(  # type: ignore[call-overload]
            col(WorkshopGroupMember.workshop_id) == workshop.id, col(WorkshopGroupMember.participant_id) == participant_id
        )
    )
    session.add(WorkshopGroupMember(group_id=group.id, workshop_id=workshop.id, participant_id=participant_id))  # type: ignore[arg-type]
    workshop.updated_at = utcnow()
    session.add(workshop)
    session.flush()
    record_audit(session, actor, "workshop.phone_placed", _refs(workshop, activity), {"group": group.position + 1})
    publish_state(session, workshop)
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return group


def do_end_breakout(session: Session, actor: Actor, workshop: Workshop) -> None:
    """Bring the room back together: places are emptied (the groups and what they hold stay),
    the screen shows the whole room. Audited; phones and the screen follow."""
    if split_activity_id(session, workshop) is None and workshop.screen_group_id is None:
        raise Conflict(N_("The room is not split."))
    _clear_places(session, workshop)
    workshop.screen_group_id = None
    workshop.updated_at = utcnow()
    session.add(workshop)
    record_audit(session, actor, "workshop.breakout_ended", _refs(workshop))
    publish_state(session, workshop)
    session.commit()


def do_show_groups_on_screen(session: Session, actor: Actor, workshop: Workshop, view: int | None) -> Workshop:
    """What the projector shows of the current activity's groups: the whole room together
    (None), every group side by side (ALL_GROUPS), or one group (its id, a group of this
    workshop). Audited; the screen follows."""
    if view not in (None, ALL_GROUPS):
        group = group_of(session, workshop, int(view))
        if group.activity_id != workshop.current_activity_id:
            raise Conflict(N_("This group belongs to another activity. Go to that activity first."))
    workshop.screen_group_id = view
    workshop.updated_at = utcnow()
    session.add(workshop)
    record_audit(session, actor, "workshop.screen_groups", _refs(workshop), {"view": "room" if view is None else ("groups" if view == ALL_GROUPS else "group")})
    publish_state(session, workshop)
    session.commit()
    return workshop


# Paper entry ----------------------------------------------------------------------------------------


def _paper_target(session: Session, workshop: Workshop, activity: Activity, category: str, group_id: int | None) -> Consultation:
    if activity.workshop_id != workshop.id:
        raise InvalidInput(N_("This activity is not in this workshop."))
    consultation = session.exec(select(Consultation).where(Consultation.id == workshop.consultation_id)).one()
    if category not in categories_of(session, consultation):
        # Purpose and minimisation: nothing is stored in a category the consultation does not declare.
        raise Conflict(
            N_("This consultation does not collect written answers.")
            if category == "free_text"
            else N_("This consultation does not collect answers to questions.")
        )
    if group_id is not None:
        group = group_of(session, workshop, group_id)
        if group.activity_id != activity.id:
            raise InvalidInput(errors={"group": N_("This group belongs to another activity.")})
    return consultation


def _lock_paper(session: Session, activity: Activity) -> None:
    """Paper entries of one activity are stored one form at a time: the activity's row is
    locked first (FOR UPDATE on PostgreSQL; on SQLite writers take turns under BEGIN
    IMMEDIATE), so two copies of one form racing (a double click) find each other. Their rows
    have no participant, so the UNIQUE (activity, participant, client id) that stops a phone's
    racing copy cannot (NULLs are distinct); the lock does, as for a statement added twice."""
    session.exec(select(Activity.id).where(Activity.id == activity.id).with_for_update()).one()


def _paper_rows(session: Session, model: Any, activity: Activity, client_id: str) -> list[Any]:
    """What a paper form stored under its client id before (every row of a form carries it)."""
    return list(
        session.exec(
            select(model)
            .where(model.activity_id == activity.id, col(model.participant_id).is_(None), model.client_id == client_id)
            .order_by(col(model.id))
        ).all()
    )


def do_enter_paper_notes(
    session: Session, actor: Actor, workshop: Workshop, activity: Activity, texts: Sequence[str], *,
    language: str, client_id: str, group_id: int | None = None,
) -> list[Contribution]:
    """Notes a room wrote on paper, typed in by a facilitator (one per entry). Each has no
    participant and no consent record and names the staff member who typed it; each is
    screened like a phone's note (held when it must be), and otherwise shows at once (the
    facilitator already read it). In a group's board when `group_id` is given. Audited (how
    many, never the words); the screen follows.

    Once only, like a phone's sending: the form carries a client id its page made, every
    note it stores carries it, and the same id again (a double click, a resent form) stores
    nothing and answers the first notes; the same id with other notes, language or group is a
    Conflict (409)."""
    check_client_id(client_id)
    if activity.kind not in TEXT_KINDS:
        raise InvalidInput(N_("This activity takes no notes."))
    consultation = _paper_target(session, workshop, activity, "free_text", group_id)
    limit = int(activity.config.get("max_length") or TEXT_KINDS[activity.kind])
    notes = [clean_text(t) for t in texts]
    notes = [t for t in notes if t]
    if not notes:
        raise InvalidInput(errors={"notes": N_("Write something first.")})
    if len(notes) > MAX_PAPER_NOTES:
        raise InvalidInput(errors={"notes": N_("At most %(max)s notes at once.", max=MAX_PAPER_NOTES)})
    too_long = [i + 1 for i, t in enumerate(notes) if len(t) > limit]
    if too_long:
        raise InvalidInput(errors={"notes": N_("Keep each note under %(max)s characters (note %(n)s is longer).", max=limit, n=too_long[0])})
    _lock_paper(session, activity)
    earlier = _paper_rows(session, Contribution, activity, client_id)
    if earlier:
        if [r.text for r in earlier] != notes or {(r.language, r.group_id) for r in earlier} != {(language, group_id)}:
            raise Conflict(N_("These notes were added once already with other words. Check the notes stored below before adding them again."))
        session.rollback()
        return earlier
    screen = registry_of(session).screen
    rows: list[Contribution] = []
    disclosures: list[tuple[Contribution, Sequence[str]]] = []
    held = 0
    for text in notes:
        screened = screen(text, language)
        held += screened.held
        rows.append(
            Contribution(
                activity_id=activity.id,  # type: ignore[arg-type]
                workshop_id=workshop.id,  # type: ignore[arg-type]
                consultation_id=consultation.id,  # type: ignore[arg-type]
                participant_id=None,
                entered_by_user_id=actor.user_id,
                consent_record_id=None,
                client_id=client_id,
                kind=activity.kind,
                text=text,
                language=language,
                status=ContributionStatus.HELD.value if screened.held else ContributionStatus.SHOWN.value,
                group_id=group_id,
            )
        )
        if screened.disclosure:
            disclosures.append((rows[-1], screened.reasons))
    session.add_all(rows)
    session.flush()
    for row, reasons in disclosures:
        # Exactly like a phone's note: to the safeguarding queue, in this transaction (no
        # participant, so no context: every context's referral contact applies).
        raise_concern(
            session, consultation_id=consultation.id, source=Ref("workshops.contribution", row.id),  # type: ignore[arg-type]
            reasons=reasons, app="workshops",
        )
    record_audit(
        session, actor, "workshop.paper_notes_entered",
        _refs(workshop, activity) + [("workshops.contribution", r.id) for r in rows],
        {"notes": len(rows), "held": held},
    )
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return rows


def paper_choices(activity: Activity, lang: str, default: str) -> list[tuple[str, str]]:
    """(key, label) a paper tally can count: a poll's options or a scale's points."""
    if activity.kind == "scale":
        return [(str(p), str(p)) for p in scale_points(activity.config)]
    if activity.kind == "poll":
        return option_labels(activity.config, lang, default)
    return []


def counts_people_apart(activity: Activity) -> bool:
    """A multiple-choice poll: its paper tally says how many people voted as well as the marks
    per option (marks do not add up to people)."""
    return activity.kind == "poll" and bool(activity.config.get("multiple"))


def _ballots(keys: Sequence[str], tallies: Mapping[str, int], people: int) -> list[tuple[str, int]]:
    """(option, ballot number) for every mark of a multiple-choice tally: the marks of each
    option in turn go to ballots 0, 1, ... round the circle, carrying on where the last option
    stopped. An option has at most `people` marks, so no ballot holds an option twice; there
    are at least `people` marks, so every ballot holds one."""
    out, at = [], 0
    for key in keys:
        for _ in range(tallies.get(key, 0)):
            out.append((key, at % people))
            at += 1
    return out


def do_enter_paper_tallies(
    session: Session, actor: Actor, workshop: Workshop, activity: Activity, tallies: Mapping[str, int], *,
    client_id: str, group_id: int | None = None, people: int | None = None,
) -> int:
    """A room's show of hands or paper ballots for a poll or a scale, typed in by a
    facilitator: `{option key: how many}`. Each mark is a vote row with no participant naming
    the staff member who typed it, so it counts in the bars and the number who answered. Keys
    outside the activity's options are refused (SECURITY 35). Audited; the screen follows.
    Returns the number of marks stored.

    One choice each (a single-choice poll, a scale): a mark is a person. Several choices each
    (`counts_people_apart`): the facilitator also types how many people voted; the marks are
    dealt onto that many made-up ballots (`Vote.paper_ballot`), never two marks of one option
    on a ballot, so "answered" counts the people and each bar its marks. Paper does not say
    which options went together, so nothing reads a ballot's combination: only its count.

    Once only, like a phone's vote: every mark of the form carries the client id its page
    made; the same id again stores nothing and answers the first tally's number of marks, the
    same id with other numbers, people or group is a Conflict (409)."""
    check_client_id(client_id)
    if activity.kind not in PAPER_CHOICE_KINDS:
        raise InvalidInput(N_("Paper tallies can be typed in for polls and scales only."))
    _paper_target(session, workshop, activity, "answers", group_id)
    keys = [k for k, _label in paper_choices(activity, "en", "en")]
    for key, count in tallies.items():
        if key not in keys:
            raise InvalidInput(errors={"tally": N_("Choose one of the options.")})
        if not 0 <= count <= MAX_TALLY:
            raise InvalidInput(errors={f"tally.{key}": N_("Choose a number from %(low)s to %(high)s.", low=0, high=MAX_TALLY)})
    total = sum(tallies.values())
    if total == 0:
        raise InvalidInput(errors={"tally": N_("Type in how many chose each option.")})
    apart = counts_people_apart(activity)
    if apart:
        if people is None:
            raise InvalidInput(errors={"people": N_("Type in how many people voted.")})
        most = max(tallies.values())
        if most > people:
            raise InvalidInput(errors={"people": N_(
                "One option has %(most)s marks, more than the %(people)s people who voted. Each person marks an option once.",
                most=most, people=people,
            )})
        if people > total:
            raise InvalidInput(errors={"people": N_(
                "%(people)s people voted but there are only %(marks)s marks: each person who voted chose at least one option.",
                people=people, marks=total,
            )})
    _lock_paper(session, activity)
    earlier = _paper_rows(session, Vote, activity, client_id)
    if earlier:
        same_people = not apart or len({v.paper_ballot for v in earlier}) == people
        if (
            Counter(v.target for v in earlier) != Counter({k: n for k, n in tallies.items() if n})
            or {v.group_id for v in earlier} != {group_id}
            or not same_people
        ):
            raise Conflict(N_("This tally was added once already with other numbers. Check the marks stored before adding it again."))
        session.rollback()
        return len(earlier)
    marks = _ballots(keys, tallies, people) if apart and people else [(key, None) for key in keys for _ in range(tallies.get(key, 0))]
    rows = [
        Vote(
            activity_id=activity.id,  # type: ignore[arg-type]
            workshop_id=workshop.id,  # type: ignore[arg-type]
            consultation_id=workshop.consultation_id,
            participant_id=None,
            entered_by_user_id=actor.user_id,
            consent_record_id=None,
            client_id=client_id,
            # One slot per option, as a phone's choices of a multiple-choice poll.
            slot=keys.index(key) if apart else 0,
            target=key,
            value=int(key) if activity.kind == "scale" else 1,
            group_id=group_id,
        )
        for key, _ballot in marks
    ]
    session.add_all(rows)
    session.flush()
    if apart:
        # A ballot is named by the id of its first mark: ids are known only now.
        first: dict[int, int] = {}
        for row, (_key, ballot) in zip(rows, marks, strict=True):
            row.paper_ballot = first.setdefault(ballot, int(row.id or 0))  # type: ignore[arg-type]
        session.flush()
    record_audit(session, actor, "workshop.paper_tallies_entered", _refs(workshop, activity), {"marks": total, "group": group_id or 0})
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return total


@dataclass(frozen=True)
class PaperTally:
    """One tally a facilitator typed in (one sending of the form: its marks share a client id)."""

    entry: str
    group_id: int | None
    counts: dict[str, int]  # option key -> marks
    marks: int
    people: int | None = None  # a multiple-choice tally: how many people voted


def paper_tallies(session: Session, activity: Activity) -> list[PaperTally]:
    """The paper tallies of an activity, in the order they were typed in, each to be taken back
    on its own."""
    rows = session.execute(
        sa_select(col(Vote.client_id), col(Vote.group_id), col(Vote.target), func.count(col(Vote.id)), func.min(col(Vote.id)))
        .where(col(Vote.activity_id) == activity.id, col(Vote.participant_id).is_(None))
        .group_by(col(Vote.client_id), col(Vote.group_id), col(Vote.target))
    ).all()
    ballots = dict(
        session.execute(
            sa_select(col(Vote.client_id), func.count(func.distinct(col(Vote.paper_ballot))))
            .where(col(Vote.activity_id) == activity.id, col(Vote.participant_id).is_(None))
            .group_by(col(Vote.client_id))
        ).all()
    )
    tallies: dict[str, dict[str, Any]] = {}
    for entry, group_id, target, marks, first in rows:
        tally = tallies.setdefault(entry, {"group_id": group_id, "counts": {}, "first": first})
        tally["counts"][target] = int(marks)
        tally["first"] = min(tally["first"], first)
    ordered = sorted(tallies.items(), key=lambda item: item[1]["first"])
    return [
        PaperTally(entry, t["group_id"], t["counts"], sum(t["counts"].values()), int(ballots.get(entry) or 0) or None)
        for entry, t in ordered
    ]


def do_clear_paper_tallies(session: Session, actor: Actor, workshop: Workshop, activity: Activity, *, entry: str | None = None) -> int:
    """Take back the paper marks typed in for the activity: one tally (`entry`, its client id:
    a tally typed wrong is taken back and typed again), or every one. Phones' votes are never
    touched. Audited; the screen follows."""
    if activity.workshop_id != workshop.id:
        raise InvalidInput(N_("This activity is not in this workshop."))
    which = delete(Vote).where(col(Vote.activity_id) == activity.id, col(Vote.participant_id).is_(None))
    if entry is not None:
        which = which.where(col(Vote.client_id) == entry)
    result = session.exec(which)  # type: ignore[call-overload]
    count = int(result.rowcount or 0)
    if not count:
        raise Conflict(N_("No paper tallies to take back."))
    record_audit(session, actor, "workshop.paper_tallies_cleared", _refs(workshop, activity), {"marks": count, "one": entry is not None})
    publish_results(session, workshop.id, activity.id)  # type: ignore[arg-type]
    session.commit()
    return count


@dataclass(frozen=True)
class PaperCounts:
    notes: int
    marks: int


def paper_counts(session: Session, workshop: Workshop, *, shown_only: bool = False) -> dict[int, PaperCounts]:
    """Activity id -> how many notes and marks of it were typed in from paper by a facilitator
    ("entered by the facilitator"): every note typed for the room page, only those shown in the
    room for the summary (`shown_only`)."""
    query = select(Contribution.activity_id, func.count(col(Contribution.id))).where(
        col(Contribution.workshop_id) == workshop.id, col(Contribution.participant_id).is_(None)
    )
    if shown_only:
        query = query.where(col(Contribution.status) == ContributionStatus.SHOWN.value)
    notes = dict(session.exec(query.group_by(col(Contribution.activity_id))).all())
    marks = dict(
        session.exec(
            select(Vote.activity_id, func.count(col(Vote.id)))
            .where(Vote.workshop_id == workshop.id, col(Vote.participant_id).is_(None))
            .group_by(col(Vote.activity_id))
        ).all()
    )
    return {a: PaperCounts(int(notes.get(a, 0)), int(marks.get(a, 0))) for a in set(notes) | set(marks)}


# The phone ----------------------------------------------------------------------------------------------


def phone_room(
    session: Session, consultation: Consultation, workshop: Workshop, participant: Participant, activity: Activity | None,
    seat: int | None = None,
    *,
    ungrouped: bool = False,
) -> dict[str, Any]:
    """What a phone shows of the room besides the activity: its number (for the facilitator
    to make groups by; `seat` when the caller has just read it), its group for the current
    activity, and that group's board (the newest notes shown to the room, never who wrote them).
    A phone in no group while the room works in groups for the activity (it came in after the
    split) is told so (`no_group_yet`), with its number to show the facilitator.
    `ungrouped`: the caller has just read that the phone is in no group for the activity and
    that the room is not split for it."""
    number = seat if seat is not None else seat_number(session, workshop, participant)
    out: dict[str, Any] = {"seat_number": number, "my_group": None, "group_notes": [], "no_group_yet": False}
    group_id = None if ungrouped else group_for(session, activity.id if activity else None, participant.id)
    if group_id is None and activity is not None and not ungrouped and workshop.status == WorkshopStatus.LIVE:
        out["no_group_yet"] = split_activity_id(session, workshop) == activity.id
    if group_id is None or activity is None:
        return out
    group = session.exec(select(WorkshopGroup).where(WorkshopGroup.id == group_id)).one()
    out["my_group"] = group.name
    if activity.kind in TEXT_KINDS:
        rows = session.exec(
            select(Contribution.text)
            .where(
                Contribution.activity_id == activity.id,
                Contribution.group_id == group_id,
                Contribution.status == ContributionStatus.SHOWN.value,
                or_(col(Contribution.participant_id).in_(shown_participant_ids(consultation.id)), col(Contribution.participant_id).is_(None)),  # type: ignore[arg-type]
            )
            .order_by(col(Contribution.id).desc())
            .limit(GROUP_BOARD_LIMIT)
        ).all()
        out["group_notes"] = list(rows)
    return out


# The screen and the console -----------------------------------------------------------------------------


def group_results(session: Session, consultation: Consultation, activity: Activity, lang: str, group_id: int) -> Any:
    """One breakout group's results of an activity (its notes, or the votes cast in it), as
    the screen shows them: suppressed below k like the whole room's. None for kinds without
    per-group results."""
    if activity.kind in PAPER_CHOICE_KINDS:
        return vote_results(session, consultation, activity, lang, group_id=group_id)
    if activity.kind in TEXT_KINDS:
        return text_results(session, consultation, activity, group_id=group_id)
    return None


@dataclass(frozen=True)
class GroupView:
    group: WorkshopGroup | None  # None: what was sent in no group (a phone that came in late)
    results: Any
    phones: int


def breakout_view(session: Session, consultation: Consultation, workshop: Workshop, activity: Activity | None, lang: str) -> dict[str, Any]:
    """What the screen shows of the current activity's groups, per `workshop.screen_group_id`:
    nothing extra (the whole room), every group side by side, or one group."""
    out: dict[str, Any] = {"breakout_groups": [], "breakout_group": None}
    if activity is None or workshop.screen_group_id is None:
        return out
    groups = groups_of(session, workshop, activity)
    if not groups:
        return out
    members = members_by_group(session, workshop)
    chosen = groups if workshop.screen_group_id == ALL_GROUPS else [g for g in groups if g.id == workshop.screen_group_id]
    views = [GroupView(g, group_results(session, consultation, activity, lang, int(g.id or 0)), len(members.get(int(g.id or 0), []))) for g in chosen]
    if workshop.screen_group_id == ALL_GROUPS:
        # What phones in no group sent has a place of its own beside the groups, when there is some.
        ungrouped = group_results(session, consultation, activity, lang, NO_GROUP)
        if ungrouped is not None and (ungrouped.respondents.count or ungrouped.total_notes):
            views.append(GroupView(None, ungrouped, 0))
        out["breakout_groups"] = views
    elif views:
        out["breakout_group"] = views[0]
    return out


def screen_extras(
    session: Session, consultation: Consultation, workshop: Workshop, activity: Activity | None, results: Any, lang: str
) -> dict[str, Any]:
    """What the screen adds to an activity's results: its breakout groups as the facilitator
    chose to show them, and a board's notes grouped by category (of the group shown, or of
    the whole room)."""
    out = breakout_view(session, consultation, workshop, activity, lang)
    out["board_sections"] = []
    if activity is not None:
        shown = out["breakout_group"].results if out["breakout_group"] is not None else results
        notes = getattr(shown, "notes", None) or []
        out["board_sections"] = board_sections(activity, notes, lang, consultation.default_language)
    return out
