"""The opinion groups page under the small-numbers rule: no percentage, nor group size, from
fewer than k voters (it says "fewer than k" instead), how many voted beside every percentage
shown, and one row per statement text even when two workshops seeded the same statement."""

from __future__ import annotations

import re

from baraza.registry import VoteItem
from tests.core.helpers import page_text

FEW = "Only two of us voted on this one"
SHARED = "Ask before sharing my data"


def items(html: str) -> list[str]:
    """The visible text of every list item of the page's groups and shared statements."""
    main = html.split("<h1>", 1)[1]
    return [page_text(li) for li in re.findall(r"<li>(.*?)</li>", main, re.S)]


def install(app, world, votes):
    app.state.baraza.registry.vote_sources.append(lambda _s, cid: [v for v in votes if v.consultation_id == cid])


def camps(world) -> list[VoteItem]:
    """24 people in two camps split on 8 statements; everyone agrees with SHARED, which two
    workshops seeded (12 people voted in each); two people agree with FEW, nobody else voted on it."""
    people = [p for group in world.people.values() for p in group]
    cid = world.consultation.id
    votes: list[VoteItem] = []
    for n, person in enumerate(people):
        camp = n % 2
        for i in range(1, 9):
            vote = 1 if (i <= 4) == (camp == 0) else -1
            votes.append(VoteItem("workshops.statement", f"workshops.statement:1:s{i}", f"Statement number {i} about data", cid, person.id, person.context_id, vote))
        workshop = 1 if n < 12 else 2
        votes.append(VoteItem("workshops.statement", f"workshops.statement:{workshop}0:shared", SHARED, cid, person.id, person.context_id, 1))
    for person in people[:2]:
        votes.append(VoteItem("workshops.statement", "workshops.statement:1:few", FEW, cid, person.id, person.context_id, 1))
    return votes


def test_no_percentage_from_fewer_than_k_voters_and_the_voters_are_counted(app, world, analyst_client):
    install(app, world, camps(world))
    page = analyst_client.get(f"/insights/consultations/{world.consultation.id}/opinion")
    assert page.status_code == 200
    shown = items(page.text)
    assert shown
    few = [line for line in shown if FEW in line]
    # Today: "100% agreed: Only two of us voted on this one", from 2 votes.
    for line in few:
        assert "%" not in line and "fewer than 5" in line, line
    for line in shown:
        if "%" in line:
            voted = re.search(r"(\d+) voted", line)
            assert voted and int(voted.group(1)) >= 5, line
    groups = re.findall(r"Group \d+ · People: (\S+)", page_text(page.text))
    assert groups and all(g.isdigit() and int(g) >= 5 for g in groups), groups


def test_a_statement_two_workshops_seeded_is_one_row_with_everyones_votes(app, world, analyst_client):
    install(app, world, camps(world))
    shown = items(analyst_client.get(f"/insights/consultations/{world.consultation.id}/opinion").text)
    shared = [line for line in shown if SHARED in line]
    # Today it shows twice, once per workshop, each from 12 of the 24 votes.
    assert len(shared) == 1, shared
    assert "24 voted" in shared[0], shared
