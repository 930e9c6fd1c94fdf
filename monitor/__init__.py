"""xxgk-monitor: compliance monitoring of a university's information disclosure (信息公开)."""

__version__ = "0.1.0"
