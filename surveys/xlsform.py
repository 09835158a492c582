"""XLSForm import and export: the convention ODK and KoboToolbox users already have.

Baraza reads the common subset of XLSForm: `survey`, `choices` and `settings` sheets;
`select_one`, `select_multiple`, `text`, `integer`, `decimal`, `range`, `rank`, `note`,
`begin_group`/`end_group`; `relevant`, `constraint`, `required`; translated
`label::Language (code)` columns. A form that uses anything else is refused as a whole, with
the sheet, row and column of every problem and what to change: never half-imported.

The workbook is read cell by cell with openpyxl (so every message can point at a cell), then
the same bytes go through pyxform's own XLSForm to XForm conversion, so a form Baraza accepts
is one ODK tools accept too. Expressions go through `surveys.logic`, never `eval`.

Two Baraza extensions ride in extra columns other tools ignore: the labels of a scale's ends
(`baraza_min_label::…`, `baraza_max_label::…`) and the scorecard's "rating with a reason",
written as a `range` row and a `text` row named `<name>_reason`, both marked
`baraza_kind = rating_reason`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.support import NullTranslations
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from baraza.i18n import N_, language_name, translate
from surveys import logic
from surveys.definition import (
    CHOICE_KINDS,
    Choice,
    Definition,
    DefinitionError,
    Group,
    Question,
    check,
    export_problems,
    limit_constraint,
    normalise,
)

MAX_XLSX_BYTES = 2 * 1024 * 1024
# A zip that inflates a hundredfold is a bomb, not a form.
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 2000
SHEETS = ("survey", "choices", "settings")
SUPPORTED_TYPES = (
    "select_one, select_multiple, rank, text, integer, decimal, range, note, begin_group and end_group"
)
# Row types that record the device or person rather than ask a question.
METADATA_TYPES = frozenset(
    {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
     "start-geopoint", "imei", "uri:deviceid", "uri:email", "uri:username", "uri:phonenumber", "uri:subscriberid",
     "uri:simserial"}
)
TRUE_VALUES = frozenset({"yes", "true", "true()", "1"})
FALSE_VALUES = frozenset({"no", "false", "false()", "0", ""})
LANG_HEADER_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[^()]*)\)\s*$")
TRANSLATED = frozenset({"label", "hint", "constraint_message", "baraza_min_label", "baraza_max_label"})
SURVEY_COLUMNS = frozenset(
    {"type", "name", "required", "relevant", "constraint", "appearance", "parameters", "baraza_kind"} | TRANSLATED
)
CHOICE_COLUMNS = frozenset({"list_name", "name", "label"})
SETTINGS_COLUMNS = frozenset({"form_title", "form_id", "version", "default_language", "baraza_title"})
ALIASES = {
    "list name": "list_name",
    "constraint message": "constraint_message",
    "constraint_message": "constraint_message",
    "form title": "form_title",
    "form id": "form_id",
    "default language": "default_language",
}
TYPE_ALIASES = {
    "begin group": "begin_group",
    "end group": "end_group",
    "select one": "select_one",
    "select multiple": "select_multiple",
    "int": "integer",
    "string": "text",
}
REASON_SUFFIX = "_reason"


@dataclass(frozen=True)
class CellProblem:
    """Where an XLSForm goes wrong, in the terms a spreadsheet user sees."""

    sheet: str
    row: int | None
    column: str | None  # e.g. "D (relevant)"
    message: str  # marked with N_ (a Message with its values): translated where it is shown

    @property
    def text(self) -> str:
        """The place and the problem in one sentence (the refusal page shows them in columns)."""
        if self.row is not None and self.column:
            return N_("Sheet '%(sheet)s', row %(row)s, column %(column)s: %(problem)s", sheet=self.sheet, row=self.row, column=self.column, problem=self.message)
        if self.row is not None:
            return N_("Sheet '%(sheet)s', row %(row)s: %(problem)s", sheet=self.sheet, row=self.row, problem=self.message)
        if self.column:
            return N_("Sheet '%(sheet)s', column %(column)s: %(problem)s", sheet=self.sheet, column=self.column, problem=self.message)
        return N_("Sheet '%(sheet)s': %(problem)s", sheet=self.sheet, problem=self.message)

    @property
    def english(self) -> str:
        """The problem alone, in English (logs, tests)."""
        return translate(NullTranslations(), self.message)

    def __str__(self) -> str:
        return translate(NullTranslations(), self.text)


class XLSFormError(ValueError):
    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class _Column:
    index: int  # 1-based
    header: str
    base: str
    language: str | None  # a language code, or None for an untranslated column

    @property
    def where(self) -> str:
        return f"{get_column_letter(self.index)} ({self.header})"


@dataclass
class _Row:
    number: int
    cells: dict[int, str]

    def get(self, col: _Column | None) -> str:
        return self.cells.get(col.index, "") if col else ""


class _Sheet:
    def __init__(self, name: str, columns: list[_Column], rows: list[_Row]) -> None:
        self.name = name
        self.columns = columns
        self.rows = rows

    def column(self, base: str, language: str | None = None) -> _Column | None:
        return next((c for c in self.columns if c.base == base and c.language == language), None)

    def translated(self, base: str) -> list[_Column]:
        return [c for c in self.columns if c.base == base]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Reader:
    def __init__(self, fallback_language: str) -> None:
        self.problems: list[CellProblem] = []
        self.fallback_language = fallback_language

    def problem(self, sheet: str, row: int | None, column: _Column | str | None, message: str) -> None:
        where = column.where if isinstance(column, _Column) else column
        self.problems.append(CellProblem(sheet, row, where, message))

    # Workbook --------------------------------------------------------------------------------

    def load(self, data: bytes) -> dict[str, _Sheet]:
        if len(data) > MAX_XLSX_BYTES:
            self.problem("", None, None, N_("The file is larger than 2 MB; an XLSForm is much smaller. Check it is the right file."))
            return {}
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                    self.problem("", None, None, N_("The workbook unpacks to far more than a form needs; it was not opened."))
                    return {}
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable upload is the sender's error
            self.problem("", None, None, N_("This is not an Excel workbook (.xlsx). Save the form as .xlsx and upload it again."))
            return {}
        sheets: dict[str, _Sheet] = {}
        try:
            for ws in book.worksheets:
                name = ws.title.strip()
                key = name.lower()
                if key not in SHEETS:
                    if any(_cell_text(v) for row in ws.iter_rows(max_row=MAX_ROWS, values_only=True) for v in row):
                        self.problem(name, None, None, N_("Baraza reads only the survey, choices and settings sheets: remove this sheet."))
                    continue
                sheets[key] = self._sheet(key, ws)
        finally:
            book.close()
        if "survey" not in sheets:
            self.problem("survey", None, None, N_("The workbook has no 'survey' sheet."))
        return sheets

    def _sheet(self, name: str, ws: Any) -> _Sheet:
        rows_iter = ws.iter_rows(values_only=True)
        header = next(rows_iter, None) or ()
        columns: list[_Column] = []
        for index, raw in enumerate(header, start=1):
            text = _cell_text(raw)
            if not text:
                continue
            base, _, lang_part = text.partition("::")
            base = base.strip().lower()
            base = ALIASES.get(base, base)
            language: str | None = None
            column = _Column(index, text, base, None)
            if lang_part:
                match = LANG_HEADER_RE.match(lang_part)
                code = match.group("code").strip().lower() if match else ""
                if not re.fullmatch(r"[a-z]{2,3}", code):
                    self.problem(name, 1, column, N_("Write the language with its two-letter code in brackets, for example 'label::English (en)'."))
                    continue
                language = code
            columns.append(_Column(index, text, base, language))
        rows: list[_Row] = []
        for number, values in enumerate(rows_iter, start=2):
            if number > MAX_ROWS + 1:
                self.problem(name, number, None, N_("Baraza reads at most %(max)s rows per sheet.", max=MAX_ROWS))
                break
            cells = {c.index: _cell_text(values[c.index - 1]) for c in columns if c.index - 1 < len(values)}
            if any(cells.values()):
                rows.append(_Row(number, cells))
        return _Sheet(name, columns, rows)

    # Columns ---------------------------------------------------------------------------------

    def check_columns(self, sheet: _Sheet, allowed: frozenset[str], what: str) -> None:
        for col in sheet.columns:
            if col.base.startswith("$") or col.base.startswith("_"):
                continue  # KoboToolbox's own bookkeeping ($kuid, $autoname)
            if col.base in allowed and (col.language is None or col.base in TRANSLATED or col.base == "baraza_title"):
                continue
            used = next((r for r in sheet.rows if r.get(col)), None)
            if used is None:
                continue
            if col.language is not None and col.base not in TRANSLATED:
                message = N_("The column '%(column)s' cannot be translated; use a single '%(column)s' column.", column=col.base)
            else:
                message = N_("The column '%(column)s' is not supported in the %(sheet)s sheet; empty or remove it.", column=col.header, sheet=what)
            self.problem(sheet.name, used.number, col, message)

    def languages(self, sheets: dict[str, _Sheet], settings: dict[str, str]) -> list[str]:
        default = ""
        raw_default = settings.get("default_language", "")
        if raw_default:
            match = LANG_HEADER_RE.match(raw_default)
            default = match.group("code").strip().lower() if match else ""
            if not re.fullmatch(r"[a-z]{2,3}", default):
                self.problem("settings", 2, "default_language", N_("Write the default language as in the label columns, for example 'English (en)'."))
                default = ""
        found: list[str] = []
        plain = False
        for sheet in sheets.values():
            for col in sheet.columns:
                if col.base in TRANSLATED or col.base == "baraza_title":
                    if col.language is None:
                        plain = plain or col.base == "label"
                    elif col.language not in found:
                        found.append(col.language)
        if plain:
            default = default or (self.fallback_language if self.fallback_language not in found else "")
            if not default or default in found:
                self.problem("survey", 1, "label", N_("Use either 'label' or 'label::Language (code)' columns for one language, not both."))
                default = default or self.fallback_language
        if not default:
            default = found[0] if found else self.fallback_language
        return [default] + [lang for lang in found if lang != default]

    def texts(self, sheet: _Sheet, row: _Row, base: str, default: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for col in sheet.translated(base):
            value = row.get(col)
            if value:
                out[col.language or default] = value
        return out


def _parse_parameters(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in re.split(r"[\s;,]+", text.strip()):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(part)
        out[key.strip().lower()] = value.strip()
    return out


def _number(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


def import_xlsform(data: bytes, *, fallback_language: str = "en", left_out: list[str] | None = None) -> Definition:
    """Read an XLSForm into a survey definition, or raise XLSFormError listing every problem.

    `fallback_language` is the language of untranslated `label` columns when the settings
    sheet names no default language (the consultation's first language). Rows that would
    record the device or the person (`start`, `end`, `deviceid`...: Kobo and ODK put them in
    almost every form) are left out, never imported: Baraza does not collect them (data
    minimisation). Their types are added to `left_out`, for the page to say so.
    """
    reader = _Reader(fallback_language)
    sheets = reader.load(data)
    if reader.problems:
        raise XLSFormError(reader.problems)
    survey = sheets["survey"]
    choices_sheet = sheets.get("choices")
    settings_sheet = sheets.get("settings")

    reader.check_columns(survey, SURVEY_COLUMNS, "survey")
    if choices_sheet:
        reader.check_columns(choices_sheet, CHOICE_COLUMNS, "choices")
    settings: dict[str, str] = {}
    if settings_sheet:
        reader.check_columns(settings_sheet, SETTINGS_COLUMNS, "settings")
        first = settings_sheet.rows[0] if settings_sheet.rows else None
        if first:
            for setting_col in settings_sheet.columns:
                if setting_col.language is None:
                    settings[setting_col.base] = first.get(setting_col)
    languages = reader.languages(sheets, settings)
    default = languages[0]

    for needed in ("type", "name"):
        if survey.column(needed) is None:
            reader.problem("survey", 1, None, N_("The survey sheet needs a '%(column)s' column.", column=needed))
    if not survey.translated("label"):
        reader.problem("survey", 1, None, N_("The survey sheet needs a 'label' or 'label::Language (code)' column."))
    if reader.problems:
        raise XLSFormError(reader.problems)

    lists = _read_choices(reader, choices_sheet, default)
    col = {name: survey.column(name) for name in ("type", "name", "required", "relevant", "constraint", "appearance", "parameters", "baraza_kind")}

    groups: list[Group] = []
    rows_of: dict[str, int] = {}
    choice_rows: dict[tuple[str, str], int] = {}
    for list_name, (items, rows) in lists.items():
        for item, number in zip(items, rows, strict=True):
            choice_rows[(list_name, item.name)] = number
    current: Group | None = None
    loose: Group | None = None
    pending_reason: tuple[Question, _Row] | None = None

    def loose_group() -> Group:
        nonlocal loose
        if loose is None:
            loose = Group(name=f"screen_{len(groups) + 1}", implicit=True)
            groups.append(loose)
        return loose

    for row in survey.rows:
        raw_type = re.sub(r"\s+", " ", row.get(col["type"])).strip()
        name = row.get(col["name"])
        kind_word, _, list_part = raw_type.partition(" ")
        kind_word = TYPE_ALIASES.get(raw_type.lower(), TYPE_ALIASES.get(kind_word.lower(), kind_word.lower()))
        if raw_type.lower() in TYPE_ALIASES:
            list_part = ""
        elif kind_word in {"select_one", "select_multiple"} and raw_type.lower().startswith(("select one ", "select multiple ")):
            list_part = raw_type.split(" ", 2)[2] if raw_type.count(" ") >= 2 else ""
        list_name = list_part.strip()
        where_type = col["type"]
        baraza_kind = row.get(col["baraza_kind"])

        if pending_reason is not None:
            rated, first_row = pending_reason
            pending_reason = None
            if kind_word == "text" and name == rated.name + REASON_SUFFIX and baraza_kind == "rating_reason":
                _read_reason(reader, survey, row, col, rated, default)
                continue
            reader.problem("survey", first_row.number, col["baraza_kind"],
                           N_("A rating with a reason needs the next row to be a text question named '%(name)s' marked rating_reason.", name=rated.name + REASON_SUFFIX))

        if not raw_type:
            reader.problem("survey", row.number, where_type, N_("This row has no type; give it one or delete the row."))
            continue
        if kind_word in METADATA_TYPES:
            if left_out is not None:
                left_out.append(raw_type)
            continue
        if kind_word == "begin_group":
            if current is not None:
                reader.problem("survey", row.number, where_type, N_("Groups inside groups are not supported: end the outer group first, so each group is one screen."))
                continue
            appearance = row.get(col["appearance"])
            if appearance not in {"", "field-list"}:
                reader.problem("survey", row.number, col["appearance"], N_("The appearance '%(appearance)s' is not supported on a group; leave it empty or write field-list.", appearance=appearance))
            if row.get(col["constraint"]) or row.get(col["required"]) not in FALSE_VALUES:
                reader.problem("survey", row.number, col["constraint"] if row.get(col["constraint"]) else col["required"], N_("A group cannot have a constraint or be required; put these on its questions."))
            current = Group(name=name, label=reader.texts(survey, row, "label", default), relevant=row.get(col["relevant"]))
            rows_of[name] = row.number
            groups.append(current)
            loose = None
            continue
        if kind_word == "end_group":
            if current is None:
                reader.problem("survey", row.number, where_type, N_("This end_group has no begin_group before it."))
            current = None
            continue
        if kind_word in {"begin_repeat", "end_repeat"}:
            reader.problem("survey", row.number, where_type, N_("Repeats are not supported: ask the question a fixed number of times or use a number question."))
            continue

        question = _read_question(reader, survey, row, col, kind_word, raw_type, list_name, lists, default)
        if question is None:
            continue
        rows_of.setdefault(question.name, row.number)
        (current or loose_group()).questions.append(question)
        if question.kind == "rating_reason":
            pending_reason = (question, row)

    if pending_reason is not None:
        rated, first_row = pending_reason
        reader.problem("survey", first_row.number, col["baraza_kind"],
                       N_("A rating with a reason needs the next row to be a text question named '%(name)s' marked rating_reason.", name=rated.name + REASON_SUFFIX))
    if current is not None:
        reader.problem("survey", rows_of.get(current.name), col["type"], N_("The group '%(name)s' has no end_group.", name=current.name))
    if reader.problems:
        raise XLSFormError(reader.problems)

    title = {}
    if settings.get("form_title"):
        title[default] = settings["form_title"]
    if settings_sheet and settings_sheet.rows:
        for c in settings_sheet.translated("baraza_title"):
            value = settings_sheet.rows[0].get(c)
            if value and c.language:
                title[c.language] = value
    definition = Definition(
        languages=languages,
        title=title,
        groups=groups,
        form_id=settings.get("form_id") or "baraza_survey",
        version=settings.get("version", ""),
    )
    problems = []
    try:
        normalise(definition)
        problems = check(definition)
    except DefinitionError as exc:
        problems = exc.problems
    if problems:
        raise XLSFormError([_locate(p, survey, col, rows_of, choice_rows, definition) for p in problems])
    _pyxform_gate(data)
    return definition


def _read_choices(reader: _Reader, sheet: _Sheet | None, default: str) -> dict[str, tuple[list[Choice], list[int]]]:
    lists: dict[str, tuple[list[Choice], list[int]]] = {}
    if sheet is None:
        return lists
    list_col = sheet.column("list_name")
    name_col = sheet.column("name")
    if list_col is None or name_col is None:
        reader.problem("choices", 1, None, N_("The choices sheet needs 'list_name' and 'name' columns."))
        return lists
    for row in sheet.rows:
        list_name = row.get(list_col)
        name = row.get(name_col)
        if not list_name:
            reader.problem("choices", row.number, list_col, N_("This option has no list_name."))
            continue
        if not name:
            reader.problem("choices", row.number, name_col, N_("This option has no name."))
            continue
        items, rows = lists.setdefault(list_name, ([], []))
        if any(c.name == name for c in items):
            reader.problem("choices", row.number, name_col, N_("The option '%(name)s' appears twice in the list '%(list)s'; give each option its own name.", name=name, list=list_name))
            continue
        items.append(Choice(name=name, label=reader.texts(sheet, row, "label", default)))
        rows.append(row.number)
    return lists


def _read_question(
    reader: _Reader,
    sheet: _Sheet,
    row: _Row,
    col: dict[str, _Column | None],
    kind_word: str,
    raw_type: str,
    list_name: str,
    lists: dict[str, tuple[list[Choice], list[int]]],
    default: str,
) -> Question | None:
    appearance = row.get(col["appearance"])
    parameters = row.get(col["parameters"])
    baraza_kind = row.get(col["baraza_kind"])
    required_raw = row.get(col["required"]).lower()
    kind: str
    if kind_word in {"select_one", "select_multiple", "rank"}:
        kind = {"select_one": "single_choice", "select_multiple": "multiple_choice", "rank": "ranking"}[kind_word]
        if not list_name or " " in list_name:
            reader.problem("survey", row.number, col["type"], N_("Write '%(type)s' followed by the name of a list from the choices sheet.", type=kind_word))
            return None
        if list_name not in lists:
            reader.problem("survey", row.number, col["type"], N_("The choices sheet has no list called '%(list)s'.", list=list_name))
            return None
    elif kind_word in {"select_one_from_file", "select_multiple_from_file", "select_one_external"}:
        reader.problem("survey", row.number, col["type"], N_("Options from a separate file are not supported: put the options in the choices sheet."))
        return None
    elif kind_word == "text" and not list_name:
        kind = "long_text" if appearance == "multiline" else "short_text"
    elif kind_word in {"integer", "decimal"} and not list_name:
        kind = "number"
    elif kind_word == "range" and not list_name:
        kind = "rating_reason" if baraza_kind == "rating_reason" else "scale"
    elif kind_word == "note" and not list_name:
        kind = "note"
    else:
        reader.problem("survey", row.number, col["type"], N_("The type '%(type)s' is not supported. Baraza supports %(supported)s.", type=raw_type, supported=SUPPORTED_TYPES))
        return None

    ok = True
    if appearance and not (kind == "long_text" and appearance == "multiline"):
        reader.problem("survey", row.number, col["appearance"], N_("The appearance '%(appearance)s' is not supported here; empty this cell.", appearance=appearance))
        ok = False
    if baraza_kind and baraza_kind != "rating_reason":
        reader.problem("survey", row.number, col["baraza_kind"], N_("baraza_kind can only be rating_reason, on a range row."))
        ok = False
    elif baraza_kind and kind != "rating_reason":
        reader.problem("survey", row.number, col["baraza_kind"], N_("rating_reason marks a range row (followed by its reason row)."))
        ok = False
    if required_raw not in TRUE_VALUES | FALSE_VALUES:
        reader.problem("survey", row.number, col["required"], N_("Write yes or no: a condition in 'required' is not supported (use 'relevant' to ask the question only when it applies)."))
        ok = False
    if not row.get(col["name"]):
        reader.problem("survey", row.number, col["name"], N_("Every question needs a name."))
        ok = False
    q = Question(
        name=row.get(col["name"]),
        kind=kind,
        label=reader.texts(sheet, row, "label", default),
        hint=reader.texts(sheet, row, "hint", default),
        required=required_raw in TRUE_VALUES and kind != "note",
        relevant=row.get(col["relevant"]),
        constraint=row.get(col["constraint"]),
        constraint_message=reader.texts(sheet, row, "constraint_message", default),
        min_label=reader.texts(sheet, row, "baraza_min_label", default),
        max_label=reader.texts(sheet, row, "baraza_max_label", default),
    )
    for column_name, source in (("relevant", q.relevant), ("constraint", q.constraint)):
        if source:
            try:
                logic.parse(source)
            except logic.ExpressionError as exc:
                reader.problem("survey", row.number, col[column_name], N_("%(error)s.", error=exc.text))
                ok = False
    if kind == "note" and (q.constraint or required_raw in TRUE_VALUES):
        reader.problem("survey", row.number, col["constraint"] if q.constraint else col["required"], N_("A note has no answer, so it cannot be required or constrained."))
        ok = False
    if (q.min_label or q.max_label) and kind not in {"scale", "rating_reason"}:
        reader.problem("survey", row.number, None, N_("baraza_min_label and baraza_max_label only apply to range rows."))
        ok = False
    if kind in CHOICE_KINDS:
        items, _rows = lists[list_name]
        q.list_name = list_name
        q.choices = [Choice(name=c.name, label=dict(c.label)) for c in items]
    if kind in {"scale", "rating_reason"}:
        try:
            params = _parse_parameters(parameters)
            unknown = sorted(set(params) - {"start", "end", "step"})
            if unknown:
                raise ValueError(unknown[0])
            q.minimum = _number(params.get("start", "1"))
            q.maximum = _number(params.get("end", "10"))
            q.step = _number(params.get("step", "1"))
        except ValueError:
            reader.problem("survey", row.number, col["parameters"], N_("Write the range as start=1 end=5 step=1; other parameters are not supported."))
            ok = False
    elif parameters:
        reader.problem("survey", row.number, col["parameters"], N_("Parameters are only read on range rows; empty this cell."))
        ok = False
    return q if ok else None


def _read_reason(reader: _Reader, sheet: _Sheet, row: _Row, col: dict[str, _Column | None], q: Question, default: str) -> None:
    q.reason_label = reader.texts(sheet, row, "label", default)
    for column_name in ("relevant", "required", "parameters", "hint", "constraint_message"):
        if column_name in col and row.get(col[column_name]) and column_name != "required":
            reader.problem("survey", row.number, col[column_name], N_("The reason row of a rating takes only a label and a length limit."))
    if row.get(col["required"]) not in FALSE_VALUES:
        reader.problem("survey", row.number, col["required"], N_("The reason of a rating is never required; empty this cell."))
    if row.get(col["appearance"]) not in {"", "multiline"}:
        reader.problem("survey", row.number, col["appearance"], N_("The reason row only takes the appearance multiline."))
    source = row.get(col["constraint"])
    if source:
        try:
            tree = logic.parse(source)
        except logic.ExpressionError as exc:
            reader.problem("survey", row.number, col["constraint"], N_("%(error)s.", error=exc.text))
            return
        for part in logic.conjuncts(tree):
            if (
                isinstance(part, logic.Compare)
                and part.op in {"<=", ">="}
                and isinstance(part.left, logic.StringLength)
                and isinstance(part.left.ref, logic.Self)
                and isinstance(part.right, logic.Literal)
                and isinstance(part.right.value, float)
                and part.right.value.is_integer()
            ):
                setattr(q, "max_length" if part.op == "<=" else "min_length", int(part.right.value))
            else:
                reader.problem("survey", row.number, col["constraint"], N_("The reason of a rating only takes string-length(.) limits."))


def _locate(
    problem: Any,
    survey: _Sheet,
    col: dict[str, _Column | None],
    rows_of: dict[str, int],
    choice_rows: dict[tuple[str, str], int],
    definition: Definition,
) -> CellProblem:
    where: str = problem.where
    if "/" in where:
        q_name, choice_name = where.split("/", 1)
        q = definition.question(q_name)
        number = choice_rows.get((q.list_name, choice_name)) if q else None
        return CellProblem("choices", number, "name" if problem.field == "name" else None, problem.message)
    if not where:
        return CellProblem("settings" if "title" in problem.message else "survey", None, None, problem.message)
    column = col.get(problem.field) if problem.field in col else None
    if problem.field == "label":
        column = next((c for c in survey.translated("label")), None)
    return CellProblem("survey", rows_of.get(where), column.where if column else problem.field or None, problem.message)


def _pyxform_gate(data: bytes) -> None:
    """The same workbook through pyxform: what Baraza accepts, ODK tools accept too."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        convert(xlsform=data, file_type=".xlsx", warnings=[])
    except PyXFormError as exc:
        raise XLSFormError([CellProblem("survey", None, None, N_("pyxform refused the form: %(error)s", error=str(exc)))]) from exc
    except Exception as exc:  # noqa: BLE001 - pyxform can fail on odd workbooks in many ways
        raise XLSFormError([CellProblem("survey", None, None, N_("pyxform could not read the form; check it opens in KoboToolbox or ODK."))]) from exc


# Export --------------------------------------------------------------------------------------------


def _language_header(lang: str) -> str:
    return f"{language_name(lang)} ({lang})"


def _constraint_text(q: Question) -> str:
    parts = [logic.parse(p) for p in limit_constraint(q)]
    if q.constraint:
        parts.extend(logic.conjuncts(logic.parse(q.constraint)))
    tree = logic.conjunction(parts)
    return logic.to_text(tree) if tree is not None else ""


def _list_names(definition: Definition) -> dict[str, str]:
    """question name -> list name in the export; questions sharing a list with the same
    options share it again, a list edited apart gets a name of its own."""
    chosen: dict[str, str] = {}
    contents: dict[str, list[tuple[str, tuple[tuple[str, str], ...]]]] = {}
    for q in definition.questions():
        if q.kind not in CHOICE_KINDS:
            continue
        key = [(c.name, tuple(sorted(c.label.items()))) for c in q.choices]
        base = q.list_name or q.name
        name = base
        n = 2
        while name in contents and contents[name] != key:  # type: ignore[comparison-overlap]
            name = f"{base}_{n}"
            n += 1
        contents[name] = key  # type: ignore[assignment]
        chosen[q.name] = name
    return chosen


def export_rows(definition: Definition) -> dict[str, list[dict[str, str]]]:
    """The workbook as rows of header -> text, sheet by sheet (also what the tests compare)."""
    langs = definition.languages
    default = definition.default_language
    lists = _list_names(definition)
    survey_rows: list[dict[str, str]] = []

    def texts(prefix: str, values: dict[str, str]) -> dict[str, str]:
        return {f"{prefix}::{_language_header(lang)}": values[lang] for lang in langs if values.get(lang)}

    for group in definition.groups:
        if not group.implicit:
            row = {"type": "begin_group", "name": group.name, "appearance": "field-list", **texts("label", group.label)}
            if group.relevant:
                row["relevant"] = group.relevant
            survey_rows.append(row)
        for q in group.questions:
            row = {"name": q.name, **texts("label", q.label), **texts("hint", q.hint)}
            if q.kind in CHOICE_KINDS:
                word = {"single_choice": "select_one", "multiple_choice": "select_multiple", "ranking": "rank"}[q.kind]
                row["type"] = f"{word} {lists[q.name]}"
            elif q.kind in {"short_text", "long_text"}:
                row["type"] = "text"
                if q.kind == "long_text":
                    row["appearance"] = "multiline"
            elif q.kind == "number":
                row["type"] = "decimal" if q.decimal else "integer"
            elif q.kind in {"scale", "rating_reason"}:
                lo, hi, step = q.scale_bounds
                row["type"] = "range"
                row["parameters"] = " ".join(f"{k}={logic.to_text(logic.Literal(float(v)))}" for k, v in (("start", lo), ("end", hi), ("step", step)))
                row.update(texts("baraza_min_label", q.min_label))
                row.update(texts("baraza_max_label", q.max_label))
            else:
                row["type"] = "note"
            if q.required:
                row["required"] = "yes"
            if q.relevant:
                row["relevant"] = q.relevant
            constraint = q.constraint if q.kind == "rating_reason" else _constraint_text(q)
            if constraint:
                row["constraint"] = constraint
                row.update(texts("constraint_message", q.constraint_message))
            if q.kind == "rating_reason":
                row["baraza_kind"] = "rating_reason"
            survey_rows.append(row)
            if q.kind == "rating_reason":
                reason = {"type": "text", "name": q.name + REASON_SUFFIX, "appearance": "multiline", "baraza_kind": "rating_reason", **texts("label", q.reason_label)}
                limits = ([f"string-length(.) >= {q.min_length}"] if q.min_length is not None else []) + (
                    [f"string-length(.) <= {q.max_length}"] if q.max_length is not None else []
                )
                if limits:
                    reason["constraint"] = " and ".join(limits)
                survey_rows.append(reason)
        if not group.implicit:
            survey_rows.append({"type": "end_group"})

    choice_rows: list[dict[str, str]] = []
    written: set[str] = set()
    for q in definition.questions():
        if q.kind not in CHOICE_KINDS or lists[q.name] in written:
            continue
        written.add(lists[q.name])
        for c in q.choices:
            choice_rows.append({"list_name": lists[q.name], "name": c.name, **texts("label", c.label)})

    settings = {"form_id": definition.form_id, "default_language": _language_header(default)}
    if definition.title.get(default):
        settings["form_title"] = definition.title[default]
    for lang in langs[1:]:
        if definition.title.get(lang):
            settings[f"baraza_title::{_language_header(lang)}"] = definition.title[lang]
    if definition.version:
        settings["version"] = definition.version
    return {"survey": survey_rows, "choices": choice_rows, "settings": [settings]}


def _headers(rows: list[dict[str, str]], preferred: list[str], always: Sequence[str] = ()) -> list[str]:
    seen: list[str] = list(always)
    for row in rows:
        for key in row:
            if key not in seen:
                seen.append(key)

    def order(header: str) -> tuple[int, int]:
        base = header.split("::")[0]
        rank = preferred.index(base) if base in preferred else len(preferred)
        return rank, seen.index(header)

    return sorted(seen, key=order)


SURVEY_ORDER = ["type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message", "appearance",
                "parameters", "baraza_kind", "baraza_min_label", "baraza_max_label"]


def export_xlsform(definition: Definition) -> bytes:
    """The survey as an XLSForm workbook (.xlsx bytes) that `import_xlsform` reads back; a
    draft the format cannot hold yet raises DefinitionError listing what to complete."""
    problems = export_problems(definition)
    if problems:
        raise DefinitionError(problems)
    sheets = export_rows(definition)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    preferred = {"survey": SURVEY_ORDER, "choices": ["list_name", "name", "label"], "settings": ["form_title", "form_id", "version", "default_language"]}
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        # The survey sheet's own columns even when no row fills them (a new survey, screens
        # without titles): the import asks for them.
        always = ["type", "name", f"label::{_language_header(definition.default_language)}"] if name == "survey" else []
        headers = _headers(rows, preferred[name], always)
        if name == "choices" and not headers:
            headers = ["list_name", "name", *[f"label::{_language_header(lang)}" for lang in definition.languages]]
        ws.append(headers)
        for row in rows:
            # Every cell is written as text: a label such as "=1+1" stays a label (no formula).
            ws.append([row.get(h, "") for h in headers])
        for cell_row in ws.iter_rows(min_row=1):
            for cell in cell_row:
                if isinstance(cell.value, str) and cell.value:
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
