"""Preparing the new activities in the agenda editor (dot voting, ranking, statements, the card
sort with its vocabulary and cards), the demo's agenda holding one of each, and the word cloud
counted by lemma in each entry's language."""

from __future__ import annotations

import re

import pytest

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
from tests.workshops.helpers import fresh, token
from workshops import agenda
from workshops.activities import MAX_CARDS, ConfigError, check_config, default_config
from workshops.models import Activity


@pytest.fixture
def prepared(client, session):
    consultation = make_consultation(session)
    sign_in(client, make_facilitator(session, consultation))
    return consultation, make_workshop(session, consultation, live=False)


def save(client, workshop, activity, **fields):
    path = f"/workshops/{workshop.id}/activities/{activity.id}"
    data = {"csrf_token": token(client, path), "prompt.en": "Go", "reveal": "live", "moderation": "post", **fields}
    return client.post(path, data=data)


def test_dot_voting_takes_options_dots_and_stacking(client, session, prepared):
    _consultation, workshop = prepared
    dots = make_activity(session, workshop, "dot_vote", current=False)
    page = client.get(f"/workshops/{workshop.id}/activities/{dots.id}").text
    assert 'name="options.en"' in page and 'name="dots"' in page and 'name="stack"' in page
    assert save(client, workshop, dots, **{"options.en": "Parks\nWifi", "options.es": "Parques\nWifi", "dots": "4", "stack": "on"}).status_code == 303
    config = fresh(session, Activity, dots.id).config
    assert [o["label"] for o in config["options"]] == [{"en": "Parks", "es": "Parques"}, {"en": "Wifi", "es": "Wifi"}]
    assert (config["dots"], config["stack"]) == (4, True)
    assert save(client, workshop, dots, **{"options.en": "Parks\nWifi", "dots": "11"}).status_code == 400


def test_a_ranking_and_statements_are_typed_one_per_line(client, session, prepared):
    _consultation, workshop = prepared
    ranking = make_activity(session, workshop, "ranking", current=False)
    assert save(client, workshop, ranking, **{"options.en": "A\nB\nC"}).status_code == 303
    assert [o["key"] for o in fresh(session, Activity, ranking.id).config["options"]] == ["o1", "o2", "o3"]
    assert fresh(session, Activity, ranking.id).config["places"] == 0  # every option, when left empty
    page = client.get(f"/workshops/{workshop.id}/activities/{ranking.id}").text
    assert 'name="places"' in page
    assert save(client, workshop, ranking, **{"options.en": "A\nB\nC", "places": "2"}).status_code == 303
    assert fresh(session, Activity, ranking.id).config["places"] == 2
    assert save(client, workshop, ranking, **{"options.en": "A\nB\nC", "places": "40"}).status_code == 400
    statements = make_activity(session, workshop, "statements", current=False)
    page = client.get(f"/workshops/{workshop.id}/activities/{statements.id}").text
    assert 'name="allow_new"' in page and 'name="moderation"' in page
    assert save(client, workshop, statements, **{"statements.en": "Ask us first\nNever sell our data", "moderation": "pre"}).status_code == 303
    stored = fresh(session, Activity, statements.id)
    assert [s["text"]["en"] for s in stored.config["statements"]] == ["Ask us first", "Never sell our data"]
    assert stored.config["allow_new"] is False and stored.moderation == "pre"  # the box was left unticked


def test_the_card_sort_edits_its_vocabulary_and_picks_its_cards(client, session, prepared):
    _consultation, workshop = prepared
    cards = make_activity(session, workshop, "card_sort", current=False, config=default_config("card_sort", ["en", "es", "ar"]))
    page = client.get(f"/workshops/{workshop.id}/activities/{cards.id}").text
    assert 'name="data_kinds.en"' in page and "School records" in page and 'name="users.ar"' in page and "مدرستي" in page
    assert 'value="health.un_agency.send_help" checked' in page and 'name="all_cards"' in page
    config = fresh(session, Activity, cards.id).config
    lines = {
        f"{part}.{lang}": "\n".join(item["label"][lang] for item in config[part])
        for part in ("data_kinds", "users", "purposes")
        for lang in ("en", "es", "ar")
    }
    picked = save(client, workshop, cards, **lines, card=["health.ministry.research", "location.school.send_help", "nope.x.y"], reasons="on")
    assert picked.status_code == 303
    stored = fresh(session, Activity, cards.id).config
    assert [(c["data_kind"], c["user"], c["purpose"]) for c in stored["cards"]] == [("health", "ministry", "research"), ("location", "school", "send_help")]
    # "All combinations" of a smaller vocabulary: 2 data kinds x 2 users x 1 purpose.
    small = {"data_kinds.en": "Health\nLocation", "users.en": "A school\nA company", "purposes.en": "To help"}
    assert save(client, workshop, cards, **small, all_cards="on").status_code == 303
    stored = fresh(session, Activity, cards.id).config
    assert len(stored["cards"]) == 4 and stored["reasons"] is False
    # Every combination of the default vocabulary is more than a phone should sort.
    too_many = save(client, workshop, cards, **lines, all_cards="on")
    assert too_many.status_code == 400 and f"At most {MAX_CARDS} cards" in too_many.text


def test_the_checker_refuses_cards_outside_the_vocabulary():
    config = default_config("card_sort", ["en"])
    config["cards"].append({"key": "x", "data_kind": "dreams", "user": "ministry", "purpose": "research"})
    with pytest.raises(ConfigError) as error:
        check_config("card_sort", config, ["en"])
    assert "not in the lists" in str(error.value)
    # The default vocabulary exists in the six languages Baraza speaks.
    full = default_config("card_sort")
    assert all(set(item["label"]) == {"en", "es", "fr", "ar", "pt", "sw"} for part in ("data_kinds", "users", "purposes") for item in full[part])


def test_once_answered_a_ranking_keeps_its_options_but_its_wording_changes(client, session, settings, prepared):
    consultation, workshop = prepared
    ranking = make_activity(session, workshop, "ranking", current=False, config={"options": [{"key": "o1", "label": {"en": "A"}}, {"key": "o2", "label": {"en": "B"}}]})
    participant, _c = make_participant(session, settings, consultation)
    add_vote(session, ranking, participant, "o1")
    assert save(client, workshop, ranking, **{"options.en": "A!\nB"}).status_code == 303
    assert save(client, workshop, ranking, **{"options.en": "A\nB\nC"}).status_code == 409


def test_the_rd4c_template_holds_one_of_each_new_activity_in_three_languages():
    spec = agenda.template_for(["en", "es", "ar"])
    by_kind = {a.kind: a for step in spec.steps for a in step.activities}
    assert {"dot_vote", "ranking", "qa", "statements", "card_sort", "word_cloud"} <= set(by_kind)
    for kind in ("dot_vote", "ranking", "qa", "statements", "card_sort"):
        assert set(by_kind[kind].prompt) == {"en", "es", "ar"}
    assert len(by_kind["dot_vote"].config["options"]) >= 2 and by_kind["statements"].config["statements"]
    assert by_kind["card_sort"].sensitive and by_kind["card_sort"].config["cards"]
    assert all(set(d["label"]) == {"en", "es", "ar"} for d in by_kind["card_sort"].config["data_kinds"])


# The word cloud ------------------------------------------------------------------------------------------


def test_the_word_cloud_counts_by_lemma_and_shows_the_commonest_form(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    cloud = make_activity(session, workshop, "word_cloud")
    entries = [("Escuelas", "es"), ("las escuelas", "es"), ("la escuela de", "es"), ("Datos", "es"), ("privacy", "en"), ("Schools", "en")]
    for text, lang in entries:
        participant, _token = make_participant(session, settings, consultation)
        row = add_note(session, cloud, participant, text)
        row.language = lang
        session.add(row)
    # Held and waiting entries are never counted.
    for status in ("held", "pending"):
        participant, _token = make_participant(session, settings, consultation)
        add_note(session, cloud, participant, "secreto", status=status)
    session.commit()
    sign_in(client, make_facilitator(session, consultation))
    page = client.get(f"/workshops/{workshop.id}/screen").text
    cloud_words = re.findall(r'class="ws-s(\d)" dir="auto">([^<]+)<', page)
    # "Escuelas", "escuelas" and "escuela" are one word (lemma "escuela"), shown as most wrote it;
    # articles and prepositions are stop words; "Schools" is English, counted in English.
    assert cloud_words[0] == ("5", "escuelas")
    assert sorted(w for _size, w in cloud_words) == ["datos", "escuelas", "privacy", "schools"]
    assert "secreto" not in page


def test_an_item_saying_what_another_says_is_refused_but_two_that_translate_alike_are_not():
    """The facilitator types the first statement again, in capitals with a trailing space: one
    statement would split the room's answers in two. Two options that differ in English but
    happen to read alike in Swahili are two options."""
    statements = {"statements": [
        {"key": "s1", "text": {"en": "Ask us first", "sw": "Tuulizeni kwanza"}},
        {"key": "s2", "text": {"en": "Tell us why"}},
        {"key": "s3", "text": {"en": "ASK us  first "}},
    ]}
    with pytest.raises(ConfigError) as error:
        check_config("statements", statements, ["en", "sw"])
    (problem,) = error.value.problems
    assert problem.message == "Item %(n)s says the same as item %(m)s." and problem.message.params == {"n": 3, "m": 1}
    options = {"options": [{"key": "yes", "label": {"en": "Yes", "sw": "Ndiyo"}}, {"key": "sure", "label": {"en": "Sure", "sw": "Ndiyo"}}]}
    assert len(check_config("poll", options, ["en", "sw"])["options"]) == 2


def test_the_editor_refuses_languages_with_different_numbers_of_lines(client, session, prepared):
    """A statement added in English only would pair the wrong translations below it."""
    _consultation, workshop = prepared
    statements = make_activity(session, workshop, "statements", current=False)
    three = {"statements.en": "Ask us\nTell us why\nDelete it", "statements.es": "Pregúntanos\nDinos por qué\nBórralo"}
    assert save(client, workshop, statements, **three).status_code == 303
    uneven = save(client, workshop, statements, **{**three, "statements.en": three["statements.en"] + "\nPay us"})
    assert uneven.status_code == 400
    assert "Give every language the same number of lines (one has 4, another 3)" in uneven.text
    assert len(fresh(session, Activity, statements.id).config["statements"]) == 3  # nothing saved
    assert "Delete it\nPay us</textarea>" in uneven.text  # what was typed is there to mend
    # A language left empty falls back to the consultation's, as before.
    assert save(client, workshop, statements, **{"statements.en": "Ask us\nTell us why"}).status_code == 303
    twice = save(client, workshop, statements, **{"statements.en": "Ask us\nTell us why\nASK us "})
    assert twice.status_code == 400 and "Item 3 says the same as item 1." in twice.text


def test_a_refused_save_shows_back_everything_typed_not_only_the_lists(client, session, prepared):
    """A facilitator who typed a new prompt, changed the settings and then made one mistake
    mends the mistake; they do not type the rest again."""
    _consultation, workshop = prepared
    dots = make_activity(session, workshop, "dot_vote", current=False)
    assert save(client, workshop, dots, **{"options.en": "Parks\nWifi", "dots": "3"}).status_code == 303
    refused = save(client, workshop, dots, **{
        "prompt.en": "Where should the new money go?", "prompt.es": "¿A dónde va el dinero nuevo?",
        "options.en": "Parks\nWifi\nLights", "dots": "11", "stack": "on", "reveal": "on_reveal", "sensitive": "on", "moderation": "pre",
    })
    assert refused.status_code == 400
    page = refused.text
    assert "Where should the new money go?</textarea>" in page and "¿A dónde va el dinero nuevo?</textarea>" in page
    assert 'name="dots" type="number" min="1" max="10" inputmode="numeric" value="11"' in page  # the wrong value, to mend
    assert re.search(r'id="stack" name="stack" checked', page) and re.search(r'id="sensitive" name="sensitive" checked', page)
    assert re.search(r'id="reveal-on_reveal" name="reveal" value="on_reveal" checked', page)
    assert "Parks\nWifi\nLights</textarea>" in page
    stored = fresh(session, Activity, dots.id)
    assert stored.config["dots"] == 3 and not stored.config.get("stack") and stored.reveal == "live"  # nothing saved
    # A scale's typed ends and labels come back too.
    scale = make_activity(session, workshop, "scale", current=False)
    refused = save(client, workshop, scale, **{"min": "1", "max": "abc", "min_label.en": "Not at all", "max_label.en": "Very much"})
    assert refused.status_code == 400
    assert 'name="max" type="number" min="2" max="10" inputmode="numeric" value="abc"' in refused.text
    assert 'value="Not at all"' in refused.text and 'value="Very much"' in refused.text
