"""The lag reports: a digest per site owner, a daily summary and a weekly roll-up for the office.

Build a :class:`ReportInput` from one night's JSON documents (the check, the period's
statistics, the crawl's column fetches, a week of check summaries) and ask for the reports::

    data = ReportInput(config=config, check=check_doc, stats=stats_doc, crawl=fetches)
    for report in [*digests(data), office_summary(data)]:
        ...  # report.key, report.recipients, report.subject, report.html, report.text

Each :class:`Report` is rendered (HTML with inline styles, a plain-text twin, and markdown for
group bots) and knows nothing of delivery; `monitor.reports.channels` names where reports go
(e-mail, WeCom, DingTalk, Feishu) and `monitor.reports.delivery` queues and sends them.
`sample_input(config)` is synthetic data holding every state, for `xxgk report --sample`.
"""

from monitor.reports import channels, delivery
from monitor.reports.model import (
    Report,
    ReportInput,
    digests,
    group_digests,
    office_summary,
    sample_input,
    weekly_rollup,
)
from monitor.reports.render import render_html, render_text

__all__ = [
    "Report",
    "ReportInput",
    "channels",
    "delivery",
    "digests",
    "group_digests",
    "office_summary",
    "render_html",
    "render_text",
    "sample_input",
    "weekly_rollup",
]
