"""Joining by code, link and QR; the notice; assent never pre-ticked; guardian consent;
the pseudonymous cookie and the recovery phrase (SECURITY 11, 15, 18, 19, 31)."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re

import pytest
from sqlmodel import select

from baraza.accounts.models import ThrottleEvent
from baraza.audit.models import AuditEntry
from baraza.errors import ConsentRequired
from baraza.participation import services as psvc
from baraza.participation.api import PARTICIPANT_COOKIE, require_consent_to_answer
from baraza.participation.keys import normalise_phrase, word_list
from baraza.participation.models import ConsentRecord, ConsentStatus, Participant, ParticipantDevice
from tests.conftest import csrf_from, login, post_form
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, make_context, make_organisation, make_user


def _notice_id(session, consultation, lang="en") -> int:
    notice = psvc.latest_notice(session, consultation.id, lang)
    session.commit()  # end the read: SQLite takes the write lock at BEGIN
    return notice.id


def join(client, session, consultation, *, age_band="18-20", agree=True, lang="en", context_id=None, **choices):
    notice_id = _notice_id(session, consultation, lang)
    page = client.get(f"/join/{consultation.join_code}/notice" + (f"?context={context_id}" if context_id else ""))
    assert page.status_code == 200, page.text[:500]
    data = {"csrf_token": csrf_from(page.text), "age_band": age_band, "notice_id": str(notice_id)}
    if context_id:
        data["context"] = str(context_id)
    if agree:
        data["agree"] = "on"
    for name, value in choices.items():
        if value:
            data[name] = "on"
    return client.post(f"/join/{consultation.join_code}/notice", data=data)


def test_join_by_typed_code_link_and_qr(client, session):
    consultation = make_consultation(session, open=True)
    response = post_form(client, "/join", {"code": consultation.join_code.lower()[:3] + " " + consultation.join_code.lower()[3:]})
    assert response.status_code == 303 and response.headers["location"] == f"/join/{consultation.join_code}"
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and consultation.title["en"] in page.text
    # The QR code encodes the same link (it is checked in tests/consultations).
    assert session.exec(select(Participant)).all() == []  # nothing stored by looking


def test_a_wrong_or_draft_code_answers_not_found(client, session):
    draft = make_consultation(session)
    for code in ["ZZZZZZ", draft.join_code]:
        response = post_form(client, "/join", {"code": code})
        assert response.status_code == 404
        assert client.get(f"/join/{code}").status_code == 404


def test_join_codes_are_rate_limited_per_address(client, session, settings):
    consultation = make_consultation(session, open=True)
    for _ in range(settings.join_ip_limit):
        assert client.get("/join/WRONG1").status_code == 404
    # Even the right code is refused now, from this address.
    assert client.get(f"/join/{consultation.join_code}").status_code == 429
    keys = [e.key for e in session.exec(select(ThrottleEvent)).all()]
    assert keys and all("WRONG1" not in k and "testclient" not in k for k in keys)  # keyed, never raw


def test_new_participants_are_rate_limited_per_code(make_app, session, settings):
    from starlette.testclient import TestClient

    consultation = make_consultation(session, open=True)
    app = make_app(join_code_limit=2)
    with TestClient(app, follow_redirects=False) as client:
        for _ in range(2):
            assert join(client, session, consultation).status_code == 303
            client.cookies.clear()
        assert join(client, session, consultation).status_code == 429
    assert len(session.exec(select(Participant)).all()) == 2


def test_the_notice_comes_first_and_nothing_is_pre_ticked(client, session):
    consultation = make_consultation(session, open=True)
    page = client.get(f"/join/{consultation.join_code}/notice")
    assert page.status_code == 200
    for name in psvc.NOTICE_FIELDS:
        assert f"Notice part {name}." in page.text
    for name in ("agree", "analysis", "quoting", "follow_up"):
        tag = re.search(rf'<input type="checkbox" id="[^"]+" name="{name}"[^>]*>', page.text).group(0)
        assert "checked" not in tag, tag
    assert "Version 1" in page.text


def test_without_ticking_agree_nothing_is_stored(client, session):
    consultation = make_consultation(session, open=True)
    response = join(client, session, consultation, agree=False, analysis=True)
    assert response.status_code == 400
    assert "tick that you agree" in response.text
    assert session.exec(select(Participant)).all() == []
    assert session.exec(select(ConsentRecord)).all() == []
    assert PARTICIPANT_COOKIE not in response.headers.get("set-cookie", "")


def test_joining_records_who_which_notice_language_method_and_time(client, session):
    consultation = make_consultation(session, open=True, languages=["en", "ar"])
    client.cookies.set("baraza_lang", "ar")
    response = join(client, session, consultation, lang="ar", analysis=True, follow_up=True)
    assert response.status_code == 303
    participant = session.exec(select(Participant)).one()
    record = session.exec(select(ConsentRecord)).one()
    notice = psvc.latest_notice(session, consultation.id, "ar")
    assert (record.kind, record.given_by, record.method, record.language) == ("consent", "self", "online", "ar")
    assert (record.notice_id, record.notice_version) == (notice.id, 1)
    assert record.created_at is not None and record.created_at.tzinfo is not None
    assert (record.analysis, record.quoting, record.follow_up) == (True, False, True)
    assert participant.consent_status == ConsentStatus.VALID and participant.language == "ar"


def test_a_changed_notice_must_be_read_again(client, session):
    consultation = make_consultation(session, open=True)
    page = client.get(f"/join/{consultation.join_code}/notice")
    old_id = _notice_id(session, consultation)
    from tests.consultations.factories import make_notice

    make_notice(session, consultation, "en", why="A new reason.")
    response = client.post(
        f"/join/{consultation.join_code}/notice",
        data={"csrf_token": csrf_from(page.text), "age_band": "18-20", "agree": "on", "notice_id": str(old_id)},
    )
    assert response.status_code == 400 and "changed" in response.text
    assert session.exec(select(Participant)).all() == []


# Under the age of consent ------------------------------------------------------------------------


def test_under_age_needs_assent_and_a_guardian_consent(client, session, settings):
    org = make_organisation(session)
    ctx = make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[ctx], open=True, guardian_modes=["attested"])
    response = join(client, session, consultation, age_band="15-17", analysis=True)
    assert response.status_code == 303
    participant = session.exec(select(Participant)).one()
    assert participant.under_age_of_consent and participant.consent_status == ConsentStatus.PENDING_GUARDIAN
    assert [r.kind for r in session.exec(select(ConsentRecord)).all()] == ["assent"]
    # Nothing can be stored yet (SECURITY 18-19).
    with pytest.raises(ConsentRequired):
        require_consent_to_answer(session, participant, consultation)
    session.rollback()
    home = client.get(f"/p/{consultation.id}/")
    code = psvc.pending_guardian_code(settings, participant)
    assert code in home.text
    # The facilitator attests that the guardian is present.
    staff = make_user(session, role="facilitator", scope="context", scope_ref=ctx.id, organisation=org)
    staff_client = client.__class__(client.app, follow_redirects=False)
    with staff_client:
        login(staff_client, staff.email, PASSWORD)
        refused = post_form(staff_client, f"/consultations/{consultation.id}/guardian", {"code": code, "method": "attested"}, token_from="/")
        assert refused.status_code == 400  # the facilitator must confirm the guardian is there
        ok = post_form(staff_client, f"/consultations/{consultation.id}/guardian", {"code": code.lower(), "method": "attested", "confirmed": "on"})
        assert ok.status_code == 303
    session.refresh(participant)
    assert participant.consent_status == ConsentStatus.VALID
    guardian = session.exec(select(ConsentRecord).where(ConsentRecord.kind == "guardian_consent")).one()
    assert (guardian.given_by, guardian.method, guardian.recorded_by_user_id) == ("guardian", "attested", staff.id)
    assert require_consent_to_answer(session, participant, consultation).id == guardian.id
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "consent.guardian")).one().actor_user_id == staff.id


def _waiting_for_a_guardian(client, session, settings, *, modes, age_band):
    """A consultation in a place whose age of consent is 18, a young person of `age_band`
    waiting for a guardian's consent, their code, and a facilitator of the organisation signed in."""
    org = make_organisation(session)
    ctx = make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[ctx], open=True, guardian_modes=modes)
    participant, _token, _phrase = make_participant(session, consultation, settings=settings, age_band=age_band)
    staff = make_user(session, role="facilitator", organisation=org)
    login(client, staff.email, PASSWORD)
    return consultation, participant, psvc.pending_guardian_code(settings, participant)


def test_paper_guardian_consent_needs_its_reference(client, session, settings):
    consultation, _participant, code = _waiting_for_a_guardian(client, session, settings, modes=["paper"], age_band="13-14")
    assert post_form(client, f"/consultations/{consultation.id}/guardian", {"code": code, "method": "attested", "confirmed": "on"}).status_code == 400
    assert post_form(client, f"/consultations/{consultation.id}/guardian", {"code": code, "method": "paper"}).status_code == 400
    assert post_form(client, f"/consultations/{consultation.id}/guardian", {"code": code, "method": "paper", "reference": "FORM-17"}).status_code == 303
    record = session.exec(select(ConsentRecord).where(ConsentRecord.kind == "guardian_consent")).one()
    assert (record.method, record.guardian_reference) == ("paper", "FORM-17")


def test_a_guardian_consent_for_a_child_of_12_or_younger_is_checked_once_more(client, session, settings):
    """The youngest band is let in with a guardian's consent (RD4C consultations with children),
    but never without the facilitator knowing it: the form says so, keeps the code, and records
    only once they tick that they have checked it with the guardian."""
    consultation, participant, code = _waiting_for_a_guardian(client, session, settings, modes=["attested"], age_band="0-12")
    sent = {"code": code, "method": "attested", "confirmed": "on"}
    refused = post_form(client, f"/consultations/{consultation.id}/guardian", sent)
    assert refused.status_code == 400
    assert "This child is 12 or younger." in html.unescape(refused.text)
    assert f'value="{code}"' in refused.text and 'name="youngest"' in refused.text
    assert 'href="#youngest-error"' in refused.text, "the problem is named at the top of the form, which takes the focus"
    session.refresh(participant)
    assert participant.consent_status == ConsentStatus.PENDING_GUARDIAN
    assert post_form(client, f"/consultations/{consultation.id}/guardian", {**sent, "youngest": "on"}).status_code == 303
    session.refresh(participant)
    assert participant.consent_status == ConsentStatus.VALID


def test_a_waived_guardian_consent_is_recorded_as_such(session, settings):
    org = make_organisation(session)
    ctx = make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[ctx], open=True, guardian_waived=True, guardian_modes=[])
    participant, _token, _phrase = make_participant(session, consultation, settings=settings, age_band="15-17")
    assert participant.consent_status == ConsentStatus.VALID
    kinds = [(r.kind, r.method) for r in session.exec(select(ConsentRecord).order_by(ConsentRecord.id)).all()]
    assert kinds == [("assent", "online"), ("guardian_consent", "waived")]


def test_age_bands_never_straddle_the_age_of_consent():
    for age in (0, 13, 14, 16, 18, 21, 25):
        for band in psvc.age_bands(age):
            if band.high is not None:
                assert (band.low < age) == (band.high < age), (age, band)


# The pseudonymous participant and the recovery phrase --------------------------------------------


def test_the_phrase_is_shown_once_and_stored_only_as_a_keyed_hash(client, session, settings):
    consultation = make_consultation(session, open=True)
    response = join(client, session, consultation)
    assert response.headers["location"] == f"/p/{consultation.id}/phrase"
    page = client.get(response.headers["location"])
    words = re.findall(r"<li>([a-z]+)</li>", page.text)
    assert len(words) == 4 and all(w in word_list() for w in words)
    assert "baraza_phrase" in page.headers.get("set-cookie", "")  # the sealed copy is deleted
    client.cookies.delete("baraza_phrase", path="/p/")
    assert not re.findall(r"<li>([a-z]+)</li>", client.get(f"/p/{consultation.id}/phrase").text)
    participant = session.exec(select(Participant)).one()
    phrase = " ".join(words)
    assert participant.recovery_hash != hashlib.sha256(phrase.encode()).hexdigest()
    assert participant.recovery_hash != hashlib.sha256(normalise_phrase(phrase).encode()).hexdigest()
    # Nothing in the database holds the phrase or the cookie token (SECURITY 11).
    token = client.cookies.get(PARTICIPANT_COOKIE)
    dump = repr([p.model_dump() for p in session.exec(select(Participant)).all()]) + repr(
        [d.model_dump() for d in session.exec(select(ParticipantDevice)).all()]
    )
    assert phrase not in dump and token not in dump and words[0] + " " + words[1] not in dump


def test_the_phrase_brings_the_participant_back_on_another_phone(client, session, settings, app):
    consultation = make_consultation(session, open=True)
    participant, _token, phrase = make_participant(session, consultation, settings=settings)
    from starlette.testclient import TestClient

    with TestClient(app, follow_redirects=False) as other_phone:
        wrong = post_form(other_phone, "/join/recover", {"phrase": "not the right words"})
        assert wrong.status_code == 400
        back = post_form(other_phone, "/join/recover", {"phrase": "  " + phrase.upper().replace(" ", " - ") + " "})
        assert back.status_code == 303 and back.headers["location"] == f"/p/{consultation.id}/"
        assert other_phone.get(f"/p/{consultation.id}/my-data").status_code == 200
    assert len(session.exec(select(ParticipantDevice).where(ParticipantDevice.participant_id == participant.id)).all()) == 2


def test_secret_words_come_in_the_language_the_young_person_joined_in(client, session, settings, app):
    """Joined in Arabic: the words are Arabic, right to left; they bring the participant back
    typed in Arabic (with or without vowel marks and hamza) or as their English equivalents."""
    from starlette.testclient import TestClient

    from baraza.participation.keys import fold_word, local_words, phrase_length

    pairs = local_words("ar")
    assert len(pairs) >= 256, "the Arabic word list is missing"
    consultation = make_consultation(session, open=True, languages=["en", "ar"])
    client.cookies.set("baraza_lang", "ar")
    response = join(client, session, consultation, lang="ar")
    page = client.get(response.headers["location"])
    listed = re.search(r'<ol class="phrase"[^>]*lang="ar" dir="rtl">(.*?)</ol>', page.text, re.S)
    assert listed, page.text[:2000]
    words = re.findall(r"<li>([^<]+)</li>", listed.group(1))
    to_english = {fold_word(local): english for english, local in pairs}
    assert len(words) == phrase_length(len(pairs)) and all(fold_word(w) in to_english for w in words)
    participant = session.exec(select(Participant)).one()
    english = " ".join(to_english[fold_word(w)] for w in words)
    marked = " ".join(w.replace("ا", "أ", 1) + "َ" for w in words)  # a vowel mark and a hamza typed in
    for typed in (" ".join(words), "، ".join(words), english, marked):
        with TestClient(app, follow_redirects=False) as other_phone:
            back = post_form(other_phone, "/join/recover", {"phrase": typed})
            assert back.status_code == 303 and back.headers["location"] == f"/p/{consultation.id}/", typed
    assert len(session.exec(select(ParticipantDevice).where(ParticipantDevice.participant_id == participant.id)).all()) == 5


def test_recovery_is_rate_limited_per_address(client, session, settings):
    # An empty or short entry is no guess: it asks for the words and counts for nothing.
    for typed in ("", "   ", "apple banana"):
        short = post_form(client, "/join/recover", {"phrase": typed})
        assert short.status_code == 400 and "Type all your secret words" in short.text
    # A shared network (a camp, a school hall) gets more tries than for join codes.
    assert settings.recover_ip_limit > settings.join_ip_limit
    for _ in range(settings.recover_ip_limit):
        assert post_form(client, "/join/recover", {"phrase": "apple banana cherry grape"}).status_code == 400
    assert post_form(client, "/join/recover", {"phrase": "apple banana cherry grape"}).status_code == 429


def test_forget_this_phone(client, session, settings):
    consultation = make_consultation(session, open=True)
    participant, token, phrase = make_participant(session, consultation, settings=settings)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    assert client.get(f"/p/{consultation.id}/my-data").status_code == 200
    response = post_form(client, f"/p/{consultation.id}/forget", {})
    assert response.status_code == 303
    assert session.exec(select(ParticipantDevice).where(ParticipantDevice.participant_id == participant.id)).all() == []
    client.cookies.set(PARTICIPANT_COOKIE, token)  # even a copied cookie no longer works
    assert client.get(f"/p/{consultation.id}/my-data").status_code == 303
    # The phrase still works.
    assert post_form(client, "/join/recover", {"phrase": phrase}).status_code == 303


def test_a_phone_can_hold_several_consultations(client, session, settings):
    first = make_consultation(session, open=True)
    second = make_consultation(session, open=True)
    assert join(client, session, first).status_code == 303
    assert join(client, session, second).status_code == 303
    assert client.get(f"/p/{first.id}/my-data").status_code == 200
    assert client.get(f"/p/{second.id}/my-data").status_code == 200


def test_a_participant_of_one_consultation_cannot_open_another(client, session, settings):
    first = make_consultation(session, open=True)
    second = make_consultation(session, open=True)
    _p, token, _phrase = make_participant(session, first, settings=settings)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    response = client.get(f"/p/{second.id}/my-data")
    assert response.status_code == 303 and response.headers["location"] == f"/join/{second.join_code}"


# Light, private participant pages -------------------------------------------------------------------


def test_participant_pages_are_light_uncached_and_carry_nothing_personal_in_urls(client, session, settings):
    other = make_consultation(session, open=True)
    for _ in range(3):  # so the participant's id differs from the consultation's
        make_participant(session, other, settings=settings)
    consultation = make_consultation(session, open=True)
    response = join(client, session, consultation, analysis=True)
    participant = session.exec(select(Participant).where(Participant.consultation_id == consultation.id)).one()
    assert participant.id != consultation.id
    phrase_page = client.get(response.headers["location"])
    phrase = " ".join(re.findall(r"<li>([a-z]+)</li>", phrase_page.text))
    assert len(phrase.split()) >= 4, phrase_page.text
    pages = [f"/join/{consultation.join_code}", f"/p/{consultation.id}/", f"/p/{consultation.id}/my-data", f"/p/{consultation.id}/about"]
    for path in pages + [f"/join/{consultation.join_code}/notice", "/join", "/join/recover"]:
        page = client.get(path)
        assert page.status_code in (200, 303), path
        assert page.headers["cache-control"] == "no-store", path
        if page.status_code == 200:
            # The first load: the page and everything it pulls in (styles, script, icon).
            assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
            assert len(page.content) + sum(len(client.get(a).content) for a in assets) < 50_000, path
            assert "htmx.min.js" not in page.text, path  # no 50 KB script on a phone's first load
            hrefs = re.findall(r'(?:href|action|src)="([^"]+)"', page.text)
            for url in hrefs:
                if url.startswith("/static/"):
                    continue
                assert participant.pseudonym not in url and str(participant.id) not in url.split("/"), url
                # The secret words: none of them as a word of the URL beside another (one word alone
                # may be a route's own, "class" or "data"; a substring, "ice" in "choices", is nothing).
                words = [w for w in re.split(r"[^a-z]+", url.lower()) if w]
                assert len(set(words) & set(phrase.split())) < 2, url
                assert client.cookies.get(PARTICIPANT_COOKIE)[:12] not in url


def test_participant_pages_speak_the_participants_language_right_to_left_for_arabic(client, session):
    consultation = make_consultation(session, open=True, languages=["ar", "en"])
    page = client.get(f"/join/{consultation.join_code}", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page.text
    page = client.get(f"/join/{consultation.join_code}", headers={"Accept-Language": "fr"})
    assert '<html lang="ar" dir="rtl">' in page.text  # not offered: the consultation's main language
    switch = re.search(r'<form method="post" action="/language".*?</form>', page.text, re.S).group(0)
    assert 'value="fr"' not in switch and 'value="ar"' in switch and 'value="en"' in switch


def test_a_young_person_reads_the_places_name_in_their_own_language(client, session):
    org = make_organisation(session)
    bogota = make_context(session, org, name="Bogotá youth centres", languages=["es", "en"])
    medellin = make_context(session, org, name="Medellín youth houses", languages=["es", "en"])
    bogota.names = {"es": "Centros juveniles de Bogotá"}  # Medellín has no Spanish name: its main name stands in
    session.add(bogota)
    session.commit()
    consultation = make_consultation(session, org, contexts=[bogota, medellin], open=True, languages=["es", "en"])

    def places(html: str) -> dict[str, str]:
        return dict(re.findall(r'<label for="ctx-([0-9]+)">([^<]*)</label>', html))

    english = client.get(f"/join/{consultation.join_code}", headers={"Accept-Language": "en"})
    assert places(english.text) == {str(bogota.id): "Bogotá youth centres", str(medellin.id): "Medellín youth houses"}
    client.cookies.set("baraza_lang", "es")
    spanish = client.get(f"/join/{consultation.join_code}")
    assert places(spanish.text) == {str(bogota.id): "Centros juveniles de Bogotá", str(medellin.id): "Medellín youth houses"}

    assert join(client, session, consultation, lang="es", context_id=bogota.id).status_code == 303
    page = client.get(f"/p/{consultation.id}/my-data").text
    assert "<dd>Centros juveniles de Bogotá</dd>" in page and "Bogotá youth centres" not in page
    rows = list(csv.reader(io.StringIO(client.get(f"/p/{consultation.id}/my-data/download.csv").content.decode("utf-8-sig"))))
    assert ["Centros juveniles de Bogotá"] == [r[2] for r in rows if "Bogotá" in r[2]]
    assert json.loads(client.get(f"/p/{consultation.id}/my-data/download.json").content)["context"] == "Centros juveniles de Bogotá"
    # Read in English, the place has its main name.
    client.cookies.set("baraza_lang", "en")
    assert "<dd>Bogotá youth centres</dd>" in client.get(f"/p/{consultation.id}/my-data").text


def test_the_notice_draft_declares_the_contact_a_young_person_may_give_for_news(session):
    """The consent page offers a phone number or e-mail for news (participant_contact): the
    draft notice says so, what it is for and when it goes, instead of "we never ask your
    phone number"."""
    from baraza.participation.services import notice_template

    draft = notice_template(session, make_consultation(session))["what_collected"]
    assert "never ask your name or address" in draft and "phone number" not in draft.split(".")[1]
    assert "you can give a phone number or an e-mail address" in draft and "the team never sees it" in draft
