"""Running the room: breakout groups (split at random among the phones present or by the
numbers phones show, each group with its own board and results, the screen showing one group
or all of them) and paper entry (notes and tallies typed in by the facilitator, counted in the
results, never in anyone's data). Scoped to the workshop's staff; every control needs CSRF."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from baraza.audit.models import AuditEntry
from tests.conftest import csrf_from
from tests.workshops.factories import (
    add_note,
    as_participant,
    client_id,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    poll_config,
    sign_in,
)
from tests.workshops.helpers import HTMX, count, fresh, own_parts_out, read
from workshops.models import Contribution, Presence, Vote, Workshop, WorkshopGroup, WorkshopGroupMember


@pytest.fixture
def room(session, settings, app, client):
    """A running workshop on a brainstorm, its facilitator, and a phone client to take part."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation)
    board = make_activity(session, workshop, "brainstorm")
    # The phone: another browser on the same application (the `client` fixture runs its lifespan).
    phone = TestClient(app, base_url="http://testserver", follow_redirects=False)
    return consultation, facilitator, workshop, board, phone


def join(session, settings, consultation, phone, workshop, n=1):
    """`n` participants whose phones opened the workshop (each gets its number)."""
    people = []
    for _ in range(n):
        participant, token = make_participant(session, settings, consultation)
        as_participant(phone, token)
        assert phone.get(f"/workshops/{workshop.id}/").status_code == 200
        people.append((participant, token))
    return people


def number_of(session, workshop, participant):
    return read(session, select(Presence.number).where(Presence.workshop_id == workshop.id, Presence.participant_id == participant.id))[0]


def post(client, path, data, *, csrf_page, htmx=False):
    """Post like the browser from `csrf_page`: its CSRF token and, for a paper form, the client
    id the page made for it."""
    page = client.get(csrf_page).text
    found = FORM_ID_RE.search(page)
    fields = {"csrf_token": csrf_from(page), **({"client_id": found.group(1)} if found else {})}
    return client.post(path, data={**fields, **data}, headers=HTMX if htmx else None)


FORM_ID_RE = re.compile(r'name="client_id" value="([^"]+)"')


def rooms_page(workshop, activity=None):
    return f"/workshops/{workshop.id}/rooms" + (f"?activity={activity.id}" if activity else "")


def send_note(phone, token, workshop, activity, text):
    as_participant(phone, token)
    csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
    return phone.post(f"/workshops/{workshop.id}/note/{activity.id}", data={"csrf_token": csrf, "client_id": client_id(), "text": text})


# Numbers and splitting ---------------------------------------------------------------------------------


def test_each_phone_shows_its_own_number(session, settings, room):
    consultation, _f, workshop, _board, phone = room
    (first, token1), (second, _t2) = join(session, settings, consultation, phone, workshop, 2)
    assert {number_of(session, workshop, first), number_of(session, workshop, second)} == {1, 2}
    as_participant(phone, token1)
    page = phone.get(f"/workshops/{workshop.id}/").text
    assert f"Your number in this room: {number_of(session, workshop, first)}" in page


def test_split_at_random_gives_every_phone_a_group_and_tells_the_phones(client, session, settings, room, live_events):
    consultation, facilitator, workshop, board, phone = room
    people = join(session, settings, consultation, phone, workshop, 5)
    sign_in(client, facilitator)
    response = post(client, f"/workshops/{workshop.id}/rooms/{board.id}/split", {"how": "random", "groups": "2"}, csrf_page=rooms_page(workshop, board))
    assert response.status_code == 303 and response.headers["location"] == rooms_page(workshop, board)
    groups = read(session, select(WorkshopGroup).where(WorkshopGroup.workshop_id == workshop.id))
    assert len(groups) == 2 and {g.activity_id for g in groups} == {board.id}
    members = read(session, select(WorkshopGroupMember).where(WorkshopGroupMember.workshop_id == workshop.id))
    sizes = sorted(sum(1 for m in members if m.group_id == g.id) for g in groups)
    assert sizes == [2, 3]  # as evenly as five phones go
    assert live_events(f"workshops.workshop:{workshop.id}")[-1][1] in ("workshop.state", "workshop.results")
    as_participant(phone, people[0][1])
    assert re.search(r"You are in group [12]", phone.get(f"/workshops/{workshop.id}/").text)
    entry = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.breakout_started"))[0]
    assert json.loads(entry.detail) == {"how": "random", "groups": 2, "phones": 5}
    # More groups than phones: a clear 409, nothing changes.
    refused = post(client, f"/workshops/{workshop.id}/rooms/{board.id}/split", {"how": "random", "groups": "12"}, csrf_page=rooms_page(workshop, board))
    assert refused.status_code == 409 and "fewer phones in the room than groups" in refused.text
    assert count(session, WorkshopGroupMember, WorkshopGroupMember.workshop_id == workshop.id) == 5


def test_split_pressed_twice_splits_once(client, session, settings, room):
    """A double click on "Split at random" (or two facilitators at once) used to split the room
    twice, and phones changed group under their people. The form carries the split its page
    showed; the second press changes nothing and shows the split that was made."""
    consultation, facilitator, workshop, board, phone = room
    join(session, settings, consultation, phone, workshop, 6)
    sign_in(client, facilitator)
    page = client.get(rooms_page(workshop, board)).text
    seen = re.search(r'name="seen" value="(\d+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "how": "random", "groups": "3", "seen": seen}
    path = f"/workshops/{workshop.id}/rooms/{board.id}/split"
    assert client.post(path, data=data).status_code == 303
    first = sorted((m.participant_id, m.group_id) for m in read(session, select(WorkshopGroupMember)))
    again = client.post(path, data=data, follow_redirects=True)
    assert again.status_code == 200 and "The room was split just now: these are its groups." in again.text
    assert sorted((m.participant_id, m.group_id) for m in read(session, select(WorkshopGroupMember))) == first
    assert count(session, WorkshopGroup, WorkshopGroup.workshop_id == workshop.id) == 3
    assert len(read(session, select(AuditEntry).where(AuditEntry.action == "workshop.breakout_started"))) == 1
    # A page drawn after the split splits again, on purpose.
    page = client.get(rooms_page(workshop, board)).text
    fresh = {**data, "csrf_token": csrf_from(page), "seen": re.search(r'name="seen" value="(\d+)"', page).group(1)}
    assert client.post(path, data=fresh).status_code == 303
    assert len(read(session, select(AuditEntry).where(AuditEntry.action == "workshop.breakout_started"))) == 2


def test_split_by_numbers_places_the_chosen_phones_only(client, session, settings, room):
    consultation, facilitator, workshop, board, phone = room
    people = join(session, settings, consultation, phone, workshop, 4)
    numbers = [number_of(session, workshop, p) for p, _t in people]
    sign_in(client, facilitator)
    page = client.get(rooms_page(workshop, board)).text
    assert all(f'<span class="tag" dir="ltr">{n}</span>' in page for n in numbers)
    response = post(
        client, f"/workshops/{workshop.id}/rooms/{board.id}/split",
        {"how": "numbers", "numbers.1": f"{numbers[0]}, {numbers[1]}", "numbers.2": str(numbers[2])}, csrf_page=rooms_page(workshop, board),
    )
    assert response.status_code == 303
    placed = {m.participant_id: m.group_id for m in read(session, select(WorkshopGroupMember))}
    assert placed[people[0][0].id] == placed[people[1][0].id] != placed[people[2][0].id]
    assert people[3][0].id not in placed  # not chosen: stays with the whole room
    for data, message in (
        ({"numbers.1": "999"}, "Group 1: no phone has the number 999 in this workshop."),
        ({"numbers.1": f"{numbers[0]}", "numbers.2": f"{numbers[0]}"}, f"Group 2: phone {numbers[0]} is in group 1 too."),
        ({"numbers.1": "Amina"}, "Group 1: write only the phones&#39; numbers"),
        ({}, "Write at least one phone"),
    ):
        refused = post(client, f"/workshops/{workshop.id}/rooms/{board.id}/split", {"how": "numbers", **data}, csrf_page=rooms_page(workshop, board))
        assert refused.status_code == 400 and message in refused.text, message


def test_each_group_has_its_own_board_on_phones_and_the_screen(client, session, settings, room):
    consultation, facilitator, workshop, board, phone = room
    (a, token_a), (b, token_b) = join(session, settings, consultation, phone, workshop, 2)
    sign_in(client, facilitator)
    na, nb = number_of(session, workshop, a), number_of(session, workshop, b)
    post(client, f"/workshops/{workshop.id}/rooms/{board.id}/split", {"how": "numbers", "numbers.1": str(na), "numbers.2": str(nb)}, csrf_page=rooms_page(workshop, board))
    assert send_note(phone, token_a, workshop, board, "Idea of group one").status_code == 303
    assert send_note(phone, token_b, workshop, board, "Idea of group two").status_code == 303
    group_one, group_two = read(session, select(WorkshopGroup).where(WorkshopGroup.workshop_id == workshop.id).order_by(WorkshopGroup.position))
    notes = {c.text: c.group_id for c in read(session, select(Contribution).where(Contribution.activity_id == board.id))}
    assert notes == {"Idea of group one": group_one.id, "Idea of group two": group_two.id}
    # The phone sees its own group's board, not the other's.
    as_participant(phone, token_a)
    mine = phone.get(f"/workshops/{workshop.id}/").text
    assert "You are in group 1" in mine and "Idea of group one" in mine and "Idea of group two" not in mine
    # The screen: the whole room, then one group, then all side by side.
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Idea of group one" in screen and "Idea of group two" in screen
    post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": str(group_two.id)}, csrf_page=rooms_page(workshop, board))
    assert fresh(session, Workshop, workshop.id).screen_group_id == group_two.id
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Group 2" in screen and "Idea of group two" in screen and "Idea of group one" not in screen
    post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": "groups"}, csrf_page=rooms_page(workshop, board))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert screen.index("Group 1") < screen.index("Idea of group one") < screen.index("Group 2") < screen.index("Idea of group two")
    assert "Not in a group" not in screen  # nothing was sent outside the groups
    # A phone that came in after the split sends a note: it has a place beside the groups.
    ((_late, token_late),) = join(session, settings, consultation, phone, workshop, 1)
    assert send_note(phone, token_late, workshop, board, "Idea from the door").status_code == 303
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert screen.index("Idea of group two") < screen.index("Not in a group") < screen.index("Idea from the door")
    # Per-group results on the room page too.
    page = client.get(rooms_page(workshop, board)).text
    assert page.index("Idea of group one") < page.index("Idea of group two")
    # Back together: places emptied, the groups and their notes stay.
    assert post(client, f"/workshops/{workshop.id}/rooms/end", {}, csrf_page=rooms_page(workshop, board)).status_code == 303
    assert count(session, WorkshopGroupMember, WorkshopGroupMember.workshop_id == workshop.id) == 0
    assert fresh(session, Workshop, workshop.id).screen_group_id is None
    assert count(session, WorkshopGroup, WorkshopGroup.workshop_id == workshop.id) == 2
    as_participant(phone, token_a)
    assert "You are in group" not in phone.get(f"/workshops/{workshop.id}/").text
    assert post(client, f"/workshops/{workshop.id}/rooms/end", {}, csrf_page=rooms_page(workshop, board)).status_code == 409


def split_poll(client, session, settings, room, groups):
    """A Yes/No poll with a phone per person, split by the facilitator into `groups` (each a
    list of indexes into the people joined); returns the poll and the people (participant, token)."""
    consultation, facilitator, workshop, _board, phone = room
    poll = make_activity(session, workshop, "poll", config=poll_config("Yes", "No"))
    people = join(session, settings, consultation, phone, workshop, sum(len(g) for g in groups))
    numbers = [number_of(session, workshop, p) for p, _t in people]
    sign_in(client, facilitator)
    fields = {f"numbers.{n}": " ".join(str(numbers[i]) for i in members) for n, members in enumerate(groups, start=1)}
    post(client, f"/workshops/{workshop.id}/rooms/{poll.id}/split", {"how": "numbers", **fields}, csrf_page=rooms_page(workshop, poll))
    return poll, people


def test_per_group_poll_results_count_the_votes_cast_in_each_group(client, session, settings, room):
    _consultation, _facilitator, workshop, _board, phone = room
    poll, people = split_poll(client, session, settings, room, [[0, 1], [2]])
    for (_participant, token), choice in zip(people, ["o1", "o1", "o2"], strict=True):
        as_participant(phone, token)
        csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
        assert phone.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"csrf_token": csrf, "client_id": client_id(), "choice": choice}).status_code == 303
    group_one, group_two = read(session, select(WorkshopGroup).where(WorkshopGroup.activity_id == poll.id).order_by(WorkshopGroup.position))
    votes = read(session, select(Vote).where(Vote.activity_id == poll.id))
    assert sorted((v.target, v.group_id) for v in votes) == [("o1", group_one.id), ("o1", group_one.id), ("o2", group_two.id)]
    post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": str(group_one.id)}, csrf_page=rooms_page(workshop, poll))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "2 people have answered." in screen
    post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": "room"}, csrf_page=rooms_page(workshop, poll))
    assert "3 people have answered." in client.get(f"/workshops/{workshop.id}/screen").text


def test_a_group_of_another_activity_cannot_go_on_the_screen(client, session, settings, room):
    consultation, facilitator, workshop, board, phone = room
    other = make_activity(session, workshop, "brainstorm", current=False)
    join(session, settings, consultation, phone, workshop, 2)
    sign_in(client, facilitator)
    post(client, f"/workshops/{workshop.id}/rooms/{other.id}/split", {"how": "random", "groups": "2"}, csrf_page=rooms_page(workshop, other))
    group = read(session, select(WorkshopGroup).where(WorkshopGroup.activity_id == other.id))[0]
    refused = post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": str(group.id)}, csrf_page=rooms_page(workshop, board))
    assert refused.status_code == 409
    assert post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": "999999"}, csrf_page=rooms_page(workshop, board)).status_code == 404
    assert post(client, f"/workshops/{workshop.id}/rooms/screen", {"view": "dance"}, csrf_page=rooms_page(workshop, board)).status_code == 400


# Paper entry ----------------------------------------------------------------------------------------


def test_paper_notes_count_are_marked_and_are_nobody_s_data(client, session, settings, room):
    consultation, facilitator, workshop, board, phone = room
    (participant, token), = join(session, settings, consultation, phone, workshop, 1)
    add_note(session, board, participant, "Typed on a phone")
    sign_in(client, facilitator)
    response = post(
        client, f"/workshops/{workshop.id}/rooms/{board.id}/paper-notes",
        {"notes": "Safer buses\n\nMore youth centres\nCall 0712 345 678", "language": "en"}, csrf_page=rooms_page(workshop, board),
    )
    assert response.status_code == 303
    paper = read(session, select(Contribution).where(Contribution.activity_id == board.id, Contribution.participant_id.is_(None)))
    assert sorted(c.text for c in paper) == ["Call 0712 345 678", "More youth centres", "Safer buses"]
    assert all(c.entered_by_user_id == facilitator.id and c.consent_record_id is None for c in paper)
    assert {c.text: c.status for c in paper}["Call 0712 345 678"] == "held"  # screened like any note
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "Safer buses" in screen and "More youth centres" in screen and "0712" not in screen
    assert "3 people have answered." in screen  # the phone's note and two paper notes
    queue = client.get(f"/workshops/{workshop.id}/moderation?activity={board.id}").text
    assert queue.count("Entered by the facilitator") == 3
    page = client.get(rooms_page(workshop, board)).text
    assert "3 notes" in page
    # Never in anyone's "my data".
    as_participant(phone, token)
    my_data = phone.get(f"/p/{consultation.id}/my-data")
    assert my_data.status_code == 200 and "Typed on a phone" in my_data.text
    assert "Safer buses" not in my_data.text and "youth centres" not in my_data.text
    entry = read(session, select(AuditEntry).where(AuditEntry.action == "workshop.paper_notes_entered"))[0]
    assert json.loads(entry.detail) == {"notes": 3, "held": 1} and "Safer" not in entry.detail


def test_paper_notes_are_checked(client, session, settings, room):
    consultation, facilitator, workshop, board, _phone = room
    sign_in(client, facilitator)
    url = f"/workshops/{workshop.id}/rooms/{board.id}/paper-notes"
    assert post(client, url, {"notes": "   \n  "}, csrf_page=rooms_page(workshop, board)).status_code == 400
    assert post(client, url, {"notes": "x" * 501}, csrf_page=rooms_page(workshop, board)).status_code == 400
    assert post(client, url, {"notes": "Fine", "language": "zz"}, csrf_page=rooms_page(workshop, board)).status_code == 400
    assert post(client, url, {"notes": "\n".join(f"n{i}" for i in range(101))}, csrf_page=rooms_page(workshop, board)).status_code == 400
    assert count(session, Contribution, Contribution.activity_id == board.id) == 0


def test_paper_tallies_count_in_the_bars_and_can_be_taken_back(client, session, settings, room):
    consultation, facilitator, workshop, _board, phone = room
    poll = make_activity(session, workshop, "poll", config=poll_config("Yes", "No"))
    (participant, token), = join(session, settings, consultation, phone, workshop, 1)
    as_participant(phone, token)
    csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
    phone.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"csrf_token": csrf, "client_id": client_id(), "choice": "o1"})
    sign_in(client, facilitator)
    url = f"/workshops/{workshop.id}/rooms/{poll.id}/paper-tallies"
    assert post(client, url, {"tally.o1": "6", "tally.o2": "3"}, csrf_page=rooms_page(workshop, poll)).status_code == 303
    paper = read(session, select(Vote).where(Vote.activity_id == poll.id, Vote.participant_id.is_(None)))
    assert len(paper) == 9 and all(v.entered_by_user_id == facilitator.id for v in paper)
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert "10 people have answered." in screen
    assert 'class="w-100"' in screen and 'class="w-43"' in screen  # 7 yes, 3 no
    as_participant(phone, token)
    my_data = phone.get(f"/p/{consultation.id}/my-data").text
    assert my_data.count("What do you think?") == 1  # only the phone's own vote
    # Out of the options, over the limit, nothing at all: refused.
    assert post(client, url, {"tally.o9": "3"}, csrf_page=rooms_page(workshop, poll)).status_code == 400
    assert post(client, url, {"tally.o1": "5000"}, csrf_page=rooms_page(workshop, poll)).status_code == 400
    assert post(client, url, {"tally.o1": "0"}, csrf_page=rooms_page(workshop, poll)).status_code == 400
    # Taking the paper back leaves the phone's vote.
    assert post(client, f"{url}/clear", {}, csrf_page=rooms_page(workshop, poll)).status_code == 303
    assert count(session, Vote, Vote.activity_id == poll.id) == 1
    assert "1 person has answered." in client.get(f"/workshops/{workshop.id}/screen").text


def test_paper_tallies_of_a_scale_and_a_multiple_choice_poll(client, session, settings, room):
    consultation, facilitator, workshop, _board, _phone = room
    scale = make_activity(session, workshop, "scale", config={"min": 1, "max": 3, "min_label": {}, "max_label": {}})
    multiple = make_activity(session, workshop, "poll", config=poll_config("A", "B", multiple=True), current=False)
    sign_in(client, facilitator)
    assert post(client, f"/workshops/{workshop.id}/rooms/{scale.id}/paper-tallies", {"tally.3": "5"}, csrf_page=rooms_page(workshop, scale)).status_code == 303
    assert {v.value for v in read(session, select(Vote).where(Vote.activity_id == scale.id))} == {3}
    assert "Average: 3.0" in client.get(f"/workshops/{workshop.id}/screen").text
    # A multiple-choice poll's tally needs its people too (tests/workshops/test_paper_entry.py).
    refused = post(client, f"/workshops/{workshop.id}/rooms/{multiple.id}/paper-tallies", {"tally.o1": "2"}, csrf_page=rooms_page(workshop, multiple))
    assert refused.status_code == 400 and "Type in how many people voted." in refused.text
    taken = post(client, f"/workshops/{workshop.id}/rooms/{multiple.id}/paper-tallies", {"tally.o1": "2", "tally.o2": "1", "people": "2"},
                 csrf_page=rooms_page(workshop, multiple))
    assert taken.status_code == 303


def test_paper_entry_works_for_an_ended_workshop_and_htmx_gets_the_block(client, session, settings, room):
    consultation, facilitator, workshop, board, _phone = room
    workshop.status = "ended"
    session.add(workshop)
    session.commit()
    sign_in(client, facilitator)
    response = post(client, f"/workshops/{workshop.id}/rooms/{board.id}/paper-notes", {"notes": "From the offline room"},
                    csrf_page=rooms_page(workshop, board), htmx=True)
    assert response.status_code == 200 and response.text.lstrip().startswith('<div id="room"')
    assert count(session, Contribution, Contribution.activity_id == board.id) == 1


# Scope and CSRF ----------------------------------------------------------------------------------------


def test_rooms_are_scoped_and_need_csrf(client, session, settings, room):
    consultation, facilitator, workshop, board, phone = room
    join(session, settings, consultation, phone, workshop, 2)
    posts = [
        (f"/workshops/{workshop.id}/rooms/{board.id}/split", {"how": "random", "groups": "2"}),
        (f"/workshops/{workshop.id}/rooms/screen", {"view": "groups"}),
        (f"/workshops/{workshop.id}/rooms/end", {}),
        (f"/workshops/{workshop.id}/rooms/{board.id}/paper-notes", {"notes": "Taken"}),
        (f"/workshops/{workshop.id}/rooms/{board.id}/paper-tallies", {"tally.o1": "3"}),
        (f"/workshops/{workshop.id}/rooms/{board.id}/paper-tallies/clear", {}),
    ]
    stranger = make_facilitator(session, make_consultation(session))
    sign_in(client, stranger)
    assert client.get(rooms_page(workshop)).status_code == 404
    csrf = csrf_from(client.get("/workshops/").text)
    for path, data in posts:
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 404, path
    sign_in(client, facilitator)
    for path, data in posts:
        assert client.post(path, data=data).status_code == 403, path
    assert count(session, WorkshopGroup, WorkshopGroup.workshop_id == workshop.id) == 0
    assert count(session, Contribution, Contribution.activity_id == board.id) == 0
    # A participant's phone reaches none of it.
    assert phone.get(rooms_page(workshop)).status_code in (303, 404)


def test_an_activity_split_for_but_without_answers_can_still_be_deleted(client, session, settings, room):
    consultation, facilitator, workshop, board, phone = room
    spare = make_activity(session, workshop, "brainstorm", current=False)
    join(session, settings, consultation, phone, workshop, 2)
    sign_in(client, facilitator)
    post(client, f"/workshops/{workshop.id}/rooms/{spare.id}/split", {"how": "random", "groups": "2"}, csrf_page=rooms_page(workshop, spare))
    response = post(client, f"/workshops/{workshop.id}/activities/{spare.id}/delete", {}, csrf_page=f"/workshops/{workshop.id}/agenda")
    assert response.status_code == 303
    assert {g.activity_id for g in read(session, select(WorkshopGroup).where(WorkshopGroup.workshop_id == workshop.id))} == {None}
    assert client.get(rooms_page(workshop)).status_code == 200


def test_the_answer_to_a_vote_in_a_split_room_shows_the_phones_group_as_a_fetch_does(client, session, settings, room):
    """A vote's answer is built from what the vote stored, except where the room is split: then
    the phone's group (and its board) is read as a fetch of the page reads it."""
    _consultation, _facilitator, workshop, _board, phone = room
    poll, people = split_poll(client, session, settings, room, [[0], [1]])
    as_participant(phone, people[1][1])
    csrf = csrf_from(phone.get(f"/workshops/{workshop.id}/").text)
    answer = phone.post(f"/workshops/{workshop.id}/vote/{poll.id}", data={"csrf_token": csrf, "client_id": client_id(), "choice": "o2"}, headers=HTMX)
    assert answer.status_code == 200 and "Thank you. Your answer is in." in answer.text
    group_two = read(session, select(WorkshopGroup).where(WorkshopGroup.activity_id == poll.id).order_by(WorkshopGroup.position))[1]
    assert group_two.name in answer.text
    fetched = phone.get(f"/workshops/{workshop.id}/", headers=HTMX).text
    assert own_parts_out(answer.text) == own_parts_out(fetched)


def test_phones_opening_the_room_at_once_each_get_a_number_and_are_counted(session, settings, engine):
    """A room of phones opens the page in the same second: every phone is counted in the room
    and shows its own number at once, none left without one until its next page (numbers are
    the highest so far plus one: on PostgreSQL two phones read the same highest)."""
    import threading

    from sqlmodel import Session

    from baraza.participation.api import participant_actor
    from baraza.participation.models import Participant
    from workshops import services

    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    make_activity(session, workshop, "brainstorm")
    people = [make_participant(session, settings, consultation)[0].id for _ in range(8)]
    barrier = threading.Barrier(len(people))
    seats: dict[int, int | None] = {}
    errors: list[BaseException] = []

    def open_page(participant_id: int) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                participant = s.exec(select(Participant).where(Participant.id == participant_id)).one()
                w = s.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
                s.commit()
                barrier.wait(timeout=30)
                seats[participant_id] = services.do_record_presence(s, participant_actor(participant), participant, w)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_page, args=(pid,)) for pid in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    stored = {row.participant_id: row.number for row in read(session, select(Presence).where(Presence.workshop_id == workshop.id))}
    assert stored == seats  # every phone counted, showing the number it holds
    assert sorted(seats.values()) == list(range(1, len(people) + 1))  # type: ignore[type-var]
