"""The registry of rules: name → function from a snapshot to findings.

A rule is registered with ``@rule("name")``. Its docstring is its user documentation:
``xxgk rules`` prints the name and the first paragraph, so write it for the office, and say
what the rule flags and where its threshold comes from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from monitor.rules.findings import Finding
from monitor.rules.snapshot import Snapshot

RuleFunc = Callable[[Snapshot], list[Finding]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its name and the function that judges a snapshot."""

    name: str
    judge: RuleFunc

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.judge) or ""

    @property
    def summary(self) -> str:
        """The docstring's first paragraph: what `xxgk rules` prints."""
        return self.doc.split("\n\n", 1)[0].strip()


#: Every rule, by name, in registration order (the order `judge` runs them).
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[RuleFunc], RuleFunc]:
    """Register the decorated function as the rule `name`."""

    def register(func: RuleFunc) -> RuleFunc:
        if name in RULES:
            raise ValueError(f"a rule named {name!r} is already registered")
        RULES[name] = Rule(name, func)
        return func

    return register
