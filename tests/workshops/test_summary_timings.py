"""The summary's timings: each activity's time is the time the room was on it (from the
facilitator moving the room to it until the room moved on), a step's the sum of its
activities', and none of them adds up to more than the workshop's time taken, although the
activities the room left stay open for a phone's last note until the workshop ends."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

import baraza.audit.services
import workshops.services
from baraza.consultations.models import Consultation
from baraza.db import utcnow
from tests.core.helpers import page_text
from tests.workshops.factories import make_consultation, make_facilitator, make_workshop, sign_in
from tests.workshops.helpers import control, fresh, read
from workshops import summary as summaries
from workshops.models import Activity, Workshop


class Clock:
    """The one clock the code reads (`baraza.db.utcnow`), where the console's use cases, the
    audit log and the summary read it, moved by hand."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0) - timedelta(hours=3)

    def __call__(self) -> datetime:
        return self.now

    def wait(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    for module in (baraza.audit.services, workshops.services, summaries):
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


@pytest.fixture
def run(client, session):
    """A draft RD4C workshop and its facilitator signed in on the console."""
    consultation = make_consultation(session)
    facilitator = make_facilitator(session, consultation)
    workshop = make_workshop(session, consultation, live=False)
    sign_in(client, facilitator)
    activities = read(session, select(Activity).where(Activity.workshop_id == workshop.id).order_by(Activity.step_id, Activity.position))
    return workshop, activities


def press(client, workshop, action, activity=None):
    response = control(client, workshop.id, action, activity.id if activity is not None else None)
    assert response.status_code == 303, response.text[:500]


def agenda_rows(client, workshop):
    """The summary's "Agenda and timings" table as a reader sees it: (what, actual, is a step)
    per row, and the "Time taken" of "At a glance"."""
    html = client.get(f"/workshops/{workshop.id}/summary").text
    taken = re.search(r"Time taken</th><td>(.*?)</td>", html, re.S)
    assert taken
    body = html.split('id="summary-agenda"')[1].split("</section>")[0].split("<tbody>")[1]
    rows = []
    for attrs, tr in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append((page_text(cells[0]), page_text(cells[2]), "ws-summary-step" in attrs))
    return page_text(taken.group(1)), rows


def minutes_in(text):
    match = re.match(r"(\d+) minutes?$", text)
    return int(match.group(1)) if match else None


def build(session, workshop):
    """The summary as the page gets it, in English."""
    w = fresh(session, Workshop, workshop.id)
    consultation = read(session, select(Consultation).where(Consultation.id == w.consultation_id))[0]
    return summaries.build_summary(session, w, consultation, "en", lambda text: text)


def test_an_activity_the_room_left_counts_only_its_own_time(client, session, clock, run):
    workshop, activities = run
    poll, cloud, board = activities[0], activities[1], activities[2]
    press(client, workshop, "start")
    clock.wait(2)  # the room fills up on the join screen
    press(client, workshop, "goto", poll)
    clock.wait(5)
    press(client, workshop, "goto", cloud)
    clock.wait(3)
    press(client, workshop, "lobby")
    clock.wait(4)  # a break: nobody's activity
    press(client, workshop, "goto", board)
    clock.wait(6)
    press(client, workshop, "end")

    # The poll and the word cloud closed as the room left them (with the grace for what was on
    # its way); the room was on them 5 and 3 minutes.
    ended = fresh(session, Workshop, workshop.id).ended_at
    assert fresh(session, Activity, poll.id).closed_at < fresh(session, Activity, cloud.id).closed_at < ended
    taken, rows = agenda_rows(client, workshop)
    assert taken == "20 minutes"
    by_prompt = {what: actual for what, actual, _step in rows}
    assert by_prompt[next(w for w in by_prompt if w.startswith("Have you ever wondered"))] == "5 minutes"
    assert by_prompt[next(w for w in by_prompt if w.startswith("One word"))] == "3 minutes"
    assert by_prompt[next(w for w in by_prompt if w.startswith("Where is data about you"))] == "6 minutes"
    steps = [(what, actual) for what, actual, step in rows if step]
    assert steps[0] == ("Kick-off", "8 minutes")  # the poll and the word cloud
    assert steps[1][1] == "6 minutes"  # Research: the brainstorm; its scale was never reached
    assert "not reached" in by_prompt[next(w for w in by_prompt if w.startswith("How much do you trust"))]
    assert sum(minutes_in(actual) or 0 for _what, actual, step in rows if step) <= minutes_in(taken)
    # Only the activity the room was on at the end closed with it, and the table says so.
    closed = closed_cells(client, workshop)
    assert not closed[next(w for w in closed if w.startswith("Have you ever wondered"))].endswith("(open until the end)")
    assert closed[next(w for w in closed if w.startswith("Where is data about you"))].endswith("(open until the end)")


def closed_cells(client, workshop):
    """Each activity's "Closed (UTC)" cell in the summary, by its prompt."""
    html = client.get(f"/workshops/{workshop.id}/summary").text
    body = html.split('id="summary-agenda"')[1].split("</section>")[0].split("<tbody>")[1]
    cells = {}
    for attrs, tr in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, re.S):
        if "ws-summary-step" not in attrs:
            row = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
            cells[page_text(row[0])] = page_text(row[4])
    return cells


def test_coming_back_to_an_activity_adds_its_visits(client, session, clock, run):
    workshop, activities = run
    poll, cloud = activities[0], activities[1]
    press(client, workshop, "start")
    press(client, workshop, "next")  # the poll
    clock.wait(4)
    press(client, workshop, "next")  # the word cloud
    clock.wait(2)
    press(client, workshop, "previous")  # back to the poll
    clock.wait(3)
    press(client, workshop, "end")
    summary = build(session, workshop)
    times = {a.activity.id: a.minutes for step in summary.steps for a in step.activities}
    assert times[poll.id] == 7 and times[cloud.id] == 2
    assert summary.steps[0].minutes == 9 == summary.minutes


def test_while_running_the_current_activity_counts_until_now(client, session, clock, run):
    workshop, activities = run
    press(client, workshop, "start")
    press(client, workshop, "goto", activities[0])
    clock.wait(3)
    press(client, workshop, "goto", activities[1])
    clock.wait(4)
    summary = build(session, workshop)
    assert summary.running and summary.minutes == 7
    times = [a.minutes for a in summary.steps[0].activities]
    assert times[:2] == [3, 4]


def test_an_activity_opened_from_the_agenda_but_never_shown_took_no_time(client, session, clock, run):
    workshop, activities = run
    press(client, workshop, "start")
    press(client, workshop, "goto", activities[0])
    press(client, workshop, "open", activities[3])  # opened for phones, the room stays on the poll
    clock.wait(10)
    press(client, workshop, "end")
    summary = build(session, workshop)
    times = {a.activity.id: a.minutes for step in summary.steps for a in step.activities}
    assert times[activities[0].id] == 10 and times[activities[3].id] == 0


def test_rounded_minutes_never_add_up_to_more_than_the_time_taken(client, session, clock, run):
    """Three visits of 1.5 minutes: each alone rounds to 2, together 4.5 minutes. The printed
    times add up to the total as printed, never 6 against 4 or 5."""
    workshop, activities = run
    press(client, workshop, "start")
    for activity in activities[:3]:
        press(client, workshop, "goto", activity)
        clock.wait(1.5)
    press(client, workshop, "end")
    summary = build(session, workshop)
    steps = [s.minutes or 0 for s in summary.steps]
    activity_minutes = [a.minutes or 0 for s in summary.steps for a in s.activities]
    assert sum(activity_minutes) == sum(steps) <= (summary.minutes or 0)
    assert all(m in (1, 2) for m in activity_minutes[:3])


def test_whole_minutes_keep_the_rounded_total():
    assert summaries.whole_minutes({}) == {}
    assert summaries.whole_minutes({1: 90, 2: 90, 3: 90}) in ({1: 2, 2: 1, 3: 1}, {1: 1, 2: 2, 3: 1}, {1: 1, 2: 1, 3: 2})
    assert summaries.whole_minutes({1: 300, 2: 29}) == {1: 5, 2: 0}
    assert summaries.whole_minutes({1: 300, 2: 31}) == {1: 5, 2: 1}


def test_a_workshop_ended_before_any_activity_was_opened_has_no_times(client, session, clock, run):
    """No move to an activity and none opened: every activity took no time (the summary of a
    session started and ended at once opens, it does not fail)."""
    workshop, activities = run
    w = fresh(session, Workshop, workshop.id)
    assert summaries.room_time(session, w, activities, None) == {}
    assert summaries.room_time(session, w, activities, utcnow()) == {}
