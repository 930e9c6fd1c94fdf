"""Fuzz monitor.config: a mutated config or checklist file loads, or fails with a one-line ConfigError.

The mutations start from the shipped ``config/hit.yaml`` and ``config/checklist.yaml``: edits of
the text (characters deleted, doubled or cut, YAML syntax and control characters inserted), and
edits of the parsed document (a value replaced by any YAML value, a key dropped or added) dumped
back to YAML. Whatever the file holds, no other exception and no multi-line message may come out.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import load_checklist, load_config
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
HIT = (ROOT / "config" / "hit.yaml").read_text(encoding="utf-8")
CHECKLIST = (ROOT / "config" / "checklist.yaml").read_text(encoding="utf-8")

_SNIPPETS = [
    ": ", "- ", "-", ":", "? ", "{", "}", "[", "]", ",", "&a ", "*a", "*b", "<<: *a\n", "!!binary ", "!!set ",
    "!!python/object/apply:os.system ['true'] ", "!!timestamp ", "!!float ", "%YAML 1.1\n", "---\n", "...\n",
    "\t", "\n", "\r", "\x00", "\x07", "\ufeff", "\u2028", "\x85", '"\\x00"', '"a\\nb"', "'", '"', "#", "|\n",
    ">-\n", "  ", "~", "null", ".nan", ".inf", "-.inf", "1e400", "0x_", "0o7", "9" * 50, "2022-02-30",
    "2022-09-01 10:00:00", "=", "@", "`",
]  # fmt: skip


@st.composite
def _text_edits(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with a few characters deleted, doubled, cut off or inserted, as bytes (sometimes
    not valid UTF-8)."""
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=at, max_value=min(len(text), at + 200)))
        edit = draw(st.sampled_from(["delete", "duplicate", "truncate", "insert", "text"]))
        if edit == "delete":
            text = text[:at] + text[end:]
        elif edit == "duplicate":
            text = text[:end] + text[at:end] + text[end:]
        elif edit == "truncate":
            text = text[:at]
        else:
            noise = draw(st.sampled_from(_SNIPPETS) if edit == "insert" else st.text(max_size=10))
            text = text[:at] + noise + text[at:]
    body = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        at = draw(st.integers(min_value=0, max_value=len(body)))
        body = body[:at] + b"\xff\xfe\xc3" + body[at:]
    return body


_KEYS = st.one_of(
    st.sampled_from(["id", "name", "url", "cms", "kind", "checklist", "timezone", "crawl", "columns", "api"]),
    st.text(max_size=12),
    st.integers(),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(
        ["auto", "jsonapi", "", "America", "Asia/../etc", "a" * 300, "checklist.yaml", "*/0 * * * *"]
    ),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


def _places(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The key paths of every value in a parsed document."""
    found = [path]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found += _places(value, (*path, key))
    return found


@st.composite
def _document_edits(draw: st.DrawFn, text: str) -> bytes:
    """``text`` parsed, with a few values replaced, keys dropped or added, and dumped back."""
    data = yaml.safe_load(text)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(_places(data)))
        if not path:
            continue
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        edit = draw(st.sampled_from(["replace", "drop", "add"]))
        if edit == "replace":
            parent[path[-1]] = draw(_VALUES)
        elif edit == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(_KEYS)] = draw(_VALUES)
        else:
            parent.append(draw(_VALUES))
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")


def _one_line(error: ConfigError) -> None:
    message = str(error)
    assert message, "an empty message"
    assert len(message.splitlines()) == 1, f"a message of several lines: {message!r}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the shipped checklist (the mutated configs name it relatively)."""
    path = tmp_path_factory.mktemp("config")
    shutil.copy(ROOT / "config" / "checklist.yaml", path / "checklist.yaml")
    return path


#: Files that fuzzing found to raise something else than a one-line ConfigError (issue 11).
FOUND = {
    "a list as a key": b"? [a]\n: b\n",
    "a NUL character (PyYAML's reader error spans two lines)": b"a: \x00\n",
    "a key holding a line break": b'"a\\nb": 1\n',
    "a NUL in the checklist's path": b'checklist: "check\\0list.yaml"\n',
    "a line break in the checklist's path": b'checklist: "check\\nlist.yaml"\n',
    "lists nested deeper than Python recurses": b"a: " + b"[" * 1500 + b"]" * 1500 + b"\n",
    "a time zone that is a folder of time zones": b"checklist: checklist.yaml\ninstitution: {timezone: Asia}",
    "a time zone too long for a file name": b"checklist: checklist.yaml\ninstitution: {timezone: "
    + b"a" * 300
    + b"}\n",
}


@pytest.mark.parametrize("body", FOUND.values(), ids=FOUND.keys())
def test_what_fuzzing_found_gives_one_line(folder: Path, body: bytes) -> None:
    path = folder / "found.yaml"
    path.write_bytes(body)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    _one_line(raised.value)


@given(body=st.one_of(_text_edits(HIT), _document_edits(HIT)))
def test_a_mutated_config_loads_or_gives_one_line(folder: Path, body: bytes) -> None:
    path = folder / "hit.yaml"
    path.write_bytes(body)
    try:
        load_config(path)
    except ConfigError as error:
        _one_line(error)


# Half the examples: a broken 30 KB checklist is parsed twice, the second time in pure Python.
@settings(max_examples=max(1, settings.default.max_examples // 2))
@given(body=st.one_of(_text_edits(CHECKLIST), _document_edits(CHECKLIST)))
def test_a_mutated_checklist_loads_or_gives_one_line(folder: Path, body: bytes) -> None:
    path = folder / "mutated-checklist.yaml"
    path.write_bytes(body)
    try:
        load_checklist(path)
    except ConfigError as error:
        _one_line(error)
