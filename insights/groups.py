"""The opinion groups of a consultation, for its page: statement votes read through every app's
`vote_sources` hook, grouped by the Polis method (`insights.opinion`), then cut down to what may
be shown: a group of fewer than k people is not shown at all (nor its people's places on the
map), sizes go through the small-numbers rule, and statements are screened like any text.

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
from baraza.disclosure import SuppressedCounts, k_for, suppress_counts
from baraza.registry import Registry
from insights.opinion import opinion_groups
from insights.texts import analysable

REPRESENTATIVE_PER_GROUP = 5
CONSENSUS_SHOWN = 5


@dataclass
class GroupStatement:
    text: str
    direction: str  # "agree" or "disagree"
    percent: int  # of the group (or of everyone, for consensus) who voted that way


@dataclass
class OpinionGroup:
    number: int  # 1, 2, ... as shown
    size: int
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


def opinion_report(
    session: Session, registry: Registry, consultation: Consultation, visible: set[int], gettext: Callable[[str], str]
) -> OpinionReport | None:
    """None when the consultation has no statement votes the reader may see."""
    k = k_for(consultation)
    allowed = analysable(session, consultation.id)  # type: ignore[arg-type]
    votes: list[tuple[int, str, int]] = []
    texts: dict[str, str] = {}
    for source in registry.vote_sources:
        for item in source(session, consultation.id) or ():  # type: ignore[arg-type]
            if item.participant_id not in allowed or item.context_id not in visible or item.vote not in (-1, 0, 1):
                continue
            votes.append((item.participant_id, f"{item.source}|{item.statement}", item.vote))
            texts.setdefault(f"{item.source}|{item.statement}", item.statement_text)
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
    sizes = suppress_counts({g: n for g, n in sorted(result.group_sizes.items())}, k)
    report.sizes = sizes
    shown = [g for g, c in sizes.cells.items() if not c.suppressed]
    report.hidden_groups = len(shown) < len(sizes.cells)
    traces = []
    for number, group in enumerate(shown, start=1):
        og = OpinionGroup(number=number, size=result.group_sizes[group])  # type: ignore[index]
        for rep in result.repness.get(group, [])[: REPRESENTATIVE_PER_GROUP]:  # type: ignore[call-overload]
            if rep.statement in shown_text:
                og.statements.append(GroupStatement(shown_text[rep.statement], rep.direction, round(100 * rep.n_success / max(1, rep.n_trials))))
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
            report.consensus.append(GroupStatement(shown_text[c.statement], c.direction, round(100 * c.n_success / max(1, c.n_trials))))
    report.map_data = {"id": "opinion-map", "traces": traces}
    return report
