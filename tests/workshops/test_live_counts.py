"""The counts the core's hub carries in a workshop's events (`results.live_counts`): the current
poll's bars and how many answered when the screen shows them as they are, the phones in the
room; nothing for a hidden or sensitive activity. The screen marks what live.js redraws."""

from __future__ import annotations

from tests.workshops.factories import (
    add_vote,
    make_activity,
    make_consultation,
    make_facilitator,
    make_participant,
    make_workshop,
    sign_in,
)
from workshops.results import live_counts

EVENTS = frozenset({"workshop.results", "workshop.room"})


def test_a_visible_poll_s_counts_ride_on_the_event(client, session, settings):
    consultation = make_consultation(session)
    workshop = make_workshop(session, consultation)
    poll = make_activity(session, workshop, "poll")
    for target in ("o1", "o1", "o2"):
        participant, _t = make_participant(session, settings, consultation)
        add_vote(session, poll, participant, target)
    counts = live_counts(session, str(workshop.id), EVENTS)
    assert counts["workshop.results"] == {"counts": {"activity": poll.id, "answered": 3, "bars": {"o1": [2, 100], "o2": [1, 50], "o3": [0, 0]}}}
    assert counts["workshop.room"] == {"phones": 0}
    # Only the names in the batch are answered for.
    assert set(live_counts(session, str(workshop.id), frozenset({"workshop.room"}))) == {"workshop.room"}
    # The screen marks what the event's counts redraw.
    sign_in(client, make_facilitator(session, consultation))
    screen = client.get(f"/workshops/{workshop.id}/screen").text
    assert f'data-ws-activity="{poll.id}"' in screen and 'data-ws-bar="o1"' in screen
    assert 'data-ws-answered="3">3 people have answered.' in screen


def test_hidden_or_sensitive_results_carry_no_counts(session, settings):
    consultation = make_consultation(session)
    for fields in ({"reveal": "on_reveal"}, {"sensitive": True}):
        workshop = make_workshop(session, consultation)
        poll = make_activity(session, workshop, "poll", **fields)
        participant, _t = make_participant(session, settings, consultation)
        add_vote(session, poll, participant, "o1")
        assert "workshop.results" not in live_counts(session, str(workshop.id), EVENTS), fields
    assert live_counts(session, "not-a-number", EVENTS) == {}
