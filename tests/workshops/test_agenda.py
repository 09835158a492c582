"""Preparing a workshop: the RD4C Studio template in the six languages Baraza speaks, an empty
agenda or a copy; steps and activities added, changed, moved and deleted; the agenda exported
as a file (nothing about anyone) and imported back, checked whole with clear messages."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import col, select

from baraza.audit.models import AuditEntry
from tests.conftest import csrf_from
from tests.workshops.factories import (
    add_note,
    add_vote,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from tests.workshops.helpers import count, fresh, read, token
from workshops import agenda, services
from workshops.models import Activity, Contribution, Vote, Workshop, WorkshopStep


@pytest.fixture
def prepared(client, session):
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    sign_in(client, facilitator)
    return consultation, facilitator


MISSING_RE = re.compile(r'<label for="([a-z_]+)-([a-z]{2})-[^"]*">[^<]*<span lang="[a-z]{2}">[^<]*</span> <span class="tag ws-warn">translation missing</span>')


def missing_fields(html: str) -> set[tuple[str, str]]:
    """The (field, language) pairs a form marks "translation missing"."""
    return set(MISSING_RE.findall(html))


def steps_of(session, workshop_id):
    return read(session, select(WorkshopStep).where(WorkshopStep.workshop_id == workshop_id).order_by(col(WorkshopStep.position)))


def activities_of(session, workshop_id):
    steps = {s.id: s.position for s in steps_of(session, workshop_id)}
    rows = read(session, select(Activity).where(Activity.workshop_id == workshop_id))
    return sorted(rows, key=lambda a: (steps[a.step_id], a.position))


def test_the_rd4c_template_has_its_five_steps_in_three_languages(client, session, prepared):
    consultation, _ = prepared
    response = client.post("/workshops/new", data={"csrf_token": token(client, "/workshops/"), "consultation": consultation.id, "start": "rd4c", "title": ""})
    assert response.status_code == 303
    workshop = read(session, select(Workshop))[0]
    assert response.headers["location"] == f"/workshops/{workshop.id}/agenda"
    assert workshop.status == "draft" and workshop.title["es"] == "Nuestros datos, nuestra voz"
    steps = steps_of(session, workshop.id)
    assert [s.title["en"] for s in steps] == ["Kick-off", "Research", "Convene and ideate", "Output draft", "Release"]
    assert all(set(s.title) == {"en", "es", "ar"} and s.planned_minutes > 0 for s in steps)
    activities = activities_of(session, workshop.id)
    assert {a.kind for a in activities} >= {"poll", "scale", "brainstorm", "word_cloud", "dot_vote", "card_sort", "statements", "ranking", "reflection", "qa"}
    assert all(set(a.prompt) == {"en", "es", "ar"} for a in activities)
    poll = next(a for a in activities if a.kind == "poll")
    card_sort = next(a for a in activities if a.kind == "card_sort")
    reflection = next(a for a in activities if a.kind == "reflection")
    assert poll.sensitive and card_sort.sensitive and not reflection.sensitive  # sensitive by default
    assert reflection.reveal == "on_reveal"
    # The card sort starts with the default vocabulary (data kinds, users, purposes) and cards of it.
    assert {d["key"] for d in card_sort.config["data_kinds"]} >= {"school_records", "location", "health"}
    assert card_sort.config["cards"] and all(set(c["label"]) == {"en", "es", "ar"} for c in card_sort.config["users"])
    assert read(session, select(AuditEntry).where(AuditEntry.action == "workshop.created"))
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "Convene and ideate" in page.text


def test_a_consultation_in_a_language_the_template_lacks_starts_from_the_english(session):
    assert agenda.template_for(["fr", "en"]).steps[0].title == {"fr": "Lancement", "en": "Kick-off"}
    assert agenda.template_for(["es"]).steps[0].title == {"es": "Inicio"}
    # A language outside the six (none today, but a file or a later language could be) starts
    # from the English, for the facilitator to translate.
    assert agenda.template_for(["so", "en"]).steps[0].title == {"so": "Kick-off", "en": "Kick-off"}


def test_every_text_of_the_template_is_written_in_the_six_languages():
    spec = agenda.rd4c_template()
    texts = agenda._texts_paths(spec)
    # Title, 5 steps, 11 prompts, the scale's 2 labels, 3 + 5 + 4 options, 3 statements and the
    # card sort's vocabulary (6 data kinds, 4 users, 3 purposes).
    assert len(texts) == 1 + 5 + 11 + 2 + 12 + 3 + 13
    for text in texts:
        assert set(text) == set(agenda.TEMPLATE_LANGUAGES), text
        assert all(value.strip() == value and value for value in text.values()), text
        # Translated, not copied: no language says it in the English words.
        assert all(text[lang] != text["en"] for lang in agenda.TEMPLATE_LANGUAGES if lang != "en"), text
    # A list (options, statements) is one item per key with its words in every language, so it
    # has the same items in the same order in each: the count above is the whole of it.


@pytest.mark.parametrize("languages", [["pt", "sw"], ["fr"]])
def test_a_workshop_from_the_template_needs_no_translation_in_portuguese_swahili_or_french(client, session, languages):
    consultation = make_consultation(session, languages=languages)
    sign_in(client, make_facilitator(session, consultation))
    response = client.post("/workshops/new", data={"csrf_token": token(client, "/workshops/"), "consultation": consultation.id, "start": "rd4c", "title": ""})
    assert response.status_code == 303
    workshop = read(session, select(Workshop))[0]
    # Every text (title, steps, prompts, options, labels, statements, card parts) is in the
    # consultation's languages, in their own words, not the template's English waiting for a
    # translation.
    english = [t["en"] for t in agenda._texts_paths(agenda.rd4c_template())]
    stored = agenda._texts_paths(services.agenda_of(session, workshop))
    assert len(stored) == len(english)
    for texts, en in zip(stored, english, strict=True):
        assert set(texts) == set(languages), (en, texts)
        assert all(texts[lang] and texts[lang] != en for lang in languages), (en, texts)
    # The agenda's steps and activities, and every activity's form, say no "translation
    # missing" (a brainstorm has no categories in any language until the facilitator adds some).
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    steps_html = page.text.split('<ol class="ws-steps">', 1)[1].split("</ol>", 1)[0]
    assert "translation missing" not in steps_html
    for activity in activities_of(session, workshop.id):
        form = client.get(f"/workshops/{workshop.id}/activities/{activity.id}")
        assert form.status_code == 200
        expected = {("categories", lang) for lang in languages} if activity.kind == "brainstorm" else set()
        assert missing_fields(form.text) == expected, activity.kind
    # The agenda file carries the six languages' words there and back.
    exported = client.get(f"/workshops/{workshop.id}/agenda.json")
    imported = _import(client, consultation, exported.content)
    assert imported.status_code == 303, imported.text[:500]
    copy = read(session, select(Workshop).where(Workshop.id != workshop.id))[0]
    assert agenda._texts_paths(services.agenda_of(session, copy)) == stored


def test_an_empty_agenda_needs_a_title(client, session, prepared):
    consultation, _ = prepared
    csrf = token(client, "/workshops/")
    refused = client.post("/workshops/new", data={"csrf_token": csrf, "consultation": consultation.id, "start": "empty", "title": ""})
    assert refused.status_code == 400 and "Give the workshop a title." in refused.text
    created = client.post("/workshops/new", data={"csrf_token": csrf, "consultation": consultation.id, "start": "empty", "title": "Youth voices"})
    assert created.status_code == 303
    workshop = read(session, select(Workshop))[0]
    assert workshop.title == {"en": "Youth voices"} and steps_of(session, workshop.id) == []
    odd = client.post("/workshops/new", data={"csrf_token": csrf, "consultation": consultation.id, "start": "nonsense", "title": "x"})
    assert odd.status_code == 400


def test_a_copy_has_the_agenda_and_nothing_anyone_said(client, session, settings, prepared):
    consultation, _ = prepared
    source = make_workshop(session, consultation, ended=True)
    board = make_activity(session, source, "brainstorm")
    participant, _token = make_participant(session, settings, consultation)
    add_note(session, board, participant, "A note")
    response = client.post("/workshops/new", data={"csrf_token": token(client, "/workshops/"), "consultation": consultation.id, "start": f"copy:{source.id}"})
    assert response.status_code == 303
    copy = read(session, select(Workshop).where(Workshop.id != source.id))[0]
    assert copy.status == "draft" and copy.duplicated_from_id == source.id
    assert [(a.kind, a.prompt, a.config) for a in activities_of(session, copy.id)] == [
        (a.kind, a.prompt, a.config) for a in activities_of(session, source.id)
    ]
    assert {a.state for a in activities_of(session, copy.id)} == {"pending"}
    assert count(session, Contribution, Contribution.workshop_id == copy.id) == 0


def test_export_then_import_gives_the_same_agenda_and_no_personal_data(client, session, settings, prepared):
    consultation, _ = prepared
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    participant, _token = make_participant(session, settings, consultation)
    add_vote(session, poll, participant, "o1")
    response = client.get(f"/workshops/{workshop.id}/agenda.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.content)
    assert data["format"] == "baraza-workshop-agenda" and data["version"] == 1
    flat = json.dumps(data)
    for leak in ('"id"', '"state"', "participant", participant.pseudonym, '"status"', "client_id"):
        assert leak not in flat
    imported = client.post(
        "/workshops/import",
        data={"csrf_token": token(client, "/workshops/"), "consultation": consultation.id},
        files={"file": ("agenda.json", response.content, "application/json")},
    )
    assert imported.status_code == 303, imported.text[:500]
    copy = read(session, select(Workshop).where(Workshop.id != workshop.id))[0]
    assert [(s.title, s.planned_minutes) for s in steps_of(session, copy.id)] == [(s.title, s.planned_minutes) for s in steps_of(session, workshop.id)]
    assert [(a.kind, a.prompt, a.config, a.reveal, a.sensitive, a.moderation) for a in activities_of(session, copy.id)] == [
        (a.kind, a.prompt, a.config, a.reveal, a.sensitive, a.moderation) for a in activities_of(session, workshop.id)
    ]
    assert count(session, Vote, Vote.workshop_id == copy.id) == 0
    actions = {e.action for e in read(session, select(AuditEntry))}
    assert {"workshop.agenda_exported", "workshop.imported"} <= actions


def _import(client, consultation, content: bytes):
    return client.post(
        "/workshops/import",
        data={"csrf_token": token(client, "/workshops/"), "consultation": consultation.id},
        files={"file": ("agenda.json", content, "application/json")},
    )


def _file(**changes) -> dict:
    base = agenda.to_json(agenda.template_for(["en", "es", "ar"]))
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG not json", "could not be read as JSON"),
        (b'{"format": "something else"}', "is not a Baraza workshop agenda file"),
        (json.dumps(_file(version=7)).encode(), "another version of Baraza"),
        (json.dumps(_file(steps="many")).encode(), "It has no list of steps."),
        (json.dumps(_file(steps=[{"title": {"en": "S"}, "activities": [{"kind": "séance", "prompt": {"en": "?"}}]}])).encode(),
         "Step 1, activity 1: “séance” is not a kind of activity Baraza knows."),
        (json.dumps(_file(steps=[{"title": {"en": "S"}, "planned_minutes": -3, "activities": [{"kind": "poll", "prompt": {}, "config": {"options": "x"}}]}])).encode(),
         "Planned minutes must be a whole number"),
        (json.dumps(_file(steps=[{"title": {"en": "S"}, "activities": [{"kind": "scale", "prompt": {"en": "?"}, "config": {"max": 99}}]}])).encode(),
         "Choose a number from 2 to 10."),
        (b"{" + b" " * (300 * 1024) + b"}", "larger than 256 KB"),
    ],
)
def test_a_bad_agenda_file_is_refused_whole_with_a_clear_message(client, session, prepared, content, message):
    consultation, _ = prepared
    response = _import(client, consultation, content)
    assert response.status_code == 400
    assert message in response.text.replace("&#34;", '"').replace("&#39;", "'")
    assert read(session, select(Workshop)) == []


def test_an_import_lists_every_problem_with_where_it_is(client, session, prepared):
    consultation, _ = prepared
    steps = [{"title": {"en": "S"}, "activities": [{"kind": "poll", "prompt": {}}, {"kind": "brainstorm", "prompt": {"en": "x"}, "reveal": "sometimes"}]}]
    response = _import(client, consultation, json.dumps(_file(steps=steps)).encode())
    assert response.status_code == 400
    assert "Step 1, activity 1: It has no prompt." in response.text
    assert "Step 1, activity 2: “reveal” must be “live” or “on_reveal”." in response.text.replace("&#34;", '"')


def test_texts_in_languages_the_consultation_lacks_are_left_out_and_said(client, session):
    consultation = make_consultation(session, languages=["en"])
    sign_in(client, make_facilitator(session, consultation))
    response = _import(client, consultation, json.dumps(_file()).encode())
    assert response.status_code == 303
    workshop = read(session, select(Workshop))[0]
    assert set(workshop.title) == {"en"} and all(set(a.prompt) == {"en"} for a in activities_of(session, workshop.id))
    page = client.get(response.headers["location"])
    assert "Texts in languages this consultation does not use were left out." in page.text


def test_steps_are_added_changed_moved_and_deleted(client, session, prepared):
    consultation, _ = prepared
    workshop = make_workshop(session, consultation, template="empty", live=False)
    page = f"/workshops/{workshop.id}/agenda"
    csrf = token(client, page)
    for name in ("Warm-up", "Ideas", "Wrap-up"):
        assert client.post(f"/workshops/{workshop.id}/steps", data={"csrf_token": csrf, "title.en": name, "title.es": f"{name} es", "planned_minutes": "10"}).status_code == 303
    steps = steps_of(session, workshop.id)
    assert [s.title["en"] for s in steps] == ["Warm-up", "Ideas", "Wrap-up"]
    client.post(f"/workshops/{workshop.id}/steps/{steps[2].id}", data={"csrf_token": csrf, "title.en": "Closing", "planned_minutes": "5"})
    client.post(f"/workshops/{workshop.id}/steps/{steps[2].id}/up", data={"csrf_token": csrf})
    assert [s.title["en"] for s in steps_of(session, workshop.id)] == ["Warm-up", "Closing", "Ideas"]
    assert fresh(session, WorkshopStep, steps[2].id).planned_minutes == 5
    stuck = client.post(f"/workshops/{workshop.id}/steps/{steps[0].id}/up", data={"csrf_token": csrf})
    assert stuck.status_code == 400 and "This cannot move further." in stuck.text
    client.post(f"/workshops/{workshop.id}/steps/{steps[1].id}/delete", data={"csrf_token": csrf})
    assert [s.title["en"] for s in steps_of(session, workshop.id)] == ["Warm-up", "Closing"]
    assert [s.position for s in steps_of(session, workshop.id)] == [0, 1]
    untitled = client.post(f"/workshops/{workshop.id}/steps", data={"csrf_token": csrf, "title.en": "  "})
    assert untitled.status_code == 400 and "Give the step a title." in untitled.text
    bad_minutes = client.post(f"/workshops/{workshop.id}/steps", data={"csrf_token": csrf, "title.en": "x", "planned_minutes": "9999"})
    assert bad_minutes.status_code == 400


def test_activities_are_added_edited_moved_across_steps_and_deleted(client, session, prepared):
    consultation, _ = prepared
    workshop = make_workshop(session, consultation, template="empty", live=False)
    csrf = token(client, f"/workshops/{workshop.id}/agenda")
    for name in ("One", "Two"):
        client.post(f"/workshops/{workshop.id}/steps", data={"csrf_token": csrf, "title.en": name})
    one, two = steps_of(session, workshop.id)
    added = client.post(f"/workshops/{workshop.id}/steps/{one.id}/activities", data={"csrf_token": csrf, "kind": "poll", "prompt": "Pick one"})
    assert added.status_code == 303
    poll = activities_of(session, workshop.id)[0]
    assert added.headers["location"] == f"/workshops/{workshop.id}/activities/{poll.id}"
    assert poll.sensitive and poll.config == {"options": [], "multiple": False}
    edit = client.get(added.headers["location"])
    assert edit.status_code == 200 and "One option per line" in edit.text
    saved = client.post(
        added.headers["location"],
        data={
            "csrf_token": csrf, "prompt.en": "Pick one", "prompt.es": "Elige una", "options.en": "Red\nBlue\n",
            "options.es": "Rojo\nAzul", "multiple": "on", "reveal": "on_reveal", "moderation": "post",
        },
    )
    assert saved.status_code == 303, saved.text[:400]
    poll = fresh(session, Activity, poll.id)
    assert poll.config == {"options": [{"key": "o1", "label": {"en": "Red", "es": "Rojo"}}, {"key": "o2", "label": {"en": "Blue", "es": "Azul"}}], "multiple": True}
    assert poll.prompt == {"en": "Pick one", "es": "Elige una"} and poll.reveal == "on_reveal" and not poll.sensitive
    client.post(f"/workshops/{workshop.id}/steps/{one.id}/activities", data={"csrf_token": csrf, "kind": "brainstorm", "prompt": "Ideas?"})
    board = activities_of(session, workshop.id)[1]
    # Down past the end of its step: to the start of the next one.
    client.post(f"/workshops/{workshop.id}/activities/{board.id}/down", data={"csrf_token": csrf})
    assert fresh(session, Activity, board.id).step_id == two.id
    client.post(f"/workshops/{workshop.id}/activities/{poll.id}/down", data={"csrf_token": csrf})
    assert [a.id for a in activities_of(session, workshop.id)] == [poll.id, board.id]
    assert fresh(session, Activity, poll.id).step_id == two.id
    assert client.post(f"/workshops/{workshop.id}/activities/{board.id}/delete", data={"csrf_token": csrf}).status_code == 303
    assert [a.id for a in activities_of(session, workshop.id)] == [poll.id]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"options.en": "\n".join(f"Option {i}" for i in range(13))}, "At most 12."),
        ({"prompt.en": ""}, "Write what the room is asked."),
        ({"reveal": "whenever"}, "Choose when the results show."),
        ({"options.en": "A\n\nC"}, "Item 2 has no text."),
    ],
)
def test_bad_settings_are_refused_with_their_reason_and_nothing_changes(client, session, prepared, fields, message):
    consultation, _ = prepared
    workshop = make_workshop(session, consultation, live=False)
    poll = make_activity(session, workshop)
    path = f"/workshops/{workshop.id}/activities/{poll.id}"
    data = {"csrf_token": token(client, path), "prompt.en": "Fine", "options.en": "A\nB", "reveal": "live", "moderation": "post", **fields}
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert message in response.text
    assert fresh(session, Activity, poll.id).config == poll.config


def test_once_answered_only_the_wording_of_an_activity_changes(client, session, settings, prepared):
    consultation, _ = prepared
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop)
    participant, _token = make_participant(session, settings, consultation)
    add_vote(session, poll, participant, "o1")
    path = f"/workshops/{workshop.id}/activities/{poll.id}"
    csrf = token(client, path)
    page = client.get(path).text
    assert "its options and limits stay as they are" in page
    base = {"csrf_token": csrf, "prompt.en": "Reworded?", "reveal": "live", "moderation": "post"}
    more = client.post(path, data={**base, "options.en": "Yes\nNo\nNot sure\nMaybe"})
    assert more.status_code == 409 and "only its wording can change" in more.text
    fixed = client.post(path, data={**base, "options.en": "Yes!\nNo\nNot sure"})
    assert fixed.status_code == 303
    assert fresh(session, Activity, poll.id).config["options"][0]["label"]["en"] == "Yes!"
    assert client.post(f"/workshops/{workshop.id}/activities/{poll.id}/delete", data={"csrf_token": csrf}).status_code == 409
    assert fresh(session, Activity, poll.id) is not None


def test_an_ended_workshop_keeps_its_agenda_and_one_with_answers_is_not_deleted(client, session, settings, prepared):
    consultation, _ = prepared
    ended = make_workshop(session, consultation, ended=True)
    poll = make_activity(session, ended)
    participant, _token = make_participant(session, settings, consultation)
    add_vote(session, poll, participant, "o1")
    csrf = token(client, f"/workshops/{ended.id}/agenda")
    refused = client.post(f"/workshops/{ended.id}/steps", data={"csrf_token": csrf, "title.en": "More"})
    assert refused.status_code == 409 and "Duplicate it to run it again." in refused.text
    kept = client.post(f"/workshops/{ended.id}/delete", data={"csrf_token": csrf})
    assert kept.status_code == 409 and fresh(session, Workshop, ended.id) is not None
    draft_id = make_workshop(session, consultation, live=False).id
    gone = client.post(f"/workshops/{draft_id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 303 and fresh(session, Workshop, draft_id) is None
    assert count(session, WorkshopStep, WorkshopStep.workshop_id == draft_id) == 0


def test_the_agenda_says_what_an_activity_still_needs(client, session):
    consultation = make_consultation(session, categories={"participation": 365, "answers": 90})
    sign_in(client, make_facilitator(session, consultation))
    workshop = make_workshop(session, consultation, live=False)
    make_activity(session, workshop, "poll", config={"options": [], "multiple": False})
    page = client.get(f"/workshops/{workshop.id}/agenda").text
    assert "A poll needs at least two options." in page
    assert "This consultation does not collect written answers, so phones cannot send notes here." in page
    assert "This consultation does not collect written answers, so phones do not ask why." in page  # the template's card sort


def test_the_list_shows_workshops_in_scope_and_offers_to_create(client, session, prepared):
    consultation, _ = prepared
    mine = make_workshop(session, consultation, title="Mine")
    other = make_workshop(session, make_consultation(session), title="Elsewhere")
    page = client.get("/workshops/")
    assert page.status_code == 200
    assert "Mine" in page.text and "Elsewhere" not in page.text
    assert f"/workshops/{mine.id}/console" in page.text and f"/workshops/{other.id}/" not in page.text
    assert "New workshop" in page.text and "Import an agenda" in page.text
    csrf = csrf_from(page.text)
    foreign = client.post("/workshops/new", data={"csrf_token": csrf, "consultation": other.consultation_id, "start": "rd4c"})
    assert foreign.status_code == 404
