"""The card sort under the small-numbers rule the polls and statements follow: where fewer than
k people answered a card (in the view shown), every count of it reads "fewer than k", the empty
ones too, so a 0 beside one hidden count never tells the room what all of them chose."""

from __future__ import annotations

from tests.workshops.factories import as_participant, make_facilitator, make_participant, sign_in
from tests.workshops.test_activities_cards import CARD, matrix, room, sort  # noqa: F401 - the fixture

FEWER = "fewer than 5"


def phones_say_fine(client, session, settings, room, how_many):  # noqa: F811
    """`how_many` phones each sort the card "fine"; then the facilitator signs in."""
    consultation, workshop, cards, _participant = room
    for _ in range(how_many):
        _p, cookie = make_participant(session, settings, consultation)
        as_participant(client, cookie)
        assert sort(client, workshop, cards, CARD, "fine").status_code == 303
    client.cookies.clear()
    sign_in(client, make_facilitator(session, consultation))
    return workshop


def test_two_phones_that_both_said_fine_do_not_tell_the_room_what_they_chose(client, session, settings, room):  # noqa: F811
    workshop = phones_say_fine(client, session, settings, room, 2)
    for page in ("screen", "console"):
        row = matrix(client.get(f"/workshops/{workshop.id}/{page}").text)["Health information"]
        # Before: ["fewer than 5", "0", "0", "fewer than 5"]: the whole room read that both said "Fine".
        assert row == [FEWER, FEWER, FEWER, FEWER], (page, row)


def test_from_k_answers_on_a_zero_is_shown_again(client, session, settings, room):  # noqa: F811
    workshop = phones_say_fine(client, session, settings, room, 6)
    assert matrix(client.get(f"/workshops/{workshop.id}/screen").text)["Health information"] == ["6", "0", "0", "6"]
