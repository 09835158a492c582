"""The model itself, on synthetic card sorts drawn from known preferences (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from practice import files
from practice.model import Practice, PracticeModel, assess, fit
from practice.synthetic import ALL_CARDS, DEFAULT_WORLD, draw

# The stated tolerance: over every card of the well-sampled contexts, the chance of "fine" the
# model gives is within 0.06 of the true one on average, and never off by more than 0.25.
MEAN_TOLERANCE = 0.06
MAX_TOLERANCE = 0.25


@pytest.fixture(scope="module")
def model() -> PracticeModel:
    observations = draw(DEFAULT_WORLD, {"north": 70, "south": 60, "tiny": 3}, seed=3, conditions=0.4)
    return fit(observations, contexts=["north", "south", "tiny", "empty"], bootstrap=8, seed=3)


def test_the_model_recovers_known_preferences_within_the_stated_tolerance(model: PracticeModel) -> None:
    errors = []
    for context in ("north", "south"):
        for card in ALL_CARDS:
            predicted = model.proba(model.space.row(context, "16-17", *card)[None, :])[0]
            errors.append(abs(predicted[2] - DEFAULT_WORLD.truth(context, "16-17", *card)[2]))
    assert np.mean(errors) <= MEAN_TOLERANCE
    assert np.max(errors) <= MAX_TOLERANCE


def test_it_learns_which_safeguards_and_periods_help(model: PracticeModel) -> None:
    base = Practice(("health",), ("ministry",), ("research",), retention="unlimited")
    plain = assess(model, base, "north")
    with_consent = assess(model, Practice(("health",), ("ministry",), ("research",), safeguards=frozenset({"consent"}), retention="unlimited"), "north")
    assert with_consent.fine > plain.fine + 0.05
    assert plain.changes and plain.changes[0].gain > 0
    assert ("safeguard", "consent") in [(c.part, c.code) for c in plain.changes]


def test_the_answer_names_what_weighs_against_and_brackets_itself(model: PracticeModel) -> None:
    a = assess(model, Practice(("location",), ("tech_company",), ("advertise",), retention="5y"), "north")
    assert a.verdict == "not_accept"
    assert {w.code for w in a.against} >= {"advertise", "tech_company"}
    assert a.interval[0] <= a.fine <= a.interval[1]
    assert not a.pooled


def test_a_context_without_answers_gets_the_pooled_answer_labelled(model: PracticeModel) -> None:
    a = assess(model, Practice(("location",), ("un_agency",), ("send_help",)), "empty")
    assert a.pooled and a.no_context_data
    tiny = assess(model, Practice(("location",), ("un_agency",), ("send_help",)), "tiny")
    assert tiny.pooled and not tiny.no_context_data  # three young people: it leans on the others
    assert model.contexts["tiny"]["people"] == 3 and model.contexts["tiny"]["pooled"]


def test_pooling_pulls_a_tiny_context_towards_everyone(model: PracticeModel) -> None:
    """The tiny context's own three people would give a noisy answer; with pooling its answer
    stays near the pooled one."""
    for card in ALL_CARDS[:12]:
        tiny = model.proba(model.space.row("tiny", "16-17", *card)[None, :])[0][2]
        pooled = model.proba(model.space.row(None, "16-17", *card)[None, :])[0][2]
        assert abs(tiny - pooled) < 0.2


def test_the_model_survives_its_file_and_a_tampered_file_is_refused(model: PracticeModel) -> None:
    data = files.sign({"model": model.to_dict(), "version": 1}, "secret-one")
    again = PracticeModel.from_dict(files.verify(data, "secret-one")["model"])
    x = model.space.row("north", "16-17", "health", "ministry", "research")[None, :]
    assert np.allclose(again.proba(x), model.proba(x), atol=1e-4)
    with pytest.raises(files.ModelFileError, match="signature"):
        files.verify(data, "another-secret")
    tampered = data.replace(b'"people": 133', b'"people": 999')
    assert tampered != data
    with pytest.raises(files.ModelFileError, match="signature"):
        files.verify(tampered, "secret-one")
    with pytest.raises(files.ModelFileError):
        files.verify(b"not json", "secret-one")


def test_an_age_band_the_model_never_heard_is_named_unknown_not_silently_all_ages(model: PracticeModel) -> None:
    card = (("location",), ("tech_company",), ("advertise",))
    assert "age=18-20" not in assess(model, Practice(*card, age_bands=("18-20",)), "north").unknown
    a = assess(model, Practice(*card, age_bands=("15-17",)), "north")
    assert "age=15-17" in a.unknown
