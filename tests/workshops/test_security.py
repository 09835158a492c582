"""Workshops against the security requirements: scopes in every query (another
organisation's facilitator gets 404), CSRF on every control, hostile text inert on the
screen, the console, the phone and in my data, nobody named on the screen, and participants
kept to their own consultation."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlmodel import select

from baraza.audit.models import AuditEntry
from tests.workshops.factories import (
    add_note,
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from tests.workshops.helpers import HTMX, count, read, token
from workshops.models import Activity, Contribution, Vote, Workshop

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "'><svg/onload=alert(3)>",
    "</textarea><script>alert(4)</script>",
    '<a href="javascript:alert(5)">x</a>',
    "{{ 7*7 }}{% raw %}",
    "%(name)s %s",
    "<iframe srcdoc='<script>alert(8)</script>'>",
    "<style>*{display:none}</style>",
]


class _Inert(HTMLParser):
    """Collects anything a payload could have turned into live markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.bad.append(f"<{tag} {name}>")
            if name == "style" or (name in {"href", "src", "action"} and (value or "").strip().lower().startswith("javascript:")):
                self.bad.append(f"<{tag} {name}>")
        if tag == "script" and not re.match(r"^/(static|workshops/static)/", values.get("src") or ""):
            self.bad.append("<script> inline")
        if tag in {"iframe", "svg", "style"}:
            self.bad.append(f"<{tag}>")
        if tag == "img" and not (values.get("src") or "").startswith("/"):
            self.bad.append("<img> from elsewhere")


def inert(html: str) -> list[str]:
    parser = _Inert()
    parser.feed(html)
    return parser.bad


@pytest.fixture
def two_organisations(session, settings):
    mine = make_consultation(session)
    theirs = make_consultation(session)
    workshop = make_workshop(session, mine)
    poll = make_activity(session, workshop)
    board = make_activity(session, workshop, "brainstorm", current=False)
    participant, _cookie = make_participant(session, settings, mine)
    note = add_note(session, board, participant, "A note")
    return mine, theirs, workshop, poll, board, note


STAFF_GETS = ["/agenda", "/agenda.json", "/console", "/screen", "/screen/qr.svg"]


def staff_posts(workshop, poll, note):
    w = f"/workshops/{workshop.id}"
    step = poll.step_id
    return [
        (f"{w}/title", {"title.en": "Taken"}),
        (f"{w}/duplicate", {}),
        (f"{w}/delete", {}),
        (f"{w}/steps", {"title.en": "Mine now"}),
        (f"{w}/steps/{step}", {"title.en": "Mine now"}),
        (f"{w}/steps/{step}/up", {}),
        (f"{w}/steps/{step}/delete", {}),
        (f"{w}/steps/{step}/activities", {"kind": "poll", "prompt": "x"}),
        (f"{w}/activities/{poll.id}", {"prompt.en": "Taken", "reveal": "live", "moderation": "post", "options.en": "A\nB"}),
        (f"{w}/activities/{poll.id}/delete", {}),
        (f"{w}/activities/{poll.id}/up", {}),
        (f"{w}/console/start", {}),
        (f"{w}/console/next", {}),
        (f"{w}/console/lobby", {}),
        (f"{w}/console/goto", {"activity": str(poll.id)}),
        (f"{w}/console/close", {"activity": str(poll.id)}),
        (f"{w}/console/reveal", {"activity": str(poll.id)}),
        (f"{w}/console/lock", {"activity": str(poll.id)}),
        (f"{w}/console/timer_5", {"activity": str(poll.id)}),
        (f"{w}/console/end", {}),
        (f"{w}/console/notes/{note.id}/hidden", {}),
    ]


def test_another_organisation_s_facilitator_gets_404_everywhere(client, session, two_organisations):
    _mine, theirs, workshop, poll, _board, note = two_organisations
    sign_in(client, make_facilitator(session, theirs))
    for suffix in STAFF_GETS:
        assert client.get(f"/workshops/{workshop.id}{suffix}").status_code == 404, suffix
    assert client.get(f"/workshops/{workshop.id}/activities/{poll.id}").status_code == 404
    assert client.get(f"/workshops/{workshop.id}/console", headers=HTMX).status_code == 404
    csrf = token(client, "/workshops/")
    for path, data in staff_posts(workshop, poll, note):
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 404, path
    after = read(session, select(Workshop).where(Workshop.id == workshop.id))[0]
    assert (after.status, after.title, after.current_activity_id) == ("live", workshop.title, poll.id)
    assert read(session, select(Activity.state).where(Activity.id == poll.id)) == ["open"]
    assert read(session, select(Contribution.status).where(Contribution.id == note.id)) == ["shown"]
    listing = client.get("/workshops/").text
    assert f"/workshops/{workshop.id}/" not in listing


def test_roles_without_workshop_run_cannot_open_the_console_or_screen(client, session, two_organisations):
    mine, _theirs, workshop, _poll, _board, _note = two_organisations
    sign_in(client, make_facilitator(session, mine, role="analyst"))
    assert client.get("/workshops/").status_code == 200  # workshop.view: the list (summaries later)
    for suffix in STAFF_GETS:
        assert client.get(f"/workshops/{workshop.id}{suffix}").status_code == 404, suffix


def test_a_facilitator_scoped_to_another_consultation_of_the_same_organisation_gets_404(client, session, two_organisations):
    mine, _theirs, workshop, _poll, _board, _note = two_organisations
    sibling = make_consultation(session, organisation=None)
    from tests.factories import make_user
    from tests.workshops.factories import organisation_of

    user = make_user(session, role="facilitator", scope="consultation", scope_ref=sibling.id, organisation=organisation_of(session, mine))
    sign_in(client, user)
    assert client.get(f"/workshops/{workshop.id}/console").status_code == 404


def test_a_participant_or_a_stranger_never_reaches_staff_pages(client, session, settings, two_organisations):
    mine, _theirs, workshop, _poll, _board, _note = two_organisations
    for suffix in STAFF_GETS:
        response = client.get(f"/workshops/{workshop.id}{suffix}")
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), suffix
    _participant, cookie = make_participant(session, settings, mine)
    as_participant(client, cookie)
    for suffix in STAFF_GETS:
        assert client.get(f"/workshops/{workshop.id}{suffix}").status_code in (303, 404), suffix


def test_a_participant_of_another_consultation_cannot_contribute(client, session, settings, two_organisations):
    _mine, theirs, workshop, poll, board, _note = two_organisations
    _stranger, cookie = make_participant(session, settings, theirs)
    as_participant(client, cookie)
    csrf = token(client, "/join")
    response = client.post(f"/workshops/{workshop.id}/note/{board.id}", data={"csrf_token": csrf, "client_id": client_id(), "text": "Sneaked in"})
    assert response.status_code == 303 and response.headers["location"].startswith("/join/")
    vote = client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"csrf_token": csrf, "client_id": client_id(), "choice": "o1"})
    assert vote.status_code == 303
    assert count(session, Contribution) == 1  # only the note the fixture made
    assert count(session, Vote) == 0


def test_an_activity_of_another_workshop_is_not_reached_through_this_one(client, session, settings, two_organisations):
    mine, _theirs, workshop, _poll, _board, _note = two_organisations
    other = make_workshop(session, mine)
    foreign_board = make_activity(session, other, "brainstorm")
    _participant, cookie = make_participant(session, settings, mine)
    as_participant(client, cookie)
    csrf = token(client, f"/workshops/{workshop.id}/")
    response = client.post(f"/workshops/{workshop.id}/note/{foreign_board.id}", data={"csrf_token": csrf, "client_id": client_id(), "text": "Wrong door"})
    assert response.status_code == 404
    assert count(session, Contribution, Contribution.activity_id == foreign_board.id) == 0


def test_every_state_change_needs_the_csrf_token(client, session, settings, two_organisations):
    mine, _theirs, workshop, poll, board, note = two_organisations
    sign_in(client, make_facilitator(session, mine))
    for path, data in staff_posts(workshop, poll, note) + [("/workshops/new", {"consultation": str(mine.id), "start": "rd4c"})]:
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf_token": "0" * 64}).status_code == 403, path
        assert client.post(path, data=data, headers=HTMX).status_code == 403, path
    _participant, cookie = make_participant(session, settings, mine)
    as_participant(client, cookie)
    assert client.post(f"/workshops/{workshop.id}/note/{board.id}", data={"client_id": client_id(), "text": "x"}).status_code == 403
    assert client.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"client_id": client_id(), "choice": "o1"}).status_code == 403
    assert read(session, select(Workshop.status).where(Workshop.id == workshop.id)) == ["live"]
    assert count(session, Contribution) == 1 and count(session, Vote) == 0


def test_hostile_notes_and_agenda_texts_render_inert_everywhere(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation, title=PAYLOADS[0])
    board = make_activity(session, workshop, "brainstorm", prompt=PAYLOADS[1])
    cloud = make_activity(session, workshop, "word_cloud", prompt=PAYLOADS[2], current=False)
    poll = make_activity(session, workshop, prompt=PAYLOADS[3], config={"options": [{"key": "o1", "label": {"en": PAYLOADS[4]}}, {"key": "o2", "label": {"en": PAYLOADS[7]}}], "multiple": False}, current=False)
    participant, cookie = make_participant(session, settings, consultation)
    for text in PAYLOADS:
        add_note(session, board, participant, text)
        add_note(session, cloud, participant, text[:40])
    staff = make_facilitator(session, consultation)
    sign_in(client, staff)
    pages = {}
    for activity in (board, cloud, poll):
        w = read(session, select(Workshop).where(Workshop.id == workshop.id))[0]
        w.current_activity_id = activity.id
        session.add(w)
        session.commit()
        for suffix in ("/screen", "/console", "/agenda"):
            pages[f"{suffix}:{activity.kind}"] = client.get(f"/workshops/{workshop.id}{suffix}").text
            pages[f"{suffix}:{activity.kind}:htmx"] = client.get(f"/workshops/{workshop.id}{suffix}", headers=HTMX).text
    pages["activity"] = client.get(f"/workshops/{workshop.id}/activities/{poll.id}").text
    pages["list"] = client.get("/workshops/").text
    client.cookies.clear()
    as_participant(client, cookie)
    for activity in (board, poll):
        w = read(session, select(Workshop).where(Workshop.id == workshop.id))[0]
        w.current_activity_id = activity.id
        session.add(w)
        session.commit()
        pages[f"phone:{activity.kind}"] = client.get(f"/workshops/{workshop.id}/").text
        pages[f"phone:{activity.kind}:htmx"] = client.get(f"/workshops/{workshop.id}/", headers=HTMX).text
    pages["my data"] = client.get(f"/p/{consultation.id}/my-data").text
    pages["home"] = client.get(f"/p/{consultation.id}/").text
    # A refused note echoes what was typed back into the form: inert too.
    refused = client.post(
        f"/workshops/{workshop.id}/note/{board.id}",
        data={"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": "bad", "text": PAYLOADS[3]},
    )
    assert refused.status_code == 400
    pages["refused"] = refused.text
    for name, html in pages.items():
        assert inert(html) == [], name
    assert "&lt;script&gt;alert(&#39;x1&#39;)&lt;/script&gt;" in pages["/screen:brainstorm"]
    assert "{{ 7*7 }}" in pages["/screen:brainstorm"]  # shown as typed, never evaluated
    assert "&lt;script&gt;" in pages["phone:brainstorm"] or PAYLOADS[1].replace('"', "&#34;")[:10] in pages["phone:brainstorm"]
    # The export keeps hostile agenda texts as data, not markup.
    exported = client.get(f"/workshops/{workshop.id}/agenda.json")
    assert exported.status_code in (303, 404)  # the phone is not staff
    client.cookies.clear()
    sign_in(client, staff)
    data = json.loads(client.get(f"/workshops/{workshop.id}/agenda.json").content)
    assert data["title"]["en"] == PAYLOADS[0]


def test_nothing_on_the_screen_or_console_says_who_wrote_what(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    writers = [make_participant(session, settings, consultation)[0] for _ in range(3)]
    for p in writers:
        add_note(session, board, p, f"Note {p.id}")
    sign_in(client, make_facilitator(session, consultation))
    for suffix in ("/screen", "/console"):
        html = client.get(f"/workshops/{workshop.id}{suffix}").text
        for p in writers:
            assert p.pseudonym not in html
        assert "participant" not in html.lower().replace("participants", "")


def test_audit_entries_of_notes_never_hold_what_was_written(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    _participant, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    client.post(f"/workshops/{workshop.id}/note/{board.id}", data={"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": client_id(), "text": "My secret idea 4242"})
    entries = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.contributed"))
    assert len(entries) == 1
    assert "4242" not in json.dumps(entries[0].detail or {})


def test_extra_form_fields_change_nothing_they_should_not(client, session, two_organisations):
    mine, theirs, workshop, poll, _board, _note = two_organisations
    sign_in(client, make_facilitator(session, mine))
    csrf = token(client, f"/workshops/{workshop.id}/console")
    client.post(
        f"/workshops/{workshop.id}/console/close",
        data={"csrf_token": csrf, "activity": str(poll.id), "status": "draft", "consultation_id": str(theirs.id), "workshop_id": "1", "sensitive": "on"},
    )
    after = read(session, select(Workshop).where(Workshop.id == workshop.id))[0]
    assert after.status == "live" and after.consultation_id == mine.id
    assert read(session, select(Activity.sensitive).where(Activity.id == poll.id)) == [False]
