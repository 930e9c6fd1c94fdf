"""Hypothesis profiles for the fuzz tests: bounded in CI, larger on demand.

- ``fuzz`` (the default): a bounded number of examples per test, so the whole fuzz suite takes
  seconds on CI's two cores; with ``CI=true`` it is derandomized (every CI run tries the same
  examples, so a red run is reproducible) and keeps no example database.
- ``dev``: many more examples, for a hunt by hand: ``HYPOTHESIS_PROFILE=dev .venv/bin/pytest tests/fuzz``.

Outside CI, failing examples are kept in a database in the system's temporary folder (not in the
work tree), so a rerun starts from the last failure. ``deadline=None`` everywhere: a page parsed
on a busy machine may take longer than Hypothesis's default 200 ms without being a bug; hangs are
bounded by the example counts and the sizes of the generated inputs instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
_DATABASE = None if IN_CI else DirectoryBasedExampleDatabase(Path(tempfile.gettempdir()) / "xxgk-hypothesis")
_COMMON = {
    "deadline": None,
    "database": _DATABASE,
    "print_blob": True,
    # Mutated pages are big and slow to make by design; the sizes are bounded by the strategies.
    "suppress_health_check": (HealthCheck.too_slow, HealthCheck.data_too_large),
}

settings.register_profile("fuzz", max_examples=60, derandomize=IN_CI, **_COMMON)
settings.register_profile("dev", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
