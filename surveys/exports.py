"""CSV and XLSX files of a survey's responses: pseudonymised, consent-filtered, formula-safe.

- Only finished responses of participants counted by `analysable_participant_ids` (withdrawn
  and analysis-refused people are left out, SECURITY 21).
- No internal id leaves: each respondent is a keyed pseudonym for this survey only.
- No timestamps finer than the day (a time of day can point at a person in a workshop).
- Written text only for those holding `responses.text` in the survey's scope (SECURITY 3),
  with e-mail addresses, phone numbers and links masked; the full screening of personal data
  belongs to the insights pipeline.
- Every text cell that a spreadsheet could run as a formula is neutralised (SECURITY 33).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import Session, col, select

from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.participation.api import analysable_participant_ids
from baraza.participation.keys import pseudonymise
from baraza.participation.models import Participant
from baraza.settings import Settings
from surveys.definition import Definition, Question
from surveys.models import ResponseStatus, Survey, SurveyAnswer, SurveyResponse

FORMATS = ("csv", "xlsx")
# A cell is dangerous when its first non-blank character starts a formula; tab and carriage
# return at the very start are dangerous in themselves (they shift cells in some importers).
FORMULA_START = frozenset("=+-@")
_LEADING_BLANK = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u2000-\u200b\u3000\ufeff]*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)


def neutralise(value: Any) -> Any:
    """Make a cell inert in spreadsheets: text that would start a formula gets a leading quote.

    Numbers stay numbers (the export writes numeric answers as numbers, never as text).
    """
    if value is None or isinstance(value, bool):
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, int | float):
        return value
    text = str(value)
    if not text:
        return text
    stripped = _LEADING_BLANK.sub("", text)
    if text[0] in "\t\r" or (stripped and stripped[0] in FORMULA_START) or text[0] in FORMULA_START:
        return "'" + text
    return text


def mask_contacts(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    return _PHONE.sub("[phone]", text)


def columns_for(definition: Definition, *, with_text: bool) -> list[tuple[str, Question, str]]:
    """(header, question, part) for each answer column; part is "", "reason"."""
    out: list[tuple[str, Question, str]] = []
    for q in definition.questions():
        if not q.answers:
            continue
        if q.is_free_text and q.kind != "rating_reason" and not with_text:
            continue
        out.append((q.name, q, ""))
        if q.kind == "rating_reason" and with_text:
            out.append((f"{q.name}_reason", q, "reason"))
    return out


def response_rows(
    session: Session,
    settings: Settings,
    survey: Survey,
    consultation: Consultation,
    definition: Definition,
    *,
    with_text: bool,
    context_ids: list[int] | None = None,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The export's header and rows; `context_ids` limits it to the contexts the exporter may see."""
    columns = columns_for(definition, with_text=with_text)
    header = ["respondent", "context", "age_band", "gender", "language", "completed_on"] + [c[0] for c in columns]
    contexts = {c.id: c.name for c in contexts_of(session, consultation)}
    responses = session.exec(
        select(SurveyResponse, Participant)
        .join(Participant, col(Participant.id) == col(SurveyResponse.participant_id))
        .where(
            SurveyResponse.survey_id == survey.id,
            SurveyResponse.status == ResponseStatus.COMPLETE.value,
            col(SurveyResponse.participant_id).in_(analysable_participant_ids(consultation.id)),  # type: ignore[arg-type]
            *([] if context_ids is None else [col(SurveyResponse.context_id).in_(context_ids)]),
        )
        .order_by(col(SurveyResponse.id))
    ).all()

    def rows() -> Iterator[list[Any]]:
        for response, participant in responses:
            answers = {
                a.question: a
                for a in session.exec(select(SurveyAnswer).where(SurveyAnswer.response_id == response.id)).all()
            }
            line: list[Any] = [
                pseudonymise(settings, f"survey-{survey.id}", participant.id),  # type: ignore[arg-type]
                contexts.get(response.context_id, ""),
                participant.age_band or "",
                participant.gender or "",
                response.language,
                response.completed_at.date().isoformat() if response.completed_at else "",
            ]
            for _header, q, part in columns:
                line.append(_cell(q, answers.get(q.name), part))
            yield [neutralise(v) for v in line]

    return header, rows()


def _cell(q: Question, answer: SurveyAnswer | None, part: str) -> Any:
    if answer is None:
        return ""
    if part == "reason":
        return mask_contacts(answer.text or "")
    if q.kind in {"short_text", "long_text"}:
        return mask_contacts(answer.text or "")
    value = answer.value
    if q.kind == "rating_reason" and isinstance(value, dict):
        return value.get("rating")
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return value


def to_csv(header: list[str], rows: Iterator[list[Any]]) -> tuple[bytes, int]:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    # A byte order mark, so spreadsheet programs read the text as UTF-8 (Arabic, accents).
    return ("\ufeff" + out.getvalue()).encode("utf-8"), count


def to_xlsx(header: list[str], rows: Iterator[list[Any]]) -> tuple[bytes, int]:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    sheet.append([neutralise(h) for h in header])
    count = 0
    for row in rows:
        # neutralise() has run on every cell, so no text starts with "=": openpyxl stores
        # text beginning with "=" as a formula, and nothing here can. Control characters
        # (which a spreadsheet file cannot hold) are dropped after the quote was added.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        count += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count
