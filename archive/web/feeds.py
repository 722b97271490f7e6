"""Atom feeds of new and updated reports, for everything and per site: one entry per archived version.

Entry ids are derived from the report's URL and version number, not from this server's address or database ids,
so a feed reader sees the same entry as the same entry wherever the archive is served from.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response

from archive.display import shown
from archive.query.browse import Change, recent_changes
from archive.vocab import Kind, label
from archive.web.deps import SessionDep
from archive.web.templating import is_web_url

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
ENTRIES = 50
LABELS = {"new": "新报告", "changed": "报告更新"}  # the alerts' labels, so a feed reads like the notifications
# Characters XML 1.0 cannot hold at all; an archived text may carry them (a broken page), a feed must not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

router = APIRouter(prefix="/feeds", tags=["feeds"])
ET.register_namespace("", ATOM)


@router.get("/all.atom", response_class=Response, summary="Atom: every new and updated report")
def all_reports(request: Request, session: SessionDep) -> Response:
    changes = recent_changes(session, limit=ENTRIES)
    return _feed(request, changes, "法治政府建设报告: 新增与更新", "all", "/")


@router.get("/{site_id}.atom", response_class=Response, summary="Atom: one site's new and updated reports")
def site_reports(request: Request, session: SessionDep, site_id: str) -> Response:
    changes = recent_changes(session, site=site_id, limit=ENTRIES)
    name = changes[0].site_name if changes else site_id
    return _feed(request, changes, f"{name}: 法治政府建设报告的新增与更新", f"site:{site_id}", f"/?site={site_id}")


def _feed(request: Request, changes: Sequence[Change], title: str, key: str, alternate: str) -> Response:
    base = request.app.state.base_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", _urn(f"fazhi-archive:feed:{key}"))
    _text(feed, "title", title)
    newest = max((c.fetched_at for c in changes), default=None)
    _text(feed, "updated", _rfc3339(newest or dt.datetime.now(dt.UTC)))
    self_url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    _link(feed, self_url, "self", MEDIA_TYPE.split(";")[0])
    _link(feed, base + alternate, "alternate", "text/html")
    _text(feed, "generator", "Fazhi Archive")
    for change in changes:
        _entry(feed, base, change)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=MEDIA_TYPE)


def _entry(feed: ET.Element, base: str, c: Change) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", _urn(f"{c.url}#version={c.version}"))
    _text(entry, "title", f"{LABELS.get(c.change, '报告')}: {c.title}")
    _text(entry, "updated", _rfc3339(c.fetched_at))
    _link(entry, f"{base}/reports/{c.report_id}/versions/{c.version}", "alternate", "text/html")
    if is_web_url(c.url):
        _link(entry, c.url, "via", "text/html")
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", c.publisher)
    category = ET.SubElement(entry, f"{{{ATOM}}}category")
    category.set("term", c.kind)
    category.set("label", label(Kind, c.kind))
    summary = _text(entry, "summary", c.summary)
    summary.set("type", "text")


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = _NOT_XML.sub("", shown(value))
    return element


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    link = ET.SubElement(parent, f"{{{ATOM}}}link")
    link.set("rel", rel)
    link.set("type", media_type)
    link.set("href", _NOT_XML.sub("", href))


def _urn(name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _rfc3339(at: dt.datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
