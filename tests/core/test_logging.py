"""Baraza's own log lines (the job worker's, the live updates') reach an operator's logs with
their time, level and source, as uvicorn's do: without them a warning that the database was out
of reach cannot be placed beside anything else."""

from __future__ import annotations

import logging
import re

from baraza.cli import configure_logging


def test_a_warning_carries_its_time_level_and_source_once(capsys):
    configure_logging()
    configure_logging()  # every process entry calls it; lines are still written once
    logging.getLogger("baraza.jobs").warning("the job worker could not reach the database (%s); trying again", "OperationalError")
    lines = [line for line in capsys.readouterr().err.splitlines() if "could not reach" in line]
    assert len(lines) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING baraza\.jobs: the job worker could not reach the database \(OperationalError\); trying again", lines[0])


def test_the_worker_says_when_the_database_is_back(app, caplog):
    """A database out of reach is logged; so is its return, or the operator reading the log
    cannot tell whether the outage is over."""
    from sqlalchemy.exc import OperationalError

    from baraza.jobs.worker import Worker

    state = app.state.baraza
    worker = Worker(state.engine, state.settings, state.registry, name="outage", poll_seconds=0.01)
    tries = iter([OperationalError("claim", {}, Exception("down")), None])

    def claim():
        outcome = next(tries, None)
        if isinstance(outcome, Exception):
            raise outcome
        worker.stopping.set()  # the second pass reached the database: enough
        return None

    worker.claim = claim  # type: ignore[method-assign]
    worker._last_maintenance = float("inf")  # no purge in this pass
    try:
        with caplog.at_level(logging.WARNING, logger="baraza.jobs"):
            worker._loop()
    finally:
        state.engine.dispose()  # no client ran the app's lifespan, which would close its connections
    said = [r.getMessage() for r in caplog.records if r.name == "baraza.jobs"]
    assert said == ["the job worker could not reach the database (OperationalError); trying again", "the job worker reaches the database again"]
