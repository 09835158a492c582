"""CSV and XLSX files of a survey's responses: pseudonymised, consent-filtered, screened,
without what safeguarding holds, formula-safe.

- Only finished responses of participants counted by `analysable_participant_ids` (withdrawn
  and analysis-refused people are left out, SECURITY 21), and only those of the results page's
  view (its filters, within the exporter's contexts: `results.responses_in_view`).
- No internal id leaves: each respondent is a keyed pseudonym for this survey only.
- No timestamps finer than the day (a time of day can point at a person in a workshop).
- Written text only for those holding `responses.text` in the survey's scope (SECURITY 3),
  screened by the one screening function (`screen_for`, the registry's screen: insights' when
  installed) and written as screened, personal data masked by kind (SECURITY 12). Words the
  safeguarding queue holds are left out (`WrittenAnswers`, docs/safeguarding.md).
- Every text cell that a spreadsheet could run as a formula is neutralised (SECURITY 33).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from baraza.consultations.access import contexts_of
from baraza.consultations.models import Consultation
from baraza.consultations.screening import screen_for
from baraza.db import registry_of
from baraza.i18n import N_
from baraza.participation.keys import pseudonymise
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.safeguarding.services import held_sources, is_cleared, raise_concern
from baraza.screening import Screened, basic_screen
from baraza.settings import Settings
from surveys.definition import Definition, Question
from surveys.hooks import SOURCE as ANSWER  # the Ref kind written answers are raised under
from surveys.models import Survey, SurveyAnswer, SurveyResponse
from surveys.results import Filters
from surveys.validation import complete_ranking

FORMATS = ("csv", "xlsx")
# A cell is dangerous when its first non-blank character starts a formula; tab and carriage
# return at the very start are dangerous in themselves (they shift cells in some importers).
FORMULA_START = frozenset("=+-@")
_LEADING_BLANK = re.compile(r"^[\s\x00-\x1f\x7f\u00a0\u2000-\u200b\u3000\ufeff]*")
# Responses are read this many at a time: one query for them and one for their answers per
# chunk, never one per response (an export of 100,000 answers).
CHUNK = 500


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


class WrittenAnswers:
    """What the export may write of a young person's words: nothing of what the safeguarding
    queue holds (an open case, or one decided "referred" or "kept out"), and the rest as the
    one screening function leaves it, personal data masked by kind.

    A held answer's cell is left empty, exactly like a question nobody answered: the file then
    does not point at whose words were held, which would itself be sensitive (the row's context,
    age band, language and date narrow down a child who may be at risk). Words that read as a
    disclosure but that no person has read yet (stored before the screen flagged such words)
    are left out the same way and go to the queue now, as the insights pipeline does; words a
    person cleared ("no concern") are written, screened like any other. Raising a case writes
    in the caller's transaction; it does not commit."""

    def __init__(self, session: Session, consultation: Consultation) -> None:
        assert consultation.id is not None
        self.session = session
        self.consultation_id = consultation.id
        self.held = held_sources(session, consultation.id)
        # The same words in the same language screen the same ("no", "nada"): once per export.
        # Screening is most of an export's time (about 170 µs a text with insights' screen; the
        # registry offers no batch call, and insights' `screen_many` is the same loop).
        self._screened: dict[tuple[str, str | None], Screened] = {}

    def __call__(self, answer_id: int, text: str | None, language: str | None, context_id: int | None) -> str:
        if not text:
            return ""
        ref = Ref(ANSWER, answer_id)
        if ref in self.held:
            return ""
        screened = self._screened.get((text, language))
        if screened is None:
            screened = self._screened[(text, language)] = screen_for(self.session, self.consultation_id, text, language)
        if screened.disclosure and not is_cleared(self.session, ref):
            raise_concern(self.session, consultation_id=self.consultation_id, source=ref, reasons=screened.reasons, app="surveys",
                          context_id=context_id)
            self.held.add(ref)
            return ""
        return screened.text


def screened_by(session: Session) -> str:
    """Which screen masks the written answers: its module ("insights.screening"; the core's
    "baraza.screening" where no app replaced it), for the audit entry."""
    return getattr(registry_of(session).screener, "__module__", "") or "unknown"


def full_screening(session: Session) -> bool:
    """Whether an app (insights) replaced the core's screen, which finds no names or schools."""
    return registry_of(session).screener is not basic_screen


def describe(filters: Filters, contexts: dict[str, str], *, with_text: bool, full_screen: bool) -> list[str]:
    """What the file holds, as messages (translated where shown: the results page, the XLSX
    file's "about" sheet): which responses, how they are pseudonymised, how written answers
    are masked and that held ones are left out."""
    notes: list[str] = []
    view: list[str] = []
    if filters.context:
        view.append(contexts.get(filters.context, filters.context))
    if filters.age_band:
        view.append(N_("age band %(band)s", band=filters.age_band))
    if filters.gender:
        view.append(N_("gender %(gender)s", gender=filters.gender))
    if view:
        notes.append(N_("The file holds the finished responses of this view only: %(view)s.", view=view))
    else:
        notes.append(N_("The file holds every finished response you may see."))
    notes.append(N_("Pseudonymised, without people who withdrew or refused analysis. The download is recorded in the audit log."))
    if not with_text:
        notes.append(N_("Written answers are left out: reading them needs its own permission."))
        return notes
    if full_screen:
        notes.append(N_(
            "Written answers are screened as in the insights tools: names, schools, places, addresses, phone and ID numbers, "
            "e-mail addresses, links and handles are replaced by their kind, such as [name] or [school]."
        ))
    else:
        notes.append(N_(
            "Written answers have phone and ID numbers, e-mail addresses, links and handles replaced by their kind, such as "
            "[phone]; names and schools are not masked, because the insights tools that find them are not installed. "
            "Read them before sharing anything."
        ))
    notes.append(N_(
        "Written answers held for safeguarding review are left out: their cells are empty, as for a question nobody "
        "answered, so the file does not show whose words were held."
    ))
    return notes


def _slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def file_name(survey_id: int, fmt: str, filters: Filters, contexts: dict[str, str]) -> str:
    """"survey-3-responses-camp-b-age-16-17-girl.csv": the view the file holds, in its name
    (ASCII only: the name goes into a header). A context whose name has no ASCII letters is
    named by its id."""
    parts = [f"survey-{survey_id}-responses"]
    if filters.context:
        parts.append(_slug(contexts.get(filters.context, "")) or f"context-{_slug(filters.context)}")
    if filters.age_band:
        parts.append(f"age-{_slug(filters.age_band) or 'band'}")
    if filters.gender:
        parts.append(_slug(filters.gender) or "gender")
    return "-".join(parts) + f".{fmt}"


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
    response_ids: Sequence[int],
    *,
    written: WrittenAnswers | None,
) -> tuple[list[str], Iterator[list[Any]]]:
    """The export's header and rows, one per response of `response_ids` (the view's, from
    `results.responses_in_view`), in that order. Written answers only through `written` (None:
    no written answer at all, for those without `responses.text`)."""
    columns = columns_for(definition, with_text=written is not None)
    header = ["respondent", "context", "age_band", "gender", "language", "completed_on"] + [c[0] for c in columns]
    contexts = {c.id: c.name for c in contexts_of(session, consultation)}
    wanted = {q.name for _header, q, _part in columns}

    def rows() -> Iterator[list[Any]]:
        ids = list(response_ids)
        for chunk in (ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)):
            # Columns, not entities: nothing piles up in the session across 100,000 answers.
            responses = session.execute(
                sa_select(col(SurveyResponse.id), col(SurveyResponse.participant_id), col(SurveyResponse.context_id),
                          col(SurveyResponse.language), col(SurveyResponse.completed_at), col(Participant.age_band), col(Participant.gender))
                .join(Participant, col(Participant.id) == col(SurveyResponse.participant_id))
                .where(col(SurveyResponse.id).in_(chunk))
            ).all()
            by_id = {r[0]: r for r in responses}
            answers: dict[int, dict[str, tuple[int, Any, str | None]]] = {}
            for answer_id, response_id, question, value, text in session.execute(
                sa_select(col(SurveyAnswer.id), col(SurveyAnswer.response_id), col(SurveyAnswer.question), col(SurveyAnswer.value),
                          col(SurveyAnswer.text)).where(
                    col(SurveyAnswer.response_id).in_(chunk), col(SurveyAnswer.question).in_(wanted)
                )
            ).all():
                answers.setdefault(response_id, {})[question] = (answer_id, value, text)
            for response_id in chunk:
                found = by_id.get(response_id)
                if found is None:
                    continue
                _id, participant_id, context_id, language, completed_at, age_band, gender = found
                line: list[Any] = [
                    pseudonymise(settings, f"survey-{survey.id}", participant_id),
                    contexts.get(context_id, ""),
                    age_band or "",
                    gender or "",
                    language,
                    completed_at.date().isoformat() if completed_at else "",
                ]
                given = answers.get(response_id, {})
                for _header, q, part in columns:
                    line.append(_cell(q, given.get(q.name), part, written, language, context_id))
                yield [neutralise(v) for v in line]

    return header, rows()


def _cell(q: Question, answer: tuple[int, Any, str | None] | None, part: str, written: WrittenAnswers | None,
          language: str | None, context_id: int | None) -> Any:
    if answer is None:
        return ""
    answer_id, value, text = answer
    if part == "reason" or q.kind in {"short_text", "long_text"}:
        return written(answer_id, text, language, context_id) if written is not None else ""
    if q.kind == "rating_reason" and isinstance(value, dict):
        return value.get("rating")
    if q.kind == "ranking":
        # Only a complete ranking, as the results count them: a half-done one is left empty.
        order = complete_ranking(q, value)
        return " ".join(order) if order else ""
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


def to_xlsx(header: list[str], rows: Iterator[list[Any]], about: Sequence[str] = ()) -> tuple[bytes, int]:
    """The responses sheet first (what tools read by default), then `about`: what the file
    holds, a line per row, already translated."""
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
    if about:
        notes = book.create_sheet("about")
        for line in about:
            notes.append([ILLEGAL_CHARACTERS_RE.sub("", neutralise(line))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), count
