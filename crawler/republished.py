"""For the `reports` spider: a county's report found on its city's portal is archived for the county, as a
republication (archive.extract.attribution decides whose it is; archive.store.ingest keeps one report with both
URLs)."""

from __future__ import annotations

from dataclasses import replace

from archive.extract.attribution import Government, issuing_government
from archive.registry.sites import Site
from archive.store.ingest import sync_site
from archive.store.raw import RawPage
from crawler.link import ArchiveLink


class Republications:
    """Attributes the pages of one site's crawl to the registry government that issued them."""

    def __init__(self, site: Site, link: ArchiveLink) -> None:
        self.link = link
        self.own = Government(site.id, site.name, site.region)
        self.governments = [Government(s.id, s.name, s.region) for s in link.registry]
        self._synced: set[str] = set()

    def attribute(self, page: RawPage, title: str) -> RawPage:
        """The page as the issuing government's when it is another's (a county's on its city's portal)."""
        issuer = issuing_government(title, self.own, self.governments)
        if issuer is None:
            return page
        if issuer not in self._synced:  # its site row may not exist yet: the county may never have been crawled
            site = self.link.site(issuer)
            with self.link.sessions.begin() as session:
                sync_site(session, site)
            self._synced.add(issuer)
        return replace(page, site_id=issuer, republished_by=self.own.id)
