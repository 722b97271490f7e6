"""Locate the report body of an article page: text-density scoring, with known containers as strong hints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from archive.extract.chrome import is_chrome, is_filename_line
from archive.extract.html_text import SKIP_TAGS, Line, element_lines, is_hidden, visible_chars

# Containers that hold the article text on the platforms we crawl (strong), and generic names (weak).
_STRONG_HINTS = (
    "//*[@id='zoom']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article-conter ')]",
    "//*[@id='UCAP-CONTENT']",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' bt_content ')]",
)
_WEAK_HINTS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' content ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' article ')]",
    "//article",
)
_MARKERS = (
    re.compile(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->(.*?)<!--\s*ZJEG_RSS\.content\.end\s*-->", re.S),
    re.compile(r"<!--\s*<\$\[信息内容\]>\s*begin\s*-->(.*?)<!--\s*<\$\[信息内容\]>\s*end\s*-->", re.S),
    re.compile(
        r"""<meta\s+name\s*=\s*["']?ContentStart["']?[^>]*>(.*?)<meta\s+name\s*=\s*["']?ContentEnd["']?[^>]*>""",
        re.S | re.I,
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
_SIGNATURE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$|(?:人民政府|办事处|局|委员会|委|办公室|中心|队)$")


@dataclass(frozen=True, slots=True)
class Body:
    """The chosen body: its element (None if none found), its lines, and how it was found."""

    element: lxml_html.HtmlElement | None
    lines: tuple[Line, ...]
    method: str  # "marker", "container", "density" or "none"


def prune(doc: lxml_html.HtmlElement) -> None:
    """Remove what can never be report text: scripts, styles, comments, hidden parts, small widgets."""
    doomed: list[etree._Element] = []
    for el in doc.iter():
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None:
            doomed.append(el)  # comments and processing instructions
        elif tag.lower() in SKIP_TAGS or is_hidden(el):
            doomed.append(el)
        elif tag.lower() == "form" and _chars(el) < 300:
            doomed.append(el)  # search boxes; some old sites wrap the whole page in one big form
        elif _is_widget(f"{el.get('id', '')} {el.get('class', '')}") and _chars(el) <= _WIDGET_MAX_CHARS:
            doomed.append(el)
    for el in doomed:
        _drop(el)


def find_body(doc: lxml_html.HtmlElement, source: str, lines: list[Line] | None = None) -> Body:
    """Find the report body in a pruned document; `source` is the decoded page, for comment markers.

    `lines` are element_lines(doc) when the caller has them already.
    """
    if lines is None:
        lines = element_lines(doc)
    scores = _score(lines)
    element, method = _choose(doc, scores)
    marked = _marker_lines(source)
    if marked:
        return Body(element, tuple(marked), "marker")
    if element is None:
        return Body(None, (), "none")
    return Body(element, tuple(lines_within(lines, element)), method)


def lines_within(lines: list[Line], container: lxml_html.HtmlElement) -> list[Line]:
    """The lines whose anchor is `container` or one of its descendants, in order."""
    members = set(container.iter())
    return [line for line in lines if line.anchor in members]


def _is_widget(names: str) -> bool:
    return bool(_WIDGET.search(names)) and not _CONTENT_NAME.search(names)


def _chars(el: lxml_html.HtmlElement) -> int:
    return visible_chars(el.text_content())


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


def _weight(line: Line) -> float:
    size = line.size
    if size == 0:
        return 0.0
    if is_chrome(line.text):
        return -float(max(5, size))
    if line.link_chars * 2 > size:
        return 0.0 if is_filename_line(line.text) else -float(size + 5)
    if line.row:
        return size * 0.5
    punct = len(_PUNCT.findall(line.text))
    if punct and size >= 15:
        return float(size)
    if punct:
        return size * 0.5
    if _SIGNATURE.search(line.text):
        return 1.0
    return -0.5


def _score(lines: list[Line]) -> dict[lxml_html.HtmlElement, float]:
    # Weights are summed per anchor first, then each anchor's total goes up its ancestor chain once.
    # Every weight is a multiple of 0.5, so the float sums are exact whatever the order, and anchors
    # are taken in first-seen order, so the dict's insertion order (which breaks ties) is unchanged.
    per_anchor: dict[lxml_html.HtmlElement | None, float] = {}
    for line in lines:
        per_anchor[line.anchor] = per_anchor.get(line.anchor, 0.0) + _weight(line)
    scores: dict[lxml_html.HtmlElement, float] = {}
    for el, weight in per_anchor.items():
        while el is not None:
            scores[el] = scores.get(el, 0.0) + weight
            el = el.getparent()
    return scores


def _choose(
    doc: lxml_html.HtmlElement, scores: dict[lxml_html.HtmlElement, float]
) -> tuple[lxml_html.HtmlElement | None, str]:
    best: lxml_html.HtmlElement | None = None
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


def _hinted(doc: lxml_html.HtmlElement, xpaths: tuple[str, ...]) -> Iterator[lxml_html.HtmlElement]:
    for xpath in xpaths:
        yield from doc.xpath(xpath)


def _inside(el: lxml_html.HtmlElement | None, container: lxml_html.HtmlElement) -> bool:
    while el is not None:
        if el is container:
            return True
        el = el.getparent()
    return False


def _marker_lines(source: str) -> list[Line]:
    for pattern in _MARKERS:
        match = pattern.search(source)
        if not match or not match.group(1).strip():
            continue
        fragment = lxml_html.fragment_fromstring(match.group(1), create_parent="div")
        prune(fragment)
        lines = element_lines(fragment)
        if any(not is_chrome(line.text) for line in lines):
            return lines
    return []
