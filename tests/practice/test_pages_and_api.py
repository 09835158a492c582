"""The pages and the JSON endpoint: who reaches what, and clear refusals of bad input."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from baraza.audit.models import AuditEntry
from practice import services
from practice.models import ApiToken, PracticeShare, PracticeTerm
from tests.conftest import get_csrf, login
from tests.factories import PASSWORD, actor_of, make_user
from tests.practice.factories import LOCATION_ADS, make_setting, make_stakeholder, organisation, seed_card_sorts

API = "/practice/api/check"


def _world(session: Session, settings: Any, *, reasons: bool = False) -> dict[str, Any]:
    consultation, (a, b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 8), (b, 6)], reasons=reasons)
    services.train_consultation(session, settings, consultation.id, bootstrap=3, measure=False)
    org = organisation(session, consultation)
    return {
        "consultation": consultation, "a": a, "b": b,
        "admin": make_user(session, role="admin", organisation=org),
        "analyst": make_user(session, role="analyst", organisation=org),
        "stakeholder": make_stakeholder(session),
    }


def _token(session: Session, w: dict[str, Any]) -> tuple[ApiToken, str]:
    admin = actor_of(session, w["admin"])
    return services.do_issue_token(session, admin, w["consultation"], organisation_id=w["stakeholder"].organisation_id, name="Ad platform")


def _answer_url(w: dict[str, Any], **extra: str) -> str:
    query = "data_kinds=location&users=tech_company&purposes=advertise&retention=5y"
    query += "".join(f"&{k}={v}" for k, v in extra.items())
    return f"/practice/{w['consultation'].id}/answer?{query}"


def test_a_stakeholder_reaches_a_check_only_once_it_is_shared(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    login(client, w["stakeholder"].email, PASSWORD)
    assert client.get(f"/practice/{w['consultation'].id}/").status_code == 404
    assert client.get(_answer_url(w)).status_code == 404
    services.do_share_check(session, actor_of(session, w["admin"]), w["consultation"], w["stakeholder"].organisation_id)
    page = client.get(f"/practice/{w['consultation'].id}/")
    assert page.status_code == 200
    assert re.search(r'<form method="get" action="[^"]+/answer" class="practice-form">', page.text)
    assert 'name="data_kinds" value="location"' in page.text
    # The team's pages stay out of reach.
    assert client.get(f"/practice/{w['consultation'].id}/setup").status_code == 404
    assert client.get(f"/practice/{w['consultation'].id}/tokens").status_code == 404


def test_the_answer_page_says_no_with_reasons_and_the_help(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings, reasons=True)
    login(client, w["analyst"].email, PASSWORD)
    page = client.get(_answer_url(w, context=str(w["a"].id)))
    assert page.status_code == 200
    assert re.search(r'<h2 id="verdict">Young people here would not accept this.</h2>', page.text)
    assert "8 young people" in page.text
    assert 'id="against"' in page.text and 'id="changes"' in page.text
    assert "Not for ads" in page.text  # a consented reason, quoted
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "practice.check")).one()
    assert entry.actor_user_id == w["analyst"].id


def test_words_outside_the_vocabulary_get_a_400_page(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    login(client, w["analyst"].email, PASSWORD)
    page = client.get(f"/practice/{w['consultation'].id}/answer?data_kinds=dna&users=tech_company&purposes=advertise&retention=forever")
    assert page.status_code == 400
    assert "Unknown word" in page.text and "Unknown retention period" in page.text


def test_the_model_card_reads_plainly(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    login(client, w["analyst"].email, PASSWORD)
    page = client.get(f"/practice/{w['consultation'].id}/model")
    assert page.status_code == 200
    assert "14 young people" in page.text and "Its limits" in page.text
    assert "Workshop card sorts: 112 answers, 14 young people" in page.text
    assert client.get(f"/practice/{w['consultation'].id}/model?version=9").status_code == 404


def test_an_admin_issues_and_revokes_tokens_and_only_a_hash_is_kept(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    login(client, w["admin"].email, PASSWORD)
    path = f"/practice/{w['consultation'].id}/tokens"
    page = client.post(f"{path}/issue", data={"csrf_token": get_csrf(client, path), "organisation_id": w["stakeholder"].organisation_id, "name": "Ads"})
    assert page.status_code == 200
    raw = re.search(r'<code id="token-value">([^<]+)</code>', page.text).group(1)  # type: ignore[union-attr]
    row = session.exec(select(ApiToken)).one()
    assert row.token_hash == services.token_hash(raw) and raw not in row.token_hash
    ok = client.post(API, json=LOCATION_ADS, headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200
    revoked = client.post(f"{path}/revoke", data={"csrf_token": get_csrf(client, path), "token_id": row.id})
    assert revoked.status_code == 303
    again = client.post(API, json=LOCATION_ADS, headers={"Authorization": f"Bearer {raw}"})
    assert again.status_code == 401 and "revoked" in again.json()["error"]


def test_the_endpoint_answers_with_a_token_and_audits(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    _row, raw = _token(session, w)
    response = client.post(API, json={**LOCATION_ADS, "context": str(w["a"].id)}, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["answer"] == "not_accept" and body["young_people"] == 8
    assert 0 <= body["interval"][0] <= body["acceptable_probability"] <= body["interval"][1] <= 1
    assert body["weighs_against"] and body["best_changes"]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "practice.api_check")).one()


def test_the_endpoint_refuses_clearly(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    _row, raw = _token(session, w)
    auth = {"Authorization": f"Bearer {raw}"}
    missing = client.post(API, json=LOCATION_ADS)
    assert missing.status_code == 401 and "Bearer" in missing.json()["error"]
    wrong = client.post(API, json=LOCATION_ADS, headers={"Authorization": "Bearer bzp_" + "x" * 40})
    assert wrong.status_code == 401
    bad_json = client.post(API, content=b"{not json", headers={**auth, "Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]
    not_object = client.post(API, json=["location"], headers=auth)
    assert not_object.status_code == 400
    unknown = client.post(API, json={**LOCATION_ADS, "data_kinds": ["dna"], "retention": "forever"}, headers=auth)
    assert unknown.status_code == 422
    assert set(unknown.json()["fields"]) == {"data_kinds", "retention"}
    form = client.post(API, data={"x": "1"}, headers=auth)
    assert form.status_code == 415


def test_the_endpoint_is_rate_limited_per_token(session: Session, settings: Any, client: Any, monkeypatch: Any) -> None:
    w = _world(session, settings)
    _row, raw = _token(session, w)
    monkeypatch.setattr(services, "API_LIMIT", 2)
    auth = {"Authorization": f"Bearer {raw}"}
    assert [client.post(API, json=LOCATION_ADS, headers=auth).status_code for _ in range(2)] == [200, 200]
    refused = client.post(API, json=LOCATION_ADS, headers=auth)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


def test_the_team_manages_the_vocabulary(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    facilitator = make_user(session, role="facilitator", organisation=organisation(session, w["consultation"]))
    login(client, facilitator.email, PASSWORD)
    path = f"/practice/{w['consultation'].id}/vocabulary"
    saved = client.post(path, data={"csrf_token": get_csrf(client, path), "kind": "user", "code": "advertiser", "label_en": "An advertising partner"})
    assert saved.status_code == 303
    term = session.exec(select(PracticeTerm).where(PracticeTerm.code == "advertiser")).one()
    assert term.labels == {"en": "An advertising partner"}
    bad = client.post(path, data={"csrf_token": get_csrf(client, path), "kind": "user", "code": "Bad Code!", "label_en": ""})
    assert bad.status_code == 400 and "small letters" in bad.text
    # The card sort's codes are in from the start.
    assert session.exec(select(PracticeTerm).where(PracticeTerm.code == "tech_company")).one()
    assert session.exec(select(PracticeShare)).first() is None


def test_the_api_exemption_never_lets_a_cookie_session_skip_csrf(session: Session, settings: Any, client: Any) -> None:
    """JSON without a CSRF token passes only without cookies (no session to ride on): a
    signed-in browser's JSON post to a staff form is still refused."""
    w = _world(session, settings)
    login(client, w["analyst"].email, PASSWORD)
    forged = client.post(f"/practice/{w['consultation'].id}/train", json={})
    assert forged.status_code == 403


def test_all_contexts_together_is_not_called_a_pooled_stand_in(session: Session, settings: Any, client: Any) -> None:
    w = _world(session, settings)
    login(client, w["analyst"].email, PASSWORD)
    page = client.get(_answer_url(w))
    assert "All contexts together." in page.text and "Pooled answer" not in page.text
    assert "This rests on what 14 young people said." in page.text


def _world_of_two_ages(session: Session, settings: Any) -> dict[str, Any]:
    """Young people 16 to 17 (8) and 18 to 20 (6), as the core gives bands where the age of
    consent is 16; nobody 13 to 15."""
    consultation, (a, b) = make_setting(session)
    seed_card_sorts(session, consultation, [(a, 8)])
    for person in seed_card_sorts(session, consultation, [(b, 6)], seed=1):
        person.age_band = "18-20"
        session.add(person)
    session.commit()
    services.train_consultation(session, settings, consultation.id, bootstrap=3, measure=False)
    org = organisation(session, consultation)
    return {"consultation": consultation, "a": a, "b": b, "analyst": make_user(session, role="analyst", organisation=org)}


def test_the_age_bands_offered_are_those_the_young_people_are_in(session: Session, settings: Any, client: Any) -> None:
    w = _world_of_two_ages(session, settings)
    login(client, w["analyst"].email, PASSWORD)
    page = client.get(f"/practice/{w['consultation'].id}/")
    offered = re.findall(r'name="age_bands" value="([^"]+)"> ([^<]+)</label>', page.text)
    # The consultation's own bands (its context's age of consent, 16, is an edge), youngest first.
    assert [b for b, _label in offered] == ["0-12", "13-14", "15-15", "16-17", "18-20", "21-24", "25+"]
    assert ("16-17", "16 to 17") in offered and ("18-20", "18 to 20") in offered
    answer = client.get(_answer_url(w, age_bands="18-20"))
    assert answer.status_code == 200
    assert "About whom: 18 to 20" in answer.text
    assert "never heard young people" not in answer.text


def test_an_age_band_nobody_is_in_is_refused_never_answered_for_all_ages(session: Session, settings: Any, client: Any) -> None:
    w = _world_of_two_ages(session, settings)
    login(client, w["analyst"].email, PASSWORD)
    page = client.get(_answer_url(w, age_bands="13-15", text="An%20app%20for%20ads"))
    assert page.status_code == 400
    assert "Choose from the age bands this consultation" in page.text
    assert 'id="verdict"' not in page.text and "About whom: " not in page.text
    # What was chosen and typed comes back.
    assert 'name="data_kinds" value="location" checked' in page.text and ">An app for ads</textarea>" in page.text
    # The endpoint refuses it too, by field.
    admin = make_user(session, role="admin", organisation=organisation(session, w["consultation"]))
    _row, raw = services.do_issue_token(session, actor_of(session, admin), w["consultation"], organisation_id=make_stakeholder(session).organisation_id, name="Ads")
    refused = client.post(API, json={**LOCATION_ADS, "age_bands": ["13-15"]}, headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 422 and set(refused.json()["fields"]) == {"age_bands"}
