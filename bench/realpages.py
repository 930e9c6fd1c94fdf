"""List and article extraction measured on real saved pages with hand labels.

    .venv/bin/python bench/realpages.py [--pages DIR]... [--write] [--verbose]

The pages: ``../shared/realpages`` (real pages saved by others, labelled by hand: see its
README) and ``bench/pages`` (more real pages this project found, with their source and licence:
see its README), unless ``--pages`` names others. Each page is read exactly as ``xxgk extract``
reads it (:func:`crawler.extract_run.read_list` / :func:`~crawler.extract_run.read_article`),
with the page's labelled URL as its URL and its ``saved_on`` day as the crawl's "today".

Lists, read with ``cms: auto`` (and again with the labelled family where the project has one):

- rows labelled / found / matched: a found row matches the labelled row with the same canonical
  URL; recall = matched / labelled, precision = matched / found;
- titles right: the matched row's title equals the label's (whitespace collapsed);
- dates right: among labelled rows that the list dates (``date`` not null), the matched row's
  date equals the label. A row the list shows no date for is counted apart ("undated rows"):
  the crawler dates it from its URL or its article, which the label cannot say.

Totals are given with and without the long archive tables (lists of more than 200 rows).

Articles: the extracted date against the label: exact, none (no date: the honest answer when
unsure) or wrong; and htmldate's ``find_date`` (original date, the page's URL) on the same page.

``--write`` puts the tables into bench/README.md (its "Real pages" section). Exit status 1 when a
page cannot be read at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import sections  # noqa: E402
from crawler.extract_run import LIST_FAMILIES, read_article, read_list  # noqa: E402
from crawler.urls import canonical  # noqa: E402

DEFAULT_DIRS = (ROOT.parent / "shared" / "realpages", ROOT / "bench" / "pages")
ARCHIVE_ROWS = 200  # a list of more rows is a long archive table


@dataclass
class ListScore:
    name: str
    cms: str
    profile: str = ""
    labelled: int = 0
    found: int = 0
    matched: int = 0
    titles_right: int = 0
    dated_labels: int = 0
    dates_right: int = 0
    undated_labels: int = 0
    undated_dated: int = 0  # labelled undated, dated by us (URL): not judged
    misses: list[str] = field(default_factory=list)

    @property
    def archive(self) -> bool:
        return self.labelled > ARCHIVE_ROWS

    def add(self, other: ListScore) -> None:
        for key in ("labelled", "found", "matched", "titles_right", "dated_labels", "dates_right"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        self.undated_labels += other.undated_labels
        self.undated_dated += other.undated_dated


@dataclass
class ArticleScore:
    name: str
    label: str
    ours: str | None
    source: str | None
    htmldate: str | None

    @staticmethod
    def verdict(found: str | None, label: str) -> str:
        return "none" if found is None else "exact" if found == label else "wrong"


def collapse(text: str) -> str:
    return " ".join(text.split())


def pages(dirs: Iterable[Path], kind: str) -> Iterator[tuple[str, dict[str, Any], bytes]]:
    for folder in dirs:
        for label in sorted((folder / kind).glob("*.json")):
            meta = json.loads(label.read_text(encoding="utf-8"))
            html = label.with_suffix(".html")
            yield f"{folder.name}/{label.stem}", meta, html.read_bytes()


def saved_on(meta: dict[str, Any]) -> dt.date:
    """The crawl's "today" for a page: the day it was saved, or today when nobody noted it."""
    return dt.date.fromisoformat(meta["saved_on"]) if meta.get("saved_on") else dt.date.today()


def score_list(name: str, meta: dict[str, Any], body: bytes, *, cms: str, verbose: bool) -> ListScore:
    url = meta["url"]
    response = HtmlResponse(url=url, body=body)
    got = read_list(response, cms=cms, today=saved_on(meta))
    score = ListScore(name=name, cms=cms, profile=got["profile"])
    found = {row["url"]: row for row in got["rows"]}
    score.labelled, score.found = len(meta["rows"]), len(found)
    for label in meta["rows"]:
        key = canonical(label["href"], base=url) or label["href"]
        row = found.get(key)
        if label["date"] is None:
            score.undated_labels += 1
        else:
            score.dated_labels += 1
        if row is None:
            score.misses.append(f"missed   {label['title'][:40]} {key}")
            continue
        score.matched += 1
        if collapse(row["title"]) == collapse(label["title"]):
            score.titles_right += 1
        elif verbose:
            score.misses.append(f"title    {row['title'][:50]!r} != {label['title'][:50]!r}")
        if label["date"] is None:
            score.undated_dated += row["date"] is not None
        elif row["date"] == label["date"]:
            score.dates_right += 1
        elif verbose:
            score.misses.append(f"date     {row['date']} ({row['date_source']}) != {label['date']} {key}")
    labelled = {canonical(label["href"], base=url) or label["href"] for label in meta["rows"]}
    score.misses += [
        f"extra    {row['title'][:40]} {key}" for key, row in found.items() if key not in labelled
    ]
    return score


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "—"


def list_table(scores: list[ListScore]) -> list[str]:
    head = "| page | cms | profile | labelled | found | matched | recall | precision | titles | dates |"
    lines = [head + " undated rows (dated by us) |", "|" + " --- |" * 11]
    for s in scores:
        lines.append(
            f"| {s.name}{' (archive)' if s.archive else ''} | {s.cms} | {s.profile} "
            f"| {s.labelled} | {s.found} "
            f"| {s.matched} | {ratio(s.matched, s.labelled)} | {ratio(s.matched, s.found)} "
            f"| {ratio(s.titles_right, s.matched)} | {ratio(s.dates_right, s.dated_labels)} "
            f"| {s.undated_labels} ({s.undated_dated}) |"
        )
    return lines


def folder(name: str) -> str:
    return name.split("/", 1)[0]


def groups(scores: list[Any]) -> list[tuple[str, list[Any]]]:
    """Each folder's pages on their own, then (with more than one folder) all of them."""
    folders = sorted({folder(s.name) for s in scores}, key=lambda f: (f != "realpages", f))
    found = [(f, [s for s in scores if folder(s.name) == f]) for f in folders]
    return [*found, ("all folders", scores)] if len(found) > 1 else found


def totals(scores: list[ListScore], *, label: str) -> list[str]:
    lines = ["| set | pages | labelled | found | matched | recall | precision | titles right | dates right |"]
    lines.append("|" + " --- |" * 9)
    for where, chosen_here in groups(scores):
        for title, chosen in (
            (f"{where}, {label}, all", chosen_here),
            (f"{where}, {label}, without archive tables", [s for s in chosen_here if not s.archive]),
        ):
            total = ListScore(name=title, cms="")
            for s in chosen:
                total.add(s)
            lines.append(
                f"| {title} | {len(chosen)} | {total.labelled} | {total.found} | {total.matched} "
                f"| {ratio(total.matched, total.labelled)} | {ratio(total.matched, total.found)} "
                f"| {ratio(total.titles_right, total.matched)} "
                f"| {ratio(total.dates_right, total.dated_labels)} |"
            )
    return lines


def score_article(name: str, meta: dict[str, Any], body: bytes) -> ArticleScore:
    import htmldate

    url = meta.get("url") or f"http://unknown.invalid/{name}"  # a few pages were saved without their URL
    response = HtmlResponse(url=url, body=body)
    saved = saved_on(meta)
    ours = read_article(response, today=saved)
    try:
        theirs = htmldate.find_date(
            response.text, url=meta.get("url"), original_date=True, max_date=saved.isoformat()
        )
    except Exception:
        theirs = None
    return ArticleScore(
        name=name, label=meta["date"], ours=ours["date"], source=ours["date_source"], htmldate=theirs
    )


def article_table(scores: list[ArticleScore]) -> list[str]:
    lines = ["| page | label | ours (source) | verdict | htmldate | verdict |", "|" + " --- |" * 6]
    for s in scores:
        lines.append(
            f"| {s.name} | {s.label} | {s.ours or '—'} ({s.source or '—'}) | {s.verdict(s.ours, s.label)} "
            f"| {s.htmldate or '—'} | {s.verdict(s.htmldate, s.label)} |"
        )
    return lines


def article_totals(scores: list[ArticleScore]) -> list[str]:
    lines = ["| pages | extractor | pages | exact | none | wrong | exact share |", "|" + " --- |" * 7]
    for where, chosen in groups(scores):
        for who, pick in (("xxgk (crawler.article)", _ours), ("htmldate find_date", _theirs)):
            verdicts = [ArticleScore.verdict(pick(s), s.label) for s in chosen]
            exact = verdicts.count("exact")
            lines.append(
                f"| {where} | {who} | {len(chosen)} | {exact} | {verdicts.count('none')} "
                f"| {verdicts.count('wrong')} | {ratio(exact, len(chosen))} |"
            )
    return lines


def _ours(score: ArticleScore) -> str | None:
    return score.ours


def _theirs(score: ArticleScore) -> str | None:
    return score.htmldate


def machine() -> str:
    """CPU count and model, Python, lxml and Scrapy versions (the extraction depends on them)."""
    import os
    import platform
    from importlib.metadata import version

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, lxml {version('lxml')}, "
        f"Scrapy {version('scrapy')}, htmldate {version('htmldate')}"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=Path, action="append", help="a folder with lists/ and articles/")
    p.add_argument("--write", action="store_true", help="write the tables into bench/README.md")
    p.add_argument("--verbose", action="store_true", help="print every miss, extra row, wrong title and date")
    args = p.parse_args()
    dirs = [d for d in (args.pages or DEFAULT_DIRS) if d.is_dir()]
    auto: list[ListScore] = []
    family: list[ListScore] = []
    for name, meta, body in pages(dirs, "lists"):
        auto.append(score_list(name, meta, body, cms="auto", verbose=args.verbose))
        if meta.get("family") in LIST_FAMILIES and meta["family"] != "auto":
            family.append(score_list(name, meta, body, cms=meta["family"], verbose=args.verbose))
    articles = [score_article(name, meta, body) for name, meta, body in pages(dirs, "articles")]
    out = [
        f"Folders: {', '.join(str(d.relative_to(ROOT.parent)) for d in dirs)}; run {dt.date.today()} "
        f"with `.venv/bin/python bench/realpages.py --write`.",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    out += ["Lists with `cms: auto`:", "", *list_table(auto), "", *totals(auto, label="auto"), ""]
    if family:
        out += [
            "Lists with their family set:",
            "",
            *list_table(family),
            "",
            *totals(family, label="family"),
            "",
        ]
    out += ["Articles:", "", *article_table(articles), "", *article_totals(articles)]
    print("\n".join(out))
    if args.verbose:
        for s in auto + family:
            for miss in s.misses:
                print(f"{s.name} [{s.cms}]: {miss}")
    if args.write:
        begin, end = "<!-- realpages: begin (generated) -->", "<!-- realpages: end -->"
        generated = "\n".join([begin, *out, end])
        sections.write(
            ROOT / "bench" / "README.md", generated, heading="## Real pages (issue #10)", begin=begin, end=end
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
