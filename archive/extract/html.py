"""Extract one article page (bytes as served) into its report text, title, date, publisher and attachments."""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from archive.extract.chrome import LineJudge, drop_title_lines
from archive.extract.decode import decode_html
from archive.extract.html_body import Body, find_body, prune
from archive.extract.html_links import find_attachments
from archive.extract.html_meta import find_date, find_publisher, find_title, label_values, meta_map
from archive.extract.html_text import Line, element_lines, text_content
from archive.extract.types import Extracted

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LINK_SHARE = 0.6  # a line with this share of its characters inside links is a link, not prose
_INFO_WINDOW = 6  # lines at the top of the body that may still be the info line (date, source)
_PARSER = etree.HTMLParser()


def extract_page(body: bytes, url: str, content_type: str | None = None) -> Extracted:
    """The report-relevant content of an article page; never raises on odd markup, warns instead."""
    decoded = decode_html(body, content_type)
    warnings: list[str] = []
    if decoded.declared and decoded.declared != decoded.encoding:
        warnings.append(f"page declares {decoded.declared} but decodes as {decoded.encoding}")
    if decoded.replacement_chars:
        warnings.append(f"{decoded.replacement_chars} undecodable byte sequences replaced (U+FFFD)")
    # Control characters (binary junk, a truncated file) are not text and lxml refuses them in the tree.
    source = _NOT_XML_CHARS.sub("", _XML_DECLARATION.sub("", decoded.text))
    doc = _parse(source)
    if doc is None:
        warnings.append("page has no HTML content")
        return Extracted(
            title="",
            text="",
            encoding=decoded.encoding,
            replacement_chars=decoded.replacement_chars,
            warnings=tuple(warnings),
        )
    metas = meta_map(doc)
    attachments = find_attachments(doc, url)
    page_title = next((text_content(el) for el in doc.iter("title")), "")
    prune(doc)
    labels = label_values(doc)
    lines = element_lines(doc)
    judge = LineJudge()
    found = find_body(doc, source, lines, judge)
    title_found = find_title(doc, metas, labels, found.element, page_title)
    title = title_found.value if title_found else ""
    info = _info_lines(lines, found)
    date_found = find_date(metas, labels, info, url)
    publisher = find_publisher(metas, labels, info)
    text = _report_text(found, title, judge)
    if found.method == "none":
        warnings.append("no report body found")
    elif not text:
        warnings.append("report body is empty" + (" (see attachments)" if attachments else ""))
    if not title:
        warnings.append("no title found")
    if date_found is None:
        warnings.append("no publication date found")
    elif date_found.source == "url-month":
        warnings.append("publication date from the URL's month only (day set to 1)")
    elif date_found.source == "written":
        warnings.append("publication date is the 成文日期 (no other date on the page)")
    return Extracted(
        title=title,
        text=text,
        published_date=dt.date.fromisoformat(date_found.value) if date_found else None,
        publisher=publisher,
        attachments=attachments,
        encoding=decoded.encoding,
        replacement_chars=decoded.replacement_chars,
        warnings=tuple(warnings),
    )


def _parse(source: str) -> etree._Element | None:
    if not source.strip():
        return None
    try:
        # What lxml.html.document_fromstring does, minus its element classes (see html_text.text_content).
        return etree.fromstring(source, _PARSER)
    except (etree.ParserError, ValueError):
        return None


def _report_text(found: Body, title: str, judge: LineJudge) -> str:
    lines = _drop_link_lists(found.lines)
    kept = [line.text for line in lines if not judge.is_chrome(line.text) and not judge.is_filename_line(line.text)]
    return "\n".join(drop_title_lines(kept, title))


def _drop_link_lists(lines: tuple[Line, ...]) -> list[Line]:
    """Drop runs of two or more lines that are mostly link text: related-article lists, not paragraphs."""
    out: list[Line] = []
    run: list[Line] = []
    for line in (*lines, None):
        if line is not None and not line.row and line.size and line.link_chars >= _LINK_SHARE * line.size:
            run.append(line)
            continue
        if len(run) < 2:
            out.extend(run)
        run = []
        if line is not None:
            out.append(line)
    return out


def _info_lines(everything: list[Line], found: Body) -> list[str]:
    """Lines that may hold the date and source: those before the body, its top lines, then those after.

    `everything` is the whole page's lines (element_lines of the pruned document).
    """
    if found.element is None:
        return [line.text for line in everything]
    members = set(found.element.iter())
    inside = [line.anchor in members for line in everything]
    first = inside.index(True) if True in inside else len(everything)
    before = [line.text for line in everything[:first]]
    after = [line.text for line, within in zip(everything[first:], inside[first:], strict=True) if not within]
    return before + [line.text for line in found.lines[:_INFO_WINDOW]] + after
