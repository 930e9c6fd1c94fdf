"""The title classifier on the labelled set: precision and recall per category, the hard cases one by
one, and the report types.

The labelled set (labelled_titles.yaml) holds realistic titles with the item they are evidence of, or
`none`. The per-category table is printed and written to test-artifacts/classifier.txt; the floors
asserted are overall precision >= 0.85 and recall >= 0.80, and no category below 0.6 in either.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from monitor.checklist import REPORT_TYPES, Classifier, Match, report_type
from monitor.config import Checklist, load_checklist

ROOT = Path(__file__).resolve().parents[2]
LABELLED = Path(__file__).parent / "labelled_titles.yaml"
ARTIFACT = ROOT / "test-artifacts" / "classifier.txt"
ROWS: list[dict[str, str]] = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))

PRECISION_FLOOR, RECALL_FLOOR, CATEGORY_FLOOR = 0.85, 0.80, 0.6


@pytest.fixture(scope="module")
def checklist() -> Checklist:
    return load_checklist(ROOT / "config" / "checklist.yaml")


@pytest.fixture(scope="module")
def classifier(checklist: Checklist) -> Classifier:
    return Classifier(checklist)


def top(matches: tuple[Match, ...]) -> str:
    return matches[0].slug if matches else "none"


def predict(classifier: Classifier, row: dict[str, str]) -> str:
    return top(
        classifier.classify(
            row["title"],
            host=row.get("host", ""),
            column_kind=row.get("kind", ""),
            column_name=row.get("column", ""),
        )
    )


# ----------------------------------------------------------------------------- the labelled set


def test_labelled_set_is_well_formed(checklist: Checklist) -> None:
    slugs = {item.slug for item in checklist.items} | {"none"}
    assert len(ROWS) >= 400
    assert sum(row["slug"] == "none" for row in ROWS) >= 80
    assert [row["title"] for row in ROWS if row["slug"] not in slugs] == []
    assert [t for t, n in collections.Counter(row["title"] for row in ROWS).items() if n > 1] == []
    assert all(set(row) <= {"title", "slug", "host", "kind", "column", "note"} for row in ROWS)


def test_every_item_is_labelled_at_least_twice(checklist: Checklist) -> None:
    counts = collections.Counter(row["slug"] for row in ROWS)
    assert {item.slug: counts[item.slug] for item in checklist.items if counts[item.slug] < 2} == {}


@dataclass
class Tally:
    labelled: int = 0
    predicted: int = 0
    right: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0

    def line(self, name: str) -> str:
        return (
            f"{self.labelled:>8}{self.predicted:>11}{self.right:>7}"
            f"{self.precision:>11.3f}{self.recall:>8.3f}  {name}"
        )


def tally(checklist: Checklist, pairs: list[tuple[str, str]]) -> tuple[dict[int, Tally], Tally]:
    """Per category and overall (micro): a prediction is right only with the exact item."""
    category = {item.slug: item.category for item in checklist.items}
    per = {c.number: Tally() for c in checklist.categories}
    overall = Tally()
    for label, predicted in pairs:
        for slug, field in ((label, "labelled"), (predicted, "predicted")):
            if slug != "none":
                for counted in (per[category[slug]], overall):
                    setattr(counted, field, getattr(counted, field) + 1)
        if label == predicted != "none":
            per[category[label]].right += 1
            overall.right += 1
    return per, overall


def render(checklist: Checklist, classifier: Classifier, results: list[tuple[dict[str, str], str]]) -> str:
    per, overall = tally(checklist, [(row["slug"], p) for row, p in results])
    names = {c.number: f"{c.number} {c.name}" for c in checklist.categories}
    none = sum(row["slug"] == "none" for row, _ in results)
    lines = [
        f"Title classifier v{Classifier.VERSION} on {LABELLED.relative_to(ROOT)}: {len(results)} "
        f"titles ({len(results) - none} with an item, {none} none); "
        f"OpenCC: {'yes' if classifier.traditional else 'no (traditional rows expected to miss)'}",
        "Top match against the label; right = the exact item. Floors: overall precision "
        f">= {PRECISION_FLOOR}, recall >= {RECALL_FLOOR}; every category >= {CATEGORY_FLOOR}.",
        "",
        f"{'labelled':>8}{'predicted':>11}{'right':>7}{'precision':>11}{'recall':>8}  category",
        *(per[n].line(names[n]) for n in sorted(per)),
        overall.line("overall (micro)"),
        "",
        "Misses (label → prediction: title [host]):",
        *(
            f"  {row['slug']} → {p}: {row['title']} [{row.get('host', '')}]"
            for row, p in results
            if p != row["slug"]
        ),
    ]
    return "\n".join(lines) + "\n"


def test_precision_and_recall_per_category(checklist: Checklist, classifier: Classifier) -> None:
    results = [(row, predict(classifier, row)) for row in ROWS]
    table = render(checklist, classifier, results)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(table, encoding="utf-8")
    print("\n" + table)
    per, overall = tally(checklist, [(row["slug"], p) for row, p in results])
    assert overall.precision >= PRECISION_FLOOR
    assert overall.recall >= RECALL_FLOOR
    low = {n: (t.precision, t.recall) for n, t in per.items() if min(t.precision, t.recall) < CATEGORY_FLOOR}
    assert low == {}


# ----------------------------------------------------------------------------- hard cases

HARD_CASES = [
    # 预算 vs 决算; 三公 goes with 决算
    pytest.param("哈尔滨工业大学2026年部门预算", "", "budget-tables", id="预算 → 19"),
    pytest.param("哈尔滨工业大学2024年度部门决算", "", "final-account-tables", id="决算 → 20"),
    pytest.param("2025年“三公”经费支出情况", "", "final-account-tables", id="三公 → 20"),
    pytest.param("2024年度部门决算及“三公”经费预算执行情况", "", "final-account-tables", id="决算+预算 → 20"),
    # 章程
    pytest.param("关于公布2026年本科招生章程的通知", "", "admission-charter-plan", id="招生章程 → 7"),
    pytest.param("哈尔滨工业大学章程", "", "charter-and-rules", id="学校章程 → 2"),
    pytest.param("哈尔滨工业大学学术委员会章程", "", "academic-committee", id="学术委员会章程 → 4"),
    # 复试 → 11 or 12, 复查 → 10
    pytest.param("2026年博士研究生招生复试名单公示", "", "graduate-retest-scores", id="复试名单 → 12"),
    pytest.param(
        "2026年硕士研究生复试录取工作方案", "", "graduate-admission-brochure", id="复试录取方案 → 11"
    ),
    pytest.param("关于2026年硕士研究生复试安排的通知", "", "graduate-admission-brochure", id="复试安排 → 11"),
    pytest.param("2025级本科新生入学资格复查结果公示", "", "admission-appeals", id="复查结果 → 10"),
    pytest.param("关于开展2025级新生入学复查工作的通知", "", "admission-appeals", id="入学复查 → 10"),
    # 质量报告: 就业 first
    pytest.param("2025届毕业生就业质量年度报告", "", "employment-quality-report", id="就业质量年度报告 → 33"),
    pytest.param("2024年毕业生就业质量报告", "", "employment-quality-report", id="就业质量报告 → 33"),
    pytest.param(
        "2024-2025学年本科教学质量报告", "", "undergrad-teaching-quality-report", id="本科教学 → 35"
    ),
    # 招聘: the site decides
    pytest.param(
        "华为技术有限公司2026届校园招聘", "career.hit.edu.cn", "employment-services", id="校园招聘 → 31"
    ),
    pytest.param(
        "比亚迪股份有限公司招聘启事", "career.hit.edu.cn", "employment-services", id="招聘启事 careers → 31"
    ),
    pytest.param(
        "比亚迪股份有限公司招聘启事", "rsc.hit.edu.cn", "cadre-appointment-recruitment", id="招聘启事 HR → 25"
    ),
    pytest.param("2026年科研助理招聘", "rsc.hit.edu.cn", "cadre-appointment-recruitment", id="招聘 HR → 25"),
    pytest.param("2026年科研助理招聘", "jy.example.edu.cn", "employment-services", id="招聘 jy → 31"),
    pytest.param("2026年科研助理招聘", "", "none", id="招聘 on no site → none"),
    pytest.param(
        "2025年秋季学期勤工助学岗位招聘", "xsc.hit.edu.cn", "student-financial-aid", id="勤工助学 → 37"
    ),
    # 公示 and other generic words alone decide nothing
    pytest.param("2026年暑期社会实践活动立项名单公示", "", "none", id="名单公示 → none"),
    pytest.param(
        "关于修订和印发有关规定办法的通知公告", "xxgk.hit.edu.cn", "none", id="generic words → none"
    ),
    pytest.param("公示", "yzb.hit.edu.cn", "none", id="公示 on a graduate site → none"),
    # other traps
    pytest.param("2025年秋季学期学业预警名单", "", "student-status-rules", id="学业预警 → 36 not 50"),
    pytest.param(
        "关于2025年秋季学期学费减免申请的通知", "", "student-financial-aid", id="学费减免 → 37 not 21"
    ),
    pytest.param(
        "哈尔滨工业大学2026年国际学生招生简章", "", "international-students", id="国际学生简章 → 48"
    ),
    pytest.param("2026年中国政府奖学金申请通知", "", "international-students", id="中国政府奖学金 → 48"),
    pytest.param(
        "2026年保送生拟录取名单公示", "zsb.hit.edu.cn", "special-admission-results", id="保送生 → 8 not 13"
    ),
    pytest.param("哈尔滨工业大学差旅费管理办法", "", "finance-asset-rules", id="specific rule → 15 not 2"),
    pytest.param("学校举行2025届本科生毕业典礼暨学位授予仪式", "", "none", id="ceremony news → none"),
    pytest.param("校工会举办2025年教职工羽毛球比赛", "", "none", id="工会 sports → none"),
    # cut titles and folding
    pytest.param("哈工大二校区学生公寓维修改造工程中标结…", "", "procurement-tendering", id="cut 中标结…"),
    pytest.param("2024-2025学年本科教学质量报…", "", "undergrad-teaching-quality-report", id="cut 质量报…"),
    pytest.param("２０２６年 部门 预算", "", "budget-tables", id="full-width and spaces"),
]


@pytest.mark.parametrize(("title", "host", "expected"), HARD_CASES)
def test_hard_case(classifier: Classifier, title: str, host: str, expected: str) -> None:
    assert top(classifier.classify(title, host=host)) == expected


def test_priors_strengthen_but_never_create_a_match(classifier: Classifier) -> None:
    assert classifier.classify("学校召开2026年春季学期工作会议", host="career.hit.edu.cn") == ()
    assert classifier.classify("关于张三等同志的通知", column_name="干部任免", column_kind="hr_plan") == ()
    assert (
        top(classifier.classify("2026年科研助理招聘", column_name="人才招聘"))
        == "cadre-appointment-recruitment"
    )


def test_matches_are_at_most_three_best_first(classifier: Classifier) -> None:
    for row in ROWS:
        matches = classifier.classify(row["title"], host=row.get("host", ""))
        assert len(matches) <= 3
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert classifier.classify("") == ()


def test_a_match_names_its_strongest_keyword(classifier: Classifier) -> None:
    (match, *_) = classifier.classify("哈尔滨工业大学2024-2025学年信息公开工作年度报告")
    assert match == Match("disclosure-annual-report", match.score, "信息公开工作年度报告")


TRADITIONAL = [
    ("哈爾濱工業大學2023-2024學年信息公開工作年度報告", "disclosure-annual-report"),
    ("2026年碩士研究生擬錄取名單公示", "graduate-admission-list"),
    ("2025年度國家獎學金評審結果公示", "student-financial-aid"),
    ("關於張三同志任職的通知", "cadre-appointment-recruitment"),
]


@pytest.mark.parametrize(("title", "expected"), TRADITIONAL)
def test_traditional_titles_with_opencc(classifier: Classifier, title: str, expected: str) -> None:
    if not classifier.traditional:
        pytest.skip("OpenCC is not installed (optional: pip install opencc)")
    assert top(classifier.classify(title)) == expected


def test_without_opencc_traditional_titles_simply_match_less(checklist: Checklist) -> None:
    plain = Classifier(checklist, traditional=False)
    assert not plain.traditional
    assert plain.classify("2026年碩士研究生擬錄取名單公示") == ()
    assert top(plain.classify("2026年硕士研究生拟录取名单公示")) == "graduate-admission-list"


# ----------------------------------------------------------------------------- report types


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("关于张三同志任职的通知", "干部任职公告"),
        ("2025年处级干部任前公示（第3批）", "干部任职公告"),
        ("关于李四等同志职务任免的通知", "干部任职公告"),
        ("干部考察预告", "干部任职公告"),
        ("关于王五同志免职的通知", "干部任职公告"),
        ("2026年专职辅导员招聘公告", "招聘信息"),
        ("哈尔滨工业大学2026年博士后招聘启事", "招聘信息"),
        ("2026年管理岗位拟聘用人员公示", "招聘信息"),
        ("华为技术有限公司2026届校园招聘", None),
        ("2026届毕业生春季大型双选会暨招聘会", None),
        ("2025年秋季学期勤工助学岗位招聘", None),
        ("关于开展2026年教师任职资格评审工作的通知", None),
        ("航天学院举办“空间科学前沿”系列学术讲座", None),
    ],
)
def test_report_type(title: str, expected: str | None) -> None:
    assert report_type(title) == expected


def test_report_type_knows_a_careers_site() -> None:
    assert report_type("比亚迪股份有限公司招聘公告", host="rsc.hit.edu.cn") == "招聘信息"
    assert report_type("比亚迪股份有限公司招聘公告", host="career.hit.edu.cn") is None
    assert report_type("关于张三同志任职的通知", host="career.hit.edu.cn") == "干部任职公告"


def test_report_types_are_the_ones_the_annual_report_quotes() -> None:
    assert [t.name for t in REPORT_TYPES] == ["干部任职公告", "招聘信息"]
    assert all(t.keywords for t in REPORT_TYPES)
