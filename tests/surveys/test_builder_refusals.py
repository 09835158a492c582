"""The builder's refusals: a refused question or screen form comes back as typed with each
problem at its field; publishing refuses what young people could not answer and asks to
confirm what they would meet (another language, bare numbers); a scorecard needs its rating
(and its commitment, where the tracker offers them); XLSForm uploads without a file or with
problems say so on the page they came from; a closed survey says it is closed."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from sqlmodel import select

from surveys.definition import Definition, Group, Question
from surveys.models import Survey
from tests.conftest import post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_context
from tests.surveys.factories import make_survey, simple_definition
from tests.surveys.helpers import one
from tests.surveys.test_builder import _commitments_in_tracker, _token, facilitator_for, sign_in


class _Page(HTMLParser):
    """What a browser would show in a page's forms: each field's value (the selected option of a
    select, a textarea's text), and the text of elements by id."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.by_id: dict[str, str] = {}
        self._select: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._open_ids: list[tuple[str, str, int]] = []  # (id, tag, depth)
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in {"input", "br", "img", "meta", "link"}:
            self._depth += 1
            if a.get("id"):
                self._open_ids.append((a["id"], tag, self._depth))
                self.by_id.setdefault(a["id"], "")
        if tag == "input" and a.get("name"):
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values[a["name"]] = a.get("value") or "on"
            else:
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
            self._chosen = False
        elif tag == "option" and self._select is not None:
            # The selected option, else the first.
            if "selected" in a or self._select not in self.values:
                self.values[self._select] = a.get("value") or ""
            if "selected" in a and not self._chosen:
                self._chosen = True
                self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea or ""] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if tag not in {"input", "br", "img", "meta", "link"}:
            self._open_ids = [(i, t, d) for i, t, d in self._open_ids if d < self._depth]
            self._depth -= 1

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        for i, _t, _d in self._open_ids:
            self.by_id[i] += data


def page(response) -> _Page:
    return _Page(response.text)


def stored(session) -> Definition:
    return Definition.from_dict(one(session, select(Survey)).definition)


def _draft(client, session, **kw):
    consultation = make_consultation(session, status="open", languages=["en", "fr"], **kw)
    survey = make_survey(session, consultation, published=False)
    sign_in(client, facilitator_for(session, consultation))
    return consultation, survey


# P5: the question and screen forms come back as typed ----------------------------------------------


STORY = {"label.en": "Tell us more", "label.fr": "Dites-nous en plus, en français", "max_length": "300"}


def test_an_unknown_question_in_a_written_condition_comes_back_as_typed(client, session):
    _c, survey = _draft(client, session)
    url = f"/surveys/{survey.id}/questions/story"
    before = stored(session).to_dict()
    refused = post_form(client, url, {**STORY, "relevant": "${unknown_q} = 'x'"}, token_from=url)
    assert refused.status_code == 400
    shown = page(refused)
    # The expression stays in its own box; nothing moves into the easy form.
    assert shown.values["relevant"] == "${unknown_q} = 'x'"
    assert shown.values["cond_question"] == "" and shown.values["cond_value"] == ""
    assert shown.values["label.fr"] == "Dites-nous en plus, en français"
    assert "which is not an earlier question" in html.unescape(shown.by_id["relevant-error"])
    # A message shown alone at its field starts as a sentence does (the check's own words start
    # lower case, written to follow a "question: " prefix in an import's list).
    assert html.unescape(shown.by_id["relevant-error"]).lstrip().startswith("The condition refers to 'unknown_q'")
    assert 'href="#relevant-error"' in refused.text and 'aria-invalid="true"' in refused.text
    assert stored(session).to_dict() == before


def test_a_value_without_its_question_is_refused_on_the_form_not_on_a_bare_page(client, session):
    _c, survey = _draft(client, session)
    url = f"/surveys/{survey.id}/questions/story"
    before = stored(session).to_dict()
    refused = post_form(client, url, {**STORY, "cond_question": "", "cond_op": "is_not", "cond_value": "x", "min_length": "abc"}, token_from=url)
    assert refused.status_code == 400
    assert "Back to the start" not in refused.text and f'action="/surveys/{survey.id}/questions/story"' in refused.text
    shown = page(refused)
    assert shown.values["cond_value"] == "x" and shown.values["cond_op"] == "is_not"
    assert shown.values["label.fr"] == "Dites-nous en plus, en français" and shown.values["max_length"] == "300"
    assert shown.values["min_length"] == "abc"  # a wrong number is shown as typed, with its problem
    assert "Choose the earlier question this value is about" in shown.by_id["cond_question-error"]
    assert "Enter a whole number." in shown.by_id["min_length-error"]
    summary = html.unescape(shown.by_id["error-summary"])
    assert "Choose the earlier question" in summary and "Enter a whole number." in summary
    assert stored(session).to_dict() == before


def test_a_wrong_easy_condition_keeps_every_field_and_a_right_one_saves(client, session):
    _c, survey = _draft(client, session)
    url = f"/surveys/{survey.id}/questions/age"
    fields = {"label.en": "Your age", "label.fr": "Votre âge", "minimum": "13", "maximum": "24", "cond_question": "colour", "cond_op": "is"}
    refused = post_form(client, url, {**fields, "cond_value": "purple"}, token_from=url)
    assert refused.status_code == 400
    shown = page(refused)
    assert (shown.values["cond_question"], shown.values["cond_op"], shown.values["cond_value"]) == ("colour", "is", "purple")
    assert "'purple' is not an option of 'colour'" in html.unescape(shown.by_id["relevant-error"])
    saved = post_form(client, url, {**fields, "cond_value": "blue"}, token_from=url)
    assert saved.status_code == 303
    assert stored(session).question("age").relevant == "${colour} = 'blue'"
    again = page(client.get(url))
    assert (again.values["cond_question"], again.values["cond_value"], again.values["relevant"]) == ("colour", "blue", "")


def test_the_screen_form_comes_back_as_typed(client, session):
    _c, survey = _draft(client, session)
    url = f"/surveys/{survey.id}/groups/second"
    before = stored(session).to_dict()
    for fields, error_id, message in (
        ({"relevant": "${unknown_q} = 'x'"}, "relevant-error", "which is not an earlier question"),
        ({"cond_question": "", "cond_op": "is", "cond_value": "x"}, "cond_question-error", "Choose the earlier question"),
    ):
        refused = post_form(client, url, {"label.en": "Second", "label.fr": "Deuxième écran", **fields}, token_from=url)
        assert refused.status_code == 400 and "Back to the start" not in refused.text
        shown = page(refused)
        assert shown.values["label.fr"] == "Deuxième écran"
        assert shown.values["relevant"] == fields.get("relevant", "") and shown.values["cond_value"] == fields.get("cond_value", "")
        assert message in html.unescape(shown.by_id[error_id])
        assert "The screen was not saved:" in refused.text
    assert stored(session).to_dict() == before


# P6, P13: publishing warns of gaps and asks to confirm them ---------------------------------------


def _complete_definition(languages: list[str]) -> Definition:
    """Every text in every language, the scale with words at both ends: nothing to warn of."""
    d = simple_definition(["en", "fr"])
    d.groups = [Group(name="first", label={"en": "First", "fr": "Premier"}, questions=[d.question("colour"), d.question("mood")])]
    d.languages = languages
    return d


def test_a_context_language_the_survey_lacks_is_named_and_confirmed_before_publishing(client, session):
    zaatari = make_context(session, name="Zaatari camp", languages=["ar"])
    city = make_context(session, name="Lyon", languages=["en", "fr"])
    consultation = make_consultation(session, status="open", languages=["en", "fr"], contexts=[city, zaatari])
    survey = make_survey(session, consultation, published=False, definition=_complete_definition(["en", "fr"]))
    sign_in(client, facilitator_for(session, consultation))
    base = f"/surveys/{survey.id}"
    gaps = html.unescape(page(client.get(base)).by_id["publish-gaps"])
    assert "Arabic: the survey has no texts in this language." in gaps
    assert "Young people in Zaatari camp who read Arabic will read them in English instead." in gaps
    assert "French" not in gaps and "Lyon" not in gaps
    asked = post_form(client, f"{base}/state/publish", {}, token_from=base)
    assert asked.status_code == 400 and "Publishing needs your confirmation" in html.unescape(asked.text)
    assert one(session, select(Survey)).status == "draft"
    published = post_form(client, f"{base}/state/publish", {"confirm_gaps": "yes"}, token_from=base)
    assert published.status_code == 303 and one(session, select(Survey)).status == "published"


def test_missing_translations_and_a_bare_scale_are_warned_of(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    definition = _complete_definition(["en", "fr"])
    definition.question("colour").label.pop("fr")
    definition.question("mood").min_label = {}
    definition.question("mood").max_label = {}
    survey = make_survey(session, consultation, published=False, definition=definition)
    sign_in(client, facilitator_for(session, consultation))
    base = f"/surveys/{survey.id}"
    gaps = html.unescape(page(client.get(base)).by_id["publish-gaps"])
    assert "French: 1 text is not translated" in gaps and "who read French will read them in English instead" in gaps
    assert "“How do you feel?”: the scale has no words at its ends, so phones show bare numbers from 1 to 5." in gaps
    assert post_form(client, f"{base}/state/publish", {}, token_from=base).status_code == 400
    assert post_form(client, f"{base}/state/publish", {"confirm_gaps": "yes"}, token_from=base).status_code == 303


def test_a_survey_without_gaps_publishes_at_once(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, published=False, definition=_complete_definition(["en", "fr"]))
    sign_in(client, facilitator_for(session, consultation))
    base = f"/surveys/{survey.id}"
    assert 'id="publish-gaps"' not in client.get(base).text
    assert post_form(client, f"{base}/state/publish", {}, token_from=base).status_code == 303


# P8: a scorecard needs its rating, and its commitment where the tracker offers them --------------


def _plain_draft(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    d = _complete_definition(["en", "fr"])
    survey = make_survey(session, consultation, published=False, definition=d)
    sign_in(client, facilitator_for(session, consultation))
    return consultation, survey, f"/surveys/{survey.id}"


def test_becoming_a_scorecard_starts_with_a_rating_and_its_reason(client, session):
    _c, _s, base = _plain_draft(client, session)
    assert post_form(client, f"{base}/scorecard", {"is_scorecard": "on"}, token_from=base).status_code == 303
    first = stored(session).groups[0].questions[0]
    assert first.kind == "rating_reason" and first.required
    assert first.label["en"] == "How far has the promise been kept?" and first.reason_label["en"] == "Why? (optional)"
    assert (first.min_label["en"], first.max_label["en"]) == ("Not at all", "Completely")
    assert first.reason_label.get("fr") != "Why? (optional)"  # never English written as French
    assert first.label.get("fr") == "Dans quelle mesure la promesse a-t-elle été tenue ?"
    # One use case, one transaction, one audit entry: the flag and its rating together.
    from baraza.audit.models import AuditEntry

    actions = [e.action for e in session.exec(select(AuditEntry)).all() if e.action.startswith("survey.")]
    assert actions.count("survey.scorecard_set") == 1 and "survey.edited" not in actions
    # Ticking it again adds nothing more.
    assert post_form(client, f"{base}/scorecard", {"is_scorecard": "on"}, token_from=base).status_code == 303
    assert sum(q.kind == "rating_reason" for q in stored(session).questions()) == 1


def test_a_scorecard_without_a_rating_is_not_published(client, session, app, monkeypatch):
    consultation, survey, base = _plain_draft(client, session)
    monkeypatch.delitem(app.state.baraza.registry.kinds, "tracker.commitment")  # no tracker installed
    session.get(Survey, survey.id).is_scorecard = True
    session.commit()
    refused = post_form(client, f"{base}/state/publish", {"confirm_gaps": "yes"}, token_from=base)
    assert refused.status_code == 400
    assert "a scorecard needs a “Rating with a reason” question" in html.unescape(refused.text)
    assert one(session, select(Survey)).status == "draft"
    # The use case refuses it too, whoever calls it (the rule lives there, not in the page).
    import pytest

    from baraza.errors import InvalidInput
    from surveys import services
    from tests.factories import actor_of

    with pytest.raises(InvalidInput) as refusal:
        services.do_publish_survey(session, actor_of(session, facilitator_for(session, consultation)), session.get(Survey, survey.id))
    assert any("Rating with a reason" in text for text in refusal.value.errors.values())
    session.rollback()
    # Without the tracker there is no commitment to choose: a scorecard with its rating publishes.
    d = stored(session)
    d.groups[0].questions.append(Question(name="rate", kind="rating_reason", required=True, minimum=1, maximum=5, step=1,
                                          label={"en": "Rate it", "fr": "Notez"}, reason_label={"en": "Why?", "fr": "Pourquoi ?"},
                                          min_label={"en": "Bad", "fr": "Mal"}, max_label={"en": "Good", "fr": "Bien"}))
    row = session.get(Survey, survey.id)
    row.definition = d.to_dict()
    session.commit()
    assert post_form(client, f"{base}/state/publish", {}, token_from=base).status_code == 303


def test_a_scorecard_needs_its_commitment_where_the_tracker_offers_them(client, session, app, monkeypatch):
    consultation, survey, base = _plain_draft(client, session)
    _commitments_in_tracker(app, monkeypatch, consultation.id)
    saved = post_form(client, f"{base}/scorecard", {"is_scorecard": "on"}, token_from=base)
    assert saved.status_code == 303
    assert "Choose the commitment it is about before publishing" in html.unescape(client.get(base).text)
    refused = post_form(client, f"{base}/state/publish", {"confirm_gaps": "yes"}, token_from=base)
    assert refused.status_code == 400 and "choose the commitment it is about" in html.unescape(refused.text)
    assert one(session, select(Survey)).status == "draft"
    post_form(client, f"{base}/scorecard", {"is_scorecard": "on", "commitment": "tracker.commitment:42"}, token_from=base)
    published = post_form(client, f"{base}/state/publish", {"confirm_gaps": "yes"}, token_from=base)
    assert published.status_code == 303 and one(session, select(Survey)).status == "published"


def test_a_published_survey_without_a_rating_cannot_become_a_scorecard(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, definition=_complete_definition(["en", "fr"]))
    sign_in(client, facilitator_for(session, consultation))
    base = f"/surveys/{survey.id}"
    refused = post_form(client, f"{base}/scorecard", {"is_scorecard": "on"}, token_from=base)
    assert refused.status_code == 400 and "duplicate it, make the copy a scorecard" in refused.text
    assert not one(session, select(Survey)).is_scorecard


# P15: XLSForm uploads without a file, or refused, on the page they came from -----------------------


def test_an_import_without_a_file_says_so(client, session):
    consultation, _s = _draft(client, session)
    refused = client.post("/surveys/import", data={"csrf_token": _token(client), "consultation_id": str(consultation.id)},
                          files={"file": ("", b"", "application/octet-stream")})
    assert refused.status_code == 400
    assert "no file was chosen" in refused.text and "not an Excel workbook" not in refused.text


def test_a_refused_replacement_comes_back_on_the_survey_page(client, session):
    from tests.surveys.fixtures import xlsforms

    _c, survey = _draft(client, session)
    base = f"/surveys/{survey.id}"
    before = one(session, select(Survey)).definition
    broken, expected = xlsforms.variant("bad_expression")
    refused = client.post(f"{base}/xlsform/upload", data={"csrf_token": _token(client, base)},
                          files={"file": ("broken.xlsx", broken, "application/octet-stream")})
    assert refused.status_code == 400
    shown = page(refused)
    assert f"<td>survey</td><td>{expected['row']}</td><td>G (relevant)</td>" in refused.text
    assert "Nothing was changed. Fix these places in the workbook" in shown.by_id["xlsform-refused"]
    assert f'action="{base}/xlsform/upload"' in refused.text and f'action="{base}/state/publish"' in refused.text
    nofile = client.post(f"{base}/xlsform/upload", data={"csrf_token": _token(client, base)},
                         files={"file": ("", b"", "application/octet-stream")})
    assert nofile.status_code == 400 and "no file was chosen" in page(nofile).by_id["xlsform-refused"]
    assert one(session, select(Survey)).definition == before


# P18: a closed survey says so --------------------------------------------------------------------------


def test_a_closed_survey_says_it_is_closed(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, status="closed")
    sign_in(client, facilitator_for(session, consultation))
    for url in (f"/surveys/{survey.id}", f"/surveys/{survey.id}/questions/colour", f"/surveys/{survey.id}/groups/first"):
        text = client.get(url).text
        assert "This survey is closed: it takes no more answers." in text, url
        assert "This survey is published" not in text, url


def test_a_language_the_draft_lacks_is_added_the_way_the_warning_says(client, session):
    """The consultation has Arabic, the draft was made before it: downloading the draft's
    XLSForm and uploading it again gives the draft every language of the consultation."""
    consultation = make_consultation(session, status="open", languages=["en", "fr", "ar"])
    survey = make_survey(session, consultation, published=False, definition=_complete_definition(["en", "fr"]))
    sign_in(client, facilitator_for(session, consultation))
    base = f"/surveys/{survey.id}"
    assert "Arabic: the survey has no texts in this language." in html.unescape(page(client.get(base)).by_id["publish-gaps"])
    workbook = client.get(f"{base}/xlsform").content
    replaced = client.post(f"{base}/xlsform/upload", data={"csrf_token": _token(client, base)},
                           files={"file": ("survey.xlsx", workbook, "application/octet-stream")})
    assert replaced.status_code == 303
    assert stored(session).languages == ["en", "fr", "ar"]
    assert "Arabic: 9 texts are not translated" in html.unescape(page(client.get(base)).by_id["publish-gaps"])


def test_a_title_refused_comes_back_on_the_builder_as_typed(client, session):
    _c, survey = _draft(client, session)
    base = f"/surveys/{survey.id}"
    before = stored(session).to_dict()
    refused = post_form(client, f"{base}/title", {"title.en": "", "title.fr": "Mon titre en français"}, token_from=base)
    assert refused.status_code == 400 and "Back to the start" not in refused.text
    assert "Give the survey a title in English, the survey&#39;s first language." in refused.text
    assert page(refused).values["title.fr"] == "Mon titre en français"
    assert stored(session).to_dict() == before
