"""Time Classifier.classify() over the labelled titles repeated to 200,000 and print titles per second.

Run by hand: ``.venv/bin/python bench/bench_classifier.py``. The nightly check classifies about
1,000,000 stored titles when Classifier.VERSION changes; the goal is at least 50,000 titles/s on
one core. Three passes; the best and the median rate are printed, by CPU time (``process_time``,
the one-core figure on a shared machine) and by wall clock. Construction (indexing the words,
asking OpenCC once if it is installed) is timed apart.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import yaml

from monitor.checklist import Classifier
from monitor.config import load_checklist

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "tests" / "checklist" / "labelled_titles.yaml"
TITLES = 200_000
PASSES = 3


def timed(classifier: Classifier, sample: list[tuple[str, str, str]]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and matched titles for one pass over `sample`."""
    wall, cpu = time.perf_counter(), time.process_time()
    matched = sum(bool(classifier.classify(t, host=h, column_kind=k)) for t, h, k in sample)
    return time.perf_counter() - wall, time.process_time() - cpu, matched


def main() -> None:
    rows = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    checklist = load_checklist(ROOT / "config" / "checklist.yaml")
    started = time.perf_counter()
    classifier = Classifier(checklist)
    built = time.perf_counter() - started
    cases = [(row["title"], row.get("host", ""), row.get("kind", "")) for row in rows]
    sample = list(itertools.islice(itertools.cycle(cases), TITLES))
    passes = [timed(classifier, sample) for _ in range(PASSES)]
    wall = sorted(TITLES / p[0] for p in passes)
    cpu = sorted(TITLES / p[1] for p in passes)
    print(
        f"Classifier v{Classifier.VERSION}: built in {built * 1000:.0f} ms "
        f"(OpenCC: {'yes' if classifier.traditional else 'no'}); {TITLES:,} titles ({len(rows)} distinct, "
        f"{passes[0][2] / TITLES:.0%} matched) x {PASSES} passes: best {cpu[-1]:,.0f} titles/s CPU "
        f"({wall[-1]:,.0f} wall), median {cpu[len(cpu) // 2]:,.0f} CPU ({wall[len(wall) // 2]:,.0f} wall)"
    )


if __name__ == "__main__":
    main()
