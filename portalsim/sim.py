"""PortalSim: starts the simulated portals, exposes their registry, their truth and the test controls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import TracebackType

import yaml

from portalsim import disclosure
from portalsim.content import SITE_ORDER, SPECS, pointer_twins
from portalsim.model import Article, ExpectedAttachment, ExpectedReport, LoggedRequest, NoiseEntry, SimSite
from portalsim.server import PLATFORMS, SiteServer
from portalsim.state import SiteState


class PortalSim:
    """Every simulated site on its own 127.0.0.1 port. All methods are safe to call from any thread."""

    def __init__(self, sites: Iterable[str] | None = None, port_base: int | None = None, scale: int = 1) -> None:
        ids = list(sites) if sites is not None else list(SITE_ORDER)
        unknown = [s for s in ids if s not in SPECS]
        if unknown:
            raise ValueError(f"unknown site(s) {unknown}; known: {', '.join(SPECS)}")
        self._servers: dict[str, SiteServer] = {}
        for n, site_id in enumerate(ids):
            port = port_base + n if port_base is not None else 0
            self._servers[site_id] = SiteServer(SiteState(site_id, scale), port)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> PortalSim:
        for server in self._servers.values():
            server.start()
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()

    def __enter__(self) -> PortalSim:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what a crawler is told ------------------------------------------------------------------
    @property
    def sites(self) -> list[SimSite]:
        return [self.site(site_id) for site_id in self._servers]

    def site(self, site_id: str) -> SimSite:
        server = self._server(site_id)
        spec = server.state.spec
        return SimSite(
            spec.id,
            spec.name,
            spec.region,
            spec.division_code,
            spec.platform,
            server.base_url,
            server.base_url + spec.start_path,
        )

    def url(self, site_id: str, path: str) -> str:
        return self._server(site_id).base_url + path

    def registry_yaml(self, delay: float = 0.0, extra: Mapping[str, Mapping[str, object]] | None = None) -> str:
        """The sites as a registry in the interface.md format, plus the per-site `delay` (seconds) and, by site id,
        `extra` fields (say `discover` and `tree_urls`)."""
        entries = [
            {
                "id": s.id,
                "name": s.name,
                "region": s.region,
                "division_code": s.division_code,
                "platform": s.platform,
                "start_urls": [s.start_url],
                "delay": int(delay) if float(delay).is_integer() else delay,
                **(extra or {}).get(s.id, {}),
            }
            for s in self.sites
        ]
        body = yaml.safe_dump({"sites": entries}, allow_unicode=True, sort_keys=False, width=200)
        return "# Local portal simulator (portalsim); ports change on every start.\n" + body

    # -- the truth, for tests --------------------------------------------------------------------
    def expected_reports(self, site_id: str | None = None) -> list[ExpectedReport]:
        """The reports (clean, as a perfect crawl and extraction gives them), newest first."""
        out: list[ExpectedReport] = []
        for sid in [site_id] if site_id else list(self._servers):
            server = self._server(sid)
            platform = PLATFORMS[server.state.spec.platform]
            for a in server.state.articles():
                if a.kind is None:
                    continue
                attachments: tuple[ExpectedAttachment, ...] = ()
                if a.attachment is not None:
                    href = platform.attachment_href(a)
                    attachments = (ExpectedAttachment(server.base_url + href, a.attachment.filename),)
                out.append(
                    ExpectedReport(
                        sid,
                        a.key,
                        server.base_url + a.path,
                        a.title,
                        a.kind,
                        a.year,
                        a.published_date,
                        a.publisher,
                        a.text,
                        attachments,
                        a.attachment_only,
                        server.state.is_removed(a.key),
                    )
                )
        return out

    def noise_entries(self, site_id: str) -> list[NoiseEntry]:
        """The list entries that are not reports (including the one under /private/), newest first."""
        server = self._server(site_id)
        return [
            NoiseEntry(site_id, a.key, server.base_url + a.path, a.title, a.published_date, a.private)
            for a in server.state.articles()
            if a.kind is None
        ]

    # -- controls --------------------------------------------------------------------------------
    def set_article_text(self, site_id: str, article_key: str, new_clean_text: str) -> None:
        """Correct an article in place: same URL, new text (and attachment), new ETag and Last-Modified."""
        self._server(site_id).state.set_text(article_key, new_clean_text)

    def remove_article(self, site_id: str, article_key: str, status: int = 404, keep_listed: bool = False) -> None:
        """Take an article down: its page (and attachment) answer `status` (404 or 410) from now on."""
        self._server(site_id).state.remove(article_key, status, keep_listed)

    def unlist_article(self, site_id: str, article_key: str) -> None:
        """Take an article off the column lists only: its page and attachment still answer (until restore_article)."""
        self._server(site_id).state.unlist(article_key)

    def move_article(self, site_id: str, article_key: str, new_path: str) -> str:
        """Move an article to `new_path` (old URL answers 301 there, the list links the new URL); its new URL."""
        server = self._server(site_id)
        server.state.move(article_key, new_path)
        return server.base_url + new_path

    def restore_article(self, site_id: str, article_key: str) -> None:
        self._server(site_id).state.restore(article_key)

    def fail(self, site_id: str, path: str, status: int = 500, times: int = 1) -> None:
        """Answer `status` to the next `times` requests for `path` (or path and query), then recover."""
        server = self._server(site_id)
        server.state.fail(path.removeprefix(server.base_url), status, times)

    def add_attachment_link(self, site_id: str, article_key: str, url: str, filename: str) -> None:
        """The article's page links one more attachment, at `url` on any host (say another site's port under
        the name localhost), until reset()."""
        self._server(site_id).state.add_link(article_key, url, filename)

    def redirect(self, site_id: str, path: str, location: str, status: int = 302) -> None:
        """Answer `path` (or path and query) with `status` and `location` (absolute: any host), until reset()."""
        server = self._server(site_id)
        server.state.redirect(path.removeprefix(server.base_url), location, status)

    def add_pointer_twins(self, site_id: str = "putuo") -> list[str]:
        """Publish two department reports whose pages read only "详见附件。" with different .docx attachments.

        Their keys, newest first; they are listed and expected from now on, until reset(). Only putuo renders
        attachment-only pages. Make their attachments fail with fail() on `expected_reports(...)[i].attachments`.
        """
        twins = pointer_twins(site_id)
        self._server(site_id).state.add(twins)
        return [a.key for a in sorted(twins, key=lambda a: a.published, reverse=True)]

    def block(self, site_id: str) -> None:
        """Every request to the site answers 412 with a JavaScript challenge page, until unblock()."""
        self._server(site_id).state.blocked = True

    def refuse_list_api(self, site_id: str) -> None:
        """The site's list API answers `success: false` with a reason, until reset()."""
        self._server(site_id).state.list_api_refuses = True

    def empty_lists(self, site_id: str) -> None:
        """The site's column lists show no entry (the column was emptied or moved); its pages stay, until reset()."""
        self._server(site_id).state.lists_empty = True

    def ignore_list_paging(self, site_id: str) -> None:
        """The site's list service (the hanweb-jpage data proxy) answers its first page of records to every request,
        while still announcing every record, until reset()."""
        self._server(site_id).state.list_paging_ignored = True

    def add_file(
        self, site_id: str, path: str, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> str:
        """Serve `body` at `path` (say a scanned PDF to link with add_attachment_link, or over an article's page),
        with `headers` besides (a Content-Encoding, say), until reset(); its URL."""
        server = self._server(site_id)
        server.state.add_file(path, body, content_type, headers or {})
        return server.base_url + path

    def open_disclosure(self, site_id: str) -> tuple[str, str]:
        """Serve the site's 政府信息公开 tree and site search (portalsim.disclosure), until reset().

        The tree's root URL and the search URL template (`{query}` for the words), as a registry names them."""
        server = self._server(site_id)
        server.state.disclosure_open = True
        search = f"{server.base_url}{disclosure.SEARCH}?texttype=0&fbtime=-1&vc_title={{query}}&currpage=1"
        return server.base_url + disclosure.TREE_ROOT, search

    def publish(
        self,
        site_id: str,
        key: str,
        title: str,
        text: str,
        path: str,
        *,
        publisher: str = "区司法局",
        published: dt.datetime | None = None,
        kind: str | None = "annual_report",
        year: int | None = None,
        where: str = "list",
    ) -> str:
        """Publish one more article at `path` (either Hanweb URL form will do), until reset(); its URL.

        where: "list" (the start column lists it), "tree" (only the disclosure tree's report column does) or
        "search" (no list shows it; only the site search finds it). It is expected as a report unless kind is None.
        """
        if where not in ("list", "tree", "search"):
            raise ValueError(f"where={where!r}: list, tree or search")
        server = self._server(site_id)
        when = published or dt.datetime(2025, 3, 20, 9, 30)
        server.state.add([Article(key, title, when, publisher, text, path, kind=kind, year=year)])
        if where == "tree":
            server.state.file_in_tree(key)
        elif where == "search":
            server.state.unlist(key)
        return server.base_url + path

    def move_column(self, site_id: str) -> None:
        """The registry's column is gone (404); its articles are filed in the disclosure tree's report column."""
        self._server(site_id).state.column_moved = True

    def unblock(self, site_id: str) -> None:
        self._server(site_id).state.blocked = False

    def stop_site(self, site_id: str) -> None:
        """Close the site's port: connections are refused until start_site()."""
        self._server(site_id).stop()

    def start_site(self, site_id: str) -> None:
        """Reopen a stopped site on the same port."""
        self._server(site_id).start()

    def mislabel_encoding(self, site_id: str, article_key: str, declared: str) -> None:
        """Serve one article declaring charset `declared`; its bytes stay in the site's real encoding.

        The wrong name goes into the meta tag, and into Content-Type where the platform sends a charset
        (the TRS site never does).
        """
        self._server(site_id).state.mislabel(article_key, declared)

    def reset(self, site_id: str | None = None) -> None:
        """Undo every control and clear the log (of one site, or all)."""
        for sid in [site_id] if site_id else list(self._servers):
            self._server(sid).state.reset()

    # -- the request log -------------------------------------------------------------------------
    def requests(self, site_id: str) -> list[LoggedRequest]:
        return self._server(site_id).state.log()

    def hits(self, site_id: str, path_prefix: str) -> int:
        return sum(1 for r in self.requests(site_id) if r.path.startswith(path_prefix))

    def private_hits(self, site_id: str) -> int:
        """Requests for paths robots.txt disallows: a polite crawler keeps this at 0."""
        return self.hits(site_id, "/private/")

    def _server(self, site_id: str) -> SiteServer:
        try:
            return self._servers[site_id]
        except KeyError:
            known = ", ".join(self._servers)
            raise KeyError(f"site {site_id!r} is not part of this simulator ({known})") from None
