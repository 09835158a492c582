"""The builder: creating, editing, previewing, publishing, closing, duplicating, XLSForm."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from surveys.definition import Definition
from surveys.models import Survey
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_user
from tests.surveys.factories import make_survey
from tests.surveys.helpers import one, read


def facilitator_for(session, consultation, **kw):
    return make_user(session, role="facilitator", scope="consultation", scope_ref=consultation.id, **kw)


def sign_in(client, user):
    login(client, user.email, PASSWORD)


def test_builder_pages_render_for_a_facilitator(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, published=False)
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    for url in [
        "/surveys/",
        f"/surveys/{survey.id}",
        f"/surveys/{survey.id}/questions/colour",
        f"/surveys/{survey.id}/questions/foods",
        f"/surveys/{survey.id}/questions/mood",
        f"/surveys/{survey.id}/questions/order",
        f"/surveys/{survey.id}/questions/age",
        f"/surveys/{survey.id}/questions/story",
        f"/surveys/{survey.id}/questions/service",
        f"/surveys/{survey.id}/questions/thanks",
        f"/surveys/{survey.id}/groups/first",
        f"/surveys/{survey.id}/preview",
        f"/surveys/{survey.id}/preview?screen=second&lang=fr",
        f"/surveys/{survey.id}/results",
        f"/surveys/{survey.id}/qr.svg",
        f"/surveys/{survey.id}/xlsform",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:3000])


def test_deleting_a_screen_or_a_question_asks_first(client, session):
    """A delete takes a question's texts in every language (a screen's, all its questions):
    its button only opens a confirmation, whose own button deletes."""
    import re

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, published=False)
    sign_in(client, facilitator_for(session, consultation))
    page = client.get(f"/surveys/{survey.id}").text
    deletes = re.findall(r'<input type="hidden" name="action" value="delete">', page)
    confirmed = re.findall(r'<details class="confirm-delete"><summary>.*?</summary>\s*<form [^>]*>.*?name="action" value="delete">.*?Yes, delete it</button></form>', page, re.S)
    assert deletes and len(confirmed) == len(deletes)


def _token(client, path="/surveys/"):
    from tests.conftest import csrf_from

    return csrf_from(client.get(path).text)


def test_a_facilitator_builds_publishes_closes_and_duplicates(client, session):
    from baraza.audit.models import AuditEntry

    consultation = make_consultation(session, status="open", languages=["en", "ar"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    created = post_form(client, "/surveys/new", {"consultation_id": consultation.id, "title": "Water and safety"}, token_from="/surveys/")
    assert created.status_code == 303
    survey = one(session, select(Survey))
    base = f"/surveys/{survey.id}"
    assert created.headers["location"] == base
    assert post_form(client, f"{base}/groups", {"label.en": "About water", "label.ar": "عن الماء"}, token_from=base).status_code == 303
    d = Definition.from_dict(one(session, select(Survey)).definition)
    group = d.groups[0].name
    added = post_form(client, f"{base}/questions", {"group": group, "kind": "single_choice", "label.en": "Where do you get water?"}, token_from=base)
    assert added.status_code == 303
    name = Definition.from_dict(one(session, select(Survey)).definition).groups[0].questions[0].name
    assert added.headers["location"] == f"{base}/questions/{name}"
    edit = post_form(client, f"{base}/questions/{name}", {
        "label.en": "Where do you get water?", "label.ar": "من أين تحصل على الماء؟", "required": "on", "choice_count": "3",
        "choice.0.name": "", "choice.0.label.en": "A well", "choice.0.label.ar": "بئر",
        "choice.1.name": "truck", "choice.1.label.en": "A truck",
        "choice.2.name": "", "choice.2.label.en": "",
    }, token_from=f"{base}/questions/{name}")
    assert edit.status_code == 303, edit.text[:3000]
    q = Definition.from_dict(one(session, select(Survey)).definition).question(name)
    assert q.required and [c.name for c in q.choices] == ["a_well", "truck"]
    page = client.get(base)
    assert "translation missing" in page.text  # the truck has no Arabic text yet
    assert f'src="/surveys/{survey.id}/preview?screen={group}"' in page.text
    # The missing Arabic is a gap young people would meet: publishing asks to confirm it.
    asked = post_form(client, f"{base}/state/publish", {}, token_from=base)
    assert asked.status_code == 400 and "Publishing needs your confirmation" in asked.text
    published = post_form(client, f"{base}/state/publish", {"confirm_gaps": "yes"}, token_from=base)
    assert published.status_code == 303 and one(session, select(Survey)).status == "published"
    page = client.get(base)
    assert f"/surveys/{survey.id}/answer" in page.text and consultation.join_code in page.text
    assert f'src="/surveys/{survey.id}/qr.svg"' in page.text
    # a published survey's questions no longer change
    locked = post_form(client, f"{base}/groups", {"label.en": "More"}, token_from=base)
    assert locked.status_code == 400
    assert post_form(client, f"{base}/state/close", {}, token_from=base).status_code == 303
    assert one(session, select(Survey).where(Survey.id == survey.id)).status == "closed"
    copy = post_form(client, f"{base}/state/duplicate", {}, token_from=base)
    assert copy.status_code == 303
    surveys = read(session, select(Survey).order_by(Survey.id))
    assert len(surveys) == 2 and surveys[1].status == "draft" and surveys[1].duplicated_from_id == survey.id
    assert surveys[1].definition == surveys[0].definition
    actions = [e.action for e in read(session, select(AuditEntry))]
    for action in ("survey.created", "survey.edited", "survey.published", "survey.closed", "survey.duplicated"):
        assert action in actions


def test_the_builder_asks_for_a_screen_title_a_question_text_and_options_and_keeps_what_was_typed(client, session):
    """A screen without a title, a question without text, a choice without options are refused
    when saved, saying what is missing, with the rest of the form as it was typed."""
    consultation = make_consultation(session, status="open", languages=["en", "ar"])
    sign_in(client, facilitator_for(session, consultation))
    survey = make_survey(session, consultation, published=False, definition=Definition(languages=["en", "ar"], title={"en": "Water"}))
    base = f"/surveys/{survey.id}"
    untitled = post_form(client, f"{base}/groups", {"label.en": "", "label.ar": "عن الماء"}, token_from=base)
    assert untitled.status_code == 400
    assert "Give the screen a title in English, the survey&#39;s first language." in untitled.text
    assert 'name="label.ar" lang="ar" dir="rtl" value="عن الماء"' in untitled.text
    assert Definition.from_dict(one(session, select(Survey)).definition).groups == []
    assert post_form(client, f"{base}/groups", {"label.en": "About water"}, token_from=base).status_code == 303
    group = Definition.from_dict(one(session, select(Survey)).definition).groups[0].name
    textless = post_form(client, f"{base}/questions", {"group": group, "kind": "ranking", "label.en": " "}, token_from=base)
    assert textless.status_code == 400
    assert "Write the question in English, the survey&#39;s first language." in textless.text
    assert '<option value="ranking" selected>' in textless.text and "<details open>" in textless.text
    added = post_form(client, f"{base}/questions", {"group": group, "kind": "single_choice", "label.en": "Which bus?"}, token_from=base)
    name = added.headers["location"].rsplit("/", 1)[1]
    optionless = post_form(client, f"{base}/questions/{name}", {"label.en": "Which bus do you take?", "label.ar": "أي حافلة؟", "choice_count": "1",
                                                                "choice.0.name": "", "choice.0.label.en": ""}, token_from=f"{base}/questions/{name}")
    assert optionless.status_code == 400 and "Add at least one option to choose from." in optionless.text
    assert "Which bus do you take?</textarea>" in optionless.text and "أي حافلة؟</textarea>" in optionless.text
    assert Definition.from_dict(one(session, select(Survey)).definition).question(name).label == {"en": "Which bus?"}
    retitled = post_form(client, f"{base}/groups/{group}", {"label.en": "", "label.ar": "الحافلة"}, token_from=f"{base}/groups/{group}")
    assert retitled.status_code == 400 and "Give the screen a title in English" in retitled.text and 'value="الحافلة"' in retitled.text


def test_the_xlsform_download_of_a_draft_always_imports_back(client, session):
    """Right after "Add question" a choice has no options yet: the download says what to
    complete (never a file its own import refuses); once complete, the file imports back."""
    from surveys.xlsform import import_xlsform

    consultation = make_consultation(session, status="open", languages=["en"])
    sign_in(client, facilitator_for(session, consultation))
    survey = make_survey(session, consultation, published=False, definition=Definition(languages=["en"], title={"en": "New"}))
    base = f"/surveys/{survey.id}"
    empty = client.get(f"{base}/xlsform")
    assert empty.status_code == 200 and import_xlsform(empty.content).to_dict() == Definition.from_dict(survey.definition).to_dict()
    post_form(client, f"{base}/groups", {"label.en": "About you"}, token_from=base)
    group = Definition.from_dict(one(session, select(Survey)).definition).groups[0].name
    added = post_form(client, f"{base}/questions", {"group": group, "kind": "single_choice", "label.en": "Which bus?"}, token_from=base)
    name = added.headers["location"].rsplit("/", 1)[1]
    halfway = client.get(f"{base}/xlsform")
    assert halfway.status_code == 409 and "attachment" not in halfway.headers.get("content-disposition", "")
    assert "The XLSForm can be downloaded once these are complete:" in halfway.text and f"{name}: add at least one option" in halfway.text
    post_form(client, f"{base}/questions/{name}", {"label.en": "Which bus?", "choice_count": "1", "choice.0.name": "red", "choice.0.label.en": "Red"},
              token_from=f"{base}/questions/{name}")
    complete = client.get(f"{base}/xlsform")
    assert complete.status_code == 200
    assert import_xlsform(complete.content).to_dict() == Definition.from_dict(one(session, select(Survey)).definition).to_dict()


def test_publishing_an_incomplete_survey_lists_what_to_fix(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    survey = make_survey(session, consultation, published=False, definition=Definition(languages=["en", "fr"], title={"en": "Empty"}))
    response = post_form(client, f"/surveys/{survey.id}/state/publish", {}, token_from=f"/surveys/{survey.id}")
    assert response.status_code == 400
    assert "add at least one question before publishing" in response.text
    assert one(session, select(Survey)).status == "draft"


def test_skip_logic_from_the_easy_form_and_a_bad_expression(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    survey = make_survey(session, consultation, published=False)
    base = f"/surveys/{survey.id}/questions/age"
    fields = {"label.en": "Your age", "label.fr": "Votre âge", "minimum": "13", "maximum": "24",
              "cond_question": "colour", "cond_op": "is", "cond_value": "blue"}
    assert post_form(client, base, fields, token_from=base).status_code == 303
    assert Definition.from_dict(one(session, select(Survey)).definition).question("age").relevant == "${colour} = 'blue'"
    bad = post_form(client, base, {**fields, "relevant": "${colour} = 'blue' +"}, token_from=base)
    assert bad.status_code == 400 and "arithmetic is not supported" in bad.text
    later = post_form(client, base, {**fields, "relevant": "${service} > 2"}, token_from=base)
    assert later.status_code == 400 and "not an earlier question" in later.text
    assert Definition.from_dict(one(session, select(Survey)).definition).question("age").relevant == "${colour} = 'blue'"
    # A value typed while "Always show" is chosen is not dropped in silence: it is asked about.
    orphan = post_form(client, base, {**fields, "cond_question": ""}, token_from=base)
    assert orphan.status_code == 400 and "Choose the earlier question this value is about" in orphan.text
    assert Definition.from_dict(one(session, select(Survey)).definition).question("age").relevant == "${colour} = 'blue'"


def test_moving_and_deleting(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    survey = make_survey(session, consultation, published=False)
    base = f"/surveys/{survey.id}"
    post_form(client, f"{base}/structure", {"what": "question", "name": "foods", "action": "up"}, token_from=base)
    d = Definition.from_dict(one(session, select(Survey)).definition)
    assert [q.name for q in d.groups[0].questions] == ["colour", "foods", "colour_other"]
    post_form(client, f"{base}/structure", {"what": "question", "name": "mood", "action": "up"}, token_from=base)
    d = Definition.from_dict(one(session, select(Survey)).definition)
    assert d.groups[0].questions[-1].name == "mood"
    # Deleting a question a condition depends on is refused with the reason.
    refused = post_form(client, f"{base}/structure", {"what": "question", "name": "colour", "action": "delete"}, token_from=base)
    assert refused.status_code == 400 and "not an earlier question" in refused.text
    gone = post_form(client, f"{base}/structure", {"what": "group", "name": "second", "action": "delete"}, token_from=base)
    assert gone.status_code == 303
    assert [g.name for g in Definition.from_dict(one(session, select(Survey)).definition).groups] == ["first"]
    assert post_form(client, f"{base}/structure", {"what": "question", "name": "nope", "action": "delete"}, token_from=base).status_code == 404


def test_the_preview_checks_answers_but_stores_nothing_and_may_be_framed_only_here(client, session):
    from tests.surveys.helpers import count

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    survey = make_survey(session, consultation, published=False)
    base = f"/surveys/{survey.id}/preview"
    page = client.get(base)
    assert page.status_code == 200 and "Preview: answers are checked but never saved." in page.text
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    bad = post_form(client, base, {"screen": "first", "q.colour": "green"}, token_from=base)
    assert bad.status_code == 400 and "Choose one of the options shown." in bad.text
    good = post_form(client, base, {"screen": "first", "q.colour": "blue", "lang": "fr"}, token_from=base)
    assert good.status_code == 200 and 'name="screen" value="second"' in good.text and "Comment vous sentez-vous" in good.text
    assert count(session, "survey_response") == 0 and count(session, "survey_answer") == 0
    builder_page = client.get(f"/surveys/{survey.id}")
    assert "frame-ancestors 'none'" in builder_page.headers["content-security-policy"]


def test_the_preview_is_the_young_persons_page_in_the_previewed_language(client, session):
    """The phone frame shows the participant's page: its own words in the language previewed
    (right to left and in Arabic together, never English laid out right to left), the survey's
    languages in the switch, and none of the staff's header."""
    consultation = make_consultation(session, status="open", languages=["en", "ar"])
    sign_in(client, facilitator_for(session, consultation))
    survey = make_survey(session, consultation, published=False)
    page = client.get(f"/surveys/{survey.id}/preview?screen=first&lang=ar")
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "معاينة: تُفحص الإجابات لكنها لا تُحفظ أبدًا." in page.text and "Preview: answers are checked" not in page.text
    assert 'action="/logout"' not in page.text and 'href="/surveys/"' not in page.text  # no sign-out, no staff menu
    assert re.findall(r'<option value="(\w+)" lang=', page.text) == ["en", "ar"]
    # Switching comes back to the same screen, without the ?lang= that would outvote the switch.
    assert f'name="next" value="/surveys/{survey.id}/preview?screen=first"' in page.text
    # The builder around it stays in the staff member's language, with their header.
    builder_page = client.get(f"/surveys/{survey.id}")
    assert '<html lang="en" dir="ltr">' in builder_page.text and 'action="/logout"' in builder_page.text


def test_back_in_the_preview_keeps_what_was_typed(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    sign_in(client, facilitator_for(session, consultation))
    survey = make_survey(session, consultation, published=False)
    base = f"/surveys/{survey.id}/preview"
    state = '{"colour": "blue"}'
    back = post_form(client, base, {"screen": "second", "preview_state": state, "q.age": "17", "go": "back"}, token_from=base)
    assert back.status_code == 200 and 'name="screen" value="first"' in back.text
    forward = post_form(client, base, {"screen": "first", "preview_state": html.unescape(re.search(r'name="preview_state" value="([^"]*)"', back.text).group(1)),
                                       "q.colour": "blue"}, token_from=base)
    assert 'name="screen" value="second"' in forward.text and 'value="17"' in forward.text


def test_xlsform_import_download_and_a_precise_refusal(client, session):
    from tests.surveys.fixtures import xlsforms

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    token = _token(client)
    imported = client.post("/surveys/import", data={"csrf_token": token, "consultation_id": str(consultation.id)},
                           files={"file": ("needs.xlsx", xlsforms.needs_assessment(), "application/octet-stream")})
    assert imported.status_code == 303, imported.text[:2000]
    survey = one(session, select(Survey))
    downloaded = client.get(f"/surveys/{survey.id}/xlsform")
    assert downloaded.status_code == 200 and downloaded.headers["content-disposition"].startswith("attachment")
    from surveys.xlsform import import_xlsform

    assert import_xlsform(downloaded.content).to_dict() == Definition.from_dict(survey.definition).to_dict()
    broken, expected = xlsforms.variant("bad_expression")
    refused = client.post(f"/surveys/{survey.id}/xlsform/upload", data={"csrf_token": token},
                          files={"file": ("broken.xlsx", broken, "application/octet-stream")})
    assert refused.status_code == 400
    assert f"<td>survey</td><td>{expected['row']}</td><td>G (relevant)</td>" in refused.text
    assert one(session, select(Survey)).definition == survey.definition  # nothing half-imported
    not_xlsx = client.post("/surveys/import", data={"csrf_token": token, "consultation_id": str(consultation.id)},
                           files={"file": ("x.xlsx", b"hello", "application/octet-stream")})
    assert not_xlsx.status_code == 400 and "not an Excel workbook" in not_xlsx.text


def test_an_xlsform_in_a_language_the_consultation_lacks_is_refused(client, session):
    from tests.surveys.fixtures import xlsforms

    consultation = make_consultation(session, status="open", languages=["en", "ar"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    refused = client.post("/surveys/import", data={"csrf_token": _token(client), "consultation_id": str(consultation.id)},
                          files={"file": ("needs.xlsx", xlsforms.needs_assessment(), "application/octet-stream")})
    assert refused.status_code == 400 and "which is not a language of this consultation" in refused.text


def _commitments_in_tracker(app, monkeypatch, consultation_id: int) -> None:
    """Stand in for the tracker app (whatever it holds): two commitments of this consultation, one of another."""
    from baraza.refs import Card, RecordKind, Ref

    cards = {key: Card(Ref("tracker.commitment", key), f"Commitment {key}", consultation_id=cid) for key, cid in (("41", consultation_id), ("42", consultation_id), ("43", -1))}
    monkeypatch.setitem(app.state.baraza.registry.kinds, "tracker.commitment", RecordKind(
        "tracker.commitment", "Commitment",
        resolve=lambda s, a, key: cards.get(key),
        choices=lambda s, a, cid: [c for c in cards.values() if c.consultation_id == cid],
    ))


def test_scorecard_is_about_a_commitment_the_tracker_offers(app, client, session, monkeypatch):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    survey = make_survey(session, consultation, published=False)
    base = f"/surveys/{survey.id}"
    # Without the tracker's commitments: a scorecard about nothing in particular yet.
    assert "No commitments to choose from yet" in client.get(base).text
    assert post_form(client, f"{base}/scorecard", {"is_scorecard": "on"}, token_from=base).status_code == 303
    assert one(session, select(Survey)).is_scorecard
    refused = post_form(client, f"{base}/scorecard", {"is_scorecard": "on", "commitment": "tracker.commitment:42"}, token_from=base)
    assert refused.status_code == 400 and "Choose a commitment from the list" in refused.text
    _commitments_in_tracker(app, monkeypatch, consultation.id)
    page = client.get(base).text
    assert 'value="tracker.commitment:42"' in page and "tracker.commitment:43" not in page
    assert post_form(client, f"{base}/scorecard", {"is_scorecard": "on", "commitment": "tracker.commitment:42"}, token_from=base).status_code == 303
    session.expire_all()
    row = one(session, select(Survey))
    assert row.is_scorecard and str(row.commitment_ref) == "tracker.commitment:42"
    assert "Commitment 42" in client.get(base).text
    # Another consultation's commitment, a malformed reference: refused, nothing changed.
    for bad in ("tracker.commitment:43", "not a ref", "tracker.commitment:" + "9" * 200):
        assert post_form(client, f"{base}/scorecard", {"is_scorecard": "on", "commitment": bad}, token_from=base).status_code == 400
    session.expire_all()
    assert str(one(session, select(Survey)).commitment_ref) == "tracker.commitment:42"
    assert post_form(client, f"{base}/scorecard", {"commitment": "tracker.commitment:42"}, token_from=base).status_code == 303
    session.expire_all()
    row = one(session, select(Survey))
    assert not row.is_scorecard and row.commitment_ref is None


def test_builders_reach_only_their_own_consultations(client, session):
    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation, published=False)
    other = make_consultation(session, status="open", languages=["en", "fr"])
    stranger = facilitator_for(session, other)
    sign_in(client, stranger)
    for url in ("", "/questions/colour", "/groups/first", "/preview", "/results", "/xlsform", "/qr.svg"):
        assert client.get(f"/surveys/{survey.id}{url}").status_code == 404, url
    for url, data in (("/state/publish", {}), ("/groups", {"label.en": "x"}), ("/structure", {"what": "group", "name": "first", "action": "delete"})):
        assert post_form(client, f"/surveys/{survey.id}{url}", data, token_from="/surveys/").status_code == 404, url
    forged = post_form(client, "/surveys/new", {"consultation_id": consultation.id, "title": "Mine now"}, token_from="/surveys/")
    assert forged.status_code == 404
    assert client.get("/surveys/99999999999999999999").status_code == 404
    client.cookies.clear()
    analyst = make_user(session, role="analyst", scope="organisation", organisation=None)
    sign_in(client, analyst)
    assert client.get(f"/surveys/{survey.id}").status_code == 404


def test_a_published_survey_can_have_its_wording_corrected_and_nothing_else(client, session):
    """A typo or a missing translation found after publishing is fixed in place; questions,
    options, limits and logic stay exactly as the answers already given were asked."""
    from baraza.audit.models import AuditEntry
    from surveys.definition import structure_of

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    before = Definition.from_dict(survey.definition)
    user = facilitator_for(session, consultation)
    sign_in(client, user)
    base = f"/surveys/{survey.id}"
    page = client.get(f"{base}/questions/colour")
    assert "you can correct the wording" in page.text
    assert 'name="choice.0.name" value="red" maxlength="64" dir="ltr" disabled' in page.text

    # The form sends new wording, and also tries to slip in a new option, a changed option
    # name, a condition and a required flag: only the wording is taken.
    fields = {
        "label.en": "Favourite colour? (pick one)", "label.fr": "Couleur préférée ? (une seule)",
        "choice_count": "4", "choice.0.name": "crimson", "choice.0.label.en": "Red (any shade)",
        "choice.3.name": "green", "choice.3.label.en": "Green", "relevant": "${age} > 15",
    }
    for i, c in enumerate(before.question("colour").choices):
        if i:
            fields[f"choice.{i}.label.en"] = c.label.get("en", "")
            fields[f"choice.{i}.label.fr"] = c.label.get("fr", "")
    fields["choice.0.label.fr"] = "Rouge"
    saved = post_form(client, f"{base}/questions/colour", fields, token_from=f"{base}/questions/colour")
    assert saved.status_code == 303, saved.text[:3000]
    after = Definition.from_dict(one(session, select(Survey)).definition)
    q = after.question("colour")
    assert q.label == {"en": "Favourite colour? (pick one)", "fr": "Couleur préférée ? (une seule)"}
    assert q.choices[0].name == "red" and q.choices[0].label["en"] == "Red (any shade)"
    assert q.choice_names == before.question("colour").choice_names and q.relevant == before.question("colour").relevant
    assert structure_of(after) == structure_of(before)

    # A missing translation of a screen title and the survey's title can be filled in too.
    assert post_form(client, f"{base}/groups/first", {"label.en": "First things", "label.fr": "D'abord", "relevant": "1 = 2"}, token_from=f"{base}/groups/first").status_code == 303
    assert post_form(client, f"{base}/title", {"title.en": "A better title", "title.fr": "Un meilleur titre"}, token_from=base).status_code == 303
    after = Definition.from_dict(one(session, select(Survey)).definition)
    assert after.group("first").label["fr"] == "D'abord" and after.group("first").relevant == ""
    assert after.title == {"en": "A better title", "fr": "Un meilleur titre"}
    assert structure_of(after) == structure_of(before)

    # Wording is still checked: the first language's text cannot be emptied.
    emptied = post_form(client, f"{base}/questions/mood", {"label.en": "", "label.fr": "Humeur"}, token_from=f"{base}/questions/mood")
    assert emptied.status_code == 400
    # Structural changes stay refused: adding a screen or a question, moving, deleting.
    assert post_form(client, f"{base}/groups", {"label.en": "More"}, token_from=base).status_code == 400
    assert post_form(client, f"{base}/structure", {"what": "question", "name": "mood", "action": "delete"}, token_from=base).status_code == 400
    assert structure_of(Definition.from_dict(one(session, select(Survey)).definition)) == structure_of(before)
    actions = [e.action for e in read(session, select(AuditEntry))]
    assert actions.count("survey.wording_corrected") == 3


def test_the_service_refuses_a_structural_change_to_a_published_survey(session):
    import pytest

    from baraza.errors import Conflict
    from surveys import services
    from tests.factories import actor_of

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    survey = make_survey(session, consultation)
    user = facilitator_for(session, consultation)
    definition = Definition.from_dict(survey.definition)
    definition.question("age").maximum = 99
    with pytest.raises(Conflict, match="only its wording can change"):
        services.do_save_definition(session, actor_of(session, user), survey, definition)
    session.rollback()
    assert Definition.from_dict(one(session, select(Survey)).definition).question("age").maximum == 24


def test_a_kobo_form_imports_without_its_device_rows_and_the_page_says_so(client, session):
    from baraza.audit.models import AuditEntry
    from tests.surveys.fixtures import xlsforms

    consultation = make_consultation(session, status="open", languages=["en", "fr"])
    sign_in(client, facilitator_for(session, consultation))
    sheets = xlsforms.sheets()
    sheets["survey"] = [{"type": "start", "name": "start"}, {"type": "deviceid", "name": "deviceid"}, *sheets["survey"]]
    imported = client.post("/surveys/import", data={"csrf_token": _token(client), "consultation_id": str(consultation.id)},
                           files={"file": ("kobo.xlsx", xlsforms.workbook_bytes(sheets), "application/octet-stream")}, follow_redirects=True)
    assert imported.status_code == 200
    assert "Left out: start, deviceid. Baraza never records the device or the person (data minimisation)." in imported.text
    survey = one(session, select(Survey))
    assert "deviceid" not in {q.name for q in Definition.from_dict(survey.definition).questions()}
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "survey.imported")).one()
    assert "deviceid" in entry.detail
