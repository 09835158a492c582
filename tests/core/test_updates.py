"""The participant's updates feed and follow-up messages (baraza/updates/): news asked of the apps
and translated by the core, "new since your last visit", the follow-up contact (encrypted, shown
to the participant only, gone with the consent), and the job that tells only those who asked."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import text
from sqlmodel import select

from baraza.audit.models import AuditEntry
from baraza.db import utcnow
from baraza.i18n import N_
from baraza.jobs.models import Job
from baraza.participation import services as psvc
from baraza.participation.api import PARTICIPANT_COOKIE, participant_actor
from baraza.participation.models import Participant
from baraza.registry import ParticipantUpdate
from baraza.updates import services as usvc
from baraza.updates.models import FeedState, ParticipantContact
from baraza.updates.sending import send_follow_ups
from tests.conftest import csrf_from
from tests.consultations.factories import make_consultation, make_participant

NEWS_TEXT = "The ministry wrote the secret plan into law"


class News:
    """A stand-in app's update source: whatever news the test puts in `items`."""

    def __init__(self) -> None:
        self.items: list[ParticipantUpdate] = []
        self.asked: list[object] = []
        self.languages: list[str] = []

    def __call__(self, session, consultation, participant, since, lang):
        self.asked.append(since)
        self.languages.append(lang)
        return [u for u in self.items if since is None or u.at > since]

    def add(self, key: str, at=None, message: str | None = None) -> ParticipantUpdate:
        update = ParticipantUpdate(key=key, at=at or utcnow(), message=message or N_("In progress"))
        self.items.append(update)
        return update


@pytest.fixture
def news(app):
    source = News()
    app.state.baraza.registry.update_sources.append(source)
    return source


def _home(client, consultation):
    return client.get(f"/p/{consultation.id}/")


def _outbox(settings, sub: str = "") -> list:
    folder = settings.var_dir / "outbox" / sub if sub else settings.var_dir / "outbox"
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(autouse=True)
def _empty_outbox(settings):
    for path in _outbox(settings) + _outbox(settings, "sms"):
        path.unlink()


# The feed -----------------------------------------------------------------------------------------


def test_the_home_page_shows_every_apps_news_translated_by_the_core(client, session, settings, news):
    consultation = make_consultation(session, open=True, languages=["en", "ar"])
    _p, token, _ = make_participant(session, consultation, settings=settings, language="ar")
    news.add("fake:1", message=N_("In progress"))
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = _home(client, consultation)
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text and "قيد التنفيذ" in page.text  # the message id, translated here
    assert "In progress" not in page.text


def test_new_since_the_last_visit(client, session, settings, news, app):
    consultation = make_consultation(session, open=True)
    participant, token, _ = make_participant(session, consultation, settings=settings)
    registry = app.state.baraza.registry
    old = news.add("fake:old", at=utcnow())
    first = usvc.do_open_feed(session, participant_actor(participant), registry, consultation, participant)
    assert first.last_visit is None and first.new == {old.key}  # first look: new since joining
    # Reloading during the same visit keeps it new.
    again = usvc.do_open_feed(session, participant_actor(participant), registry, consultation, participant, now=utcnow() + timedelta(minutes=5))
    assert again.new == {old.key}
    # The next visit: only what came after the previous one is new.
    fresh = news.add("fake:fresh", at=utcnow() + timedelta(minutes=10))
    later = usvc.do_open_feed(session, participant_actor(participant), registry, consultation, participant, now=utcnow() + timedelta(minutes=60))
    assert later.new == {fresh.key} and [u.key for u in later.updates] == [fresh.key, old.key]
    assert later.last_visit is not None
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = _home(client, consultation)
    assert "new since your last visit" in page.text


def test_the_news_is_asked_for_in_the_language_the_page_reads(client, session, settings, news, app):
    """A young person who joined in English and switched the page to Spanish reads the news's
    titles in Spanish: the apps are asked for them in the page's language."""
    from baraza.i18n import LANGUAGE_COOKIE

    consultation = make_consultation(session, open=True, languages=["en", "es"])
    news.add("fake:one")
    _participant, token, _ = make_participant(session, consultation, settings=settings, language="en")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    client.cookies.set(LANGUAGE_COOKIE, "es")
    assert _home(client, consultation).status_code == 200
    assert news.languages[-1] == "es"
    assert client.get(f"/p/{consultation.id}/news").status_code == 200
    assert news.languages[-1] == "es"


def test_a_first_visit_does_not_speak_of_a_last_visit(client, session, settings, news, app):
    """A young person who just joined reads the news without "Nothing new since your last
    visit" above it: there was no last visit."""
    consultation = make_consultation(session, open=True)
    news.add("fake:before", at=utcnow() - timedelta(days=2))
    _participant, token, _ = make_participant(session, consultation, settings=settings)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = _home(client, consultation)
    assert page.status_code == 200 and "In progress" in page.text  # the news is there
    assert "since your last visit" not in page.text


def test_news_reported_twice_shows_once_and_only_to_those_whose_consent_stands(client, session, settings, news, app):
    consultation = make_consultation(session, open=True)
    participant, _t, _ = make_participant(session, consultation, settings=settings)
    withdrawn, _t2, _ = make_participant(session, consultation, withdrawn=True)
    news.add("fake:1")
    news.add("fake:1")
    registry = app.state.baraza.registry
    assert len(usvc.participant_updates(session, registry, consultation, participant)) == 1
    assert usvc.do_open_feed(session, participant_actor(withdrawn), registry, consultation, withdrawn).updates == []
    assert session.get(FeedState, withdrawn.id) is None  # nothing stored for one who left


def test_a_closed_consultation_still_shows_its_news(client, session, settings, news):
    consultation = make_consultation(session, open=True)
    _p, token, _ = make_participant(session, consultation, settings=settings)
    consultation.status = "closed"
    session.add(consultation)
    session.commit()
    news.add("fake:1", message=N_("Done"))
    client.cookies.set(PARTICIPANT_COOKIE, token)
    page = _home(client, consultation)
    assert page.status_code == 200 and "This consultation is closed" in page.text
    assert '<span class="tag">New</span> Done' in page.text


# The follow-up contact ------------------------------------------------------------------------------


def _give_contact(client, consultation, value: str):
    page = client.get(f"/p/{consultation.id}/my-data")
    return client.post(f"/p/{consultation.id}/my-data/contact", data={"csrf_token": csrf_from(page.text), "contact": value})


def test_a_contact_needs_follow_up_consent_and_is_encrypted_and_shown_only_to_the_participant(client, session, settings, engine):
    consultation = make_consultation(session, open=True)
    participant, token, _ = make_participant(session, consultation, settings=settings, follow_up=False)
    client.cookies.set(PARTICIPANT_COOKIE, token)
    refused = _give_contact(client, consultation, "amina@example.org")
    assert refused.status_code == 400 and "Tell me later" in refused.text
    assert session.exec(select(ParticipantContact)).all() == []
    psvc.do_change_consent_choices(session, participant_actor(participant), consultation, participant, analysis=True, quoting=True, follow_up=True)
    bad = _give_contact(client, consultation, "not a contact")
    assert bad.status_code == 400 and "does not look like a phone number" in bad.text and 'aria-invalid="true"' in bad.text
    assert _give_contact(client, consultation, "Amina@Example.ORG").status_code == 303
    session.rollback()
    row = session.get(ParticipantContact, participant.id)
    assert (row.channel, row.address) == ("email", "Amina@example.org")
    with engine.connect() as conn:  # at rest, only ciphertext
        stored = conn.execute(text("SELECT address FROM participant_contact")).scalar_one()
    assert "example" not in stored.lower()
    page = client.get(f"/p/{consultation.id}/my-data")
    assert "Amina@example.org" in page.text
    download = client.get(f"/p/{consultation.id}/my-data/download.json")
    assert json.loads(download.content)["follow_up_contact"]["address"] == "Amina@example.org"
    # The audit names the channel, never the address.
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "participant.contact_set")).one()
    assert "example" not in entry.detail and json.loads(entry.detail) == {"channel": "email"}


def test_staff_helping_a_participant_never_see_their_contact(session, settings):
    from baraza.participation.services import do_download_my_data
    from tests.factories import actor_of, make_user

    consultation = make_consultation(session, open=True)
    participant, _t, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    usvc.do_set_contact(session, participant_actor(participant), consultation, participant, "+254712345678")
    from baraza.accounts.models import Organisation
    from baraza.db import registry_of

    staff = make_user(session, role="facilitator", organisation=session.get(Organisation, consultation.organisation_id))

    body, _ct, _name = do_download_my_data(session, actor_of(session, staff), settings, registry_of(session), consultation, participant, "json")
    assert b"712345678" not in body and "follow_up_contact" not in json.loads(body)
    with pytest.raises(Exception):  # noqa: B017 - staff cannot set a young person's contact
        usvc.do_set_contact(session, actor_of(session, staff), consultation, participant, "+254712345679")


def test_a_local_phone_number_is_read_as_the_context_writes_it(session, settings):
    consultation = make_consultation(session, open=True)
    participant, _t, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    country = session.exec(text("SELECT country FROM context WHERE id = :id").bindparams(id=participant.context_id)).scalar_one()
    assert usvc.parse_contact("+254 712 345 678") == ("sms", "+254712345678")
    if country == "KE":
        assert usvc.parse_contact("0712 345 678", "KE") == ("sms", "+254712345678")
    with pytest.raises(Exception):  # noqa: B017
        usvc.parse_contact("12")


def test_a_number_that_is_no_number_is_shown_how_one_writes_it_in_the_young_persons_country():
    from gettext import NullTranslations

    from baraza.errors import InvalidInput
    from baraza.i18n import translate

    with pytest.raises(InvalidInput) as colombia:
        usvc.parse_contact("12", "CO")
    message = translate(NullTranslations(), colombia.value.errors["contact"])
    assert "+57 " in message and "+254" not in message
    with pytest.raises(InvalidInput) as nowhere:
        usvc.parse_contact("12", None)
    assert "+254 " in translate(NullTranslations(), nowhere.value.errors["contact"])


def test_the_contact_goes_with_the_follow_up_consent_with_withdrawal_and_on_request(client, session, settings):
    consultation = make_consultation(session, open=True)
    one, _t1, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    two, _t2, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    three, _t3, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    for p in (one, two, three):
        usvc.do_set_contact(session, participant_actor(p), consultation, p, "someone@example.org")
    # Unticking follow-up (the participant, a helper or an override all emit the same event).
    psvc.do_change_consent_choices(session, participant_actor(one), consultation, one, analysis=True, quoting=True, follow_up=False)
    psvc.do_withdraw_participant(session, participant_actor(two), consultation, two)
    assert {c.participant_id for c in session.exec(select(ParticipantContact)).all()} == {three.id}
    # Deleted on request from "my data", follow-up choice left as it was.
    client.cookies.set(PARTICIPANT_COOKIE, _t3)
    page = client.get(f"/p/{consultation.id}/my-data")
    gone = client.post(f"/p/{consultation.id}/my-data/contact", data={"csrf_token": csrf_from(page.text), "delete": "on"})
    assert gone.status_code == 303
    session.rollback()
    assert session.exec(select(ParticipantContact)).all() == []
    assert session.get(Participant, three.id).consent_follow_up is True


def test_erasing_a_participant_erases_their_contact_and_feed_state(session, settings, app):
    from baraza.db import registry_of

    consultation = make_consultation(session, open=True)
    participant, _t, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    usvc.do_set_contact(session, participant_actor(participant), consultation, participant, "x@example.org")
    usvc.do_open_feed(session, participant_actor(participant), registry_of(session), consultation, participant)
    psvc.erase_participant(session, registry_of(session), consultation, participant)
    session.commit()
    assert session.exec(select(ParticipantContact)).all() == [] and session.exec(select(FeedState)).all() == []


# Messages outside the platform ----------------------------------------------------------------------


def _announce(session, consultation):
    job = usvc.announce_updates(session, consultation.id)
    session.commit()
    return job


def test_news_queues_one_batched_job_only_when_someone_gave_a_contact(session, settings):
    consultation = make_consultation(session, open=True)
    participant, _t, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    assert _announce(session, consultation) is None  # nobody to tell
    usvc.do_set_contact(session, participant_actor(participant), consultation, participant, "x@example.org")
    job = _announce(session, consultation)
    assert job is not None and job.run_after > utcnow()  # waits for the window to gather news
    assert _announce(session, consultation) is None  # the same window: the same job
    assert len(session.exec(select(Job).where(Job.name == usvc.FOLLOW_UP_JOB)).all()) == 1


def test_only_those_who_asked_are_told_and_never_what_was_said(client, session, settings, news, run_jobs):
    consultation = make_consultation(session, open=True, languages=["en", "ar"])
    told, _t1, _ = make_participant(session, consultation, settings=settings, follow_up=True)
    by_sms, _t2, _ = make_participant(session, consultation, settings=settings, follow_up=True, language="ar")
    not_asked, _t3, _ = make_participant(session, consultation, settings=settings, follow_up=False)
    usvc.do_set_contact(session, participant_actor(told), consultation, told, "told@example.org")
    usvc.do_set_contact(session, participant_actor(by_sms), consultation, by_sms, "+254712345678")
    # A contact row left for someone without follow-up consent (never made by the app) is still never used.
    session.add(ParticipantContact(participant_id=not_asked.id, consultation_id=consultation.id, channel="email", address="never@example.org"))
    session.commit()
    news.add("fake:1", message=N_("In progress"))
    _announce(session, consultation)
    assert run_jobs() == 0  # gathering news first
    assert run_jobs(at=utcnow() + timedelta(minutes=usvc.GATHER_MINUTES + 1)) == 1
    mails = [p.read_text() for p in _outbox(settings)]
    sms = [p.read_text(encoding="utf-8") for p in _outbox(settings, "sms")]
    assert len(mails) == 1 and "told@example.org" in mails[0] and "never@example.org" not in "".join(mails)
    assert len(sms) == 1 and "+254712345678" in sms[0]
    title = consultation.title_in("en")
    assert title in mails[0] and f"/p/{consultation.id}/" in mails[0]
    assert NEWS_TEXT not in "".join(mails + sms) and "In progress" not in "".join(mails + sms)
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "system.follow_up_sent")).one()
    assert json.loads(audit.detail) == {"emails_sent": 1, "sms_sent": 1}
    assert "example" not in audit.detail and "712345678" not in audit.detail


def test_messages_are_rate_limited_per_participant_and_per_run(make_app, session, settings, news):
    from baraza.jobs.worker import Worker

    app = make_app(follow_up_batch=1)
    app.state.baraza.registry.update_sources.append(news)
    consultation = make_consultation(session, open=True)
    people = [make_participant(session, consultation, settings=settings, follow_up=True)[0] for _ in range(2)]
    for n, p in enumerate(people):
        usvc.do_set_contact(session, participant_actor(p), consultation, p, f"p{n}@example.org")
    news.add("fake:1")
    _announce(session, consultation)
    state = app.state.baraza

    def run(at):
        return Worker(state.engine, state.settings, state.registry, clock=lambda: at).run_until_idle()

    run(utcnow() + timedelta(minutes=usvc.GATHER_MINUTES + 3))
    # The batch limit: one per run, the rest in a run queued a minute later (due by then).
    assert len(_outbox(settings)) == 2
    batches = session.exec(select(AuditEntry).where(AuditEntry.action == "system.follow_up_sent")).all()
    assert [json.loads(b.detail) for b in batches] == [{"emails_sent": 1, "sms_sent": 0}] * 2
    # More news soon after: nobody is told twice within follow_up_min_hours; a run is queued for later.
    news.add("fake:2", at=utcnow() + timedelta(seconds=1))
    session.expire_all()
    assert usvc.announce_updates(session, consultation.id, now=utcnow() + timedelta(minutes=usvc.GATHER_MINUTES * 2)) is not None
    session.commit()
    run(utcnow() + timedelta(minutes=usvc.GATHER_MINUTES * 4))
    assert len(_outbox(settings)) == 2
    waiting = session.exec(select(Job).where(Job.name == usvc.FOLLOW_UP_JOB, Job.status == "queued")).all()
    assert waiting and min(j.run_after for j in waiting) >= utcnow() + timedelta(hours=settings.follow_up_min_hours - 1)
    state.engine.dispose()


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[str, dict]] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Gateway.received.append((self.headers.get("Authorization", ""), body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_sms_go_through_the_configured_gateway(settings):
    from dataclasses import replace

    from baraza.updates.sending import send_sms

    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        configured = replace(settings, sms_gateway_url=f"http://127.0.0.1:{server.server_port}/send", sms_gateway_token="tok")
        send_sms(configured, "+254712345678", "There is news")
    finally:
        server.shutdown()
        server.server_close()
    assert _Gateway.received == [("Bearer tok", {"to": "+254712345678", "text": "There is news"})]
    assert _outbox(settings, "sms") == []


def test_the_job_skips_a_missing_consultation(session, settings):
    class FakeJob:
        def __init__(self):
            self.session, self.settings, self.registry = session, settings, None

    send_follow_ups(FakeJob(), {"consultation_id": 999999})
    assert _outbox(settings) == []


def test_the_contact_can_be_given_with_the_follow_up_choice_when_joining(client, session, settings):
    consultation = make_consultation(session, open=True)
    notice_id, code = psvc.latest_notice(session, consultation.id, "en").id, consultation.join_code
    session.commit()

    def join(**fields):
        page = client.get(f"/join/{code}/notice")
        data = {"csrf_token": csrf_from(page.text), "age_band": "18-20", "notice_id": str(notice_id), "agree": "on", **fields}
        return client.post(f"/join/{code}/notice", data=data)

    without_consent = join(contact="amina@example.org")
    assert without_consent.status_code == 400 and "or leave this empty" in without_consent.text
    wrong = join(follow_up="on", contact="call me")
    assert wrong.status_code == 400 and "does not look like a phone number" in wrong.text
    assert session.exec(select(Participant)).all() == []  # nothing stored before the form is right
    session.rollback()  # end the read, so the next one sees what the application wrote
    assert join(follow_up="on", contact="amina@example.org").status_code == 303
    session.rollback()
    participant = session.exec(select(Participant)).one()
    assert session.get(ParticipantContact, participant.id).address == "amina@example.org"


def test_the_home_shows_the_latest_news_and_the_rest_on_a_page_of_its_own(client, session, settings, news):
    """A cheap phone's home stays short: the five latest pieces of news, then a link to all of
    them (the page to see, change or delete one's data stays near the top)."""
    consultation = make_consultation(session, open=True)
    _p, token, _ = make_participant(session, consultation, settings=settings)
    for i in range(8):
        news.add(f"fake:{i}", at=utcnow() + timedelta(minutes=i), message=f"News number {i}.")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    home = _home(client, consultation).text
    assert [i for i in range(8) if f"News number {i}." in home] == [3, 4, 5, 6, 7]
    assert f'href="/p/{consultation.id}/news"' in home and "All the news (8)" in home
    page = client.get(f"/p/{consultation.id}/news")
    assert page.status_code == 200
    assert all(f"News number {i}." in page.text for i in range(8))
    assert page.text.index("News number 7.") < page.text.index("News number 0.")  # newest first
    assert page.text.count(">New</span>") == 8  # all new since joining
    client.cookies.clear()
    assert client.get(f"/p/{consultation.id}/news", follow_redirects=False).status_code in (303, 404)


def test_a_short_feed_has_no_link_to_more(client, session, settings, news):
    consultation = make_consultation(session, open=True)
    _p, token, _ = make_participant(session, consultation, settings=settings)
    for i in range(5):
        news.add(f"fake:{i}", message=f"News number {i}.")
    client.cookies.set(PARTICIPANT_COOKIE, token)
    home = _home(client, consultation).text
    assert all(f"News number {i}." in home for i in range(5))
    assert "/news" not in home
