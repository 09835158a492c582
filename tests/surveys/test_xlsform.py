"""XLSForm import and export: the needs assessment round trip, pyxform agreement, and precise
refusals of what Baraza does not support (never half-imported)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from surveys.xlsform import XLSFormError, export_rows, export_xlsform, import_xlsform
from tests.surveys.factories import FIXTURES, simple_definition
from tests.surveys.fixtures import xlsforms


def test_the_committed_fixture_is_what_the_script_writes():
    committed = load_workbook(FIXTURES / "needs_assessment.xlsx")
    for name, rows in xlsforms.sheets().items():
        ws = committed[name]
        header = [c.value for c in next(ws.iter_rows(max_row=1))]
        found = [{h: v for h, v in zip(header, [c.value for c in r], strict=False) if v} for r in ws.iter_rows(min_row=2)]
        assert found == [{k: v for k, v in row.items() if v} for row in rows]


def test_the_needs_assessment_imports_with_groups_skip_logic_and_two_languages():
    definition = import_xlsform((FIXTURES / "needs_assessment.xlsx").read_bytes())
    assert definition.languages == ["en", "fr"]
    assert definition.title == {"en": "Youth needs assessment", "fr": "Évaluation des besoins des jeunes"}
    assert [g.name for g in definition.groups] == ["welcome", "about_you", "water", "needs", "education", "safety", "your_voice"]
    assert definition.group("education").relevant == "${age_band} != 'a21_24'"
    months = definition.question("months_displaced")
    assert (months.kind, months.minimum, months.maximum, months.relevant) == ("number", 0, 240, "${displaced} = 'yes'")
    assert months.constraint_message["fr"].startswith("Entrez")
    needs = definition.question("priority_needs")
    assert (needs.kind, needs.max_choices, needs.required, len(needs.choices)) == ("multiple_choice", 3, True, 8)
    assert definition.question("services_rank").kind == "ranking"
    water = definition.question("water_enough")
    assert (water.kind, water.scale_points, water.min_label["fr"]) == ("scale", [1, 2, 3, 4, 5], "Jamais assez")
    assert definition.question("safety_worries").kind == "long_text"
    assert definition.question("intro").kind == "note"


def test_it_exports_back_unchanged():
    original = xlsforms.sheets()
    definition = import_xlsform(xlsforms.needs_assessment())
    exported = export_rows(definition)
    for sheet in ("survey", "choices", "settings"):
        assert exported[sheet] == [{k: v for k, v in row.items() if v} for row in original[sheet]], sheet
    # ... and the exported workbook imports into the same survey.
    assert import_xlsform(export_xlsform(definition)).to_dict() == definition.to_dict()


def test_pyxform_accepts_every_export():
    for definition in (simple_definition(), import_xlsform(xlsforms.needs_assessment())):
        result = convert(xlsform=export_xlsform(definition), file_type=".xlsx", warnings=[])
        assert "<h:html" in result.xform


def test_a_survey_built_in_baraza_round_trips_with_every_question_kind():
    definition = simple_definition()
    definition.question("age").constraint = ". != 13"
    definition.question("age").constraint_message = {"en": "Not 13", "fr": "Pas 13"}
    definition.question("foods").min_choices = 1
    data = export_xlsform(definition)
    again = import_xlsform(data)
    assert again.to_dict() == definition.to_dict()
    kinds = {q.kind for q in again.questions()}
    assert kinds == {"single_choice", "short_text", "multiple_choice", "scale", "ranking", "number", "long_text", "rating_reason", "note"}


def test_export_cells_are_text_never_formulas():
    definition = simple_definition()
    definition.question("colour").label["en"] = "=HYPERLINK(\"http://evil\")"
    book = load_workbook(io.BytesIO(export_xlsform(definition)))
    cells = [c for row in book["survey"].iter_rows() for c in row if c.value and str(c.value).startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize("variant", xlsforms.VARIANTS)
def test_a_broken_form_is_refused_with_sheet_row_and_column(variant):
    data, expected = xlsforms.variant(variant)
    with pytest.raises(XLSFormError) as info:
        import_xlsform(data)
    problems = info.value.problems
    match = [p for p in problems if p.sheet == expected["sheet"] and p.row == expected["row"]]
    assert match, [str(p) for p in problems]
    problem = match[0]
    if expected["column"]:
        assert problem.column and expected["column"] in problem.column, str(problem)
    assert str(expected["word"]).lower() in problem.english.lower(), str(problem)


def test_all_problems_are_reported_at_once():
    data, _ = xlsforms.variant("unsupported_type")
    data2 = io.BytesIO(data)
    book = load_workbook(data2)
    ws = book["survey"]
    ws.append(["calculate", "total"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(XLSFormError) as info:
        import_xlsform(out.getvalue())
    assert len(info.value.problems) >= 2


@pytest.mark.parametrize(
    "data, word",
    [
        (b"not a workbook at all", "not an Excel workbook"),
        (b"PK\x03\x04garbage", "not an Excel workbook"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_files_that_are_not_forms_are_refused(data, word):
    with pytest.raises(XLSFormError) as info:
        import_xlsform(data)
    assert word in str(info.value)


def test_a_zip_bomb_is_not_opened():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(XLSFormError) as info:
        import_xlsform(out.getvalue())
    assert "unpacks to far more" in str(info.value)


def test_untranslated_label_columns_use_the_fallback_language():
    data = xlsforms.workbook_bytes({
        "survey": [{"type": "text", "name": "q1", "label": "Hello"}, {"type": "integer", "name": "q2", "label": "Age", "required": "TRUE()"}],
    })
    definition = import_xlsform(data, fallback_language="es")
    assert definition.languages == ["es"]
    assert definition.question("q1").label == {"es": "Hello"}
    assert definition.question("q2").required
    assert definition.groups[0].implicit  # questions outside a group become one screen


def test_kobo_bookkeeping_columns_are_ignored():
    sheets = xlsforms.sheets()
    for i, row in enumerate(sheets["survey"]):
        row["$kuid"] = f"k{i}"
    definition = import_xlsform(xlsforms.workbook_bytes(sheets))
    assert definition.question("age_band") is not None


def test_rows_that_record_the_device_or_person_are_left_out_and_named():
    """Kobo and ODK put start, end and deviceid rows in almost every form: the form imports
    without them (Baraza never records them), and the import says which were left out."""
    sheets = xlsforms.sheets()
    sheets["survey"] = [{"type": "start", "name": "start"}, {"type": "end", "name": "end"}, {"type": "deviceid", "name": "deviceid"}, *sheets["survey"]]
    left_out: list[str] = []
    definition = import_xlsform(xlsforms.workbook_bytes(sheets), left_out=left_out)
    assert left_out == ["start", "end", "deviceid"]
    assert {"start", "end", "deviceid"}.isdisjoint(q.name for q in definition.questions())
    assert definition.question("age_band") is not None


def test_a_draft_as_the_builder_leaves_it_exports_and_imports_back():
    """A new survey (no screen yet), screens without a title, and every kind of question as the
    builder completes it: each XLSForm download reads back as the same draft."""
    from surveys import builder
    from surveys.definition import QUESTION_KINDS, Choice, empty_definition, validated

    definition = validated(empty_definition(["en"], {"en": "New"}))
    assert import_xlsform(export_xlsform(definition)).to_dict() == definition.to_dict()
    builder.add_group(definition, {})  # an XLSForm's screen may have no title (an imported one)
    for kind in QUESTION_KINDS:
        group = builder.add_group(definition, {"en": f"About {kind}"})
        q = builder.add_question(definition, group.name, kind, {"en": f"A {kind} question"})
        q.choices = [Choice("yes", {"en": "Yes"})] if q.kind in {"single_choice", "multiple_choice", "ranking"} else []
        q.reason_label = {"en": "Why?"} if kind == "rating_reason" else {}
        assert builder.incomplete(q, "en", "English") == []
    definition = validated(definition)
    assert import_xlsform(export_xlsform(definition)).to_dict() == definition.to_dict()


def test_a_draft_an_xlsform_cannot_hold_yet_is_not_written():
    """A choice question just added (its options come next), a question without any text, a
    rating whose reason has no text: no workbook that its own import would refuse."""
    from surveys.definition import DefinitionError, Question

    definition = simple_definition(["en"])
    definition.question("colour").choices = []
    definition.groups[0].questions.append(Question(name="blank", kind="short_text"))
    definition.question("service").reason_label = {}
    with pytest.raises(DefinitionError) as refused:
        export_xlsform(definition)
    assert [str(p) for p in refused.value.problems] == [
        "colour: add at least one option",
        "blank: the question has no text in 'en'",
        "service: the reason question has no text in 'en'",
    ]
