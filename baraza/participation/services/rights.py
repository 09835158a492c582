"""The participant's rights over their data: about you, my data (see, download, correct, delete),
staff helping with the recovery phrase, and erasure."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from babel.support import NullTranslations
from sqlalchemy import delete
from sqlmodel import Session, col, select

from baraza.accounts import auth
from baraza.accounts.models import Context
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, categories_of
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import InvalidInput, NotFound, TooManyRequests
from baraza.i18n import N_, Message, language_name, translate
from baraza.participation.access import participant_scope
from baraza.participation.api import age_band_label, require_consent_to_answer
from baraza.participation.keys import recovery_hash, seal, unseal
from baraza.participation.models import ConsentRecord, Correction, Participant, ParticipantDevice
from baraza.participation.services.consent import (
    CONSENT_KIND_LABELS,
    _audit_participant,
    _check_may_act,
    consent_history,
    emit_participant_event,
)
from baraza.participation.services.joining import consultation_bands
from baraza.refs import Ref
from baraza.registry import ParticipantItem, Registry
from baraza.safeguarding.services import raise_concern
from baraza.settings import Settings

CORE_SOURCE = "participation.about"
# The "my data" spreadsheet's rows about taking part and the choices, in the words of the page.
CSV_TAKING_PART = {"reference": N_("Your reference"), "context": N_("Where"), "joined_at": N_("Since"), "consent_status": N_("Consent")}
CONSENT_STATUS_WORDS = {"valid": N_("Consent complete"), "pending_guardian": N_("Waiting for a guardian"), "withdrawn": N_("Withdrawn")}
CSV_CHOICES = {
    "analysis": N_("Count my answers together with everyone else's"),
    "quoting": N_("You may quote my words, without anything that shows who I am"),
    "follow_up": N_("Tell me later what was done with what we said"),
}
CORRECTION_PURPOSE = "correction"
GENDER_OPTIONS = {
    "girl": N_("A girl or young woman"),
    "boy": N_("A boy or young man"),
    "another": N_("In another way"),
    "prefer_not": N_("I prefer not to say"),
}
ASSIST_LOOKUPS_PER_WINDOW = 30


# About you (demographics as bands) -------------------------------------------------------------


def do_save_about_you(
    session: Session, actor: Actor, consultation: Consultation, participant: Participant, *, gender: str | None, location: str | None,
) -> Participant:
    """Store only the demographics the consultation declares, from its lists (no free text).
    Like any contribution, only with valid consent (SECURITY 18). `actor` is the participant's own, or a staff member helping them (recorded as assisted)."""
    require_consent_to_answer(session, participant, consultation)
    categories = categories_of(session, consultation)
    problems = {}
    if "gender" in categories and gender:
        if gender not in GENDER_OPTIONS:
            problems["gender"] = N_("Choose one of the options.")
        else:
            participant.gender = gender
    if "location" in categories and location:
        if location not in consultation.location_options:
            problems["location"] = N_("Choose one of the areas.")
        else:
            participant.location = location
    if problems:
        raise InvalidInput(errors=problems)
    participant.demographics_at = utcnow()
    session.add(participant)
    _audit_participant(session, actor, participant, "participant.about_you", {"fields": [k for k in ("gender", "location") if k in categories]})
    session.commit()
    return participant


# My data: see, download, correct, delete -------------------------------------------------------


def core_value_label(item_id: str, value: str) -> str:
    """The words for what "About you" stores as a code ("15-17" -> "15 to 17", "girl" -> "A girl
    or young woman"; an area as it is): a message, translated where it is shown (the page, the
    download), so a young person never reads a code of ours."""
    if item_id == "age_band":
        return age_band_label(value)
    if item_id == "gender" and value in GENDER_OPTIONS:
        return GENDER_OPTIONS[value]
    return Message("%(value)s", {"value": value})  # an area: the consultation's own words


def core_items(session: Session, consultation: Consultation, participant: Participant) -> list[ParticipantItem]:
    """The demographics the core holds, as items like any app's (correctable, deletable): the
    value is the stored code, `choices` label each code (`core_value_label`)."""
    context = session.get(Context, participant.context_id)
    items = []
    when = participant.demographics_at or participant.joined_at

    def item(item_id: str, label: str, value: str, codes: Sequence[str]) -> ParticipantItem:
        return ParticipantItem(
            source=CORE_SOURCE, item_id=item_id, category=item_id, label=label, value=value, created_at=when, group=N_("About you"),
            kind="choice", choices=tuple((code, core_value_label(item_id, code)) for code in codes), selected=(value,), correctable=True,
        )

    if participant.age_band and context is not None:
        bands = consultation_bands(consultation, context)
        # Only bands on the same side of the age of consent: crossing it changes who must agree.
        same_side = [b.key for b in bands if b.under_age_of_consent == participant.under_age_of_consent]
        items.append(item("age_band", N_("Your age"), participant.age_band, same_side))
    if participant.gender:
        items.append(item("gender", N_("Your gender"), participant.gender, list(GENDER_OPTIONS)))
    if participant.location:
        items.append(item("location", N_("Your area"), participant.location, consultation.location_options))
    return items


def participant_items(
    session: Session, registry: Registry, consultation: Consultation, participant: Participant, lang: str | None = None
) -> list[ParticipantItem]:
    """Everything the participant contributed: the core's items, then every app's, labelled in
    `lang` (the page's language; by default the one they joined in)."""
    items = core_items(session, consultation, participant)
    for hook in registry.participant_data:
        items.extend(hook(session, consultation, participant, lang or participant.language) or [])
    return items


def _find_item(
    session: Session, registry: Registry, consultation: Consultation, participant: Participant, source: str, item_id: str, lang: str | None = None
) -> ParticipantItem:
    for item in participant_items(session, registry, consultation, participant, lang):
        if item.source == source and item.item_id == item_id:
            return item
    # Another participant's item answers exactly like a missing one.
    raise NotFound("We could not find that item in your data.")


def corrections_of(session: Session, settings: Settings, participant: Participant) -> dict[tuple[str, str], list[tuple[str, datetime]]]:
    rows = session.exec(select(Correction).where(Correction.participant_id == participant.id).order_by(col(Correction.id))).all()
    out: dict[tuple[str, str], list[tuple[str, datetime]]] = {}
    for row in rows:
        value = unseal(settings, CORRECTION_PURPOSE, row.previous_value) or ""
        out.setdefault((row.source, row.item_id), []).append((value, row.corrected_at))
    return out


CHOICE_KINDS = frozenset({"choice", "choices", "ranking"})


def _checked_change(item: ParticipantItem, new_value: str) -> str:
    """The change as the app's corrector receives it, once it is one the item allows: one of
    its options, some of them, or all of them in an order (SECURITY 35; the app checks its own
    rules after: how many, ranges, a required answer)."""
    new_value = new_value.strip()
    if not new_value:
        if item.kind in CHOICE_KINDS:
            raise InvalidInput(errors={"value": N_("Choose your new answer, or delete it instead.")})
        raise InvalidInput(errors={"value": N_("Write the new answer, or delete it instead.")})
    if len(new_value) > 4000:
        raise InvalidInput(errors={"value": N_("Keep this under %(max)s characters.", max=4000)})
    options = [value for value, _ in item.choices]
    if item.kind == "choice" and new_value not in options:
        raise InvalidInput(errors={"value": N_("Choose one of the options.")})
    if item.kind == "choices":
        chosen = new_value.split()
        if len(set(chosen)) != len(chosen) or not set(chosen) <= set(options):
            raise InvalidInput(errors={"value": N_("Choose one of the options.")})
        new_value = " ".join(chosen)
    if item.kind == "ranking":
        order = new_value.split()
        if sorted(order) != sorted(options):
            raise InvalidInput(errors={"value": N_("Give each option its own place, from 1 to %(n)s.", n=len(options))})
        new_value = " ".join(order)
    # Compared with what is given now: the codes chosen (in any order for several options),
    # else the text.
    if item.kind == "choices":
        same = sorted(new_value.split()) == sorted(item.selected)
    else:
        same = new_value == (" ".join(item.selected) if item.selected else item.value)
    if same:
        raise InvalidInput(errors={"value": N_("This is the same as before.")})
    return new_value


def do_correct_item(
    session: Session, actor: Actor, settings: Settings, registry: Registry, consultation: Consultation, participant: Participant,
    *, source: str, item_id: str, new_value: str, lang: str | None = None,
) -> list[str]:
    """Correct one of the participant's own items (named in `lang` if it is refused); the previous value is kept (encrypted) as
    history (SECURITY 22). Core items are corrected here; app items through
    `registry.participant_correctors`. `new_value` is the text, the option, or for a "choices"
    or "ranking" item its options separated by spaces (in order for a ranking). `actor` is the
    participant's own, or a staff member helping them (recorded as assisted). Returns the labels
    (in `lang`) of the participant's other items the change took with it (a survey drops the
    answers a changed answer makes moot), for the page to say so."""
    _check_may_act(participant)
    before = participant_items(session, registry, consultation, participant, lang)
    item = next((i for i in before if i.source == source and i.item_id == item_id), None)
    if item is None:
        raise NotFound("We could not find that item in your data.")
    if not item.correctable:
        raise InvalidInput("This cannot be changed. You can delete it instead.")
    new_value = _checked_change(item, new_value)
    if source == CORE_SOURCE:
        previous = item.value
        setattr(participant, item_id, new_value)
        participant.demographics_at = utcnow()
        session.add(participant)
    else:
        previous = None
        for corrector in registry.participant_correctors:
            previous = corrector(session, consultation, participant, item, new_value)
            if previous is not None:
                break
        if previous is None:
            raise InvalidInput("This cannot be changed. You can delete it instead.")
        _screen_corrected_words(session, registry, consultation, participant, item, new_value)
    gone = _forget_history_of_gone_items(session, registry, consultation, participant, before, lang)
    session.add(Correction(
        participant_id=participant.id,  # type: ignore[arg-type]
        consultation_id=consultation.id,  # type: ignore[arg-type]
        source=source, item_id=item_id, category=item.category, item_created_at=item.created_at,
        previous_value=seal(settings, CORRECTION_PURPOSE, str(previous)),
        corrected_by_user_id=actor.user_id,
    ))
    _audit_participant(session, actor, participant, "participant.correct", {"source": source, "item": item_id})
    emit_participant_event(session, "participant.item_changed", actor, participant, change="corrected", source=source, item=item_id)
    session.commit()
    return gone


def _forget_history_of_gone_items(
    session: Session, registry: Registry, consultation: Consultation, participant: Participant, before: Sequence[ParticipantItem], lang: str | None
) -> list[str]:
    """A change can take other items with it (a survey drops the answers a changed answer makes
    moot); their earlier versions go with them, as when an item is deleted. Returns the labels
    of the items gone."""
    session.flush()
    listed = {(i.source, i.item_id) for i in participant_items(session, registry, consultation, participant, lang)}
    gone = [
        row.id for row in session.exec(
            select(Correction).where(Correction.participant_id == participant.id, Correction.consultation_id == consultation.id)
        ).all()
        if (row.source, row.item_id) not in listed
    ]
    if gone:
        session.exec(delete(Correction).where(col(Correction.id).in_(gone)))  # type: ignore[call-overload]
    return [i.label for i in before if (i.source, i.item_id) not in listed]


def _screen_corrected_words(
    session: Session, registry: Registry, consultation: Consultation, participant: Participant, item: ParticipantItem, new_value: str
) -> None:
    """New words that may disclose harm go to the safeguarding queue like new ones would, for
    every app whose kind the queue can read (docs/safeguarding.md); a case once cleared as "no
    concern" opens again for the new words."""
    kind = registry.kinds.get(item.source)
    if item.kind not in {"text", "long_text"} or kind is None or kind.read_text is None:
        return
    screened = registry.screen(new_value, participant.language)
    if screened.disclosure:
        words = item.words or Ref(item.source, item.item_id)
        raise_concern(
            session, consultation_id=consultation.id, source=words,  # type: ignore[arg-type]
            reasons=screened.reasons, app=words.app, context_id=participant.context_id,
        )


def _delete_core_item(participant: Participant, item_id: str) -> None:
    setattr(participant, item_id, None)


def do_delete_item(
    session: Session, actor: Actor, registry: Registry, consultation: Consultation, participant: Participant, *, source: str, item_id: str,
) -> None:
    """Delete one of the participant's items, with its correction history. `actor` is the participant's own, or a staff member helping them (recorded as assisted)."""
    item = _find_item(session, registry, consultation, participant, source, item_id)
    if not item.deletable:
        raise InvalidInput("This cannot be deleted on its own. You can leave the consultation instead.")
    if source == CORE_SOURCE:
        _delete_core_item(participant, item_id)
        session.add(participant)
    else:
        for eraser in registry.participant_erasers:
            eraser(session, consultation, participant, [item])
    session.exec(delete(Correction).where(  # type: ignore[call-overload]
        col(Correction.participant_id) == participant.id, col(Correction.source) == source, col(Correction.item_id) == item_id
    ))
    _audit_participant(session, actor, participant, "participant.delete_item", {"source": source, "item": item_id})
    emit_participant_event(session, "participant.item_changed", actor, participant, change="deleted", source=source, item=item_id)
    session.commit()


def do_forget_earlier(
    session: Session, actor: Actor, registry: Registry, consultation: Consultation, participant: Participant, *, source: str, item_id: str,
) -> int:
    """Forget the earlier versions of one item, keeping what it says now: a young person who
    changed an answer to take a name or a phone number out of it wants the old words gone
    too, not shown again under "Earlier" on a phone others may pick up. Corrections keep
    history (SECURITY 22) until the person whose history it is asks for it to go, as they may
    ask for the item itself to go. Returns how many versions were forgotten."""
    _check_may_act(participant)
    _find_item(session, registry, consultation, participant, source, item_id)  # theirs, or refused
    forgotten = session.exec(delete(Correction).where(  # type: ignore[call-overload]
        col(Correction.participant_id) == participant.id, col(Correction.consultation_id) == consultation.id,
        col(Correction.source) == source, col(Correction.item_id) == item_id,
    )).rowcount
    if not forgotten:
        raise InvalidInput("There is no earlier answer to forget.")
    _audit_participant(session, actor, participant, "participant.forget_earlier", {"source": source, "item": item_id, "versions": forgotten})
    session.commit()
    return int(forgotten)


def _item_row(item: ParticipantItem, earlier: Sequence[tuple[str, datetime]], words: NullTranslations) -> dict[str, Any]:
    """One item as the young person reads it on "my data": what it is about, their answer in
    words, the code it is stored as beside it (choices), when, and their earlier answers. None
    of the program's flags (which app, which row, what may be changed)."""
    core = item.source == CORE_SOURCE

    def said(value: str) -> str:
        return translate(words, core_value_label(item.item_id, value)) if core else value

    row: dict[str, Any] = {
        "group": translate(words, item.group) if core else item.group,
        "label": translate(words, item.label) if core else item.label,
        "value": said(item.value),
    }
    if item.selected:
        row["code"] = item.selected[0] if item.kind == "choice" else list(item.selected)
    row["category"] = item.category
    row["sent"] = item.sent
    row["created_at"] = item.created_at.isoformat()
    row["history"] = [
        {"previous_value": said(value), **({"previous_code": value} if core else {}), "changed_at": at.isoformat()} for value, at in earlier
    ]
    return row


def my_data(
    session: Session, settings: Settings, registry: Registry, consultation: Consultation, participant: Participant,
    items: Sequence[ParticipantItem] | None = None, lang: str | None = None, translations: NullTranslations | None = None,
) -> dict[str, Any]:
    """Everything held about a participant, as the young person's copy (the download): stable
    English keys for programs, and beside every code what it means in their words
    (`translations`, the page's language `lang`, else the language they joined in; their
    items as already read, else read here in that language)."""
    words = translations or NullTranslations()
    context = session.get(Context, participant.context_id)
    history = corrections_of(session, settings, participant)
    listed = participant_items(session, registry, consultation, participant, lang) if items is None else items
    return {
        "consultation": consultation.title_in(participant.language),
        "context": context.name_in(lang or participant.language) if context else "",
        "reference": participant.pseudonym,
        "language": participant.language,
        "language_name": language_name(participant.language),
        "joined_at": participant.joined_at.isoformat(),
        "withdrawn_at": participant.withdrawn_at.isoformat() if participant.withdrawn_at else None,
        "under_age_of_consent": participant.under_age_of_consent,
        "consent_status": participant.consent_status,
        "consent_status_label": translate(words, CONSENT_STATUS_WORDS.get(participant.consent_status, participant.consent_status)),
        "choices": {"analysis": participant.consent_analysis, "quoting": participant.consent_quoting, "follow_up": participant.consent_follow_up},
        "choices_labels": {name: translate(words, label) for name, label in CSV_CHOICES.items()},
        "consent_records": [
            {
                "kind": r.kind, "kind_label": translate(words, CONSENT_KIND_LABELS.get(r.kind, r.kind)),
                "given_by": r.given_by, "method": r.method, "notice_version": r.notice_version,
                "language": r.language, "analysis": r.analysis, "quoting": r.quoting, "follow_up": r.follow_up,
                "at": r.created_at.isoformat(),
            }
            for r in consent_history(session, participant)
        ],
        "items": [_item_row(item, history.get((item.source, item.item_id), []), words) for item in listed],
    }


def neutralise_cell(value: Any) -> str:
    """CSV cells starting with = + - @ (after whitespace or control characters too) are
    prefixed with a quote so a spreadsheet never runs them (SECURITY 33)."""
    text = "" if value is None else str(value)
    stripped = text.lstrip(" \t\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f")
    if stripped[:1] in {"=", "+", "-", "@"} or text[:1] in {"\t", "\r"}:
        return "'" + text
    return text


def do_download_my_data(
    session: Session, actor: Actor, settings: Settings, registry: Registry, consultation: Consultation, participant: Participant, fmt: str,
    *, translations: NullTranslations | None = None, lang: str | None = None,
) -> tuple[bytes, str, str]:
    """The participant's data as JSON or CSV: (body, content type, file name). Audited.
    `actor` is the participant's own, or a staff member helping them (recorded as assisted).

    Both are the young person's copy, in the page's language (`translations`, `lang`): the
    spreadsheet in words only; the JSON with stable English keys for programs, and every code
    it holds with its words beside it (`my_data`)."""
    if fmt not in {"json", "csv"}:
        raise InvalidInput("Choose JSON or CSV.")
    t = (translations or NullTranslations()).gettext
    items = participant_items(session, registry, consultation, participant, lang)
    data = my_data(session, settings, registry, consultation, participant, items, lang, translations)
    if not actor.is_staff:
        # Their own copy holds the contact they gave; a staff member helping never sees it (SECURITY 8).
        from baraza.updates.services import contact_of

        contact = contact_of(session, participant)
        data["follow_up_contact"] = {"channel": contact.channel, "address": contact.address, "given_at": contact.created_at.isoformat()} if contact else None
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        content_type = "application/json"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([t(N_("group")), t(N_("question")), t(N_("your answer")), t(N_("kind")), t(N_("when")), t(N_("earlier answers"))])
        # The spreadsheet is for the young person: the page's words, not the JSON's keys.
        for key, label in CSV_TAKING_PART.items():
            value = data[key][:10] if key == "joined_at" else data[key]
            shown = data["consent_status_label"] if key == "consent_status" else value
            writer.writerow([t(N_("taking part")), t(label), neutralise_cell(shown), "", "", ""])
        for name, value in data["choices"].items():
            writer.writerow([t(N_("your choices")), data["choices_labels"].get(name, name), t(N_("yes")) if value else t(N_("no")), "", "", ""])
        if data.get("follow_up_contact"):
            given = data["follow_up_contact"]
            writer.writerow([t(N_("your choices")), t(N_("Messages when there is news")), neutralise_cell(given["address"]), given["channel"], given["given_at"], ""])
        for item in data["items"]:
            writer.writerow([
                neutralise_cell(item["group"]), neutralise_cell(item["label"]), neutralise_cell(item["value"]), item["category"],
                item["created_at"], neutralise_cell(" | ".join(h["previous_value"] for h in item["history"])),
            ])
        body = ("\ufeff" + out.getvalue()).encode()  # the BOM lets spreadsheets read Arabic and accents
        content_type = "text/csv; charset=utf-8"
    _audit_participant(session, actor, participant, "participant.download", {"format": fmt}, [i.record for i in items if i.record is not None])
    session.commit()
    return body, content_type, f"my-data.{fmt}"


# Staff helping with the recovery phrase --------------------------------------------------------


def do_find_participant_by_phrase(session: Session, actor: Actor, settings: Settings, consultation_id: int, phrase: str) -> Participant:
    """A staff member (`participant.assist`) opens a participant's data with their recovery
    phrase, at the young person's request. Lookups per staff member are rate-limited; audited."""
    consultation = access_consultation(session, actor, consultation_id, "participant.assist")
    key = auth.keyed(settings, "assist", str(actor.user_id))
    if auth.throttle_count(session, key, timedelta(minutes=settings.throttle_window_minutes)) >= ASSIST_LOOKUPS_PER_WINDOW:
        raise TooManyRequests("Too many look-ups. Wait a few minutes.")
    auth.throttle_hit(session, key)
    participant = session.exec(
        select(Participant).where(
            Participant.consultation_id == consultation.id,
            Participant.recovery_hash == recovery_hash(settings, phrase),
            participant_scope(actor, "participant.assist"),
        )
    ).one_or_none()
    if participant is None:
        record_audit(session, actor, "participant.assist_not_found", [("consultation", consultation.id)])
        raise InvalidInput(errors={"phrase": N_("No participant of this consultation has these words.")}).recorded()
    record_audit(session, actor, "participant.assist_open", [("participant", participant.id), ("consultation", consultation.id)])
    session.commit()
    return participant


def do_record_assist_view(session: Session, actor: Actor, participant: Participant, items: Sequence[ParticipantItem] = ()) -> None:
    """A staff member saw a participant's data while helping them (SECURITY 23): the entry names
    the participant and every stored record among the `items` shown (SECURITY 26)."""
    records = dict.fromkeys(item.record for item in items if item.record is not None)
    record_audit(
        session, actor, "participant.assist_view",
        [("participant", participant.id), ("consultation", participant.consultation_id), *((r.kind, r.id) for r in records)],
    )
    session.commit()


def access_assisted_participant(session: Session, actor: Actor, consultation_id: int, participant_id: int) -> tuple[Consultation, Participant]:
    """The participant a staff member opened with the phrase (id from a sealed cookie), checked
    again against the staff member's scope on every request."""
    consultation = access_consultation(session, actor, consultation_id, "participant.assist")
    participant = session.exec(
        select(Participant).where(
            Participant.id == participant_id, Participant.consultation_id == consultation.id, participant_scope(actor, "participant.assist")
        )
    ).one_or_none()
    if participant is None:
        raise NotFound()
    return consultation, participant


# Erasure (withdrawal, retention) ---------------------------------------------------------------


def erase_participant(session: Session, registry: Registry, consultation: Consultation, participant: Participant) -> int:
    """Delete everything about a participant: every app's items, corrections, consent records,
    devices and the participant row. No commit (the purge commits and audits)."""
    count = 0
    for eraser in registry.participant_erasers:
        count += int(eraser(session, consultation, participant, None) or 0)
    from baraza.updates.services import erase_feed_and_contact

    count += erase_feed_and_contact(session, participant.id)
    for model, column in (
        (Correction, Correction.participant_id),
        (ConsentRecord, ConsentRecord.participant_id),
        (ParticipantDevice, ParticipantDevice.participant_id),
    ):
        result = session.exec(delete(model).where(col(column) == participant.id))  # type: ignore[call-overload]
        count += int(result.rowcount or 0)
    session.delete(participant)
    session.flush()
    return count + 1
