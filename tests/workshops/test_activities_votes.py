"""Dot voting and ranking on phones: a form that works without JavaScript (a post answered with
303) and as the block the page's script fetches; results on the screen (dots per option and
the voters, a Borda count and the rankings); a retry under the same client id counts once,
other content under it is a 409; two phones voting at once are both counted."""

from __future__ import annotations

import re
import threading

import pytest
from sqlmodel import Session, select

from baraza.participation.api import participant_actor
from baraza.participation.models import Participant
from tests.workshops.factories import (
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
from tests.workshops.helpers import HTMX, client_id_from, count, read, token
from workshops import services
from workshops.models import Activity, Vote, VoteSubmission, Workshop


def dot_config(*labels: str, dots: int = 3, stack: bool = False) -> dict:
    return {**poll_config(*labels), "dots": dots, "stack": stack}


@pytest.fixture
def room(phone_room):
    return phone_room[:3]


def post(client, workshop, activity, data, *, cid=None):
    body = {"csrf_token": token(client, f"/workshops/{workshop.id}/"), "client_id": cid or client_id(), **data}
    return client.post(f"/workshops/{workshop.id}/vote/{activity.id}", data=body)


def rows(session, activity):
    return sorted((v.slot, v.target, v.value) for v in read(session, select(Vote).where(Vote.activity_id == activity.id)))


def screen(client, session, consultation, workshop):
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    return client.get(f"/workshops/{workshop.id}/screen").text


def numbers(page):
    return [re.sub(r"<[^>]+>", "", n).strip() for n in re.findall(r'<span class="ws-num">(.*?)</span>\s*</li>', page, re.S)]


def labels(page):
    return [label.strip() for label in re.findall(r"<li[^>]*>\s*<span[^>]*>(.*?)</span>", page.split("ws-bars")[1], re.S)]


# Dot voting --------------------------------------------------------------------------------------------


def test_dots_without_stacking_are_checkboxes_and_one_dot_per_option(client, session, room):
    consultation, workshop, participant = room
    dots = make_activity(session, workshop, "dot_vote", prompt="Where do your dots go?", config=dot_config("Parks", "Wifi", "Clinics", dots=2))
    html = client.get(f"/workshops/{workshop.id}/").text
    assert "Where do your dots go?" in html and 'type="checkbox"' in html and "You have 2 dots" in html
    assert "data-follow-results" not in html  # other phones' votes cost this phone nothing
    fragment = client.get(f"/workshops/{workshop.id}/", headers=HTMX).text  # what the page's script swaps in
    assert fragment.lstrip().startswith('<div id="phone"') and f'action="/workshops/{workshop.id}/vote/{dots.id}"' in fragment
    response = post(client, workshop, dots, {"choice": ["o1", "o3"]}, cid=client_id_from(html))
    assert response.status_code == 303 and response.headers["location"] == f"/workshops/{workshop.id}/"
    assert rows(session, dots) == [(0, "o1", 1), (1, "o3", 1)]
    assert "Your answer" in client.get(f"/workshops/{workshop.id}/").text
    # Two dots on one option, or more dots than given, are refused with the page and a 400.
    assert post(client, workshop, dots, {"choice": ["o1", "o1"]}).status_code == 400
    assert post(client, workshop, dots, {"choice": ["o1", "o2", "o3"]}).status_code == 400
    assert post(client, workshop, dots, {"choice": ["nope"]}).status_code == 400
    assert rows(session, dots) == [(0, "o1", 1), (1, "o3", 1)]


def test_stacked_dots_are_rows_and_a_retry_counts_once(client, session, room):
    consultation, workshop, participant = room
    dots = make_activity(session, workshop, "dot_vote", config=dot_config("Parks", "Wifi", dots=3, stack=True))
    html = client.get(f"/workshops/{workshop.id}/").text
    assert 'name="dots.o1"' in html and "<select" in html
    cid = client_id_from(html)
    assert post(client, workshop, dots, {"dots.o1": "2", "dots.o2": "1"}, cid=cid).status_code == 303
    # One row per dot (never a total updated in place).
    assert rows(session, dots) == [(0, "o1", 1), (1, "o1", 1), (2, "o2", 1)]
    assert post(client, workshop, dots, {"dots.o1": "2", "dots.o2": "1"}, cid=cid).status_code == 303  # the retry
    assert count(session, VoteSubmission, VoteSubmission.activity_id == dots.id) == 1
    assert len(rows(session, dots)) == 3
    other = post(client, workshop, dots, {"dots.o1": "3"}, cid=cid)
    assert other.status_code == 409 and "already sent once" in other.text
    assert post(client, workshop, dots, {"dots.o1": "4"}).status_code == 400  # more dots than given
    assert len(rows(session, dots)) == 3


def test_the_screen_shows_dots_per_option_and_the_voters(client, session, settings, room):
    consultation, workshop, participant = room
    dots = make_activity(session, workshop, "dot_vote", config=dot_config("Parks", "Wifi", "Clinics", dots=3, stack=True))
    for allocation in ({"dots.o1": "3"}, {"dots.o1": "1", "dots.o2": "2"}, {"dots.o2": "1"}):
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert post(client, workshop, dots, allocation).status_code == 303
    page = screen(client, session, consultation, workshop)
    assert numbers(page) == ["4", "3", "0"] and "3 people have answered." in page


def test_a_sensitive_dot_vote_hides_options_few_people_chose(client, session, settings, room):
    consultation, workshop, participant = room
    dots = make_activity(session, workshop, "dot_vote", config=dot_config("Parks", "Wifi", dots=1), sensitive=True)
    for target in ["o1"] * 6 + ["o2"] * 2:
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert post(client, workshop, dots, {"choice": target}).status_code == 303
    page = screen(client, session, consultation, workshop)
    assert numbers(page) == ["6", "fewer than 5"]


# Ranking ------------------------------------------------------------------------------------------------


def test_a_ranking_is_a_number_select_per_option_and_rows_per_place(client, session, room):
    consultation, workshop, participant = room
    ranking = make_activity(session, workshop, "ranking", prompt="What matters most?", config={"options": poll_config("Ask us", "Keep it safe", "Let us delete")["options"]})
    html = client.get(f"/workshops/{workshop.id}/").text
    assert "What matters most?" in html and 'name="place.o1"' in html and "data-ranking" in html
    cid = client_id_from(html)
    response = post(client, workshop, ranking, {"place.o1": "2", "place.o2": "3", "place.o3": "1"}, cid=cid)
    assert response.status_code == 303
    assert rows(session, ranking) == [(0, "o3", 1), (1, "o1", 2), (2, "o2", 3)]
    assert post(client, workshop, ranking, {"place.o1": "2", "place.o2": "3", "place.o3": "1"}, cid=cid).status_code == 303
    assert count(session, VoteSubmission, VoteSubmission.activity_id == ranking.id) == 1
    assert post(client, workshop, ranking, {"place.o1": "1", "place.o2": "2", "place.o3": "3"}, cid=cid).status_code == 409
    # Two options in one place, or a place missing, is a clear 400 and changes nothing.
    for places in ({"place.o1": "1", "place.o2": "1", "place.o3": "2"}, {"place.o1": "1", "place.o2": "2"}, {"place.o1": "1", "place.o2": "2", "place.o3": "9"}):
        refused = post(client, workshop, ranking, places)
        assert refused.status_code == 400 and "its own place" in refused.text
    assert rows(session, ranking) == [(0, "o3", 1), (1, "o1", 2), (2, "o2", 3)]
    # The page shows the person's order again.
    again = client.get(f"/workshops/{workshop.id}/?more=1").text
    assert re.search(r'name="place.o3">.*?<option value="1" selected>', again, re.S)


def test_the_screen_shows_a_borda_count_and_the_rankings(client, session, settings, room):
    consultation, workshop, participant = room
    ranking = make_activity(session, workshop, "ranking", config={"options": poll_config("A", "B", "C")["options"]})
    # Borda: first place 2 points, second 1, last 0.
    orders = [("1", "2", "3"), ("1", "3", "2"), ("2", "1", "3")]
    for a, b, c in orders:
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert post(client, workshop, ranking, {"place.o1": a, "place.o2": b, "place.o3": c}).status_code == 303
    page = screen(client, session, consultation, workshop)
    # A: 2+2+1 = 5, B: 1+0+2 = 3, C: 0+1+0 = 1, highest first.
    assert labels(page) == ["A", "B", "C"] and numbers(page) == ["5", "3", "1"]
    assert "3 people have answered." in page and "Borda" in page


def test_a_ranking_of_the_top_two_gives_two_places_and_leaves_the_rest_without_points(client, session, settings, room):
    """"Rank your top 2" of four: each phone's selects offer places 1 and 2 only; one or two
    places, without a gap, are taken; the Borda count gives the others nothing."""
    consultation, workshop, _participant = room
    options = poll_config("A", "B", "C", "D")["options"]
    ranking = make_activity(session, workshop, "ranking", config={"options": options, "places": 2})
    html = client.get(f"/workshops/{workshop.id}/").text
    assert "Give your top 2 a place" in html
    select = re.search(r'name="place.o1">(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "1", "2"]
    # Three places, a gap, or a place beyond 2: refused, nothing stored.
    for places in ({"place.o1": "1", "place.o2": "2", "place.o3": "3"}, {"place.o1": "2"}, {"place.o1": "1", "place.o3": "3"}):
        refused = post(client, workshop, ranking, places)
        assert refused.status_code == 400 and "Give places 1 to 2 to your top options" in refused.text, places
    assert rows(session, ranking) == []
    assert post(client, workshop, ranking, {"place.o3": "1", "place.o1": "2"}).status_code == 303
    assert rows(session, ranking) == [(0, "o3", 1), (1, "o1", 2)]
    _p, cookie = make_participant(session, settings, consultation)
    as_participant(client, cookie)
    assert post(client, workshop, ranking, {"place.o1": "1"}).status_code == 303  # only a first place
    page = screen(client, session, consultation, workshop)
    # Four options: first place 3 points, second 2; unranked none. A: 2 + 3, C: 3, B and D: 0.
    assert labels(page)[:2] == ["A", "C"] and numbers(page)[:2] == ["5", "3"]
    assert "2 people have answered." in page


def test_the_facilitator_sets_how_many_options_each_person_ranks(client, session, room):
    from workshops.activities import ConfigError, check_config, ranking_places

    assert check_config("ranking", {"options": [], "places": 3}, ["en"])["places"] == 3
    assert check_config("ranking", {"options": []}, ["en"])["places"] == 0
    with pytest.raises(ConfigError):
        check_config("ranking", {"options": [], "places": 99}, ["en"])
    options = poll_config("A", "B", "C")["options"]
    assert ranking_places({"options": options, "places": 0}) == 3
    assert ranking_places({"options": options, "places": 2}) == 2
    assert ranking_places({"options": options, "places": 5}) == 3  # more places than options: every option


def test_a_sensitive_ranking_shows_nothing_until_k_people_ranked(client, session, settings, room):
    consultation, workshop, participant = room
    ranking = make_activity(session, workshop, "ranking", config={"options": poll_config("A", "B")["options"]}, sensitive=True)
    assert post(client, workshop, ranking, {"place.o1": "1", "place.o2": "2"}).status_code == 303
    page = screen(client, session, consultation, workshop)
    assert numbers(page) == ["fewer than 5", "fewer than 5"] and "Fewer than 5 people have answered." in page


def test_two_phones_ranking_at_once_are_both_counted(session, settings, engine):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    ranking = make_activity(session, workshop, "ranking", config={"options": poll_config("A", "B")["options"]})
    people = [make_participant(session, settings, consultation)[0].id for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(participant_id: int, order: list[str]) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                participant = s.exec(select(Participant).where(Participant.id == participant_id)).one()
                w = s.exec(select(Workshop).where(Workshop.id == workshop.id)).one()
                a = s.exec(select(Activity).where(Activity.id == ranking.id)).one()
                s.commit()
                barrier.wait(timeout=30)
                services.do_cast_vote(s, participant_actor(participant), settings, consultation, participant, w, a, choices=order, client_id=client_id())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(pid, order)) for pid, order in zip(people, (["o1", "o2"], ["o2", "o1"]), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    stored = read(session, select(Vote).where(Vote.activity_id == ranking.id))
    assert sorted((v.participant_id, v.target, v.value) for v in stored) == sorted(
        [(people[0], "o1", 1), (people[0], "o2", 2), (people[1], "o2", 1), (people[1], "o1", 2)]
    )
