"""The card sort under the small-numbers rule the polls and statements follow: where fewer than
k people answered a card (in the view shown), every count of it reads "fewer than k", the empty
ones too, so a 0 beside one hidden count never tells the room what all of them chose."""

from __future__ import annotations

from tests.workshops.factories import as_participant, make_facilitator, make_participant, sign_in
from tests.workshops.test_activities_cards import CARD, matrix, room, sort  # noqa: F401 - the fixture

FEWER = "fewer than 5"


def test_two_phones_that_both_said_fine_do_not_tell_the_room_what_they_chose(client, session, settings, room):  # noqa: F811
    consultation, workshop, cards, _participant = room
    for _ in range(2):
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert sort(client, workshop, cards, CARD, "fine").status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    for page in ("screen", "console"):
        row = matrix(client.get(f"/workshops/{workshop.id}/{page}").text)["Health information"]
        # Today: ["fewer than 5", "0", "0", "fewer than 5"]: the whole room reads that both said "Fine".
        assert row == [FEWER, FEWER, FEWER, FEWER], (page, row)


def test_from_k_answers_on_a_zero_is_shown_again(client, session, settings, room):  # noqa: F811
    consultation, workshop, cards, _participant = room
    for _ in range(6):
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert sort(client, workshop, cards, CARD, "fine").status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    assert matrix(client.get(f"/workshops/{workshop.id}/screen").text)["Health information"] == ["6", "0", "0", "6"]
