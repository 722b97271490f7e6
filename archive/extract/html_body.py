"""Locate the report body of an article page: text-density scoring, with known containers as strong hints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from archive.extract.chrome import LineJudge
from archive.extract.html_text import SKIP_TAGS, Line, element_lines, is_hidden, text_content, visible_chars

# Containers that hold the article text on the platforms we crawl (strong), and generic names (weak).
_STRONG_HINTS = tuple(
    etree.XPath(xpath)
    for xpath in (
        "//*[@id='zoom']",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-conter ')]",
        "//*[@id='UCAP-CONTENT']",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' bt_content ')]",
    )
)
_WEAK_HINTS = tuple(
    etree.XPath(xpath)
    for xpath in (
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' article ')]",
        "//article",
    )
)
# Comment or meta pairs around the article text: a literal the opening one contains (None where the
# pattern ignores case) so most pages are passed over by a plain substring test, then the opening and the
# closing pattern. The text is what lies between the first opening and the first closing after it.
_MARKERS: tuple[tuple[str | None, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "ZJEG_RSS.content.begin",
        re.compile(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->"),
        re.compile(r"<!--\s*ZJEG_RSS\.content\.end\s*-->"),
    ),
    (
        "<$[信息内容]>",
        re.compile(r"<!--\s*<\$\[信息内容\]>\s*begin\s*-->"),
        re.compile(r"<!--\s*<\$\[信息内容\]>\s*end\s*-->"),
    ),
    (
        None,
        re.compile(r"""<meta\s+name\s*=\s*["']?ContentStart["']?[^>]*>""", re.I),
        re.compile(r"""<meta\s+name\s*=\s*["']?ContentEnd["']?[^>]*>""", re.I),
    ),
)
# Widgets that are never report text; only removed while small, so a wrapper that happens to be
# called e.g. "print-area" around the whole article survives.
_WIDGET = re.compile(
    r"share|fenxiang|bdshare|jiathis|bshare|print|close|toolbar|breadcrumb|crumb|(?:^|[\s_-])nav|menu"
    r"|footer|copyright|related|xgwz|xglj|xgxx|prev|next|sxp|ewm|qrcode|fontsize|zihao",
    re.IGNORECASE,
)
_WIDGET_MAX_CHARS = 150
# A short report ("详见附件") inside e.g. <div id="printContent"> must not be taken for a print button.
_CONTENT_NAME = re.compile(r"content|conter|con\b|text|txt|zoom|article|body|main|detail|editor|zw", re.I)
_CANDIDATE_TAGS = frozenset(
    [
        "div",
        "td",
        "article",
        "section",
        "main",
        "body",
        "span",
        "font",
        "center",
        "dd",
        "form",
        "tbody",
        "table",
    ]
)
_PUNCT = re.compile(r"[，。；：、！？,;:!?]")
# The date or the issuer that closes a report. Two patterns: joined by "|" behind "^", the engine would
# try both at every character instead of skipping ahead to an issuer word's first character.
_SIGNATURE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日$")
_SIGNATURE_ISSUER = re.compile(r"(?:人民政府|办事处|局|委员会|委|办公室|中心|队)$")


@dataclass(frozen=True, slots=True)
class Body:
    """The chosen body: its element (None if none found), its lines, and how it was found."""

    element: etree._Element | None
    lines: tuple[Line, ...]
    method: str  # "marker", "container", "density" or "none"


def prune(doc: etree._Element) -> None:
    """Remove what can never be report text: scripts, styles, comments, hidden parts, small widgets."""
    # Judged all first, then dropped: a widget's size is measured with everything still in place.
    doomed = [el for el in doc.iter() if _is_doomed(el)]
    for el in doomed:
        _drop(el)


def _is_doomed(el: etree._Element) -> bool:
    tag = el.tag
    if not isinstance(tag, str):
        return True  # comments and processing instructions
    tag = tag.lower()
    if tag in SKIP_TAGS or is_hidden(el):
        return True
    if tag == "form" and _chars(el) < 300:
        return True  # search boxes; some old sites wrap the whole page in one big form
    ident, classes = el.get("id"), el.get("class")
    if ident is None and classes is None:
        return False  # no name to be a widget by (a lone space matches no widget word)
    return _is_widget(f"{ident or ''} {classes or ''}") and _chars(el) <= _WIDGET_MAX_CHARS


def find_body(
    doc: etree._Element, source: str, lines: list[Line] | None = None, judge: LineJudge | None = None
) -> Body:
    """Find the report body in a pruned document; `source` is the decoded page, for comment markers.

    `lines` are element_lines(doc) and `judge` the page's LineJudge, when the caller has them already.
    """
    if lines is None:
        lines = element_lines(doc)
    if judge is None:
        judge = LineJudge()
    scores = _score(lines, judge)
    element, method = _choose(doc, scores)
    marked = _marker_lines(source, judge)
    if marked:
        return Body(element, tuple(marked), "marker")
    if element is None:
        return Body(None, (), "none")
    return Body(element, tuple(lines_within(lines, element)), method)


def lines_within(lines: list[Line], container: etree._Element) -> list[Line]:
    """The lines whose anchor is `container` or one of its descendants, in order."""
    members = set(container.iter())
    return [line for line in lines if line.anchor in members]


def _is_widget(names: str) -> bool:
    return bool(_WIDGET.search(names)) and not _CONTENT_NAME.search(names)


def _chars(el: etree._Element) -> int:
    return visible_chars(text_content(el))


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _weight(line: Line, judge: LineJudge) -> float:
    size = line.size
    if size == 0:
        return 0.0
    if judge.is_chrome(line.text):
        return -float(max(5, size))
    if line.link_chars * 2 > size:
        return 0.0 if judge.is_filename_line(line.text) else -float(size + 5)
    if line.row:
        return size * 0.5
    punct = _PUNCT.search(line.text) is not None  # only whether there is any
    if punct and size >= 15:
        return float(size)
    if punct:
        return size * 0.5
    if _SIGNATURE_DATE.match(line.text) or _SIGNATURE_ISSUER.search(line.text):
        return 1.0
    return -0.5


def _score(lines: list[Line], judge: LineJudge) -> dict[etree._Element, float]:
    # Weights are summed per anchor first, then each anchor's total goes up its ancestor chain once.
    # Every weight is a multiple of 0.5, so the float sums are exact whatever the order, and anchors
    # are taken in first-seen order, so the dict's insertion order (which breaks ties) is unchanged.
    per_anchor: dict[etree._Element | None, float] = {}
    for line in lines:
        per_anchor[line.anchor] = per_anchor.get(line.anchor, 0.0) + _weight(line, judge)
    scores: dict[etree._Element, float] = {}
    for el, weight in per_anchor.items():
        while el is not None:
            scores[el] = scores.get(el, 0.0) + weight
            el = el.getparent()
    return scores


def _choose(doc: etree._Element, scores: dict[etree._Element, float]) -> tuple[etree._Element | None, str]:
    best: etree._Element | None = None
    best_score = 0.0
    for el, score in scores.items():
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        # ">" keeps the first (outermost) of equal scores: scores are added bottom-up from the lines,
        # so a wrapper ties with its content only when it adds nothing but neutral lines.
        if tag in _CANDIDATE_TAGS and score > best_score:
            best, best_score = el, score
    for el in _hinted(doc, _STRONG_HINTS):
        score = scores.get(el, 0.0)
        if best is None or score >= 0.7 * best_score or (best_score < 50 and score >= 0):
            return el, "container"
    if best is None:
        return None, "none"
    for el in _hinted(doc, _WEAK_HINTS):
        if _inside(el, best) and scores.get(el, 0.0) >= 0.9 * best_score:
            return el, "container"
    return best, "density"


def _hinted(doc: etree._Element, xpaths: tuple[etree.XPath, ...]) -> Iterator[etree._Element]:
    for xpath in xpaths:
        yield from xpath(doc)


def _inside(el: etree._Element | None, container: etree._Element) -> bool:
    while el is not None:
        if el is container:
            return True
        el = el.getparent()
    return False


def _marker_lines(source: str, judge: LineJudge) -> list[Line]:
    for literal, opening, closing in _MARKERS:
        marked = _between(source, literal, opening, closing)
        if not marked.strip():
            continue
        fragment = lxml_html.fragment_fromstring(marked, create_parent="div")
        prune(fragment)
        lines = element_lines(fragment)
        if any(not judge.is_chrome(line.text) for line in lines):
            return lines
    return []


def _between(source: str, literal: str | None, opening: re.Pattern[str], closing: re.Pattern[str]) -> str:
    """What `opening(.*?)closing` (DOTALL) would capture, "" when it does not match.

    Found in two searches: a lazy group would try the closing pattern at every character of the article.
    An opening match has one possible end, and when no closing follows the first opening none follows a
    later one, so the first opening and the first closing after it are the regex's own choice.
    """
    if literal is not None and literal not in source:
        return ""
    start = opening.search(source)
    if start is None:
        return ""
    end = closing.search(source, start.end())
    return source[start.end() : end.start()] if end is not None else ""
