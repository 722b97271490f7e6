"""Crawl scope: every request (pages, attachments, redirects) stays on the site's allowed_domains, and a site on
the public internet never reaches into private or loopback addresses. Two downloader middlewares, before robots.txt."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

Resolver = Callable[[str], Awaitable[str]]


class OutOfScope(IgnoreRequest):
    """A request the site's scope does not allow; its message says which host and why."""


class SiteScopeMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter (allowed_domains, subdomains included) with two changes.

    `dont_filter` exempts nothing here: the spider sets it on attachment requests to get past the duplicate filter,
    not past the site's scope. And the check runs when the request is downloaded, not when it is scheduled: a
    request dropped at scheduling never reaches its errback, so a report page waiting for its attachments (or a
    redirect of one) would be lost without a word.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler.stats)
        o.crawler = crawler
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        return o

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        assert self.crawler.spider is not None
        if self.should_follow(request, self.crawler.spider):
            return
        host = urlparse_cached(request).hostname or ""
        self.stats.inc_value("offsite/filtered")
        domains = ", ".join(getattr(self.crawler.spider, "allowed_domains", None) or [])
        raise OutOfScope(f"host {host!r} is outside the site's allowed_domains ({domains})")


class PrivateAddressMiddleware:
    """Refuses private, loopback, link-local and other non-public addresses to a site that is itself public.

    A literal IP is checked as written; a name is resolved through Scrapy's own resolver, whose cache the
    download then connects with, so the address checked is the address used. A site whose start URLs are on
    such an address (an intranet portal, the local simulator) may fetch from them.
    """

    def __init__(self, crawler: Crawler, resolve: Resolver | None = None) -> None:
        self.crawler = crawler
        self._resolve = resolve or _resolve_with_reactor
        self._site_is_private: bool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = urlparse_cached(request).hostname
        if not host:
            return
        if self._site_is_private is None:
            starts = getattr(self.crawler.spider, "start_urls", None) or []
            self._site_is_private = await self._any_private(_hosts(starts))
        if self._site_is_private:
            return
        address = await self._address(host)
        if address is not None and not is_public(address):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("fazhi/private_refused")
            shown = host if host == address else f"{host} ({address})"
            raise OutOfScope(f"{shown} is a private or loopback address, and the site is not on one")

    async def _any_private(self, hosts: Iterable[str]) -> bool:
        for host in hosts:
            address = await self._address(host)
            if address is not None and not is_public(address):
                return True
        return False

    async def _address(self, host: str) -> str | None:
        """The host's address: itself when a literal IP, else what the resolver says (None when it cannot say;
        the download then fails with the resolver's own error)."""
        try:
            return str(ipaddress.ip_address(host))
        except ValueError:
            pass
        try:
            return await self._resolve(host)
        except Exception:  # an unresolvable name is the download's error to report, not a scope decision
            return None


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet (an IPv4 address mapped into IPv6 counts as itself)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _hosts(urls: Iterable[str]) -> list[str]:
    hosts: list[str] = []
    for url in urls:
        try:
            host = urlsplit(url).hostname
        except ValueError:  # the registry refuses such URLs; nothing to resolve here
            continue
        if host:
            hosts.append(host)
    return hosts


async def _resolve_with_reactor(host: str) -> str:
    from twisted.internet import reactor

    core: Any = reactor  # IReactorCore.resolve: Scrapy installs its caching resolver there
    result = await maybe_deferred_to_future(core.resolve(host))
    return str(result)
