"""The demo's held session reads like a session that was held: started days before the demo
was seeded, every activity of its agenda opened and closed in turn with minutes between them
(the room's moves in the audit log say the same), and results beside them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from baraza.db import utcnow
from baraza.demo import DEMO_PASSWORD
from tests.conftest import login
from tests.core.helpers import page_text
from tests.workshops.helpers import read
from workshops import summary as summaries
from workshops.demo import HELD_WORKSHOP_TITLE
from workshops.models import Activity, Contribution, Workshop, WorkshopStep


def held(session):
    rows = read(session, select(Workshop))
    return next(w for w in rows if w.title.get("en") == HELD_WORKSHOP_TITLE["en"])


def test_the_held_session_started_days_ago_and_took_its_time(seeded_demo, session):
    workshop = held(session)
    assert workshop.started_at is not None and workshop.ended_at is not None
    assert workshop.started_at <= utcnow() - timedelta(days=1)
    taken = workshop.ended_at - workshop.started_at
    assert timedelta(minutes=60) <= taken <= timedelta(hours=3), taken
    steps = {s.id: s.position for s in read(session, select(WorkshopStep).where(WorkshopStep.workshop_id == workshop.id))}
    activities = sorted(
        read(session, select(Activity).where(Activity.workshop_id == workshop.id)), key=lambda a: (steps[a.step_id], a.position)
    )
    assert activities and all(a.opened_at is not None and a.closed_at is not None for a in activities), [
        (a.kind, a.opened_at, a.closed_at) for a in activities
    ]
    for before, after in zip(activities, activities[1:], strict=False):
        assert before.opened_at < after.opened_at, (before.kind, after.kind)
        assert after.opened_at - before.opened_at >= timedelta(minutes=2), (before.kind, after.kind)
    assert all(workshop.started_at <= a.opened_at < a.closed_at <= workshop.ended_at + timedelta(seconds=15) for a in activities)
    # The summary reads the room's moves from the audit log: they tell the same story.
    moves = summaries.room_moves(session, workshop)
    assert moves[0][0] == workshop.started_at and moves[-1][0] == workshop.ended_at
    spent = summaries.room_time(session, workshop, activities, workshop.ended_at)
    assert all(spent.get(a.id, 0) >= 120 for a in activities), {a.kind: spent.get(a.id) for a in activities}
    # What young people sent carries the session's times too (the models' own default times).
    sent = read(session, select(Contribution.created_at).where(Contribution.workshop_id == workshop.id))
    assert sent and all(workshop.started_at <= t <= workshop.ended_at for t in sent), sent


def test_its_summary_has_no_activity_left_unreached(seeded_demo, session, client):
    workshop = held(session)
    login(client, "facilitator@demo.baraza.test", DEMO_PASSWORD)
    html = client.get(f"/workshops/{workshop.id}/summary").text
    assert "not reached" not in html
    taken = re.search(r"Time taken</th><td>(.*?)</td>", html, re.S)
    assert taken is not None
    minutes = int(re.match(r"(\d+) minutes", page_text(taken.group(1))).group(1))  # type: ignore[union-attr]
    assert 60 <= minutes <= 180
    assert re.search(r"Young people who took part</th><td>26<", html)
