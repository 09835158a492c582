"""Youth scorecards beside the stakeholder's claim, under the small-numbers rule."""

from __future__ import annotations

from baraza.refs import Ref
from surveys.definition import Definition, Group, Question
from tests.conftest import login
from tests.consultations.factories import make_participant
from tests.factories import PASSWORD, actor_of
from tests.surveys.factories import make_response, make_survey
from tests.tracker.test_commitments import world
from tracker import services
from tracker.scorecards import scorecard_of


def scorecard(session, consultation, commitment):
    rating = Question(name="rate", kind="rating_reason", label={"en": "How well is it going?"}, reason_label={"en": "Why?"}, minimum=1, maximum=5)
    definition = Definition(languages=["en"], title={"en": "Scorecard"}, groups=[Group(name="g", label={"en": "Rate"}, questions=[rating])])
    return make_survey(session, consultation, definition=definition, is_scorecard=True, commitment_ref=Ref("tracker.commitment", commitment.id))


def rate(session, survey, consultation, rating, reason="", **participant):
    person, _token, _phrase = make_participant(session, consultation, **participant)
    make_response(session, survey, person, {"rate": {"rating": rating, "reason": reason}})
    return person


def test_youth_ratings_show_beside_the_claim_only_from_k_people(client, session):
    w = world(session)
    consultation = w["consultation"]
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    services.do_update_commitment(session, actor_of(session, w["minister"]), commitment, status="embedded", progress=None)
    survey = scorecard(session, consultation, commitment)
    for _ in range(3):
        rate(session, survey, consultation, 2, "Nothing changed at my school", age_band="13-15")
    card = scorecard_of(session, commitment)
    assert card.people == 3 and not card.shown and card.mean is None and card.reasons == []
    session.commit()
    login(client, w["minister"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}")
    assert "Fewer than 5 young people have rated it" in page.text and "Nothing changed" not in page.text
    for _ in range(3):
        rate(session, survey, consultation, 1, "My number is 0722 123 456", age_band="16-17")
    # Someone who did not allow quoting is counted, never quoted.
    rate(session, survey, consultation, 5, "Private words", age_band="16-17", quoting=False)
    card = scorecard_of(session, commitment)
    assert card.people == 7 and card.shown
    assert round(card.mean, 2) == round((2 * 3 + 1 * 3 + 5) / 7, 2)
    assert "Private words" not in card.reasons and "Nothing changed at my school" in card.reasons
    assert all("0722" not in r for r in card.reasons)  # personal data never reaches the page
    # Each age band alone is under k: the cells say so, the context's total is shown.
    context_id = card.contexts[0][0]
    assert card.table.cell(context_id, "13-15").suppressed and card.table.cell(context_id, "16-17").suppressed
    session.commit()
    page = client.get(f"/tracker/commitments/{commitment.id}")
    assert "Average rating: 2.0 on a scale of 1 to 5, from 7 young people." in page.text
    assert "Embedded in policy or system" in page.text and "fewer than 5" in page.text


def test_a_withdrawn_young_person_leaves_the_scorecard(session):
    w = world(session)
    consultation = w["consultation"]
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    survey = scorecard(session, consultation, commitment)
    for _ in range(5):
        rate(session, survey, consultation, 4, "Better now")
    assert scorecard_of(session, commitment).shown
    rate(session, survey, consultation, 1, "I left", withdrawn=True)
    card = scorecard_of(session, commitment)
    assert card.people == 5 and "I left" not in card.reasons


def test_the_same_words_are_quoted_once_each_in_its_own_direction(client, session):
    w = world(session)
    consultation = w["consultation"]
    commitment = services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title="Consent first"))
    survey = scorecard(session, consultation, commitment)
    arabic = "لم ألاحظ أي تغيير في هاتفي."
    for reason in ("Better now", "better  now", arabic, arabic, "Better now"):
        rate(session, survey, consultation, 4, reason)
    assert scorecard_of(session, commitment).reasons == ["Better now", arabic]  # the newest first
    session.commit()
    login(client, w["minister"].email, PASSWORD)
    page = client.get(f"/tracker/commitments/{commitment.id}").text
    assert page.count("etter now") == 1 and page.count(arabic) == 1
    # An Arabic quotation in an English page reads right to left, its full stop and quote marks
    # where Arabic puts them; the count beside an average is one isolated phrase, plural as the
    # language makes it ("(5 people)", in Arabic "(5 أشخاص)").
    assert f'<li><q dir="auto">{arabic}</q></li>' in page
    assert page.count("<bdi>(5 people)</bdi>") == 2


def test_young_people_read_the_reported_progress_on_the_scorecard_they_rate(client, session):
    """They judge a promise against what its stakeholder claims: the scorecard's screen says
    what the stakeholder last reported, as their updates feed does (through the core's registry)."""
    from surveys.models import Survey
    from tests.surveys.factories import as_participant

    w = world(session)
    consultation = w["consultation"]
    minister = actor_of(session, w["minister"])
    commitment = services.do_add_commitment(session, minister, w["to_ministry"], services.CommitmentFields(title="Consent first"))
    survey = scorecard(session, consultation, commitment)
    survey_id = survey.id
    _person, token, _phrase = make_participant(session, consultation)
    session.commit()
    as_participant(client, token)
    page = client.get(f"/surveys/{survey_id}/answer")
    assert page.status_code == 200
    assert "Ministry of Education committed to “Consent first” and has not reported progress yet." in page.text
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40)
    page = client.get(f"/surveys/{survey_id}/answer").text
    assert "Ministry of Education reports on “Consent first”: In progress, 40% done." in page
    # A survey that is not a scorecard, or about nothing, says nothing of the kind.
    session.get(Survey, survey_id).commitment_ref = None
    session.commit()
    assert "reports on" not in client.get(f"/surveys/{survey_id}/answer").text
