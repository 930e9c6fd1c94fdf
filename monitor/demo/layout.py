"""Which sites the demo campus has at each scale: a table of site and column specifications.

``small`` has 14 sites on 3 campuses covering every CMS family, markup variant and failure a
crawler meets; ``hit`` adds 24 plain sites of all families (38 sites and more than 20,000 items
dated within the last year) for benchmarks. The structure never depends on ``today``, so the
generated config does not either.

``NEW_SITES`` (issue 10) are five more sites whose lists a crawler written for the profiles
misses, added to a scale by ``layout(scale, new_columns=True)``; ``build_campus`` adds them to
the small scale unless told (so ``xxgk demo`` and the tests have 19 sites), not to hit:

- 学生工作部 (``xgb``, a JSP CMS): a title-only list whose dates are only on the article pages
  (``content.jsp?urltype=news.NewsContentUrl&wbtreeid=…&wbnewsid=…``, ``index_1.html`` pagers),
  and an empty page that a script fills from ``/api/article/list?catalogId=1125&pageNo=1&…``
  (``{"data": {"total": …, "rows": [{"title", "linkUrl", "publishDate"}, …]}}``);
- 化工与化学学院 (``hxxy``, VSB with its ``/system/resource/`` scripts): rows in
  ``ul.list_class_ul`` pairs, rows in a ``<tr>`` table with the old ``fanye`` pager, a year-less
  (``05-30``) list over three years with an unmarked old row on top, and a column robots.txt
  disallows as ``/xsgz.htm`` and ``/xsgz/``;
- 威海党政办公室 (``wh-dzb``, TRS WCM) and 威海学生处 (``wh-xsc``, DedeCMS): title-only lists
  whose dates are only in the article URLs (``./202209/t20220901_480123.html``,
  ``/tzgg/2022/0901/3456.html``), pagers ``createPageHTML(…)`` and ``list_12_2.html``;
- 深圳人文学院 (``sz-rwxy``, a PHP site in GBK): dates inside the links,
  ``<a>标题（2018-12-21）</a>`` and ``<a><span class="title">…</span><span class="date">…</span></a>``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from monitor.demo.model import ArticleDate, ColumnBehaviour, Encoding, Family, SiteBehaviour


@dataclass(frozen=True)
class ColumnSpec:
    id: str
    name: str
    family: Family
    kind: str
    path: str
    number: int
    template: str
    count: int
    titles: str
    behaviour: ColumnBehaviour = "ok"
    cms: str | None = None  # the config's cms: the family's own name unless set
    checklist: tuple[str, ...] = ()
    page_size: int = 15
    truncate_at: int | None = None
    pinned: int = 0  # rows kept at the top of page 1 (marked 置顶 by WebPlus; VSB marks none);
    # the first is a year or more old
    attachments: int = 0  # rows linking straight to a .pdf/.docx/.xlsx
    undated: int = 0  # of those, rows whose list shows no date (so the item has none)
    externals: int = 0  # rows linking to mp.weixin.qq.com
    span_days: int = 364  # items are dated within this many days before today …
    quiet_days: int = 0  # … but not within the last quiet_days (a stale column)
    article_date: ArticleDate = "shown"
    article_style: Family | None = None  # whose article URLs and pages its rows link to (default: family)


@dataclass(frozen=True)
class SiteSpec:
    id: str
    name: str
    url: str
    columns: tuple[ColumnSpec, ...]
    behaviour: SiteBehaviour = "ok"
    encoding: Encoding = "utf-8"
    shared: tuple[tuple[str, str], ...] = ()  # (from column, to column): one item listed in both


@dataclass(frozen=True)
class AreaSpec:
    id: str
    name: str
    sites: tuple[SiteSpec, ...]


_col = ColumnSpec

# fmt: off
_MAIN = AreaSpec("main", "校本部", (
    SiteSpec("news", "新闻网", "news.demo.edu.cn", (
        _col("xxyw", "学校要闻", "webplus", "news", "/xxyw/list.htm", 1001, "news_list", 300, "news",
             externals=4, truncate_at=26),
        _col("mtgz", "媒体关注", "webplus", "news", "/1002/list.htm", 1002, "no_date", 40, "media",
             attachments=1, undated=1),
    )),
    SiteSpec("today", "今日演大", "today.demo.edu.cn", (
        _col("notices", "公告公示", "drupal", "notice", "/category/10", 10, "drupal_full", 200, "notice",
             page_size=20, checklist=("cadre-appointment-recruitment",)),
        _col("news", "新闻快讯", "drupal", "news", "/category/11", 11, "drupal_short", 300, "news",
             page_size=20),
    )),
    SiteSpec("jwc", "本科生院", "jwc.demo.edu.cn", (
        _col("tzgg", "通知公告", "webplus", "notice", "/2591/list.htm", 2591, "article_list", 220, "teaching",
             pinned=2, attachments=12, truncate_at=22, checklist=("student-status-rules", "majors")),
        _col("jxyx", "教学运行", "webplus", "notice", "/2592/list.htm", 2592, "bracketed", 100, "teaching"),
    ), shared=(("tzgg", "jxyx"),)),
    SiteSpec("yjsy", "研究生院", "yjsy.demo.edu.cn", (
        _col("tzgg", "通知公告", "vsb", "notice", "/tzgg.htm", 1039, "vsb", 150, "graduate", page_size=12,
             truncate_at=24, checklist=("graduate-admission-brochure",)),
        _col("zsxx", "招生信息", "vsb", "notice", "/index/zsxx.htm", 1041, "vsb_more", 90,
             "graduate_admission",
             page_size=12, span_days=360, checklist=("graduate-admission-list", "graduate-retest-scores")),
    )),
    SiteSpec("oa", "校内OA系统", "oa.demo.edu.cn", (
        _col("tzgg", "通知公告", "vsb", "notice", "/tzgg.htm", 1101, "vsb", 60, "notice", page_size=12),
    ), behaviour="login"),
    SiteSpec("xxgk", "信息公开网", "xxgk.demo.edu.cn", (
        _col("gkwj", "公开文件", "webplus", "static", "/gkwj/list.htm", 3001, "table", 90, "disclosure",
             cms="auto", attachments=8, checklist=("disclosure-annual-report", "charter-and-rules")),
        _col("gkdt", "公开动态", "webplus", "news", "/gkdt/list.htm", 3002, "news_list", 80, "disclosure",
             cms="auto", quiet_days=30),
    )),
    SiteSpec("rsc", "人事处", "rsc.demo.edu.cn", (
        _col("rczp", "人才招聘", "webplus", "hr_plan", "/rczp/list.htm", 4001, "split_swapped", 110, "hr",
             checklist=("post-setting-appointment",)),
        _col("gzzd", "规章制度", "webplus", "static", "/gzzd/list.htm", 4002, "news_list", 0, "hr",
             behaviour="redesigned"),
    ), encoding="gbk"),
))

_WEIHAI = AreaSpec("weihai", "威海校区", (
    SiteSpec("wh-today", "威海新闻网", "today.wh.demo.edu.cn", (
        _col("kx", "快讯", "jsonapi", "news", "/5001/list.htm", 5001, "api", 200, "news", pinned=2),
        _col("tzgg", "通知公告", "webplus", "notice", "/5002/list.htm", 5002, "split", 130, "notice"),
    )),
    SiteSpec("wh-zsb", "威海本科招生网", "zsb.wh.demo.edu.cn", (
        _col("zsdt", "招生动态", "webplus", "notice", "/zsdt/list.htm", 6001, "news_list", 90, "admission",
             checklist=("admission-charter-plan", "admission-results")),
        _col("lqcx", "录取查询", "webplus", "notice", "/lqcx/list.htm", 6002, "news_list", 40, "admission",
             behaviour="disallowed"),
    )),
    SiteSpec("wh-cwc", "威海财务处", "cwc.wh.demo.edu.cn", (
        _col("tzgg", "通知公告", "vsb", "notice", "/tzgg.htm", 1301, "vsb", 50, "finance",
             checklist=("fees",)),
    ), behaviour="down"),
    SiteSpec("wh-zcc", "威海国有资产管理处", "zcc.wh.demo.edu.cn", (
        _col("cgxx", "采购信息", "webplus", "notice", "/cgxx/list.htm", 7001, "news_list", 60, "procurement",
             checklist=("procurement-tendering",)),
    ), behaviour="blocked"),
))

_SHENZHEN = AreaSpec("shenzhen", "深圳校区", (
    SiteSpec("sz-www", "深圳校区主页", "www.sz.demo.edu.cn", (
        _col("tzgg", "通知公告", "custom", "notice", "/article/id-77.html", 77, "custom", 180, "notice",
             page_size=20),
        _col("xwzx", "新闻中心", "custom", "news", "/article/id-74.html", 74, "custom", 250, "news",
             page_size=20),
    )),
    SiteSpec("sz-jwb", "深圳教务部", "jwb.sz.demo.edu.cn", (
        _col("jwtz", "教务通知", "vsb", "notice", "/jwtz.htm", 1201, "vsb", 100, "teaching",
             behaviour="flaky",
             page_size=12),
        _col("ksap", "考试安排", "vsb", "notice", "/ksap.htm", 1202, "vsb_no_date", 40, "exam", page_size=12,
             article_date="meta"),
    ), encoding="lying"),
    SiteSpec("sz-hq", "深圳后勤保障部", "hq.sz.demo.edu.cn", (
        _col("tzgg", "通知公告", "webplus", "notice", "/tzgg/list.htm", 8001, "news_list", 90, "logistics"),
        _col("fwzn", "服务指南", "webplus", "static", "/fwzn/list.htm", 8002, "news_list", 0, "logistics",
             behaviour="blank"),
        _col("lszl", "历史资料", "webplus", "notice", "/lszl/list.htm", 8003, "news_list", 0, "logistics",
             behaviour="missing"),
    )),
))

# fmt: on
SMALL = (_MAIN, _WEIHAI, _SHENZHEN)

# ----------------------------------------------------------------------------- issue 10's shapes

# fmt: off
NEW_SITES: dict[str, tuple[SiteSpec, ...]] = {
    "main": (
        SiteSpec("xgb", "学生工作部", "xgb.demo.edu.cn", (
            _col("xgdt", "学工动态", "jsp", "notice", "/xgdt/index.html", 1121, "jsp_no_date", 160, "notice"),
            _col("jyxx", "就业信息", "jsonapi", "notice", "/jyxx/index.html", 1125, "api_rows", 95, "notice",
                 article_style="jsp"),
        )),
        SiteSpec("hxxy", "化工与化学学院", "hxxy.demo.edu.cn", (
            _col("tzgg", "通知公告", "vsb", "notice", "/tzgg.htm", 1116, "vsb_ul", 130, "notice"),
            _col("xshd", "学术活动", "vsb", "notice", "/xshd.htm", 1117, "vsb_table", 110, "teaching",
                 page_size=20),
            _col("xyxw", "学院新闻", "vsb", "news", "/xwzx/xyxw.htm", 1192, "vsb_yearless", 200, "news",
                 pinned=1, span_days=1150),
            _col("xsgz", "学生工作", "vsb", "notice", "/xsgz.htm", 1118, "vsb", 45, "notice",
                 behaviour="disallowed"),
        )),
    ),
    "weihai": (
        SiteSpec("wh-dzb", "威海党政办公室", "dzb.wh.demo.edu.cn", (
            _col("tzgg", "通知公告", "trs", "notice", "/xxgk/tzgg/index.html", 480, "trs_no_date", 140,
                 "disclosure", page_size=20),
        )),
        SiteSpec("wh-xsc", "威海学生处", "xsc.wh.demo.edu.cn", (
            _col("tzgg", "通知公告", "dede", "notice", "/tzgg/", 12, "dede_no_date", 120, "notice"),
        )),
    ),
    "shenzhen": (
        SiteSpec("sz-rwxy", "深圳人文学院", "rwxy.sz.demo.edu.cn", (
            _col("xyxw", "学院新闻", "php", "news", "/news.php?cat_id=1341", 1341, "php_paren", 150, "news",
                 page_size=20),
            _col("tzgg", "通知公告", "php", "notice", "/news.php?cat_id=1342", 1342, "php_span", 90, "notice",
                 page_size=20),
        ), encoding="gbk"),
    ),
}
# fmt: on


def _with_new_sites(areas: tuple[AreaSpec, ...]) -> tuple[AreaSpec, ...]:
    return tuple(replace(area, sites=area.sites + NEW_SITES.get(area.id, ())) for area in areas)


# ----------------------------------------------------------------------------- hit scale

# fmt: off
_PLAIN_SITES = (
    ("lib", "图书馆"), ("ico", "国际合作部"), ("kjy", "科学技术研究院"), ("tw", "校团委"), ("bwc", "保卫处"),
    ("hospital", "校医院"), ("archives", "档案馆"), ("nic", "网络与信息中心"), ("fgc", "发展规划处"),
    ("sjc", "审计处"), ("jw", "纪委办公室"), ("gh", "工会"), ("ltx", "离退休工作处"), ("sys", "实验室管理处"),
    ("xkb", "学科建设办公室"), ("jxjy", "继续教育学院"), ("cs", "计算机学院"), ("me", "机电工程学院"),
    ("mse", "材料科学与工程学院"), ("som", "经济与管理学院"), ("sfl", "外国语学院"), ("arch", "建筑学院"),
    ("astro", "航天学院"), ("math", "数学学院"),
)

_PLAIN_SHAPES: tuple[tuple[ColumnSpec, ColumnSpec], ...] = (
    (_col("xwdt", "新闻动态", "webplus", "news", "/xwdt/list.htm", 2001, "news_list", 480, "news"),
     _col("tzgg", "通知公告", "webplus", "notice", "/tzgg/list.htm", 2002, "article_list", 330, "notice")),
    (_col("xwdt", "新闻动态", "vsb", "news", "/xwdt.htm", 1001, "vsb", 480, "news", page_size=20),
     _col("tzgg", "通知公告", "vsb", "notice", "/index/tzgg.htm", 1002, "vsb", 330, "notice", page_size=20)),
    (_col("xwdt", "新闻动态", "drupal", "news", "/category/21", 21, "drupal_short", 480, "news",
          page_size=20),
     _col("tzgg", "通知公告", "drupal", "notice", "/category/22", 22, "drupal_full", 330, "notice",
          page_size=20)),
    (_col("xwdt", "新闻动态", "custom", "news", "/article/id-74.html", 74, "custom", 480, "news",
          page_size=20),
     _col("tzgg", "通知公告", "custom", "notice", "/article/id-77.html", 77, "custom", 330, "notice",
          page_size=20)),
    (_col("xwdt", "新闻动态", "jsonapi", "news", "/3001/list.htm", 3001, "api", 480, "news"),
     _col("tzgg", "通知公告", "webplus", "notice", "/3002/list.htm", 3002, "split", 330, "notice")),
    (_col("xwdt", "新闻动态", "webplus", "news", "/xwdt/list.htm", 2001, "table", 480, "news"),
     _col("tzgg", "通知公告", "webplus", "notice", "/tzgg/list.htm", 2002, "bracketed", 330, "notice")),
)
# fmt: on


def _plain_site(index: int, site_id: str, name: str) -> SiteSpec:
    news, notices = _PLAIN_SHAPES[index % len(_PLAIN_SHAPES)]
    return SiteSpec(site_id, name, f"{site_id}.demo.edu.cn", (news, notices))


def hit_layout() -> tuple[AreaSpec, ...]:
    """The small layout plus 24 plain sites spread over the three campuses."""
    plain = [_plain_site(i, site_id, name) for i, (site_id, name) in enumerate(_PLAIN_SITES)]
    return tuple(
        replace(area, sites=area.sites + tuple(plain[i :: len(SMALL)])) for i, area in enumerate(SMALL)
    )


def layout(scale: str, *, new_columns: bool = False) -> tuple[AreaSpec, ...]:
    """The areas of a scale; ``new_columns`` adds :data:`NEW_SITES` to each campus."""
    areas: tuple[AreaSpec, ...]
    if scale == "small":
        areas = SMALL
    elif scale == "hit":
        areas = hit_layout()
    else:
        raise ValueError(f"unknown demo scale {scale!r}: expected small or hit")
    return _with_new_sites(areas) if new_columns else areas
