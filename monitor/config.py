"""The typed, validated configuration: one institution, its campuses, sites, columns and checklist.

`load_config(path)` reads one institution's YAML file and the checklist file it names, validates
both, and returns a frozen :class:`Config`. Every error is a :class:`~monitor.errors.ConfigError`
whose message is one line naming the file, the key path and what was expected, e.g.
``config/hit.yaml: campuses[0].sites[3].columns[1].cms: expected one of webplus, vsb, drupal,
jsonapi, auto (got 'webplu'; did you mean 'webplus'?)``.

The YAML never holds secrets: intranet columns name the environment variable holding their
cookie (``auth.cookie_env``), group bots (``notify``) the variables holding their webhook URL
and signing secret, and only the CLI, the jobs and the crawler's entry point read them.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from monitor import _yaml
from monitor.errors import ConfigError

CmsFamily = Literal["webplus", "vsb", "drupal", "jsonapi", "auto"]
ColumnKind = Literal["news", "notice", "hr_plan", "homepage", "static"]
Cadence = Literal["annual", "seasonal", "continuous", "on_change", "event"]

#: Days after which a column of each kind is stale (政府网站 inspection rules; ``static`` never).
KIND_MAX_AGE_DAYS: dict[str, int | None] = {
    "news": 14,
    "homepage": 14,
    "notice": 183,
    "hr_plan": 365,
    "static": None,
}

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_SPACE = re.compile(r"\s")  # as str.isspace: a regulator's folder holds 100,000 URLs
_HOST_PATH = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(/\S*)?$")
_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("expected an id of lowercase letters, digits, '_' or '-', starting with a letter")
    return value


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("expected a kebab-case slug such as 'disclosure-annual-report'")
    return value


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("expected an e-mail address such as xxgk@hit.edu.cn")
    return value


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or _SPACE.search(value):
        raise ValueError("expected an absolute http:// or https:// URL")
    return value


def _check_display_url(value: str) -> str:
    if value.startswith(("http://", "https://")):
        return _check_http_url(value)
    if not _HOST_PATH.match(value):
        raise ValueError("expected a host name such as today.hit.edu.cn or an http(s) URL")
    return value


def _check_month_day(value: str) -> str:
    try:
        dt.date.fromisoformat(f"2000-{value}")  # a leap year, so 02-29 is accepted
    except ValueError:
        raise ValueError('expected a month and day as "MM-DD", such as "09-01"') from None
    return value


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a 300-letter name
        raise ValueError("expected an IANA time zone such as Asia/Shanghai") from None
    return value


def _check_env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        raise ValueError("expected an environment variable name such as XXGK_COOKIE_OA")
    return value


def cron_fields(expr: str) -> dict[str, str]:
    """Split a standard five-field crontab line into APScheduler's ``CronTrigger`` fields.

    Standard cron numbers weekdays from Sunday (0 or 7); APScheduler numbers them from Monday,
    so numeric weekdays are turned into names to keep the crontab meaning.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f'expected a crontab line of 5 fields, such as "0 2 * * *" (got {expr!r})')
    minute, hour, day, month, dow = fields
    dow = re.sub(r"(?<![/\d])\d+", lambda m: _DOW_NAMES[int(m.group()) % 7], dow.lower())
    values = {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": dow}
    try:
        CronTrigger(**values, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"expected a valid crontab line (got {expr!r}: {exc})") from None
    return values


def _check_cron(value: str) -> str:
    cron_fields(value)
    return value


Id = Annotated[str, AfterValidator(_check_id)]
Slug = Annotated[str, AfterValidator(_check_slug)]
Email = Annotated[str, AfterValidator(_check_email)]
HttpUrl = Annotated[str, AfterValidator(_check_http_url)]
MonthDay = Annotated[str, AfterValidator(_check_month_day)]
Cron = Annotated[str, AfterValidator(_check_cron)]
NonEmpty = Annotated[str, Field(min_length=1)]


#: The longest string any key holds (a checklist item's full text is under 300 characters): a
#: megabyte pasted into a name would reach every report and page.
MAX_STRING = 2000


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, str_max_length=MAX_STRING)


# ----------------------------------------------------------------------------- checklist


class ChecklistCategory(_Frozen):
    number: int = Field(ge=1, le=10)
    name: NonEmpty


class ChecklistItem(_Frozen):
    """One of the 50 items of 《高等学校信息公开事项清单》; `slug` is its stable key."""

    slug: Slug
    number: int = Field(ge=1, le=50)
    category: int = Field(ge=1, le=10)
    title: NonEmpty
    text: NonEmpty
    cadence: Cadence
    due: MonthDay | None = None
    months: tuple[Annotated[int, Field(ge=1, le=12)], ...] = ()
    max_days: int | None = Field(default=None, ge=1)
    kind: ColumnKind
    keywords: tuple[NonEmpty, ...] = Field(min_length=1)
    negative: tuple[NonEmpty, ...] = ()
    hosts: tuple[NonEmpty, ...] = ()
    source: NonEmpty
    note: str | None = None

    @model_validator(mode="after")
    def _cadence_fields(self) -> ChecklistItem:
        if self.due is not None and self.cadence != "annual":
            raise ValueError(f"'due' is only for annual items (cadence is {self.cadence})")
        if self.months and self.cadence != "seasonal":
            raise ValueError(f"'months' is only for seasonal items (cadence is {self.cadence})")
        if self.cadence == "seasonal" and not self.months:
            raise ValueError("a seasonal item needs 'months'")
        if self.cadence == "continuous" and self.max_days is None:
            raise ValueError("a continuous item needs 'max_days'")
        return self


class Checklist(_Frozen):
    """The MOE checklist: 10 categories and 50 items, numbered in order."""

    categories: tuple[ChecklistCategory, ...]
    items: tuple[ChecklistItem, ...]

    def by_slug(self) -> dict[str, ChecklistItem]:
        return {item.slug: item for item in self.items}


def _checklist_problems(checklist: Checklist) -> Iterator[tuple[str, str]]:
    numbers = [c.number for c in checklist.categories]
    if numbers != list(range(1, 11)):
        yield "categories", f"expected 10 categories numbered 1 to 10 in order (got {numbers})"
    item_numbers = [item.number for item in checklist.items]
    if item_numbers != list(range(1, 51)):
        yield "items", f"expected 50 items numbered 1 to 50 in order (got {len(item_numbers)} items)"
    yield from _duplicates(
        ((f"items[{i}].slug", item.slug) for i, item in enumerate(checklist.items)), "slug"
    )


# ----------------------------------------------------------------------------- institution


class Institution(_Frozen):
    id: Id
    name: NonEmpty
    timezone: Annotated[str, AfterValidator(_check_timezone)] = "Asia/Shanghai"
    year_start: MonthDay = "09-01"
    contact: Email

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


#: The most list pages a column may be walked through (``max_pages_per_column``); a pager never
#: makes the crawler build more page URLs than this.
MAX_PAGES_LIMIT = 10_000


class CrawlSettings(_Frozen):
    """How the crawler treats the sites: politeness, retries, and the bounds one site may cost.

    The bounds (issue 11) keep a broken or hostile site to a slice of the night: a list page
    larger than ``max_page_mb`` (an article: ``max_article_mb``; the decompressed size counts) is
    refused at the cap, a request with no complete answer within ``request_timeout_seconds`` is
    cut (a dripping server too: the deadline is for the whole answer), a column stops being
    walked after ``column_budget_seconds`` (retries and Retry-After waits included), a
    Retry-After is honoured up to ``retry_after_max_seconds``, and a stored title is at most
    ``title_max_chars`` long (NFC, control and bidi characters removed, whitespace collapsed).
    """

    obey_robots: bool = True
    per_host_concurrency: int = Field(default=2, ge=1, le=16)
    delay_seconds: float = Field(default=0.5, ge=0, le=60)
    max_pages_per_column: int = Field(default=1000, ge=1, le=MAX_PAGES_LIMIT)
    retries: int = Field(default=3, ge=0, le=10)
    retry_backoff_seconds: float = Field(default=1.0, ge=0, le=60)
    max_page_mb: float = Field(default=16, gt=0, le=256)  # a list page (attachments are never fetched)
    max_article_mb: float = Field(default=16, gt=0, le=256)  # an article opened for its date
    request_timeout_seconds: float = Field(default=30, gt=0, le=600)
    column_budget_seconds: float = Field(default=1800, gt=0, le=86400)
    retry_after_max_seconds: float = Field(default=300, ge=0, le=3600)
    title_max_chars: int = Field(default=500, ge=20, le=10_000)


class MailSettings(_Frozen):
    office: tuple[Email, ...] = Field(min_length=1)
    sender: Email | None = None  # the From address (default: institution.contact)
    dashboard_url: HttpUrl | None = None  # reports link into the dashboard when set


EnvName = Annotated[str, AfterValidator(_check_env_name)]


class Notify(_Frozen):
    """A group bot the reports go to (see `monitor.reports.channels` for the kinds).

    ``send: summary`` sends the office's reports (the daily summary and the weekly roll-up);
    ``send: digests`` sends one digest of the listed ``sites``. The webhook URL and the signing
    secret are read from the environment variables named here, never from the YAML.
    """

    id: Id
    kind: Id  # checked against the channel registry, which lives above the config
    webhook_env: EnvName
    secret_env: EnvName | None = None
    send: Literal["summary", "digests"] = "summary"
    sites: tuple[Id, ...] = ()

    @model_validator(mode="after")
    def _sites_for_digests(self) -> Notify:
        if self.send == "digests" and not self.sites:
            raise ValueError("send: digests needs 'sites', the site ids whose digests go to this group")
        if self.send == "summary" and self.sites:
            raise ValueError("'sites' is only for send: digests (the summary covers every site)")
        return self


class ScheduleSettings(_Frozen):
    """When the nightly and weekly jobs run, and where the nightly crawl runs."""

    crawl: Cron = "0 2 * * *"
    weekly: Cron = "0 8 * * MON"
    # the nightly crawl as jobs on the `xxgk worker`s (as `xxgk crawl --distributed`), not in this process
    distributed: bool = False


class ChecksSettings(_Frozen):
    """Thresholds of the compliance rules (see `xxgk rules`)."""

    count_drop_share: float = Field(default=0.5, ge=0, le=1)
    not_checked_runs: int = Field(default=3, ge=1)
    disclosure_working_days: int = Field(default=20, ge=1)
    link_checks: bool = True  # check the links and attachments of the pages a crawl meets
    link_recheck_days: int = Field(default=30, ge=1, le=365)  # a URL that opens is checked again after
    external_links: bool = False  # check links to hosts the config does not name too
    gongshi_grace_days: int = Field(default=5, ge=0, le=60)  # working days a 公示 may stay after its 公示期


class Selectors(_Frozen):
    """CSS selectors overriding a column's CMS profile: the row, and within it title, link, date."""

    item: NonEmpty
    title: NonEmpty | None = None
    link: NonEmpty | None = None
    date: NonEmpty | None = None


class ApiMapping(_Frozen):
    """A column whose list comes from a JSON endpoint: URL template with {page}, field paths."""

    url: NonEmpty
    items: NonEmpty
    title: NonEmpty
    link: NonEmpty
    date: NonEmpty | None = None
    first_page: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _page_placeholder(self) -> ApiMapping:
        _check_http_url(self.url.replace("{page}", "1"))
        if "{page}" not in self.url:
            raise ValueError("expected the api url to hold a {page} placeholder")
        return self


class Auth(_Frozen):
    cookie_env: Annotated[str, AfterValidator(_check_env_name)]


class Column(_Frozen):
    """A column (栏目): one list of items on a site, crawled with one CMS profile."""

    id: Id
    name: NonEmpty
    url: HttpUrl
    cms: CmsFamily = "auto"
    kind: ColumnKind
    checklist: tuple[Slug, ...] = ()
    selectors: Selectors | None = None
    api: ApiMapping | None = None
    max_age_days: int | None = Field(default=None, ge=1)
    auth: Auth | None = None
    follow_external: bool = False

    @model_validator(mode="after")
    def _api_only_for_jsonapi(self) -> Column:
        if self.cms == "jsonapi" and self.api is None:
            raise ValueError("a column with cms: jsonapi needs an 'api' mapping")
        if self.api is not None and self.cms != "jsonapi":
            raise ValueError(f"'api' is only for cms: jsonapi (cms is {self.cms})")
        return self

    @property
    def max_age(self) -> int | None:
        """Days after which this column is stale: its own `max_age_days`, else its kind's."""
        return self.max_age_days or KIND_MAX_AGE_DAYS[self.kind]


class Site(_Frozen):
    """One row of the annual report table: a name, a display URL, and its columns."""

    id: Id
    name: NonEmpty
    url: Annotated[str, AfterValidator(_check_display_url)]
    owner: tuple[Email, ...] = ()
    intranet: bool = False
    columns: tuple[Column, ...] = Field(min_length=1)


class Campus(_Frozen):
    id: Id
    name: NonEmpty
    sites: tuple[Site, ...] = Field(min_length=1)


class Config(_Frozen):
    """One institution's whole configuration, checklist included."""

    institution: Institution
    checklist: Checklist
    crawl: CrawlSettings = CrawlSettings()
    mail: MailSettings
    notify: tuple[Notify, ...] = ()
    schedule: ScheduleSettings = ScheduleSettings()
    checks: ChecksSettings = ChecksSettings()
    campuses: tuple[Campus, ...] = Field(min_length=1)

    def sites(self) -> Iterator[tuple[Campus, Site]]:
        for campus in self.campuses:
            for site in campus.sites:
                yield campus, site

    def site(self, site_id: str) -> Site:
        for _, site in self.sites():
            if site.id == site_id:
                return site
        raise ConfigError(f"no site with id {site_id!r} in the config")


def _duplicates(entries: Iterable[tuple[str, str]], what: str) -> Iterator[tuple[str, str]]:
    """Yield (path, message) for every entry whose value was seen before."""
    seen: set[str] = set()
    for path, value in entries:
        if value in seen:
            yield path, f"duplicate {what} {value!r}"
        seen.add(value)


def _config_problems(config: Config) -> Iterator[tuple[str, str]]:
    yield from _duplicates(((f"campuses[{i}].id", c.id) for i, c in enumerate(config.campuses)), "campus id")
    site_ids = (
        (f"campuses[{ci}].sites[{si}].id", site.id)
        for ci, campus in enumerate(config.campuses)
        for si, site in enumerate(campus.sites)
    )
    yield from _duplicates(site_ids, "site id (site ids are unique across campuses)")
    yield from _notify_problems(config)
    known = config.checklist.by_slug()
    for ci, campus in enumerate(config.campuses):
        for si, site in enumerate(campus.sites):
            here = f"campuses[{ci}].sites[{si}]"
            column_ids = ((f"{here}.columns[{k}].id", col.id) for k, col in enumerate(site.columns))
            yield from _duplicates(column_ids, "column id")
            for coli, column in enumerate(site.columns):
                for k, slug in enumerate(column.checklist):
                    if slug not in known:
                        yield (
                            f"{here}.columns[{coli}].checklist[{k}]",
                            f"unknown checklist slug {slug!r}{_yaml.did_you_mean(slug, known)}",
                        )


def _notify_problems(config: Config) -> Iterator[tuple[str, str]]:
    yield from _duplicates(((f"notify[{i}].id", n.id) for i, n in enumerate(config.notify)), "notify id")
    sites = [site.id for _, site in config.sites()]
    for i, target in enumerate(config.notify):
        for k, site in enumerate(target.sites):
            if site not in sites:
                yield f"notify[{i}].sites[{k}]", f"unknown site id {site!r}{_yaml.did_you_mean(site, sites)}"


def _raise_first(file: Path, problems: Iterator[tuple[str, str]]) -> None:
    found = list(problems)
    if found:
        path, message = found[0]
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        raise ConfigError(f"{file}: {path}: {message}{more}")


def load_checklist(path: Path) -> Checklist:
    """Load and validate a checklist file (10 categories, 50 items)."""
    data = _yaml.load_mapping(path)
    try:
        checklist = Checklist.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_yaml.describe(path, exc)) from None
    _raise_first(path, _checklist_problems(checklist))
    return checklist


def load_config(path: Path) -> Config:
    """Load one institution's YAML file and the checklist it names; validate everything."""
    return config_from_mapping(path, _yaml.load_mapping(path))


def checklist_path(path: Path, data: dict[str, object]) -> Path:
    """The checklist file an institution's mapping (read from `path`) names."""
    checklist_name = data.get("checklist")
    if not isinstance(checklist_name, str) or not checklist_name or not checklist_name.isprintable():
        raise ConfigError(
            f"{path}: checklist: expected the path of the checklist file, such as checklist.yaml"
        )
    return path.parent / checklist_name


def config_from_mapping(
    path: Path, data: dict[str, object], *, checklists: dict[Path, Checklist] | None = None
) -> Config:
    """Validate an institution's mapping read from `path`; `checklists` keeps the checklist files
    read so far (a folder of 3,000 institutions names one checklist 3,000 times)."""
    named = checklist_path(path, data)
    key = named.resolve()
    checklist = checklists.get(key) if checklists is not None else None
    if checklist is None:
        checklist = load_checklist(named)
        if checklists is not None:
            checklists[key] = checklist
    try:
        config = Config.model_validate({**data, "checklist": checklist})
    except ValidationError as exc:
        raise ConfigError(_yaml.describe(path, exc)) from None
    _raise_first(path, _config_problems(config))
    return config
