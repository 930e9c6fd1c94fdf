"""The synthetic institution of the check benchmark: 3 campuses, 100 sites x 4 columns, and its titles.

`institution(slugs)` gives the config (as YAML data) and, per column, how it is to be filled
(`ColumnPlan`: its share of the items, blank, stale or wholly undated, its outcome per night);
`title_pools()` the titles that no checklist item speaks of and those that do. Used by
bench_check.py and bench_web.py; `check_load` fills a database from the plans.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHECKLIST = ROOT / "config" / "checklist.yaml"
LABELLED = ROOT / "tests" / "checklist" / "labelled_titles.yaml"
TZ = ZoneInfo("Asia/Shanghai")
NIGHTS = 10


CAMPUSES = (
    ("main", "校本部", "bench.edu.cn", 40),
    ("wh", "威海校区", "wh.bench.edu.cn", 30),
    ("sz", "深圳校区", "sz.bench.edu.cn", 30),
)
#: First DNS labels the classifier knows (site priors and exclusions), spread over the campuses.
KNOWN_LABELS = ("hr", "career", "zsb", "yzb", "cwc", "zcc", "xsc", "jjh", "gjc", "zzb", "xxgk", "gh")
SITE_NAMES = ("学院", "研究院", "中心", "处", "部", "馆")
#: Four columns per site; the pattern cycles with the site's number.
PATTERNS = (
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("home", "首页", "homepage"),
        ("gk", "概况", "static"),
    ),
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("zpxx", "招聘信息", "hr_plan"),
        ("zcwj", "政策文件", "static"),
    ),
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("gsgg", "公示公告", "notice"),
        ("home", "首页", "homepage"),
    ),
    (
        ("xwdt", "新闻动态", "news"),
        ("tzgg", "通知公告", "notice"),
        ("xxgk", "信息公开", "static"),
        ("xsdt", "学术动态", "news"),
    ),
)
KIND_WEIGHT = {"news": 5.0, "notice": 3.0, "homepage": 2.0, "hr_plan": 0.5, "static": 0.4}
KIND_AGE = {"news": 14, "homepage": 14, "notice": 183, "hr_plan": 365, "static": None}
CMS = ("webplus", "vsb", "drupal", "auto")


@dataclass(frozen=True)
class ColumnPlan:
    site: str
    column: str
    kind: str
    host: str
    max_age: int | None
    share: float  # of all items
    blank: bool = False
    stale: bool = False
    all_undated: bool = False
    outcomes: tuple[str, ...] = ()  # per night, oldest first


def institution(checklist_slugs: list[str]) -> tuple[dict[str, Any], list[ColumnPlan]]:
    """The config (as YAML data) and, per column, how it is to be filled."""
    rng = random.Random(4)
    campuses, plans, n, slug_at = [], [], 0, 0
    for campus_id, campus_name, domain, count in CAMPUSES:
        sites = []
        for k in range(count):
            label = (
                KNOWN_LABELS[k] if k < 4 or (campus_id == "main" and k < len(KNOWN_LABELS)) else f"d{n:03d}"
            )
            host = f"{label}.{domain}"
            site_id = f"s{n:03d}"
            columns = []
            for j, (col_id, col_name, kind) in enumerate(PATTERNS[n % len(PATTERNS)]):
                index = n * 4 + j
                column: dict[str, Any] = {
                    "id": col_id,
                    "name": col_name,
                    "url": f"http://{host}/{col_id}/list.htm",
                    "cms": CMS[index % len(CMS)],
                    "kind": kind,
                }
                if index % 10 == 3:  # 40 columns carry a checklist slug
                    column["checklist"] = [checklist_slugs[slug_at % len(checklist_slugs)]]
                    slug_at += 1
                max_age = KIND_AGE[kind]
                if index % 37 == 5 and kind != "static":
                    column["max_age_days"] = max_age = 30
                columns.append(column)
                plans.append(
                    ColumnPlan(
                        site_id, col_id, kind, host, max_age, KIND_WEIGHT[kind] * rng.uniform(0.3, 1.7)
                    )
                )
            sites.append(
                {
                    "id": site_id,
                    "name": f"基准{n:03d}{SITE_NAMES[n % len(SITE_NAMES)]}",
                    "url": host,
                    "owner": [f"{label}@{domain}"],
                    "columns": columns,
                }
            )
            n += 1
        campuses.append({"id": campus_id, "name": campus_name, "sites": sites})
    config = {
        "institution": {
            "id": "bench",
            "name": "基准大学",
            "timezone": "Asia/Shanghai",
            "year_start": "09-01",
            "contact": "xxgk@bench.edu.cn",
        },
        "checklist": str(CHECKLIST),
        "mail": {"office": ["xxgk@bench.edu.cn"]},
        "campuses": campuses,
    }
    return config, _shape(plans, rng)


def _shape(plans: list[ColumnPlan], rng: random.Random) -> list[ColumnPlan]:
    """Blank, stale and wholly undated columns; crawl outcomes per night; shares summing to 1."""
    dynamic = [i for i, p in enumerate(plans) if p.kind != "static"]
    picked = rng.sample(dynamic, 6 + 2 + 5 + 3 + 2 + 2)
    blank, undated, down, login, gone, broken = (
        picked[:6],
        picked[6:8],
        picked[8:13],
        picked[13:16],
        picked[16:18],
        picked[18:20],
    )
    stale = set(rng.sample([i for i in dynamic if i not in picked], round(len(dynamic) * 0.12)))
    ok = ("ok",) * NIGHTS
    shaped = []
    for i, plan in enumerate(plans):
        outcomes = ok
        if i in blank:
            outcomes = ("empty",) * NIGHTS
        elif i in down:
            outcomes = ("ok",) * (NIGHTS - 4) + ("unreachable",) * 4
        elif i in login:
            outcomes = ("auth_required",) * NIGHTS
        elif i in gone:
            outcomes = ("ok",) * (NIGHTS - 1) + ("not_found",)
        elif i in broken:
            outcomes = ("ok",) * (NIGHTS - 2) + ("parse_failed",) * 2
        share = 0.0 if i in blank or i in login else plan.share
        shaped.append(
            ColumnPlan(
                **{
                    **vars(plan),
                    "share": share,
                    "blank": i in blank,
                    "stale": i in stale,
                    "all_undated": i in undated,
                    "outcomes": outcomes,
                }
            )
        )
    total = sum(p.share for p in shaped)
    return [ColumnPlan(**{**vars(p), "share": p.share / total}) for p in shaped]


# ----------------------------------------------------------------------------- titles

UNITS = (
    "计算学部",
    "航天学院",
    "机电工程学院",
    "材料科学与工程学院",
    "能源科学与工程学院",
    "电气工程及自动化学院",
    "仪器科学与工程学院",
    "数学学院",
    "物理学院",
    "经济与管理学院",
    "建筑与设计学院",
    "土木工程学院",
    "环境学院",
    "生命科学与技术学院",
    "化工与化学学院",
    "外国语学院",
    "马克思主义学院",
    "图书馆",
    "校医院",
    "后勤集团",
    "网络与信息中心",
    "校团委",
    "档案馆",
    "博物馆",
    "体育部",
    "海洋工程学院",
    "信息科学与工程学院",
)
TOPICS = (
    "人工智能创新",
    "空间科学前沿",
    "智能制造",
    "碳达峰碳中和",
    "新工科建设",
    "科技创新",
    "先进材料",
    "机器人技术",
    "集成电路",
    "绿色能源",
    "数字经济",
    "智慧城市",
    "生物医学工程",
    "海洋装备",
    "精密仪器",
    "量子信息",
    "低空经济",
    "卫星遥感",
    "工程伦理",
    "校园文化",
)
PARTNERS = (
    "哈尔滨市",
    "威海市",
    "深圳市南山区",
    "中国航天科技集团",
    "华为技术有限公司",
    "中国商飞",
    "莫斯科国立鲍曼技术大学",
    "新加坡国立大学",
    "国家电网",
    "比亚迪股份有限公司",
)
CONTESTS = (
    "全国大学生数学竞赛",
    "“挑战杯”全国大学生课外学术科技作品竞赛",
    "全国大学生机器人大赛",
    "中国国际大学生创新大赛",
    "全国大学生结构设计竞赛",
    "ACM国际大学生程序设计竞赛",
)
HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
BUILDINGS = ("一校区主楼", "二校区东配楼", "科学园", "图书馆新馆", "学生公寓12号楼", "体育馆")
NEWS = (
    "{u}举办{y}年{t}学术论坛",
    "{u}召开{y}年{t}工作推进会",
    "{u}开展“{t}”主题活动",
    "{u}举行{t}启动仪式",
    "{u}与{p}签署战略合作协议",
    "{p}代表团来访{u}",
    "{u}学子在第{n}届{c}中获佳绩",
    "{u}团队在{t}领域取得新进展",
    "{u}举办“{t}”系列讲座第{n}讲",
    "{u}师生参加{y}年{t}学术年会",
    "{u}召开{y}年{t}专题研讨会",
    "校领导赴{u}调研{t}工作",
)
NOTICES = (
    "关于{y}年{h}放假安排的通知",
    "关于举办{y}年{t}讲座的通知",
    "关于{b}临时停电的通知",
    "{u}关于{t}报告会时间调整的通知",
    "关于组织参加第{n}届{c}的通知",
    "{u}{y}年{t}活动预告",
    "关于{b}停水的通知",
    "{u}“{t}”沙龙第{n}期预告",
)
REPORT_TITLES = (
    "关于{u}{y}年公开招聘专职辅导员的公告",
    "{u}{y}年公开招聘专任教师公告",
    "{y}年拟聘用人员名单公示",
    "关于{u}领导干部任职的通知",
    "关于干部任免的通知（{y}第{n}号）",
    "{u}干部考察预告",
)


@functools.cache
def title_pools(seed: int = 4) -> tuple[list[str], list[str]]:
    """(titles no checklist item speaks of, titles of checklist items or report types)."""
    from monitor.checklist import Classifier
    from monitor.config import load_checklist

    classifier = Classifier(load_checklist(CHECKLIST))
    rng = random.Random(seed)
    candidates = set()
    for _ in range(40_000):
        template = rng.choice(NEWS + NOTICES)
        candidates.add(
            template.format(
                u=rng.choice(UNITS),
                t=rng.choice(TOPICS),
                p=rng.choice(PARTNERS),
                c=rng.choice(CONTESTS),
                h=rng.choice(HOLIDAYS),
                b=rng.choice(BUILDINGS),
                y=rng.choice((2024, 2025, 2026)),
                n=rng.randint(1, 30),
            )
        )
    plain = sorted(t for t in candidates if not classifier.classify(t))
    labelled = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    matching = sorted({row["title"] for row in labelled if row["slug"] != "none"})
    matching += [
        template.format(u=rng.choice(UNITS), y=rng.choice((2024, 2025, 2026)), n=rng.randint(1, 30))
        for template in REPORT_TITLES
        for _ in range(20)
    ]
    return plain, matching
