"""Staff help young people of their own place only (SECURITY 1): a facilitator scoped to one
context of a consultation that also runs in another can record a guardian's consent for,
open with the secret words and override the choices of that context's young people, and for
the other context's it reads exactly like no such young person."""

from __future__ import annotations

import pytest

from baraza.errors import InvalidInput, NotFound
from baraza.governance.services import do_override_consent
from baraza.participation import services as psvc
from baraza.participation.models import ConsentStatus
from tests.conftest import login, post_form
from tests.consultations.factories import make_consultation, make_participant
from tests.factories import PASSWORD, actor_of, make_context, make_organisation, make_user


@pytest.fixture
def two_places(session, settings):
    org = make_organisation(session)
    bogota, zaatari = make_context(session, org, age_of_consent=18), make_context(session, org, age_of_consent=18)
    consultation = make_consultation(session, org, contexts=[bogota, zaatari], open=True, guardian_modes=["attested"])
    here, _t, here_words = make_participant(session, consultation, settings=settings, context=zaatari, age_band="13-14")
    there, _t, there_words = make_participant(session, consultation, settings=settings, context=bogota, age_band="13-14")
    staff = make_user(session, role="facilitator", scope="context", scope_ref=zaatari.id, organisation=org)
    dpo = make_user(session, role="dpo", scope="context", scope_ref=zaatari.id, organisation=org)
    session.commit()
    return {"consultation": consultation, "here": (here, here_words), "there": (there, there_words), "staff": staff, "dpo": dpo}


def test_a_guardian_consent_is_recorded_only_for_a_young_person_of_the_facilitators_place(client, session, settings, two_places):
    consultation, staff = two_places["consultation"], two_places["staff"]
    (here, _), (there, _) = two_places["here"], two_places["there"]
    login(client, staff.email, PASSWORD)
    url = f"/consultations/{consultation.id}/guardian"
    other = post_form(client, url, {"code": psvc.pending_guardian_code(settings, there), "method": "attested", "confirmed": "on"}, token_from="/")
    assert other.status_code == 400 and "No one is waiting with this code" in other.text
    own = post_form(client, url, {"code": psvc.pending_guardian_code(settings, here), "method": "attested", "confirmed": "on"})
    assert own.status_code == 303
    session.expire_all()
    assert (session.get(type(here), here.id).consent_status, session.get(type(there), there.id).consent_status) == (
        ConsentStatus.VALID, ConsentStatus.PENDING_GUARDIAN,
    )


def test_secret_words_open_only_a_young_person_of_the_staff_members_place(session, settings, two_places):
    consultation, actor = two_places["consultation"], actor_of(session, two_places["staff"])
    (here, here_words), (there, there_words) = two_places["here"], two_places["there"]
    with pytest.raises(InvalidInput) as refused:
        psvc.do_find_participant_by_phrase(session, actor, settings, consultation.id, there_words)
    assert refused.value.errors == {"phrase": "No participant of this consultation has these words."}
    session.rollback()
    assert psvc.do_find_participant_by_phrase(session, actor, settings, consultation.id, here_words).id == here.id
    # And a sealed cookie naming the other young person (made elsewhere) opens nothing.
    with pytest.raises(NotFound):
        psvc.access_assisted_participant(session, actor, consultation.id, there.id)
    assert psvc.access_assisted_participant(session, actor, consultation.id, here.id)[1].id == here.id


def test_a_consent_choice_is_overridden_only_within_the_focal_points_place(session, two_places):
    consultation, actor = two_places["consultation"], actor_of(session, two_places["dpo"])
    (here, _), (there, _) = two_places["here"], two_places["there"]
    reason = "The young person asked us in person to change it."
    with pytest.raises(InvalidInput) as refused:
        do_override_consent(session, actor, consultation.id, pseudonym=there.pseudonym, choice="quoting", value=True, reason=reason)
    assert refused.value.errors == {"pseudonym": "No participant of this consultation has that reference."}
    session.rollback()
    do_override_consent(session, actor, consultation.id, pseudonym=here.pseudonym, choice="quoting", value=True, reason=reason)
