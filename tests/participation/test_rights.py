"""The participant's rights: see, download, correct (history kept), delete, change choices,
withdraw; staff helping with the secret words; consent override (SECURITY 18, 20, 21, 22)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from baraza.accounts.models import Organisation
from baraza.audit.models import AuditEntry, AuditRecordRef
from baraza.errors import ConsentRequired
from baraza.governance.models import DataDecision
from baraza.participation import services as psvc
from baraza.participation.api import (
    PARTICIPANT_COOKIE,
    analysable_participant_ids,
    follow_up_participant_ids,
    participant_actor,
    quotable_participant_ids,
    require_consent_to_answer,
)
from baraza.participation.models import ConsentRecord, Correction, Participant
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_context, make_organisation, make_user
from tests.participation.fake_app import SOURCE


def ids(session, selectable) -> set[int]:
    return set(session.exec(selectable).all())


@pytest.fixture
def joined(client, session, settings, fake):
    consultation = make_consultation(session, open=True, categories={"participation": 365, "answers": 180, "age_band": 180, "gender": 180})
    participant, token, phrase = make_participant(session, consultation, settings=settings, analysis=True, quoting=True, follow_up=True)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    return consultation, participant, phrase


# SECURITY 18: no answer without a consent record --------------------------------------------------


def test_nothing_is_stored_without_a_valid_consent(session, settings, fake):
    org = make_organisation(session)
    ctx = make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[ctx], open=True)
    adult, _t, _p = make_participant(session, consultation, settings=settings, age_band="18-20")
    child, _t, _p = make_participant(session, consultation, settings=settings, age_band="15-17")
    item = fake.submit(session, consultation, adult, "more parks")
    assert fake.items[item].consent_record_id == session.exec(select(ConsentRecord).where(ConsentRecord.participant_id == adult.id)).one().id
    with pytest.raises(ConsentRequired):  # waiting for a guardian
        fake.submit(session, consultation, child, "a secret")
    session.rollback()
    other = make_consultation(session, open=True)
    with pytest.raises(ConsentRequired):  # a participant of another consultation
        fake.submit(session, other, adult, "elsewhere")
    session.rollback()
    psvc.do_withdraw_participant(session, participant_actor(adult), consultation, adult)
    with pytest.raises(ConsentRequired):  # withdrawn
        fake.submit(session, consultation, adult, "after leaving")
    session.rollback()
    assert fake.of(child.id) == [] and fake.of(adult.id) == ["more parks"]


def test_nothing_is_stored_when_the_consultation_is_closed(session, settings, fake):
    consultation = make_consultation(session, open=True)
    participant, _t, _p = make_participant(session, consultation, settings=settings)
    consultation.status = "closed"
    session.add(consultation)
    session.commit()
    with pytest.raises(ConsentRequired):
        require_consent_to_answer(session, participant, consultation)


def test_demographics_need_consent_too(client, session, settings):
    org = make_organisation(session)
    ctx = make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[ctx], open=True)
    _child, token, _p = make_participant(session, consultation, settings=settings, age_band="15-17")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    response = post_form(client, f"/p/{consultation.id}/about", {"gender": "girl"})
    assert response.status_code == 403
    assert session.exec(select(Participant)).one().gender is None


# Seeing and downloading ---------------------------------------------------------------------------


def test_my_data_shows_everything_the_participant_contributed(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    fake.submit(session, consultation, participant, "We want safe places")
    assert post_form(client, f"/p/{consultation.id}/about", {"gender": "another"}).status_code == 303
    page = client.get(f"/p/{consultation.id}/my-data")
    assert page.status_code == 200
    assert "We want safe places" in page.text and "Fake survey" in page.text
    assert "In another way" in page.text and "18-20" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_download_as_json_and_csv(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    fake.submit(session, consultation, participant, "=HYPERLINK(\"http://evil\")")
    fake.submit(session, consultation, participant, "مدارس أفضل")
    response = client.get(f"/p/{consultation.id}/my-data/download.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert {i["value"] for i in data["items"] if i["group"] == "Fake survey"} == {"=HYPERLINK(\"http://evil\")", "مدارس أفضل"}
    assert data["consent_records"][0]["kind"] == "consent" and data["choices"]["analysis"] is True
    response = client.get(f"/p/{consultation.id}/my-data/download.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    values = [r[2] for r in rows]
    assert "'=HYPERLINK(\"http://evil\")" in values and "مدارس أفضل" in values  # formula neutralised (SECURITY 33)
    assert client.get(f"/p/{consultation.id}/my-data/download.xml").status_code == 400
    downloads = session.exec(select(AuditEntry).where(AuditEntry.action == "participant.download")).all()
    assert len(downloads) == 2 and all(e.actor_participant_id == participant.id for e in downloads)


def test_without_the_cookie_there_is_no_data(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    fake.submit(session, consultation, participant, "mine")
    client.cookies.clear()
    response = client.get(f"/p/{consultation.id}/my-data/download.json")
    assert response.status_code == 303 and "mine" not in response.text


# Correcting (history kept) and deleting -------------------------------------------------------------


def test_correcting_an_answer_keeps_its_history(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    item = fake.submit(session, consultation, participant, "first answer")
    response = post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": SOURCE, "item_id": item, "value": "better answer"})
    assert response.status_code == 303
    assert fake.items[item].value == "better answer"
    correction = session.exec(select(Correction)).one()
    assert correction.previous_value != "first answer"  # encrypted at rest
    page = client.get(f"/p/{consultation.id}/my-data")
    assert "better answer" in page.text and "first answer" in page.text  # the history is shown (folded)
    data = json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").content)
    fake_item = next(i for i in data["items"] if i["group"] == "Fake survey")
    assert fake_item["history"][0]["previous_value"] == "first answer"
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "participant.correct")).one()
    assert "first answer" not in audit.detail and "better answer" not in audit.detail  # SECURITY 24


def test_the_earlier_words_can_be_forgotten_and_what_it_says_now_stays(client, session, settings, fake, joined):
    """A young person took a teacher's name and phone number out of an answer: the old words are
    folded away on "My data" (a phone may be shared) and can be forgotten for good."""
    consultation, participant, _phrase = joined
    item = fake.submit(session, consultation, participant, "Maria Lopez shows my grades, text me 3001234567")
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": SOURCE, "item_id": item, "value": "My teacher shows my grades"}).status_code == 303
    page = client.get(f"/p/{consultation.id}/my-data").text
    assert re.search(r'<details class="earlier">\s*<summary>Changed: see what it said before</summary>', page)  # folded
    assert "Earlier:" not in page
    forgotten = post_form(client, f"/p/{consultation.id}/my-data/forget-earlier", {"source": SOURCE, "item_id": item})
    assert forgotten.status_code == 303
    assert session.exec(select(Correction)).all() == []
    assert fake.items[item].value == "My teacher shows my grades"  # what it says now stays
    page = client.get(f"/p/{consultation.id}/my-data").text
    assert "Maria Lopez" not in page and "3001234567" not in page and "My teacher shows my grades" in page
    data = json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").content)
    assert "Maria Lopez" not in json.dumps(data)
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "participant.forget_earlier")).one()
    assert "Maria" not in audit.detail
    # Nothing left to forget, or someone else's item: refused, nothing changes.
    assert post_form(client, f"/p/{consultation.id}/my-data/forget-earlier", {"source": SOURCE, "item_id": item}).status_code == 400
    other, _t, _p = make_participant(session, consultation, settings=settings)
    theirs = fake.submit(session, consultation, other, "their words")
    assert post_form(client, f"/p/{consultation.id}/my-data/forget-earlier", {"source": SOURCE, "item_id": theirs}).status_code == 404


def test_correcting_a_demographic_band_checks_the_options(client, session, settings, joined):
    consultation, participant, _phrase = joined
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": psvc.CORE_SOURCE, "item_id": "age_band", "value": "99-100"}).status_code == 400
    # Crossing the age of consent would change who must agree: not offered.
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": psvc.CORE_SOURCE, "item_id": "age_band", "value": "15-17"}).status_code == 400
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": psvc.CORE_SOURCE, "item_id": "age_band", "value": "21-24"}).status_code == 303
    assert session.exec(select(Participant)).one().age_band == "21-24"
    assert len(psvc.corrections_of(session, settings, participant)[(psvc.CORE_SOURCE, "age_band")]) == 1


def test_another_participants_item_cannot_be_touched(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    other, _t, _p = make_participant(session, consultation, settings=settings)
    theirs = fake.submit(session, consultation, other, "their words")
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": SOURCE, "item_id": theirs, "value": "changed"}).status_code == 404
    assert post_form(client, f"/p/{consultation.id}/my-data/delete", {"source": SOURCE, "item_id": theirs}).status_code == 404
    assert fake.items[theirs].value == "their words"


def test_deleting_an_item_removes_it_and_its_history(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    keep = fake.submit(session, consultation, participant, "keep me")
    drop = fake.submit(session, consultation, participant, "drop me")
    post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": SOURCE, "item_id": drop, "value": "drop me too"})
    assert post_form(client, f"/p/{consultation.id}/my-data/delete", {"source": SOURCE, "item_id": drop}).status_code == 303
    assert fake.of(participant.id) == ["keep me"] and keep in fake.items
    assert session.exec(select(Correction)).all() == []


# Choices and withdrawal (SECURITY 20, 21) ------------------------------------------------------------


def test_changing_choices_writes_a_consent_record_and_moves_the_participant(client, session, settings, joined):
    consultation, participant, _phrase = joined
    assert participant.id in ids(session, analysable_participant_ids(consultation.id))
    assert post_form(client, f"/p/{consultation.id}/my-data/choices", {"quoting": "on"}).status_code == 303
    assert participant.id not in ids(session, analysable_participant_ids(consultation.id))
    assert participant.id in ids(session, quotable_participant_ids(consultation.id))
    assert participant.id not in ids(session, follow_up_participant_ids(consultation.id))
    record = session.exec(select(ConsentRecord).order_by(col(ConsentRecord.id).desc())).first()
    assert (record.kind, record.analysis, record.quoting, record.follow_up) == ("choices_changed", False, True, False)
    assert record.notice_version == 1


def test_withdrawal_excludes_the_participant_from_everything_later(client, session, settings, fake, joined):
    consultation, participant, _phrase = joined
    others = [make_participant(session, consultation, settings=settings)[0] for _ in range(5)]
    fake.submit(session, consultation, participant, "my view")
    before = ids(session, analysable_participant_ids(consultation.id))
    assert participant.id in before and len(before) == 6
    assert post_form(client, f"/p/{consultation.id}/my-data/withdraw", {}).status_code == 400  # must confirm
    assert post_form(client, f"/p/{consultation.id}/my-data/withdraw", {"confirm": "on"}).status_code == 303
    assert ids(session, analysable_participant_ids(consultation.id)) == {p.id for p in others}
    assert participant.id not in ids(session, quotable_participant_ids(consultation.id))
    assert participant.id not in ids(session, follow_up_participant_ids(consultation.id))
    record = session.exec(select(ConsentRecord).order_by(col(ConsentRecord.id).desc())).first()
    assert record.kind == "withdrawal"
    # They can still see and download what is left until it is erased, but change nothing.
    page = client.get(f"/p/{consultation.id}/my-data")
    assert page.status_code == 200 and "You have left" in page.text and "Start again as someone new" in page.text
    assert post_form(client, f"/p/{consultation.id}/my-data/choices", {"analysis": "on"}).status_code == 403
    assert participant.id not in ids(session, analysable_participant_ids(consultation.id))
    # Their home no longer offers to change or delete anything.
    home = client.get(f"/p/{consultation.id}/")
    assert "See or download what you told us, until it is deleted" in home.text and "change or delete" not in home.text
    # Someone who changes their mind finds the way back in: as someone new, from the join page.
    assert "Start again as someone new" in home.text
    again = post_form(client, f"/p/{consultation.id}/forget", {})
    assert again.status_code == 303 and again.headers["location"].startswith("/join")
    assert client.get(f"/p/{consultation.id}/").status_code in (303, 404)  # this phone no longer opens their home


def test_the_facilitators_counts_drop_after_a_withdrawal(client, session, settings, joined):
    consultation, participant, _phrase = joined
    for _ in range(5):
        make_participant(session, consultation, settings=settings)
    staff = make_user(session, role="facilitator", organisation=session.get(Organisation, consultation.organisation_id))
    token = client.cookies.get(PARTICIPANT_COOKIE)
    from starlette.testclient import TestClient

    with TestClient(client.app, follow_redirects=False) as staff_client:
        login(staff_client, staff.email, PASSWORD)
        assert '<td class="num" id="analysable-total">6</td>' in staff_client.get(f"/consultations/{consultation.id}").text
        client.cookies.set(PARTICIPANT_COOKIE, token)
        assert post_form(client, f"/p/{consultation.id}/my-data/withdraw", {"confirm": "on"}).status_code == 303
        page = staff_client.get(f"/consultations/{consultation.id}").text
        assert '<td class="num" id="analysable-total">5</td>' in page
        # One withdrawn person is fewer than k: never shown as a number.
        assert "fewer than 5" in page


# Staff helping with the secret words (audited) ---------------------------------------------------------


def test_staff_can_exercise_the_rights_with_the_phrase(client, session, settings, fake, joined):
    consultation, participant, phrase = joined
    item = fake.submit(session, consultation, participant, "said in the room")
    org = session.get(Organisation, consultation.organisation_id)
    staff = make_user(session, role="facilitator", organisation=org)
    client.cookies.clear()
    login(client, staff.email, PASSWORD)
    assert "said in the room" not in client.get(f"/consultations/{consultation.id}/assist").text
    assert post_form(client, f"/consultations/{consultation.id}/assist", {"phrase": "wrong words here please"}).status_code == 400
    response = post_form(client, f"/consultations/{consultation.id}/assist", {"phrase": phrase})
    assert response.status_code == 303
    assert not set(re.split(r"[^a-z]+", response.headers["location"].lower())) & set(phrase.split())
    page = client.get(f"/consultations/{consultation.id}/assist")
    assert "said in the room" in page.text
    base = f"/consultations/{consultation.id}/assist"
    assert post_form(client, base + "/correct", {"source": SOURCE, "item_id": item, "value": "said better"}).status_code == 303
    assert client.get(base + "/download.json").status_code == 200
    assert post_form(client, base + "/choices", {"analysis": "on"}).status_code == 303
    assert post_form(client, base + "/withdraw", {"confirm": "on"}).status_code == 303
    session.refresh(participant)
    assert participant.withdrawn_at is not None and fake.items[item].value == "said better"
    records = session.exec(select(ConsentRecord).where(ConsentRecord.recorded_by_user_id == staff.id)).all()
    assert {(r.kind, r.method) for r in records} == {("choices_changed", "assisted"), ("withdrawal", "assisted")}
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.actor_user_id == staff.id)).all()]
    for action in ("participant.assist_open", "participant.assist_view", "participant.assisted_correct", "participant.assisted_download",
                   "participant.assisted_consent_choices", "participant.assisted_withdraw"):
        assert action in actions, action
    refs = session.exec(select(func.count()).select_from(AuditRecordRef).where(AuditRecordRef.record_type == "participant", AuditRecordRef.record_id == str(participant.id))).one()
    assert refs >= 6
    assert post_form(client, base + "/end", {}).status_code == 303


def test_helping_needs_the_permission_and_the_scope(client, session, settings, joined):
    consultation, participant, phrase = joined
    client.cookies.clear()
    analyst = make_user(session, role="analyst")
    login(client, analyst.email, PASSWORD)
    assert client.get(f"/consultations/{consultation.id}/assist").status_code == 404
    client.cookies.clear()
    other_facilitator = make_user(session, role="facilitator")  # another organisation
    login(client, other_facilitator.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/assist", {"phrase": phrase}).status_code == 404


# Consent override (SECURITY 20) ------------------------------------------------------------------------


def test_override_needs_the_dedicated_permission_and_a_written_reason(client, session, settings, joined):
    consultation, participant, _phrase = joined
    org = session.get(Organisation, consultation.organisation_id)
    client.cookies.clear()
    facilitator = make_user(session, role="facilitator", organisation=org)
    login(client, facilitator.email, PASSWORD)
    form = {"pseudonym": participant.pseudonym, "choice": "quoting", "value": "no", "reason": "Safeguarding: the words could identify them."}
    assert post_form(client, f"/consultations/{consultation.id}/override", form).status_code == 404
    client.cookies.clear()
    dpo = make_user(session, role="dpo", organisation=org)
    login(client, dpo.email, PASSWORD)
    assert post_form(client, f"/consultations/{consultation.id}/override", {**form, "reason": ""}).status_code == 400
    assert participant.id in ids(session, quotable_participant_ids(consultation.id))
    assert post_form(client, f"/consultations/{consultation.id}/override", form).status_code == 303
    assert participant.id not in ids(session, quotable_participant_ids(consultation.id))
    record = session.exec(select(ConsentRecord).where(ConsentRecord.kind == "override")).one()
    assert (record.given_by, record.recorded_by_user_id, record.reason) == ("staff", dpo.id, form["reason"])
    decision = session.exec(select(DataDecision).where(DataDecision.kind == "override_consent")).one()
    assert decision.reason == form["reason"] and decision.decided_by_user_id == dpo.id
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "consent.override")).one()
    assert entry.actor_user_id == dpo.id and "Safeguarding" not in entry.detail


def test_a_withdrawal_committed_after_the_page_loaded_still_stops_the_answer(session, settings, engine):
    """The consent check re-reads the participant, not the copy the request loaded earlier."""
    from sqlmodel import Session as _Session

    from baraza.db import utcnow
    from baraza.errors import ConsentRequired
    from baraza.participation.api import require_consent_to_answer
    from baraza.participation.models import Participant as _Participant
    from tests.consultations.factories import make_consultation as _make_consultation
    from tests.consultations.factories import make_participant as _make_participant

    consultation = _make_consultation(session, open=True)
    participant, _token, _phrase = _make_participant(session, consultation, settings=settings)
    with _Session(engine, expire_on_commit=False) as request_session:
        loaded = request_session.get(_Participant, participant.id)
        request_session.commit()
        with _Session(engine) as other:
            row = other.get(_Participant, participant.id)
            row.consent_status = "withdrawn"
            row.withdrawn_at = utcnow()
            other.add(row)
            other.commit()
        with pytest.raises(ConsentRequired):
            require_consent_to_answer(request_session, loaded, consultation)


def test_every_change_to_a_participant_is_an_event_other_apps_hear(app, client, session, settings, fake, joined):
    """Workshops and insights hear of corrections, deletions, choices and withdrawal through the
    core's events (inside the same transaction), never by reading the core's tables."""
    consultation, participant, _phrase = joined
    heard: list[tuple[str, dict]] = []
    registry = app.state.baraza.registry
    for name in ("participant.item_changed", "participant.consent_changed", "participant.withdrawn"):
        registry.subscribe(name, lambda s, e: heard.append((e.name, dict(e.data))))
    item = fake.submit(session, consultation, participant, "first answer")
    base = f"/p/{consultation.id}/my-data"
    assert post_form(client, base + "/correct", {"source": SOURCE, "item_id": item, "value": "better"}).status_code == 303
    assert post_form(client, base + "/delete", {"source": SOURCE, "item_id": item}).status_code == 303
    assert post_form(client, base + "/choices", {"quoting": "on"}).status_code == 303
    assert post_form(client, base + "/correct", {"source": SOURCE, "item_id": "nope", "value": "x"}).status_code == 404
    assert post_form(client, base + "/withdraw", {"confirm": "on"}).status_code == 303
    assert heard == [
        ("participant.item_changed", {"change": "corrected", "source": SOURCE, "item": item}),
        ("participant.item_changed", {"change": "deleted", "source": SOURCE, "item": item}),
        ("participant.consent_changed", {"analysis": False, "quoting": True, "follow_up": False}),
        ("participant.withdrawn", {}),
    ]


def test_my_data_lays_out_each_answer_in_its_own_direction(client, session, settings, fake, joined):
    """An English answer on an Arabic page (or the other way round) keeps its own direction:
    the value, its earlier versions and the correction field say dir="auto"."""
    consultation, participant, _phrase = joined
    fake.submit(session, consultation, participant, "We want to be asked first!")
    page = client.get(f"/p/{consultation.id}/my-data")
    assert '<p class="item-value" dir="auto">We want to be asked first!</p>' in page.text
    assert 'name="value" value="We want to be asked first!" maxlength="4000" dir="auto"' in page.text


def test_the_spreadsheet_speaks_the_young_persons_words_not_the_programs_keys(client, session, settings):
    """The CSV of "my data" is for the young person: its rows say "Your reference", "Consent
    complete", "18 to 20" and the choices as the page words them, in the page's language."""
    import csv
    import io

    from baraza.i18n import LANGUAGE_COOKIE

    consultation = make_consultation(session, open=True, languages=["en", "es"], categories={"participation": 365, "age_band": 180})
    _participant, token, _phrase = make_participant(session, consultation, settings=settings, age_band="18-20", analysis=True)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    rows = list(csv.reader(io.StringIO(client.get(f"/p/{consultation.id}/my-data/download.csv").content.decode("utf-8-sig"))))
    cells = {cell for row in rows for cell in row}
    assert {"Your reference", "Where", "Since", "Consent", "Consent complete", "Count my answers together with everyone else's", "18 to 20"} <= cells
    assert not {"reference", "context", "joined_at", "consent_status", "valid", "analysis", "follow_up", "18-20"} & cells
    client.cookies.set(LANGUAGE_COOKIE, "es")
    spanish = client.get(f"/p/{consultation.id}/my-data/download.csv").content.decode("utf-8-sig")
    assert "Your reference" not in spanish and "Count my answers" not in spanish and "18 a 20" in spanish


# The download is the young person's copy: their words, with the codes beside them -----------------


def test_the_json_download_reads_like_my_data_and_keeps_the_codes_beside_the_words(client, session, settings, fake, joined):
    """No program's flags (`source`, `item_id`, `correctable`, `deletable`) and no list of every
    option: each answer in the page's words ("18 to 20", "A girl or young woman"), the code it
    is stored as next to it, earlier answers in words too; the facts about taking part with
    their words beside their codes."""
    from baraza.i18n import LANGUAGE_COOKIE

    consultation, participant, _phrase = joined
    fake.submit(session, consultation, participant, "We want safe places")
    assert post_form(client, f"/p/{consultation.id}/about", {"gender": "girl"}).status_code == 303
    assert post_form(client, f"/p/{consultation.id}/my-data/correct", {"source": psvc.CORE_SOURCE, "item_id": "age_band", "value": "21-24"}).status_code == 303
    data = json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").content)
    for item in data["items"]:
        assert not {"source", "item_id", "correctable", "deletable", "choices", "record", "key"} & set(item), item
    by_label = {i["label"]: i for i in data["items"]}
    age = by_label["Your age"]
    assert age["value"] == "21 to 24" and age["code"] == "21-24" and age["group"] == "About you" and age["category"] == "age_band"
    assert age["history"][0]["previous_value"] == "18 to 20" and age["history"][0]["previous_code"] == "18-20"
    assert by_label["Your gender"]["value"] == "A girl or young woman" and by_label["Your gender"]["code"] == "girl"
    said = next(i for i in data["items"] if i["value"] == "We want safe places")
    assert "code" not in said and said["created_at"]
    assert data["consent_status"] == "valid" and data["consent_status_label"] == "Consent complete"
    assert data["choices"] == {"analysis": True, "quoting": True, "follow_up": True}
    assert data["choices_labels"]["analysis"] == "Count my answers together with everyone else's"
    assert data["consent_records"][0]["kind"] == "consent" and data["consent_records"][0]["kind_label"]
    assert data["language"] == "en" and data["language_name"] == "English"
    client.cookies.set(LANGUAGE_COOKIE, "es")
    spanish = json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").content)
    # The consultation speaks English only: the page, and its copy, stay in English.
    assert {i["label"] for i in spanish["items"]} == {i["label"] for i in data["items"]}


def test_the_json_download_speaks_the_page_language(client, session, settings):
    from baraza.i18n import LANGUAGE_COOKIE

    consultation = make_consultation(session, open=True, languages=["en", "es"], categories={"participation": 365, "age_band": 180})
    _participant, token, _phrase = make_participant(session, consultation, settings=settings, age_band="18-20", analysis=True)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    client.cookies.set(LANGUAGE_COOKIE, "es")
    data = json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").content)
    age = next(i for i in data["items"] if i.get("code") == "18-20")
    assert "18 a 20" in age["value"] and age["label"] == "Tu edad"
    assert data["consent_status_label"] != "Consent complete" and data["consent_status"] == "valid"


def test_changing_a_band_is_a_choice_of_radios_in_words(client, session, settings, joined):
    consultation, _participant, _phrase = joined
    page = client.get(f"/p/{consultation.id}/my-data").text
    form = page.split('value="age_band"')[1].split("</form>")[0]
    assert 'type="radio" name="value" value="18-20" checked' in form and ">21 to 24</label>" in form
    assert "<select" not in form and ">21-24<" not in form
