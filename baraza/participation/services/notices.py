"""Notices: what a young person reads before agreeing, one version after another per language."""

from __future__ import annotations

from collections.abc import Mapping

from babel.lists import format_list
from babel.support import NullTranslations
from sqlmodel import Session, col, select

from baraza.accounts.models import Organisation
from baraza.accounts.roles import Actor
from baraza.audit.services import record_audit
from baraza.consultations.access import access_consultation, categories_of
from baraza.consultations.models import Consultation
from baraza.errors import InvalidInput
from baraza.i18n import N_
from baraza.participation.models import Notice

NOTICE_FIELDS = ("what_collected", "why", "who_sees", "how_long", "if_no", "your_rights", "contact")
NOTICE_HEADINGS = {
    "what_collected": N_("What we collect"),
    "why": N_("Why"),
    "who_sees": N_("Who sees it"),
    "how_long": N_("How long we keep it"),
    "if_no": N_("If you say no"),
    "your_rights": N_("Your data is yours"),
    "contact": N_("Questions?"),
}


def latest_notice(session: Session, consultation_id: int, language: str) -> Notice | None:
    return session.exec(
        select(Notice)
        .where(Notice.consultation_id == consultation_id, Notice.language == language)
        .order_by(col(Notice.version).desc())
        .limit(1)
    ).one_or_none()


def notices_of(session: Session, consultation: Consultation) -> list[Notice]:
    return list(
        session.exec(
            select(Notice).where(Notice.consultation_id == consultation.id).order_by(col(Notice.language), col(Notice.version).desc())
        ).all()
    )


def notice_template(
    session: Session, consultation: Consultation, language: str = "en", translations: NullTranslations | None = None
) -> dict[str, str]:
    """A first draft of the notice in plain words, from what the consultation declares, in the
    language the notice is being written in (`translations` is that language's catalog)."""
    t = (translations or NullTranslations()).gettext
    categories = categories_of(session, consultation)
    org = session.get(Organisation, consultation.organisation_id)
    org_name = org.name if org else t(N_("the organisation running this"))
    collected = {
        "answers": N_("your answers"),
        "free_text": N_("what you write in your own words"),
        "age_band": N_("your age group (not your birthday)"),
        "gender": N_("your gender, if you want to say"),
        "location": N_("the area you live in (not your address)"),
    }
    things = [t(text) for c, text in collected.items() if c in categories]
    kept = {
        "answers": N_("We keep your answers for %(days)s days, then delete them."),
        "free_text": N_("We keep what you write for %(days)s days, then delete it."),
        "age_band": N_("We keep your age group for %(days)s days, then delete it."),
        "gender": N_("We keep your gender for %(days)s days, then delete it."),
        "location": N_("We keep your area for %(days)s days, then delete it."),
        "participation": N_("We keep the record that you agreed for %(days)s days, then delete it."),
    }
    try:
        listed = format_list(things, locale=language)
    except (ValueError, TypeError):
        listed = ", ".join(things)
    return {
        "what_collected": " ".join((
            t(N_("We save %(things)s. We never ask your name or address.")) % {"things": listed}
            if things
            else t(N_("We save only that you took part. We never ask your name or address.")),
            # The one contact detail Baraza may hold (participant_contact), only if they want news.
            t(N_(
                "If you want a message when there is news about what was done, you can give a phone number or "
                "an e-mail address. Only that message uses it; the team never sees it; it is deleted when you "
                "remove it, say no to news, or leave."
            )),
        )),
        "why": t(N_("We use it to: %(purposes)s.")) % {"purposes": "; ".join(consultation.purposes or [t(N_("understand what young people think"))])},
        "who_sees": t(N_(
            "Only the small team at %(organisation)s running this. Results are shown as totals of at least %(k)s people, "
            "so nobody can tell what you said."
        )) % {"organisation": org_name, "k": consultation.k_threshold},
        "how_long": " ".join(t(kept[c]) % {"days": days} for c, days in categories.items() if c in kept),
        "if_no": t(N_("That is fine. Nothing is saved and nothing bad happens. You can stop at any time.")),
        "your_rights": t(N_(
            "Open \"My data\" at any time: see what you told us, download it, change or delete an answer, or leave. "
            "Keep your secret words: they bring you back, even on another phone."
        )),
        "contact": t(N_("Ask the person running the session, or the data protection focal point of %(organisation)s.")) % {"organisation": org_name},
    }


def do_publish_notice(session: Session, actor: Actor, consultation_id: int, language: str, texts: Mapping[str, str]) -> Notice:
    """Publish a new version of the notice in one language. Earlier versions stay: consent
    records point at the version each participant read."""
    consultation = access_consultation(session, actor, consultation_id, "consultation.manage")
    if language not in consultation.languages:
        raise InvalidInput(errors={"language": N_("Choose one of the consultation's languages.")})
    problems = {name: N_("Write this part of the notice.") for name in NOTICE_FIELDS if not (texts.get(name) or "").strip()}
    if problems:
        raise InvalidInput(errors=problems)
    current = latest_notice(session, consultation.id, language)  # type: ignore[arg-type]
    notice = Notice(
        consultation_id=consultation.id,  # type: ignore[arg-type]
        language=language,
        version=(current.version + 1) if current else 1,
        published_by_user_id=actor.user_id,
        **{name: texts[name].strip()[:4000] for name in NOTICE_FIELDS},  # type: ignore[arg-type]
    )
    session.add(notice)
    session.flush()
    record_audit(session, actor, "notice.publish", [("consultation", consultation.id), ("notice", notice.id)], {"language": language, "version": notice.version})
    session.commit()
    return notice
