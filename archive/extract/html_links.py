"""Find a page's attachment links (.docx, .pdf, .wps files, download gateways) with their file names."""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

from lxml import etree

from archive.extract.chrome import ATTACHMENT_EXTENSIONS
from archive.extract.html_text import text_content
from archive.extract.normalize import clean_line
from archive.extract.types import AttachmentLink

_EXT = re.compile(r"\.(" + "|".join(ATTACHMENT_EXTENSIONS) + r")$", re.IGNORECASE)
_NAME_PREFIX = re.compile(r"^(?:(?:相关)?附件\s*\d*|附件下载|下载)\s*[:：]?\s*(?:\d+\s*[.、．]\s*)?")
_SIZE_SUFFIX = re.compile(r"\s*[（(]\s*\d+(?:\.\d+)?\s*[KMG]?B?\s*[)）]$", re.IGNORECASE)
# Regions whose links point at other pages (menus, related lists, footers), never at this page's files.
_OFF_REGION = re.compile(
    r"(?:^|[\s_-])(?:nav|menu|footer|foot|header|head|related|xgwz|xglj|xgxx|sidebar|side|links?|yqlj)(?:$|[\s_-])",
    re.IGNORECASE,
)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")


def find_attachments(doc: etree._Element, page_url: str) -> tuple[AttachmentLink, ...]:
    """Attachment links anywhere outside menus, related lists and footers; absolute, named, de-duplicated."""
    base = page_url
    for tag in doc.iter("base"):
        if tag.get("href"):
            base = urljoin(page_url, tag.get("href").strip())
            break
    found: dict[str, AttachmentLink] = {}
    off: dict[etree._Element, bool] = {}  # element -> inside a menu, related list or footer; links share them
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES) or _in_off_region(a, off):
            continue
        try:
            url = urldefrag(urljoin(base, href)).url
        except ValueError:  # a malformed href ("http://[bad") is no link at all
            continue
        text = clean_line(text_content(a)) or clean_line(a.get("title") or "")
        if url in found or not is_attachment(url, text):
            continue
        found[url] = AttachmentLink(url=url, filename=attachment_name(url, text))
    return tuple(found.values())


def is_attachment(url: str, text: str) -> bool:
    """A link to a file: a document extension on the path or the shown name, or a download endpoint."""
    parts = urlsplit(url)
    path = unquote(parts.path).lower()
    if _EXT.search(path) or _EXT.search(_strip_name(text)):
        return True
    if path.endswith("/module/download/downfile.jsp"):
        return True
    params = {k.lower(): v for k, v in _params(parts.query)}
    named = params.get("showname") or params.get("filename") or ""
    # A file-name parameter marks a download gateway, unless it names a picture or page.
    return bool(named) and (bool(_EXT.search(_strip_name(named))) or "down" in path)


def attachment_name(url: str, text: str) -> str:
    """The human file name: showname/fileName parameter, else the link text, else the path's last segment."""
    parts = urlsplit(url)
    params = {k.lower(): v for k, v in _params(parts.query)}
    is_downfile = parts.path.lower().endswith("downfile.jsp")
    # downfile.jsp's `filename` is the stored name (a number); only `showname` is the human one.
    candidates = [params.get("showname", "")] + ([] if is_downfile else [params.get("filename", "")])
    for value in candidates:
        name = _strip_name(value)
        if name:
            return name
    last = posixpath.basename(unquote(parts.path))
    name = _strip_name(text)
    if name:
        ext = _EXT.search(last)
        if not _EXT.search(name) and ext:
            name += ext.group(0).lower()
        return name
    if is_downfile and params.get("filename"):
        return params["filename"]
    return last or url


def _strip_name(text: str) -> str:
    name = _SIZE_SUFFIX.sub("", clean_line(text))
    return _NAME_PREFIX.sub("", name).strip()


def _params(query: str) -> list[tuple[str, str]]:
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    if any("\ufffd" in v for _, v in pairs):
        # Older GBK sites percent-encode file names in GBK rather than UTF-8.
        pairs = parse_qsl(query, keep_blank_values=True, encoding="gb18030", errors="replace")
    return pairs


def _in_off_region(a: etree._Element, memo: dict[etree._Element, bool]) -> bool:
    """True when an ancestor of `a` is a menu, related list or footer; `memo` keeps answers per ancestor."""
    path: list[etree._Element] = []
    el = a.getparent()
    verdict = False
    while el is not None:
        known = memo.get(el)
        if known is not None:
            verdict = known
            break
        path.append(el)
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in {"nav", "footer", "header"} or _OFF_REGION.search(f"{el.get('id', '')} {el.get('class', '')}"):
            verdict = True
            break
        el = el.getparent()
    # Every element walked below the deciding one shares its answer (False: the walk reached the top).
    for walked in path:
        memo[walked] = verdict
    return verdict
