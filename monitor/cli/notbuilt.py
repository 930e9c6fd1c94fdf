"""Commands of the contract whose capability is not built yet: they say so and exit 2."""

from __future__ import annotations

from typing import Any

import click

from monitor.cli.main import main

#: name → (usage, where it is planned); empty while every command of the contract is built.
_NOT_BUILT: dict[str, tuple[str, str]] = {}


def _not_built(name: str, usage: str, where: str) -> click.Command:
    @click.pass_context
    def command(ctx: click.Context, /, **_: Any) -> None:
        click.echo(f"xxgk {name}: not built yet ({where}); see README.md, 'Status'", err=True)
        ctx.exit(2)

    return click.Command(
        name,
        callback=command,
        help=f"Not built yet ({where}). Usage: xxgk {usage}",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


for _name, (_usage, _where) in _NOT_BUILT.items():
    main.add_command(_not_built(_name, _usage, _where))
