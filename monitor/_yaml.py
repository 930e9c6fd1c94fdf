"""Strict YAML reading and one-line descriptions of validation errors, for `monitor.config`.

PyYAML silently keeps the last of two equal keys; a config with a key written twice is almost
always a mistake, so this loader rejects it with the line number.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from monitor.errors import ConfigError


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys in a mapping."""


_STR = "tag:yaml.org,2002:str"


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR:
            key: Any = key_node.value  # what the str constructor returns, without its call per key
        else:
            key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):  # ? [a] or {[a]: b}: PyYAML's own check comes too late here
            raise yaml.constructor.ConstructorError(
                None, None, f"a {type(key).__name__} cannot be a key", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _FastStrictLoader(getattr(yaml, "CSafeLoader", _StrictLoader)):  # type: ignore[misc]
    """The same on libyaml's parser, about 20 times faster (configs are read by every command)."""


_FastStrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        # Parse again in pure Python: the error is then PyYAML's, worded the same on every machine.
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


#: The largest YAML file read: the 35 sites of HIT take 14 KB, a regulator's largest institution
#: well under a megabyte; a bigger file is a mistake, not a config.
MAX_BYTES = 4 * 1024 * 1024


def load_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file whose top level is a mapping; every failure is a one-line ConfigError."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(f"{path}: {size:,} bytes, more than a config file may hold ({MAX_BYTES:,})")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = _parse(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"{path}: invalid YAML: {where}{exc.problem}") from None
    except yaml.reader.ReaderError as exc:  # NUL and most control characters: YAML refuses them
        code = f" (U+{exc.character:04X})" if isinstance(exc.character, int) else ""
        raise ConfigError(f"{path}: invalid YAML: character {exc.position + 1}: {exc.reason}{code}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:  # PyYAML builds nested values recursively; libyaml stops at 1000 levels
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """'; did you mean X?' for the closest choice, or ''."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def key_path(loc: tuple[int | str, ...]) -> str:
    """('campuses', 0, 'sites', 3, 'cms') -> 'campuses[0].sites[3].cms'."""
    out = ""
    for part in loc:
        if isinstance(part, str) and not part.isprintable():  # a key with a line break stays on one line
            part = repr(part)
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _got(value: object) -> str:
    if isinstance(value, dict | list | tuple):
        return f" (got a {type(value).__name__})"
    text = repr(value)
    return f" (got {text[:60]}{'…' if len(text) > 60 else ''})"


_MESSAGES = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a mapping of keys",
    "model_type": "expected a mapping of keys",
    "model_attributes_type": "expected a mapping of keys",
    "string_too_short": "expected a non-empty string",
}


def _message(error: ErrorDetails) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        return f"expected one of {', '.join(choices)}{_got(value)[:-1]}{did_you_mean(value, choices)})"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "too_short":
        return "expected at least one entry"
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"expected at most {limit} characters (got {len(str(value)):,})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in _MESSAGES:
        return _MESSAGES[kind] + ("" if kind == "missing" else _got(value))
    return str(error["msg"]).replace("Input should be", "expected") + _got(value)


def describe(path: Path, exc: ValidationError) -> str:
    """One line for the first validation error, naming file and key path."""
    # pydantic adds "too short" to a list whose only entry failed: a consequence, not a problem
    errors = [
        e for e in exc.errors(include_url=False) if not (e["type"] == "too_short" and e.get("input"))
    ] or exc.errors(include_url=False)
    first = errors[0]
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{path}: {key_path(first['loc'])}: {_message(first)}{more}"
