"""What the workshops views share: ids from the path, texts per language from forms, the
language a participant's page speaks, a timer's time left, and labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request

from baraza.consultations.models import Consultation
from baraza.db import utcnow
from baraza.errors import NotFound
from baraza.i18n import N_, language_name
from baraza.participation.api import page_language
from baraza.web import form_text
from workshops.models import Activity
from workshops.services import consultation_languages

MAX_ID = 2**31 - 1

STATUS_LABELS = {"draft": N_("Draft"), "live": N_("Running"), "ended": N_("Ended")}
STATE_LABELS = {"pending": N_("Not reached yet"), "open": N_("Open"), "closed": N_("Closed")}
REVEAL_LABELS = {"live": N_("As answers come in"), "on_reveal": N_("Only when I reveal them")}
MODERATION_LABELS = {"post": N_("Show notes at once; I can hide one"), "pre": N_("Notes wait until I show them")}


def path_id(request: Request, name: str) -> int:
    value = int(request.path_params[name])
    if not 0 < value <= MAX_ID:
        raise NotFound()  # an id no table holds, and too large for SQLite to compare
    return value


def languages_of(consultation: Consultation) -> list[str]:
    return consultation_languages(consultation)


def language_choices(languages: Sequence[str]) -> list[tuple[str, str]]:
    return [(lang, language_name(lang)) for lang in languages]


def form_texts(request: Request, prefix: str, languages: Sequence[str], *, max_length: int, multiline: bool = False) -> dict[str, str]:
    """`{lang: text}` from fields named `<prefix>.<lang>`, for the consultation's languages only
    (nothing else in the form is read)."""
    out: dict[str, str] = {}
    for lang in languages:
        raw = request.state.form.get(f"{prefix}.{lang}", "")
        if not isinstance(raw, str):
            continue
        if multiline:
            value = "\n".join(line.rstrip() for line in raw.strip().splitlines())
            if len(value) > max_length:
                from baraza.errors import InvalidInput

                raise InvalidInput(errors={f"{prefix}.{lang}": N_("Keep this under %(max)s characters.", max=max_length)})
        else:
            value = form_text(request, f"{prefix}.{lang}", max_length=max_length)
        if value:
            out[lang] = value
    return out


def participant_language(request: Request, consultation: Consultation, participant_language: str | None) -> str:
    """The language of a participant's page among the consultation's (the core's
    `page_language`: the phone's switch, the language they joined in, the browser's wish)."""
    return page_language(request, languages_of(consultation), participant_language, consultation.default_language)


def iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def seconds_left(activity: Activity | None) -> int | None:
    if activity is None or activity.timer_ends_at is None:
        return None
    return max(0, int((activity.timer_ends_at - utcnow()).total_seconds()))


def clock(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"
