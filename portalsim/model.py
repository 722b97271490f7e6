"""Value types of the portal simulator: what a site holds, and the clean truth tests compare against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to an article; `ref` is the site's own handle for it (stored name or file URL)."""

    ref: str
    filename: str  # the human name the page shows (showname / fileName / link text)


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a site. `kind` is None for the non-report list entries (noise)."""

    key: str
    title: str
    published: dt.datetime  # Asia/Shanghai wall time, naive
    publisher: str
    text: str  # clean text, paragraphs separated by "\n"; table rows have cells separated by "\t"
    path: str  # absolute path on the site, e.g. /art/2024/3/14/art_1229174959_59012345.html
    kind: str | None = None
    year: int | None = None
    attachment: Attachment | None = None
    attachment_only: bool = False  # the page says 详见附件 and the text lives in the attachment
    private: bool = False  # listed, but under a path robots.txt disallows
    list_href: str | None = None  # the href the list uses when it is not the absolute path

    @property
    def published_date(self) -> dt.date:
        return self.published.date()


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """The fixed description of one simulated portal."""

    id: str
    name: str
    region: str
    division_code: str
    platform: str  # hanweb-jpage | hanweb-jpaas | trs | static
    encoding: str  # the codec the bytes are written in
    declared_charset: str  # what the page says it is
    start_path: str
    short: str  # the district's short name, used in titles: 余杭区


@dataclass(frozen=True, slots=True)
class SimSite:
    """A running site as a crawler sees it."""

    id: str
    name: str
    region: str
    division_code: str
    platform: str
    base_url: str  # http://127.0.0.1:PORT
    start_url: str


@dataclass(frozen=True, slots=True)
class ExpectedAttachment:
    url: str  # absolute, percent-encoded as linked from the page
    filename: str


@dataclass(frozen=True, slots=True)
class ExpectedReport:
    """What a perfect crawl and extraction must produce for one report article."""

    site_id: str
    key: str
    url: str
    title: str
    kind: str  # annual_report | department_report | related
    year: int | None  # None where the document names no single year
    published_date: dt.date
    publisher: str
    text: str
    attachments: tuple[ExpectedAttachment, ...] = ()
    attachment_only: bool = False
    removed: bool = False  # the page now answers 404/410


@dataclass(frozen=True, slots=True)
class NoiseEntry:
    """A non-report list entry (work plan, notice, news, ...)."""

    site_id: str
    key: str
    url: str
    title: str
    date: dt.date
    robots_disallowed: bool = False


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the site saw it, with the status it answered."""

    site_id: str
    method: str
    path: str  # path and query as sent
    headers: Mapping[str, str]
    status: int
    at: dt.datetime = field(compare=False)

    @property
    def user_agent(self) -> str | None:
        return self.headers.get("User-Agent")

    @property
    def referer(self) -> str | None:
        return self.headers.get("Referer")
