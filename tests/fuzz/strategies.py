"""Hypothesis strategies shared by the fuzz tests: date-like text, URLs, and mutations of bytes.

The alphabets lean on what campus pages print (digits, ``- / . 年月日``, full-width digits,
labels, relative words, brackets), so that generated text reaches the date readers' regexes
rather than missing them all; plain ``st.text()`` is mixed in for everything else.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

#: The crawl's local date: any day from well before the oldest campus site to far ahead.
TODAYS = st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2100, 12, 31))

_DATE_TOKENS = (
    [str(i) for i in range(10)]
    + ["2022", "2026", "1999", "2099", "12", "31", "02-29", "09-01", "0", "00", "99", "9" * 12]
    + list("-/.年月日号 :：[]【】()（）\n\t\u3000\xa0\u200b－／．２０１９")
    + ["发布时间：", "时间:", "日期：", "更新时间", "发表于", "10:01", "AM", "PM", " 10:00:00"]
    + ["今天", "昨天", "前天", "大前天", "刚刚", "半小时前", "天前", "小时前", "分钟前", "秒前"]
    + ["周前", "星期前", "¹", "²", "٣"]  # digits to str.isdigit (and the last to int), not to a date
)
#: Text that looks like the date cells, labels and stray words of list rows and article lines.
DATE_TEXT = st.one_of(
    st.lists(st.sampled_from(_DATE_TOKENS), max_size=12).map("".join),
    st.builds(
        "{}{}{}{}{}{}".format,
        st.integers(min_value=0, max_value=99999),
        st.sampled_from(["-", "/", ".", "年", " ", "\n"]),
        st.integers(min_value=0, max_value=99),
        st.sampled_from(["-", "/", ".", "月", " "]),
        st.integers(min_value=0, max_value=99),
        st.sampled_from(["", "日", " 10:01", "]", "\n2022"]),
    ),
    st.builds(
        "{}{}前".format,
        st.integers(min_value=0, max_value=10**30),
        st.sampled_from(["天", "周", "小时"]),
    ),
    st.text(max_size=60),
)

_HOSTS = st.sampled_from(
    ["jwc.hit.edu.cn", "NEWS.QLU.EDU.CN", "127.0.0.1", "xn--fiqs8s.cn", "哈工大.cn", "a_b.edu.cn", "", "[",
     "[::1]", "[::1", "[x]", "h:99999", "h:0", "h:-1", "user:pw@h", "h:80", "%zz", ".", "..", "h.."]
)  # fmt: skip
_PATH_TOKENS = [
    "/", "info", "1039", "3201.htm", "list.htm", "..", ".", "%2e%2e", "%", "%zz", "%E4%B8%AD", "中文",
    "a b", ";x=1", "?", "&", "=", "#", "#top", "//", "\\", "2022", "0901", "c1a2", "t20220901_1.html",
    "a.PDF", "x.docx", ".pdf", "page.htm", "download.jsp", "/system/_content/download.jsp?wbfileid=1",
    "\t", "\n", "\x00", "\u200b", "~", "@", ":", "[", "]",
]  # fmt: skip
#: Links as list pages write them: absolute, root-relative, relative, scheme-relative and broken.
URLS = st.one_of(
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["http://", "https://", "HTTP://", "//", "", "ftp://", "javascript:", "mailto:"]),
        _HOSTS,
        st.lists(st.sampled_from(_PATH_TOKENS), max_size=8).map("".join),
    ),
    st.lists(st.sampled_from(_PATH_TOKENS), max_size=8).map("".join),
    st.text(max_size=40),
)
#: The pages that links are found on: mostly sane, sometimes as broken as the links.
BASES = st.one_of(
    st.sampled_from(["http://jwc.hit.edu.cn/2591/list.htm", "https://news.qlu.edu.cn/814/list2.htm"]),
    URLS,
)

_SNIPPETS = [
    b"<li>", b"</li>", b"<ul>", b"</ul>", b"<table><tr><td>", b"</td></tr></table>", b"<div>" * 40,
    b"<a href='http://[x/'>x</a>", b"<a href=\"../info/1/2.htm\">\xe9\x80\x9a\xe7\x9f\xa5</a>",
    b"<span>[2099-01-01]</span>", b"<span>2022-02-30</span>", b"<span>12-31</span>",
    b"<span>\xe4\xbb\x8a\xe5\xa4\xa9</span>",
    b"<a href='/2099/01/01/1.htm'>x</a>", b"<a href='/article/2099/12/31/1'>\xe6\x96\xb0</a>",
    b"<a href='t20991231_1.html'>y</a><span>3\xe5\xa4\xa9\xe5\x89\x8d</span>", b"<!--", b"-->", b"<script>",
    b"</script>", b"<![CDATA[", b"&#0;", b"&#xFFFFFF;", b"\x00", b"\xff\xfe", b"\xe4\xb8",
    b"<meta charset=gbk>",
    b"<b", b"\"'>", b"<a href=", b"<html><body>", b"</body></html>", b"<a href='list2.htm'>\xc2\xb9</a>",
    b"<em class='all_pages'>\xc2\xb2</em>",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, body: bytes) -> bytes:
    """``body`` after a few edits: slices deleted, duplicated or truncated, bytes flipped, snippets
    (tags, dates, links, broken entities and encodings) inserted anywhere."""
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if not body:
            body = draw(st.binary(max_size=20))
            continue
        at = draw(st.integers(min_value=0, max_value=len(body)))
        end = draw(st.integers(min_value=at, max_value=min(len(body), at + 2000)))
        edit = draw(st.sampled_from(["delete", "duplicate", "truncate", "flip", "insert", "random"]))
        if edit == "delete":
            body = body[:at] + body[end:]
        elif edit == "duplicate":
            body = body[:end] + body[at:end] + body[end:]
        elif edit == "truncate":
            body = body[:at]
        elif edit == "flip":
            body = body[:at] + bytes([draw(st.integers(0, 255))]) + body[at + 1 :]
        elif edit == "insert":
            body = body[:at] + draw(st.sampled_from(_SNIPPETS)) + body[at:]
        else:
            noise = draw(st.one_of(DATE_TEXT.map(str.encode), st.binary(max_size=30)))
            body = body[:at] + noise + body[at:]
    return body


_WRAPPERS = [
    ("<ul class='news_list'>", "</ul>", "<li class='news'>{link}<span class='news_meta'>{date}</span></li>"),
    ("<div class='list'><ul>", "</ul></div>", "<li><span>{date}</span>{link}</li>"),
    ("<table>", "</table>", "<tr><td>{link}</td><td>{date}</td></tr>"),
    ("<div>", "</div>", "<p>{link} {date}"),  # rows never closed
    ("<ul>", "</ul>", "<li><div class='news_days'>{date}</div><div class='news_year'>{date}</div>{link}"),
]
_TITLES = st.one_of(
    st.sampled_from(["关于2022年招生工作的通知", "公示", "", "置顶 通知", "\u202e\x07"]), st.text(max_size=30)
)


@st.composite
def list_pages(draw: st.DrawFn) -> bytes:
    """A list page made up from rows of links and dates in one of the layouts campus CMSs use,
    wrapped in random depths of markup, with a pager of random page numbers."""
    head, tail, row = draw(st.sampled_from(_WRAPPERS))
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        href = draw(URLS).replace("'", "%27")
        link = f"<a href='{href}' title='x'>{draw(_TITLES)}</a>"
        rows.append(row.format(link=link, date=draw(DATE_TEXT)))
    depth = draw(st.integers(min_value=0, max_value=300))
    pages = draw(st.lists(st.integers(min_value=-5, max_value=10**12), max_size=5))
    pager = "".join(f"<a href='list{n}.htm'>{n}</a>" for n in pages) + "<a href='list2.htm'>下一页</a>"
    html = (
        "<html><head><meta charset='utf-8'></head><body>"
        + "<div>" * depth
        + head
        + "".join(rows)
        + tail
        + "</div>" * depth
        + f"<div class='pages'>{pager}</div></body></html>"
    )
    return html.encode("utf-8", "surrogatepass")
