"""bench/README.md is made of generated sections: each benchmark script replaces only its own."""

from __future__ import annotations

import os
import platform
from pathlib import Path

INTRO = """# Benchmarks

Benchmarks run on demand, not in CI; numbers are ratios against a baseline run in the same run
where possible. Each script's docstring says how to run it.
"""


def write(path: Path, generated: str, *, heading: str, begin: str, end: str) -> None:
    """Put `generated` (which starts with `begin` and ends with `end`) in place of the block between
    those markers; without the markers, under `heading`, or as a new section at the end."""
    text = path.read_text(encoding="utf-8") if path.exists() else INTRO
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + generated + rest.split(end, 1)[1]
    elif heading in text:
        head, rest = text.split(heading, 1)
        text = head + heading + "\n\n" + generated + "\n" + rest
    else:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{generated}\n"
    path.write_text(text, encoding="utf-8")


def machine() -> str:
    """Cores, CPU model and Python of this machine, for a benchmark's "Machine:" line."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown CPU",
    )  # fmt: skip
    return f"{os.cpu_count()} cores, {cpu}, CPython {platform.python_version()}"
