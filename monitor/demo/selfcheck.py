"""Compare what a crawl of the demo campus stored with the campus's ground truth.

`xxgk demo` ends with this check, so a run on any machine says whether the whole chain
(server → crawler → store → statistics) still gives exactly the known answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from monitor.demo.model import DemoCampus
from monitor.demo.truth import expected_counts, expected_outcomes


def mismatches(
    campus: DemoCampus,
    *,
    outcomes: Mapping[tuple[str, str], str],
    counts: Mapping[str, int],
    start: dt.date,
    end: dt.date,
) -> list[str]:
    """One line per column outcome or site count that differs from the ground truth."""
    found = [
        f"{site}/{column}: outcome {outcomes.get((site, column), 'missing')}, expected {want}"
        for (site, column), want in expected_outcomes(campus).items()
        if outcomes.get((site, column)) != want
    ]
    truth = expected_counts(campus, start, end)
    found += [
        f"{site.id}: {counts.get(site.id, 0)} items in {start}..{end}, expected {truth.get(site.id, 0)}"
        for site in campus.sites()
        if counts.get(site.id, 0) != truth.get(site.id, 0)
    ]
    return found
