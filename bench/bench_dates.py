"""Time crawler.dates.parse() over the test table ×1000 and print calls per second.

Run by hand: ``.venv/bin/python bench/bench_dates.py``. A compiled-regex normaliser should stay
well above 100,000 calls/s on one core; dateparser manages about 1,000.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import yaml

from crawler.dates import parse

TABLE = Path(__file__).resolve().parents[1] / "tests" / "crawler" / "date_cases.yaml"
ROUNDS = 1000


def main() -> None:
    table = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    today = dt.date.fromisoformat(table["today"])
    texts = [case["text"] for case in table["parse"]]
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for text in texts:
            parse(text, today=today)
    elapsed = time.perf_counter() - started
    calls = ROUNDS * len(texts)
    print(
        f"parse(): {calls} calls in {elapsed:.2f} s = {calls / elapsed:,.0f} calls/s ({len(texts)} strings)"
    )


if __name__ == "__main__":
    main()
