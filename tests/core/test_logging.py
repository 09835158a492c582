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
