"""Benchmark of the personal-data scan (issue 12): detector throughput, PDF engines, memory, and
the time a scan adds to a crawl of the demo campus's 教务处 site.

    .venv/bin/python bench/bench_scan.py

Prints one JSON document; the figures go into bench/README.md with the machine noted.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.content import documents  # noqa: E402
from crawler.content.documents import read_document  # noqa: E402
from crawler.content.pii import scan_text  # noqa: E402
from monitor.demo import DemoServer, build_campus, demo_config_yaml  # noqa: E402

PDFS = [
    Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"),
    Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
]


def _best(run, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def pages() -> dict[str, float]:
    """Real article pages (bench/pages/articles): HTML read + scanned, MB/s of HTML and of text."""
    bodies = [p.read_bytes() for p in sorted((ROOT / "bench" / "pages" / "articles").glob("*.html"))]
    bodies = bodies * 20
    html_mb = sum(len(b) for b in bodies) / 2**20
    docs = [read_document(b, content_type="text/html") for b in bodies]
    text = "\n".join(t for d in docs for _, t in d.texts)
    text_mb = len(text.encode("utf-8")) / 2**20
    read = _best(lambda: [read_document(b, content_type="text/html").hits() for b in bodies])
    detect = _best(lambda: scan_text(text))
    return {
        "pages": len(bodies),
        "html_MB": round(html_mb, 2),
        "pages_per_s": round(len(bodies) / read, 1),
        "html_MB_per_s": round(html_mb / read, 2),
        "text_MB": round(text_mb, 2),
        "detector_text_MB_per_s": round(text_mb / detect, 2),
    }


def _pdf_texts(body: bytes, engine: str) -> list[str]:
    return [text for _, text in documents.pdf_pages(body, engine=engine)]


def pdf_engines() -> dict[str, object]:
    """Pages per second of PDFium and pypdf on the same files, and the characters each reads."""
    found: dict[str, object] = {}
    for path in (p for p in PDFS if p.exists()):
        body = path.read_bytes()
        row: dict[str, object] = {"bytes": len(body)}
        for engine in ("pdfium", "pypdf"):
            texts = _pdf_texts(body, engine)
            seconds = _best(lambda body=body, engine=engine: _pdf_texts(body, engine), repeat=2)
            chars = sum(len(t) for t in texts)
            row[engine] = {"pages": len(texts), "pages_per_s": round(len(texts) / seconds, 1), "chars": chars}
        found[path.name] = row
    return found


def crawl_and_scan() -> dict[str, float]:
    """Wall time of `xxgk crawl --site jwc` and of `xxgk scan --all --site jwc` (every item: a
    backfill; a night scans only the new ones) on the demo campus over loopback."""
    campus = build_campus(today=dt.date(2026, 11, 26))
    with DemoServer(campus) as server, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "demo.yaml"
        checklist = str(ROOT / "config" / "checklist.yaml")
        config.write_text(
            demo_config_yaml(campus, port=server.port, checklist_path=checklist), encoding="utf-8"
        )
        db = f"sqlite:///{tmp}/demo.db"
        xxgk = [str(ROOT / ".venv" / "bin" / "xxgk"), "--config", str(config), "--db", db]
        times = {}
        for name, args in (
            ("crawl_s", ["crawl", "--site", "jwc"]),
            ("scan_all_s", ["scan", "--all", "--site", "jwc"]),
        ):
            start = time.perf_counter()
            out = subprocess.run([*xxgk, *args], capture_output=True, text=True, cwd=tmp, check=True)
            times[name] = round(time.perf_counter() - start, 2)
            times[name.replace("_s", "_out")] = out.stdout.strip().splitlines()[0][:120]
        campus.publish("jwc", "tzgg", 5, on=dt.date(2026, 11, 26))
        start = time.perf_counter()
        subprocess.run([*xxgk, "crawl", "--site", "jwc"], capture_output=True, cwd=tmp, check=True)
        times["nightly_crawl_s"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        out = subprocess.run(
            [*xxgk, "scan", "--site", "jwc"], capture_output=True, text=True, cwd=tmp, check=True
        )
        times["nightly_scan_s"] = round(time.perf_counter() - start, 2)
        times["nightly_scan_out"] = out.stdout.strip().splitlines()[0][:120]
    return times


if __name__ == "__main__":
    result = {"pages": pages(), "pdf": pdf_engines()}
    result["peak_rss_MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["demo_jwc"] = crawl_and_scan()
    print(json.dumps(result, ensure_ascii=False, indent=1))
