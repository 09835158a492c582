"""The opinion groups of a consultation, for its page: statement votes read through every app's
`vote_sources` hook, grouped by the Polis method (`insights.opinion`), then cut down to what may
be shown: a group of fewer than k people is not shown at all (nor its people's places on the
map), sizes go through the small-numbers rule, a share of the votes on a statement shows only
with how many voted and only from k voters on, and statements are screened like any text. The
same statement text seeded in two workshops is one statement, its votes pooled (docs/decisions.md).

Computed when the page is read: votes are few (a workshop's statements), the method takes a
fraction of a second, and a withdrawal or a changed consent reaches the page at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from baraza.consultations.models import Consultation
from baraza.consultations.screening import screen_for
from baraza.disclosure import Cell, SuppressedCounts, k_for, suppress_counts
from baraza.registry import Registry
from baraza.text import same_words
from insights.opinion import opinion_groups
from insights.texts import analysable

REPRESENTATIVE_PER_GROUP = 5
CONSENSUS_SHOWN = 5


@dataclass
class GroupStatement:
    text: str
    direction: str  # "agree" or "disagree"
    # Of the group (or of everyone, for consensus) who voted on it, how many voted that way; None
    # when fewer than k voted (the share of a few votes would say how each of them voted).
    percent: int | None
    voters: Cell  # who voted on it, suppressed below k


@dataclass
class OpinionGroup:
    number: int  # 1, 2, ... as shown
    size: Cell
    statements: list[GroupStatement] = field(default_factory=list)


@dataclass
class OpinionReport:
    k: int
    statements: int  # statements voted on
    groups: list[OpinionGroup] = field(default_factory=list)
    hidden_groups: bool = False  # some people are in groups too small to show
    consensus: list[GroupStatement] = field(default_factory=list)
    sizes: SuppressedCounts | None = None
    map_data: dict[str, Any] = field(default_factory=dict)


def statement_key(text: str) -> str:
    """One statement per text: the same words seeded in two workshops (or offered by two apps)
    are one statement for the opinion groups, whatever their case, spacing or Unicode form
    (the core's `same_words`)."""
    return same_words(text)


def statement_votes(
    session: Session, registry: Registry, consultation: Consultation, visible: set[int]
) -> tuple[list[tuple[int, str, int]], dict[str, str]]:
    """(participant, statement, vote) of the people who allow analysis, in the contexts the
    reader may see, from every app's `vote_sources`, and each statement's text as first offered.
    Statements with the same text are one (`statement_key`): their votes are pooled, and a person
    who voted on both keeps the vote offered last, as a later vote replaces an earlier one."""
    allowed = analysable(session, consultation.id)  # type: ignore[arg-type]
    votes: list[tuple[int, str, int]] = []
    texts: dict[str, str] = {}
    for source in registry.vote_sources:
        for item in source(session, consultation.id) or ():  # type: ignore[arg-type]
            if item.participant_id not in allowed or item.context_id not in visible or item.vote not in (-1, 0, 1):
                continue
            key = statement_key(item.statement_text) or f"{item.source}|{item.statement}"
            votes.append((item.participant_id, key, item.vote))
            texts.setdefault(key, item.statement_text)
    return votes, texts


def shown_groups(group_sizes: dict[int, int], k: int) -> tuple[list[int], SuppressedCounts]:
    """The groups that may be shown (numbered 1.. in this order) and their sizes, suppressed:
    a group of fewer than k people is not shown at all, nor one hidden to protect it."""
    sizes = suppress_counts({g: n for g, n in sorted(group_sizes.items())}, k)
    return [g for g, c in sizes.cells.items() if not c.suppressed], sizes  # type: ignore[misc]


def _statement(text: str, direction: str, n_success: int, n_trials: int, k: int) -> GroupStatement:
    voters = suppress_counts({"voters": n_trials}, k, with_total=False).cells["voters"]
    percent = None if voters.suppressed else round(100 * n_success / max(1, n_trials))
    return GroupStatement(text, direction, percent, voters)


def opinion_report(
    session: Session, registry: Registry, consultation: Consultation, visible: set[int], gettext: Callable[[str], str]
) -> OpinionReport | None:
    """None when the consultation has no statement votes the reader may see."""
    k = k_for(consultation)
    votes, texts = statement_votes(session, registry, consultation, visible)
    if not votes:
        return None
    # Statements are what people wrote too: screened, and a held one is never shown.
    shown_text: dict[str, str] = {}
    for key, text in texts.items():
        screened = screen_for(session, consultation.id, text, None)
        if not screened.held and not screened.disclosure:
            shown_text[key] = screened.text
    result = opinion_groups(votes)
    report = OpinionReport(k=k, statements=len(texts))
    shown, sizes = shown_groups(result.group_sizes, k)
    report.sizes = sizes
    report.hidden_groups = len(shown) < len(sizes.cells)
    traces = []
    for number, group in enumerate(shown, start=1):
        og = OpinionGroup(number=number, size=sizes.cells[group])
        for rep in result.repness.get(group, [])[: REPRESENTATIVE_PER_GROUP]:
            if rep.statement in shown_text:
                og.statements.append(_statement(shown_text[rep.statement], rep.direction, rep.n_success, rep.n_trials, k))  # type: ignore[index]
        report.groups.append(og)
        members = [p for p, g in result.groups.items() if g == group]
        traces.append(
            {
                "name": gettext("Group %(n)s") % {"n": number},
                "x": [round(result.projection[p][0], 3) for p in members if p in result.projection],
                "y": [round(result.projection[p][1], 3) for p in members if p in result.projection],
            }
        )
    for c in result.consensus[:CONSENSUS_SHOWN]:
        if c.statement in shown_text:
            report.consensus.append(_statement(shown_text[c.statement], c.direction, c.n_success, c.n_trials, k))  # type: ignore[index]
    report.map_data = {"id": "opinion-map", "traces": traces}
    return report
