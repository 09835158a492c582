"""Results back to the young people from the tracker and the surveys app: a commitment on their
consultation's recommendation moved, a scorecard is open. Shown on their home page in their
language; a message only to those who consented, never carrying what anyone said."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from baraza.db import registry_of, utcnow
from baraza.jobs.models import Job
from baraza.participation.api import PARTICIPANT_COOKIE, participant_actor
from baraza.updates import services as usvc
from surveys.definition import Definition, Group, Question
from surveys.services import do_publish_survey
from tests.conftest import login
from tests.consultations.factories import make_consultation, make_participant
from tests.core.helpers import page_text
from tests.factories import PASSWORD, actor_of, make_user
from tests.surveys.factories import make_response, make_survey
from tests.tracker.factories import address_recommendation
from tests.tracker.test_commitments import world
from tracker import services
from tracker.updates import commitment_updates


def _commit(session, w, title="Consent before any transfer of school records"):
    return services.do_add_commitment(session, actor_of(session, w["minister"]), w["to_ministry"], services.CommitmentFields(title=title))


def _outbox(settings):
    folder = settings.var_dir / "outbox"
    return sorted(p for p in folder.glob("*.eml")) if folder.exists() else []


def test_a_young_person_reads_that_a_commitment_moved_in_their_language(client, session, settings):
    w = world(session)
    consultation = w["consultation"]
    consultation.languages = ["en", "ar"]
    session.add(consultation)
    session.commit()
    from tests.consultations.factories import make_notice

    make_notice(session, consultation, "ar")
    _p, token, _ = make_participant(session, consultation, settings=settings, language="ar")
    commitment = _commit(session, w)
    minister = actor_of(session, w["minister"])
    services.do_update_commitment(session, minister, commitment, status="in_progress", progress=40, note="Draft regulation published")
    # The team's working notes are not news for young people.
    services.do_add_team_note(session, actor_of(session, w["facilitator"]), commitment, kind="comment", text="Please attach the gazette")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = client.get(f"/p/{consultation.id}/")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "Ministry of Education" in page.text and "Consent before any transfer of school records" in page.text
    assert "قيد التنفيذ" in page.text and "40%" in page.text  # the status label, translated by the core
    assert "Please attach the gazette" not in page.text and "Draft regulation published" not in page.text
    assert page.text.count('class="tag"') >= 2  # both reports are new on the first visit


def test_a_commitment_with_parts_is_news_with_the_progress_its_page_shows(client, session, settings):
    w = world(session)
    consultation = w["consultation"]
    _p, token, _ = make_participant(session, consultation, settings=settings)
    minister = actor_of(session, w["minister"])
    parent = _commit(session, w)
    fields = services.CommitmentFields
    form = services.do_add_commitment(session, minister, w["to_ministry"], fields(title="Consent form", weight=3), parent=parent)
    training = services.do_add_commitment(session, minister, w["to_ministry"], fields(title="Training", weight=1), parent=parent)
    services.do_set_rollup(session, minister, parent, "weighted")
    services.do_update_commitment(session, minister, form, status="in_progress", progress=80)
    services.do_update_commitment(session, minister, training, status="in_progress", progress=20)
    services.do_update_commitment(session, minister, parent, status="in_progress", progress=None, note="Draft regulation published")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    news = client.get(f"/p/{consultation.id}/").text
    # (80 * 3 + 20) / 4: what the commitment's own page says, not its own stored 0%.
    assert "reported on “Consent before any transfer of school records”: In progress, 65% done." in news
    assert "Consent before any transfer of school records”: In progress, 0% done" not in news
    client.cookies.clear()
    login(client, w["minister"].email, PASSWORD)
    page = page_text(client.get(f"/tracker/commitments/{parent.id}").text)
    assert "65% done" in page and "Progress reported · In progress · 65% Draft regulation published" in page


def test_only_the_consultations_final_recommendations_count(session, settings):
    w = world(session)
    consultation = w["consultation"]
    participant, _t, _ = make_participant(session, consultation, settings=settings)
    other = make_consultation(session, open=True)
    [elsewhere] = address_recommendation(session, other, w["ministry"], title="Something else")
    services.do_add_commitment(session, actor_of(session, w["minister"]), elsewhere, services.CommitmentFields(title="Elsewhere"))
    _commit(session, w)
    titles = [u.message.params["commitment"] for u in commitment_updates(session, consultation, participant, None, participant.language)]  # type: ignore[attr-defined]
    assert titles == ["Consent before any transfer of school records"]
    # The recommendation is reopened: its commitments are no longer news.
    from baraza.events import emit
    from baraza.refs import Ref

    emit(session, "recommendation.reopened", consultation_id=consultation.id, refs=[Ref("insights.recommendation", w["to_ministry"].recommendation_ref.id)])
    session.commit()
    assert commitment_updates(session, consultation, participant, None, participant.language) == []
    assert usvc.participant_updates(session, registry_of(session), consultation, participant) == []


def test_a_moved_commitment_tells_only_those_who_consented_without_the_news_itself(app, session, settings, run_jobs):
    w = world(session)
    consultation = w["consultation"]
    asked, _t1, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    not_asked, _t2, _ = make_participant(session, consultation, settings=settings, follow_up=False)
    usvc.do_set_contact(session, participant_actor(asked), consultation, asked, "asked@example.org")
    for path in _outbox(settings):
        path.unlink()
    commitment = _commit(session, w)
    services.do_update_commitment(session, actor_of(session, w["minister"]), commitment, status="in_progress", progress=20)
    jobs = session.exec(select(Job).where(Job.name == usvc.FOLLOW_UP_JOB)).all()
    assert len(jobs) == 1  # two reports in a row, one batch
    run_jobs(at=utcnow() + timedelta(minutes=usvc.GATHER_MINUTES + 1))
    mails = [p.read_text() for p in _outbox(settings)]
    assert len(mails) == 1 and "asked@example.org" in mails[0]  # not `not_asked`: no consent, no contact
    assert "Consent before any transfer" not in mails[0] and "Ministry of Education" not in mails[0]
    assert consultation.title_in("en") in mails[0]


def scorecard_definition() -> Definition:
    rating = Question(name="rate", kind="rating_reason", label={"en": "How well is it going?"}, reason_label={"en": "Why?"}, minimum=1, maximum=5)
    return Definition(languages=["en"], title={"en": "Rate the ministry's promise"}, groups=[Group(name="g", label={"en": "Rate"}, questions=[rating])])


def test_an_open_scorecard_is_news_until_the_young_person_answers_it(client, session, settings):
    w = world(session)
    consultation = w["consultation"]
    participant, token, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    usvc.do_set_contact(session, participant_actor(participant), consultation, participant, "p@example.org")
    make_survey(session, consultation)  # a plain survey is not news
    from baraza.refs import Ref

    commitment = _commit(session, w)  # a scorecard is published about a commitment, where the tracker offers them
    card = make_survey(session, consultation, definition=scorecard_definition(), published=False, is_scorecard=True,
                       commitment_ref=Ref("tracker.commitment", commitment.id))
    facilitator = make_user(session, role="facilitator", organisation=w["org"])
    do_publish_survey(session, actor_of(session, facilitator), card)
    assert session.exec(select(Job).where(Job.name == usvc.FOLLOW_UP_JOB)).first() is not None  # publishing announced it
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = client.get(f"/p/{consultation.id}/")
    assert "A scorecard is open" in page.text and "Rate the ministry&#39;s promise" in page.text
    assert f'href="/surveys/{card.id}/answer"' in page.text
    session.rollback()  # end the read: SQLite takes the write lock at BEGIN
    make_response(session, card, participant, {"rate": {"rating": 4, "reason": ""}})
    page = client.get(f"/p/{consultation.id}/")
    assert "A scorecard is open" not in page.text


def test_a_recommendation_the_young_person_endorsed_was_adopted(client, session, settings):
    """insights/updates.py: news to those whose endorsement stands, once per final version."""
    from insights.models import Recommendation, RecommendationReview, RecommendationVersion
    from insights.updates import endorsed_adopted

    consultation = make_consultation(session, open=True)
    endorsed, token, _ = make_participant(session, consultation, settings=settings)
    rejected, _t2, _ = make_participant(session, consultation, settings=settings)
    shared = Recommendation(consultation_id=consultation.id, status="review")
    session.add(shared)
    session.flush()
    session.add(RecommendationVersion(recommendation_id=shared.id, number=1, title={"en": "Ask before sharing school records"}, status="review"))
    for person, stance in ((endorsed, "endorse"), (rejected, "reject")):
        session.add(RecommendationReview(consultation_id=consultation.id, recommendation_id=shared.id, version_number=1, participant_id=person.id, stance=stance, comment="My own words"))
    session.commit()
    assert endorsed_adopted(session, consultation, endorsed, None, endorsed.language) == []  # shared for review is not adopted
    shared.status = "final"
    session.add(shared)
    session.add(RecommendationVersion(recommendation_id=shared.id, number=2, title={"en": "Ask before sharing school records"}, status="final"))
    session.commit()
    [news] = endorsed_adopted(session, consultation, endorsed, None, endorsed.language)
    assert news.key == f"insights.recommendation:{shared.id}:2"
    assert endorsed_adopted(session, consultation, rejected, None, rejected.language) == []
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = client.get(f"/p/{consultation.id}/")
    assert "A recommendation you supported was adopted" in page.text and "Ask before sharing school records" in page.text
    assert "My own words" not in page.text
