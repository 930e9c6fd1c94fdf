"""The exception tree of xxgk-monitor.

Every error a user can cause or meet (a bad config, an unreachable database, a failed delivery)
is a :class:`MonitorError`; the CLI turns one into a single line on stderr and a non-zero exit.
"""


class MonitorError(Exception):
    """Base of every error the tool reports to its user."""


class ConfigError(MonitorError):
    """The configuration (YAML or environment) is invalid; the message names file and key path."""


class StoreError(MonitorError):
    """The database cannot be reached, is not migrated, or refused an operation."""


class CrawlError(MonitorError):
    """A crawl could not be started or ended abnormally."""


class DeliveryError(MonitorError):
    """A report could not be delivered (SMTP, file system)."""
