"""The `xxgk` command line: the only place that reads argv, the environment and files, and prints.

Every command turns a :class:`~monitor.errors.MonitorError` into one line on stderr and exit
code 1; usage errors exit 2, and so do commands whose capability is not built yet.
"""

from monitor.cli import notbuilt  # noqa: F401 - importing registers the commands not built yet
from monitor.cli.main import main  # the other commands are imported when run (main.LAZY_COMMANDS)

__all__ = ["main"]
