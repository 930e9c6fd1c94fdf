"""`python -m monitor` is the `xxgk` command."""

from monitor.cli import main

main(prog_name="xxgk")
