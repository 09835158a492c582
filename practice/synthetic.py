"""Synthetic card sorts drawn from known preferences, for the benchmark and the tests.

Each young person's view of a card is a latent score: the card's shared score (the kind of
data, the user and the purpose, as young people everywhere see them) plus the context's own
leaning, plus logistic noise. Under -THRESHOLD they say "not fine", over +THRESHOLD "fine", in
between "it depends"; so the true probability of each answer is known exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from practice.model import Observation

THRESHOLD = 0.6
KINDS = {"school_records": 0.6, "location": -1.0, "health": -0.4, "online": -0.6, "identity": -0.3, "family": 0.0}
USERS = {"ministry": 0.4, "tech_company": -1.2, "un_agency": 0.9, "school": 0.7}
PURPOSES = {"send_help": 1.4, "advertise": -1.6, "research": 0.5}
SAFEGUARD_EFFECT = {"consent": 0.9, "anonymised": 0.6, "agreement": 0.3, "deleted_after_use": 0.4}
RETENTION_EFFECT = {"1m": 0.5, "1y": 0.2, "5y": -0.4, "unlimited": -0.8}
AGE_EFFECT = {"13-15": -0.2, "16-17": 0.0, "18-20": 0.1, "21-24": 0.2}


@dataclass(frozen=True)
class World:
    """The known preferences: a shared score per code, and each context's leanings."""

    contexts: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # context -> {"user=tech_company": -0.5, ...}

    def score(self, context: str, age_band: str | None, kind: str, user: str, purpose: str, safeguards: Sequence[str] = (), retention: str | None = None) -> float:
        lean = self.contexts.get(context, {})
        s = KINDS[kind] + USERS[user] + PURPOSES[purpose] + AGE_EFFECT.get(age_band or "", 0.0)
        s += sum(SAFEGUARD_EFFECT[g] for g in safeguards) + (RETENTION_EFFECT[retention] if retention else 0.0)
        s += lean.get(f"kind={kind}", 0.0) + lean.get(f"user={user}", 0.0) + lean.get(f"purpose={purpose}", 0.0) + lean.get("all", 0.0)
        return s

    def truth(self, context: str, age_band: str | None, kind: str, user: str, purpose: str, safeguards: Sequence[str] = (), retention: str | None = None) -> tuple[float, float, float]:
        """(not fine, depends, fine) probabilities."""
        s = self.score(context, age_band, kind, user, purpose, safeguards, retention)
        fine = 1 / (1 + math.exp(-(s - THRESHOLD)))
        not_fine = 1 - 1 / (1 + math.exp(-(s + THRESHOLD)))
        return not_fine, 1 - fine - not_fine, fine


DEFAULT_WORLD = World(
    contexts={
        "north": {"user=tech_company": -0.8, "kind=location": -0.4},
        "south": {"user=ministry": -0.9, "purpose=research": 0.5},
        "camp": {"kind=identity": -1.0, "user=un_agency": 0.4},
        "tiny": {"user=tech_company": -0.5},
    }
)

ALL_CARDS = [(k, u, p) for k in KINDS for u in USERS for p in PURPOSES]


def draw(
    world: World, sizes: Mapping[str, int], *, cards_per_person: int = 12, seed: int = 0, conditions: float = 0.3
) -> list[Observation]:
    """Card sorts of `sizes[context]` young people each. A share `conditions` of the answers are
    survey questions naming a safeguard or a retention period."""
    rng = np.random.default_rng(seed)
    bands = list(AGE_EFFECT)
    out: list[Observation] = []
    for context, n in sizes.items():
        for person in range(n):
            band = bands[int(rng.integers(0, len(bands)))]
            picks = rng.choice(len(ALL_CARDS), size=min(cards_per_person, len(ALL_CARDS)), replace=False)
            for index in picks:
                kind, user, purpose = ALL_CARDS[int(index)]
                safeguards: tuple[str, ...] = ()
                retention = None
                if rng.random() < conditions:
                    if rng.random() < 0.5:
                        safeguards = (list(SAFEGUARD_EFFECT)[int(rng.integers(0, len(SAFEGUARD_EFFECT)))],)
                    else:
                        retention = list(RETENTION_EFFECT)[int(rng.integers(0, len(RETENTION_EFFECT)))]
                latent = world.score(context, band, kind, user, purpose, safeguards, retention) + rng.logistic()
                answer = "not_fine" if latent < -THRESHOLD else ("fine" if latent > THRESHOLD else "depends")
                out.append(Observation(f"{context}-{person}", context, band, kind, user, purpose, answer, frozenset(safeguards), retention))
    return out
