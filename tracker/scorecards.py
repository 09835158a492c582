"""Youth scorecards beside a stakeholder's claim: how the young people rate a commitment.

Ratings come from whichever app holds them through the core's `rating_sources` hook (surveys'
scorecards today), never from an import. Everything shown obeys the small-numbers rule of the
consultation: a (context, age band) cell of fewer than k people shows neither its count nor its
average, secondary suppression hides what totals would give away, and reasons are shown only when
k people or more rated at all (a handful of sentences could single a small group out).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from baraza.accounts.models import Context
from baraza.consultations.models import Consultation
from baraza.db import registry_of
from baraza.disclosure import SuppressedTable, suppress_table
from baraza.participation.models import Participant
from baraza.refs import Ref
from baraza.registry import RatingItem
from tracker.models import Commitment

NO_BAND = "unknown"
MAX_REASONS = 8


@dataclass
class Scorecard:
    k: int
    people: int  # the true count: compare with k, never render it below k
    scale: tuple[int, int] | None
    table: SuppressedTable | None
    contexts: list[tuple[int | None, str]] = field(default_factory=list)
    bands: list[str] = field(default_factory=list)
    means: dict[tuple[int | None, str], float] = field(default_factory=dict)
    row_means: dict[int | None, float] = field(default_factory=dict)
    mean: float | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.people >= self.k


def ratings_of(session: Session, subject: Ref) -> list[RatingItem]:
    items: list[RatingItem] = []
    for source in registry_of(session).rating_sources:
        items.extend(source(session, subject))
    return items


def scorecard_of(session: Session, commitment: Commitment) -> Scorecard:
    consultation = session.get(Consultation, commitment.consultation_id)
    k = consultation.k_threshold if consultation else 5
    items = ratings_of(session, Ref("tracker.commitment", commitment.id))
    if not items:
        return Scorecard(k=k, people=0, scale=None, table=None)
    # One rating per person: their latest (a person answering two scorecard questions about the
    # same commitment is one person, counted once, with the average of their ratings).
    per_person: dict[int, list[RatingItem]] = defaultdict(list)
    for item in items:
        per_person[item.participant_id].append(item)
    bands = dict(session.exec(select(Participant.id, Participant.age_band).where(col(Participant.id).in_(list(per_person)))).all())
    scale = (min(i.scale_min for i in items), max(i.scale_max for i in items))
    counts: dict[tuple[int | None, str], int] = defaultdict(int)
    sums: dict[tuple[int | None, str], float] = defaultdict(float)
    for person, rated in per_person.items():
        key = (rated[-1].context_id, bands.get(person) or NO_BAND)
        counts[key] += 1
        sums[key] += sum(r.rating for r in rated) / len(rated)
    context_ids = sorted({c for c, _ in counts if c is not None})
    names = dict(session.exec(select(Context.id, Context.name).where(col(Context.id).in_(context_ids))).all()) if context_ids else {}
    contexts: list[tuple[int | None, str]] = [(c, names.get(c, "")) for c in context_ids] + ([(None, "")] if any(c is None for c, _ in counts) else [])
    band_list = sorted({b for _, b in counts}, key=lambda b: (b == NO_BAND, b))
    table = suppress_table(dict(counts.items()), k=k, rows=[c for c, _ in contexts], columns=band_list)  # items(): typed as any hashable keys
    means = {key: sums[key] / n for key, n in counts.items() if n and not table.cell(*key).suppressed}
    row_means = {}
    for context_id, _ in contexts:
        n = sum(v for (c, _b), v in counts.items() if c == context_id)
        if n and not table.row_total(context_id).suppressed:
            row_means[context_id] = sum(v for (c, _b), v in sums.items() if c == context_id) / n
    people = len(per_person)
    card = Scorecard(k=k, people=people, scale=scale, table=table, contexts=contexts, bands=band_list, means=means, row_means=row_means)
    if people >= k:
        card.mean = sum(sums.values()) / people
        card.reasons = _distinct([i.reason for i in reversed(items) if i.reason])[:MAX_REASONS]
    return card


def _distinct(reasons: list[str]) -> list[str]:
    """Each reason once (the newest first), however its spaces and capitals differ: the same
    words from several people, or from one person answering two questions, are quoted once."""
    seen: set[str] = set()
    out: list[str] = []
    for reason in reasons:
        key = " ".join(reason.split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append(reason)
    return out
