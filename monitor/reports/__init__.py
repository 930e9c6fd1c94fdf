"""The lag reports: a digest per site owner, a daily summary and a weekly roll-up for the office.

Build a :class:`ReportInput` from one night's JSON documents (the check, the period's
statistics, the crawl's column fetches, a week of check summaries) and ask for the reports::

    data = ReportInput(config=config, check=check_doc, stats=stats_doc, crawl=fetches)
    for report in [*digests(data), office_summary(data)]:
        ...  # report.key, report.recipients, report.subject, report.html, report.text

Each :class:`Report` is rendered (HTML with inline styles, and a plain-text twin) and knows
nothing of SMTP; `monitor.reports.mail` delivers it. `sample_input(config)` is synthetic data
holding every state, for `xxgk report --sample`.
"""

from monitor.reports.model import Report, ReportInput, digests, office_summary, sample_input, weekly_rollup
from monitor.reports.render import render_html, render_text

__all__ = [
    "Report",
    "ReportInput",
    "digests",
    "office_summary",
    "render_html",
    "render_text",
    "sample_input",
    "weekly_rollup",
]
