"""The title classifier: which checklist items a published title is evidence of.

Each item of ``config/checklist.yaml`` brings its ``keywords``, its ``negative`` cues and its
``hosts`` hints; this module adds a few terms learnt from the labelled set
(``tests/checklist/labelled_titles.yaml``), listed in :data:`EXTRA_KEYWORDS` and
:data:`EXTRA_NEGATIVE` as candidates for the config. A title is scored like this:

1. **Normalise**: full-width letters and digits to ASCII, lower case, spaces and quotes removed
   (“三公”经费 → 三公经费), a trailing "…" noted. Traditional characters are folded to simplified
   ones when OpenCC (``opencc`` or ``opencc-python-reimplemented``) is importable: it is asked once,
   at construction, for the traditional forms of every word the classifier knows, and the result is
   one ``str.translate`` table, so the per-title cost stays a single C call. Without OpenCC,
   traditional titles simply match less.
2. **Find words** in one pass: a dict from the first two characters to the words starting with them.
   A title cut with "…" also matches a keyword whose first three or more characters end it.
3. **Longest match wins**: a keyword inside a longer keyword found at the same place counts only
   as part of the longer one, whichever items they belong to. That alone settles most of the
   cross-cutting notes: 招生章程 (7) hides 章程 (2), 学术委员会章程 (4) hides both, 研究生招生简章 (11)
   hides 招生简章 (7), 本科教学质量报告 (35) hides 教学质量报告 (27).
4. **Score**: each remaining keyword adds its specificity, half its length in characters (2 → 1.0,
   4 → 2.0); :data:`WEAK` words (会计, 工会, 学部, 招聘 …) count half. :data:`GENERIC` words
   (公示, 通知, 公告, 规定, 办法, 修订, 印发 …) count nothing even where an item lists them, so a
   title of generic words alone matches nothing; the rule-document item 2 (:data:`FALLBACK`) is
   halved when a more specific item also matches (差旅费管理办法 is item 15).
5. **Veto**: any negative cue of an item removes it (决算 and 三公 remove 预算 (19); 就业 removes
   本科教学质量报告 (35); 复查 removes the 复试 items).
6. **Priors**: an item whose host hint matches the host's first DNS label, or a well-known label
   anywhere in it (:data:`HOST_LABELS`: career/job/jy → employment, rsc/hr → personnel …), gains
   :data:`HOST_BONUS`; keywords found in the column's name add :data:`COLUMN_BONUS`; an item of the
   column's kind a little. Priors only strengthen an item that has a real keyword: 招聘 is item 31
   on a careers site and item 25 on an HR site, but a careers site's 学术讲座 is still nothing.
7. **News cues** (典礼, 讲座, 比赛 …) subtract :data:`NEWS_PENALTY`: a graduation ceremony that
   mentions 学位授予 is news, not the degree requirements.
8. Up to three items at or above :data:`THRESHOLD`, best first; the threshold and weights were tuned
   on the labelled set, whose per-category precision and recall the test suite prints.

:attr:`Classifier.VERSION` is stored with every computed label. Bump it whenever the logic, the
module's word lists or the weights change, so that stored labels are recomputed; a change of the
checklist config is detected by its own content, not by this number.

:data:`REPORT_TYPES` and :func:`report_type` serve the annual report's "counts by type" sentence
(发布干部任职公告 33 条，招聘信息 115 条): two small keyword sets, independent of the 50 items.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.config import Checklist, ChecklistItem

THRESHOLD = 1.0
HOST_BONUS = 0.75
COLUMN_BONUS = 0.5
KIND_BONUS = 0.1
NEWS_PENALTY = 1.5
FALLBACK_FACTOR = 0.5
MAX_MATCHES = 3

#: Words that decide nothing, even for an item that lists them (公示 is item 8, 13, 23 … alike).
GENERIC = frozenset(
    {"公示", "通知", "公告", "规定", "办法", "修订", "印发", "关于印发", "名单", "结果", "决定", "废止"}
)

#: Words that are ambiguous on their own (a department, a club, a common phrase): half weight.
WEAK = frozenset(
    {"会计", "工会", "学部", "产业", "价格", "通报", "查处", "招聘", "招收", "聘任", "职称", "资助"}
    | {"大风", "在校生", "基本情况", "本科专业", "调查处理", "情况通报", "处理结果", "评审结果公示"}
    | {"管理办法", "管理规定", "实施办法", "实施细则", "暂行规定", "条例", "ems", "csc"}
)

#: Items that every rule document could claim: they count fully only when no other item has a keyword.
FALLBACK = frozenset({"charter-and-rules"})

#: Terms found while labelling titles, per item slug; candidates for config/checklist.yaml.
EXTRA_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "basic-info": ("工作分工", "大学简介", "领导简介", "校长简介", "内设机构"),
    "charter-and-rules": ("管理规定", "议事规则"),
    "admission-appeals": ("复查", "入学复查", "入学资格"),
    "graduate-admission-brochure": ("复试", "招收"),
    "graduate-retest-scores": ("考核成绩", "考核结果"),
    "finance-asset-rules": ("差旅",),
    "final-account-tables": ("三公",),
    "cadre-appointment-recruitment": ("招聘", "任免"),
    "undergraduate-ratio-teachers": ("教师数量",),
    "courses-credits": ("课程开设",),
    "employment-services": ("招聘", "校园招聘", "求职创业补贴", "就业工作"),
    "graduate-employment-status": ("毕业去向",),
    "student-rewards-penalties": ("学生处分", "留校察看"),
    "academic-norms": ("撰写规范",),
    "emergencies": ("台风", "强降雨", "汛期"),
}

#: Negative cues found while labelling titles, per item slug.
EXTRA_NEGATIVE: Mapping[str, tuple[str, ...]] = {
    "basic-info": ("民主生活会",),
    "academic-committee": ("学术道德",),
    "graduate-admission-brochure": ("考核结果",),
    "graduate-retest-scores": ("办法", "方案", "细则"),
    "graduate-admission-list": ("保送",),
    "fees": ("差旅",),
    "leader-trips-abroad": ("管理规定",),
    "degree-requirements": ("撤销", "学位授权"),
}

#: Words that mark a news event rather than a disclosure.
NEWS_CUES = frozenset({"典礼", "讲座", "比赛", "竞赛", "论坛", "学术报告", "报告会", "来访", "入选"})


def _label_table(groups: Iterable[tuple[str, str]]) -> Mapping[str, tuple[str, ...]]:
    """("label label", "slug slug") pairs → label → slugs."""
    return {label: tuple(slugs.split()) for labels, slugs in groups for label in labels.split()}


#: Host labels every university uses and the items they hint at, besides each item's own `hosts`.
HOST_LABELS = _label_table(
    [
        (
            "career job jy jyzx jyw scc",
            "employment-services graduate-employment-status employment-quality-report",
        ),
        (
            "zsb zs bkzs",
            "admission-charter-plan special-admission-results admission-results admission-appeals",
        ),
        (
            "yzb yz yjszs gs grad yjsy yjsc",
            "graduate-admission-brochure graduate-retest-scores graduate-admission-list "
            "graduate-admission-appeals",
        ),
        (
            "rsc hr rsb rsch",
            "post-setting-appointment cadre-appointment-recruitment staff-dispute-resolution",
        ),
        ("cwc cws cw cwb", "finance-asset-rules budget-tables final-account-tables fees"),
        (
            "gzc zcc zcglc sbc zbb zbcg cgzx jjc",
            "finance-asset-rules university-enterprises procurement-tendering",
        ),
        ("xsc xgb xgc xszz xsgzb", "student-financial-aid student-rewards-penalties student-appeals"),
        ("jjh edf foundation", "donations"),
        ("gjc ic oic cie isc", "sino-foreign-programs international-students"),
        ("zzb", "leader-part-time-posts cadre-appointment-recruitment"),
    ]
)

#: Host labels whose sites never carry an item: 招聘 on a careers site is not staff recruitment.
HOST_EXCLUDES = _label_table(
    [
        ("career job jy jyzx jyw scc", "cadre-appointment-recruitment"),
        ("rsc hr rsb rsch", "employment-services"),
    ]
)


@dataclass(frozen=True)
class Match:
    """One checklist item a title is evidence of: its slug, score, and strongest keyword."""

    slug: str
    score: float
    keyword: str


#: Matches are few distinct values (slug, score, keyword); reusing them skips the frozen __init__.
_match = functools.lru_cache(maxsize=1 << 16)(Match)

_Hit = tuple[int, int, str]  # start, end, word


@dataclass(frozen=True)
class _Word:
    """What finding one word means: a keyword of some items, a veto of others, a news cue."""

    weights: tuple[tuple[int, float], ...]
    items: frozenset[int]  # the indexes of `weights`
    vetoes: frozenset[int]
    news: bool


@dataclass(frozen=True)
class _Site:
    """What a host says: the items it hints at and the items it never carries."""

    prior: frozenset[int]
    excluded: frozenset[int]


# ----------------------------------------------------------------------------- finding words

_FOLD: dict[int, Any] = {
    **{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)},  # full-width ASCII
    **{code: code + 32 for code in range(ord("A"), ord("Z") + 1)},
    **dict.fromkeys(map(ord, " \t\r\n\u3000“”‘’\"'《》〈〉「」『』-‐–—·•"), None),
}
_CUT_MARKS = ("…", "...", "⋯")


def _fold(word: str) -> str:
    return word.translate(_FOLD)


def _traditional_table(words: Iterable[str]) -> dict[int, str]:
    """Traditional → simplified for the characters of `words`, from OpenCC if it is installed."""
    try:
        import opencc  # optional: folds traditional characters
    except ImportError:
        return {}
    simplified = sorted(set(words))
    table: dict[int, str] = {}
    for config in ("s2t", "s2tw", "s2hk"):
        try:
            converted = opencc.OpenCC(config).convert("\n".join(simplified)).split("\n")
        except Exception:  # noqa: S112 - a config missing from one OpenCC build is not an error
            continue
        for simple, traditional in zip(simplified, converted, strict=False):
            if len(simple) == len(traditional):
                table.update({ord(t): s for s, t in zip(simple, traditional, strict=True) if s != t})
    return table


class _Vocabulary:
    """Every word to look for, found in one pass over a normalised text.

    Words are indexed by their first two characters (every word has at least two); at each
    position of the text the candidates are tried longest first, so the hits come out ordered by
    start and, at one start, longest first: :meth:`Classifier._keyword_scores` relies on that.
    """

    def __init__(self, words: Iterable[str], *, traditional: bool = True) -> None:
        by_length = sorted({w for w in map(_fold, words) if len(w) >= 2}, key=len, reverse=True)
        self._fold = {**_FOLD, **(_traditional_table(by_length) if traditional else {})}
        heads: dict[str, list[str]] = {}
        for word in by_length:
            heads.setdefault(word[:2], []).append(word)
        self._heads = {head: tuple(ws) for head, ws in heads.items()}
        self._prefixes = {w[:k]: w for w in by_length for k in range(3, len(w))}  # shortest wins
        self._needs_fold = re.compile("[" + re.escape("".join(map(chr, self._fold))) + "]")
        self.traditional = len(self._fold) > len(_FOLD)

    def normalise(self, text: str) -> tuple[str, bool]:
        """The folded text, and whether it was cut with "…"."""
        if self._needs_fold.search(text):  # most titles need no folding; searching is 5x cheaper
            text = text.translate(self._fold)
        cut = text.endswith(_CUT_MARKS)
        return (text.rstrip("….⋯") if cut else text), cut

    def find(self, text: str, *, cut: bool = False) -> list[_Hit]:
        """Every (start, end, word) in `text`; with `cut`, also a word whose prefix ends it."""
        found: list[_Hit] = []
        # the bigrams are built and looked up in C; the Python loop only walks the results
        for i, candidates in enumerate(map(self._heads.get, map(operator.add, text, text[1:]))):
            if candidates:
                for word in candidates:
                    if text.startswith(word, i):
                        found.append((i, i + len(word), word))
        if cut:
            found = sorted([*found, *self._cut_word(text)], key=lambda h: (h[0], -h[1]))
        return found

    def _cut_word(self, text: str) -> list[_Hit]:
        """The keyword completing the longest tail of `text` (three characters or more)."""
        for k in range(min(len(text), 12), 2, -1):
            word = self._prefixes.get(text[-k:])
            if word is not None:
                return [(len(text) - k, len(text), word)]
        return []


def _weight(word: str) -> float:
    specificity = max(len(word), 2) / 2
    return specificity / 2 if word in WEAK else specificity


def _host_labels(host: str) -> set[str]:
    """The first DNS label of a host (or URL), and every label that is well known."""
    host = host.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    labels = host.split(".")
    return {labels[0]} | {label for label in labels if label in HOST_LABELS}


# ----------------------------------------------------------------------------- the classifier


class Classifier:
    """Assign checklist items to titles; compile once, then call :meth:`classify` per title."""

    VERSION = 1

    def __init__(self, checklist: Checklist, *, traditional: bool = True) -> None:
        """Index every word of `checklist`; `traditional=False` skips OpenCC even if installed."""
        self._items: tuple[ChecklistItem, ...] = checklist.items
        self._kinds = tuple(item.kind for item in self._items)
        self._slugs = tuple(item.slug for item in self._items)
        self._words = _compile_words(self._items)
        self._vetoes = {word: entry.vetoes for word, entry in self._words.items() if entry.vetoes}
        self._vocabulary = _Vocabulary(self._words, traditional=traditional)
        self._by_label = _host_table(self._items, HOST_LABELS, own_hints=True)
        self._excludes = _host_table(self._items, HOST_EXCLUDES, own_hints=False)
        self._fallback = frozenset(i for i, item in enumerate(self._items) if item.slug in FALLBACK)
        self._site = functools.lru_cache(maxsize=4096)(self._site_of)
        self._column = functools.lru_cache(maxsize=4096)(self._column_items)

    @property
    def traditional(self) -> bool:
        """Whether traditional characters are folded (OpenCC was importable)."""
        return self._vocabulary.traditional

    def classify(
        self, title: str, *, host: str = "", column_kind: str = "", column_name: str = ""
    ) -> tuple[Match, ...]:
        """The items `title` is evidence of, best first; () when nothing fits."""
        text, cut = self._vocabulary.normalise(title)
        hits = self._vocabulary.find(text, cut=cut)
        if not hits:
            return ()
        site = self._site(host)
        vetoes = [v for _, _, w in hits if (v := self._vetoes.get(w))]
        excluded = site.excluded.union(*vetoes) if vetoes else site.excluded
        scores, strongest = self._keyword_scores(hits, excluded)
        if not scores:
            return ()
        self._add_priors(scores, site=site, column_kind=column_kind, column_name=column_name)
        ranked = sorted((-score, i) for i, score in scores.items() if score >= THRESHOLD)
        slugs, match = self._slugs, _match
        return tuple(match(slugs[i], round(-score, 3), strongest[i][1]) for score, i in ranked[:MAX_MATCHES])

    def _keyword_scores(
        self, hits: list[_Hit], excluded: frozenset[int]
    ) -> tuple[dict[int, float], dict[int, tuple[float, str]]]:
        """Per item not excluded: the summed weight of its maximal keywords, and its strongest one.

        `hits` come ordered by start and, at one start, longest first; so a hit lies inside a
        longer one exactly when it ends no later than the furthest end seen so far (`reach`). A word
        that counts for no remaining item hides nothing: with staff recruitment excluded on a
        careers site, 招聘启事 no longer hides the 招聘 of item 31.
        """
        words = self._words
        scores: dict[int, float] = {}
        strongest: dict[int, tuple[float, str]] = {}
        news, reach, seen = False, -1, set()
        for _, end, word in hits:
            entry = words[word]
            if end <= reach or not (entry.news or entry.items - excluded):
                continue
            reach = end
            if word in seen:
                continue
            seen.add(word)
            news = news or entry.news
            for index, weight in entry.weights:
                if index not in excluded:
                    scores[index] = scores.get(index, 0.0) + weight
                    if weight > strongest.get(index, (0.0, ""))[0]:
                        strongest[index] = (weight, word)
        if news:
            scores = {i: score - NEWS_PENALTY for i, score in scores.items()}
        return scores, strongest

    def _add_priors(
        self, scores: dict[int, float], *, site: _Site, column_kind: str, column_name: str
    ) -> None:
        """Add the site and column priors to items that have a keyword; demote the fallback items."""
        for index in site.prior & scores.keys():
            scores[index] += HOST_BONUS
        for index in self._column(column_name) & scores.keys() if column_name else ():
            scores[index] += COLUMN_BONUS
        for index in scores if column_kind else ():
            if self._kinds[index] == column_kind:
                scores[index] += KIND_BONUS
        if len(scores) > 1 and scores.keys() - self._fallback:
            for index in self._fallback & scores.keys():
                scores[index] *= FALLBACK_FACTOR

    def _site_of(self, host: str) -> _Site:
        labels = _host_labels(host) if host else set()
        return _Site(
            prior=frozenset().union(*(self._by_label.get(label, ()) for label in labels)),
            excluded=frozenset().union(*(self._excludes.get(label, ()) for label in labels)),
        )

    def _column_items(self, column_name: str) -> frozenset[int]:
        """The items a column's name speaks of, by the same longest-match rule as titles."""
        text, _ = self._vocabulary.normalise(column_name)
        scores, _ = self._keyword_scores(self._vocabulary.find(text), frozenset())
        return frozenset(scores)


def _compile_words(items: Iterable[ChecklistItem]) -> dict[str, _Word]:
    """Every folded word → what finding it means, from the items, the extras and the news cues."""
    weights: dict[str, dict[int, float]] = {}
    vetoes: dict[str, set[int]] = {}
    for index, item in enumerate(items):
        for word in map(_fold, (*item.keywords, *EXTRA_KEYWORDS.get(item.slug, ()))):
            if word not in GENERIC:  # they weigh nothing: indexing them would only cost time
                weights.setdefault(word, {})[index] = _weight(word)
        for word in map(_fold, (*item.negative, *EXTRA_NEGATIVE.get(item.slug, ()))):
            vetoes.setdefault(word, set()).add(index)
    news = set(map(_fold, NEWS_CUES))
    return {
        word: _Word(
            weights=tuple(weights.get(word, {}).items()),
            items=frozenset(weights.get(word, ())),
            vetoes=frozenset(vetoes.get(word, ())),
            news=word in news,
        )
        for word in weights.keys() | vetoes.keys() | news
    }


def _host_table(
    items: Iterable[ChecklistItem], table: Mapping[str, tuple[str, ...]], *, own_hints: bool
) -> dict[str, frozenset[int]]:
    """Host label → item indexes, from `table` and (with `own_hints`) each item's `hosts`."""
    indexed = list(enumerate(items))
    found: dict[str, set[int]] = {}
    for index, item in indexed if own_hints else ():
        for label in item.hosts:
            found.setdefault(label.lower(), set()).add(index)
    by_slug = {item.slug: index for index, item in indexed}
    for label, slugs in table.items():
        found.setdefault(label, set()).update(by_slug[s] for s in slugs if s in by_slug)
    return {label: frozenset(indexes) for label, indexes in found.items()}


# ----------------------------------------------------------------------------- report types


@dataclass(frozen=True)
class ReportType:
    """A kind of title the annual report counts (发布干部任职公告 33 条): name, keywords, negatives."""

    name: str
    keywords: tuple[str, ...]
    negative: tuple[str, ...] = ()
    never_on: tuple[str, ...] = ()  # host labels whose titles are never of this type


#: In order of precedence: a title is of the first type with a keyword and no negative cue.
REPORT_TYPES: tuple[ReportType, ...] = (
    ReportType(
        "干部任职公告",
        keywords=("任前公示", "干部任免", "职务任免", "任免", "任职", "免职", "拟任", "干部考察", "考察预告"),
        negative=("任职资格", "学生会", "学生干部"),
    ),
    ReportType(
        "招聘信息",
        keywords=("招聘", "拟聘用", "拟录用", "聘用公示", "人才引进"),
        negative=("校园招聘", "宣讲会", "双选会", "招聘会", "勤工助学", "实习", "毕业生", "学生助理"),
        never_on=tuple(
            label for label, slugs in HOST_EXCLUDES.items() if "cadre-appointment-recruitment" in slugs
        ),
    ),
)


@functools.cache
def _report_vocabulary() -> _Vocabulary:
    return _Vocabulary(w for t in REPORT_TYPES for w in (*t.keywords, *t.negative))


def report_type(title: str, *, host: str = "") -> str | None:
    """The name of the first of :data:`REPORT_TYPES` that `title` is, or None.

    With `host`, a careers site's 招聘 (companies hiring students) is not the university's 招聘信息.
    """
    vocabulary = _report_vocabulary()
    text, _ = vocabulary.normalise(title)
    found = {word for _, _, word in vocabulary.find(text)}
    labels = _host_labels(host) if host else set()
    for kind in REPORT_TYPES:
        if (
            found.intersection(map(_fold, kind.keywords))
            and found.isdisjoint(map(_fold, kind.negative))
            and labels.isdisjoint(kind.never_on)
        ):
            return kind.name
    return None
