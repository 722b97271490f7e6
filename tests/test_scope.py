"""The scope middlewares as Scrapy components: allowed_domains with its subdomains and no exemptions, and private
or loopback addresses only for a site that is itself on one.

Names of public hosts cannot be resolved here (the tests reach 127.0.0.1 only), so the private-address checks get
a resolver that answers from a table; the crawl tests (test_crawl_scope.py) run the real resolver on `localhost`.
"""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from crawler.scope import OutOfScope, PrivateAddressMiddleware, SiteScopeMiddleware, is_public

DNS = {
    "www.x.gov.cn": "202.96.104.15",
    "files.x.gov.cn": "202.96.104.16",
    "intranet.x.gov.cn": "10.20.30.40",  # a subdomain the site's own DNS points into its private network
    "rebind.x.gov.cn": "127.0.0.1",
}


async def table_resolver(host: str) -> str:
    try:
        return DNS[host]
    except KeyError:
        raise OSError(f"no address for {host}") from None


def _crawler(start_urls: list[str], allowed_domains: list[str]) -> Crawler:
    crawler = get_crawler(Spider, {"REMOTE_CONTROL_ENABLED": False})
    crawler.spider = Spider.from_crawler(crawler, name="t", start_urls=start_urls, allowed_domains=allowed_domains)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    return crawler


def _scope_allows(crawler: Crawler, url: str, **kwargs: object) -> bool:
    try:
        SiteScopeMiddleware.from_crawler(crawler).process_request(Request(url, **kwargs))  # type: ignore[arg-type]
    except OutOfScope:
        return False
    return True


def _address_allows(crawler: Crawler, url: str) -> bool:
    middleware = PrivateAddressMiddleware(crawler, resolve=table_resolver)
    try:
        asyncio.run(middleware.process_request(Request(url)))
    except OutOfScope:
        return False
    return True


def test_allowed_domains_and_their_subdomains_only() -> None:
    crawler = _crawler(["https://www.x.gov.cn/col/1/index.html"], ["www.x.gov.cn"])
    assert _scope_allows(crawler, "https://www.x.gov.cn/art/1.html")
    assert _scope_allows(crawler, "https://files.www.x.gov.cn/a.docx")  # a subdomain, as Scrapy means it
    assert not _scope_allows(crawler, "https://x.gov.cn/a.docx")
    assert not _scope_allows(crawler, "https://www2.x.gov.cn/a.docx")
    assert not _scope_allows(crawler, "https://evilwww.x.gov.cn/a.docx")
    assert not _scope_allows(crawler, "http://localhost:8080/internal/a.docx")
    assert not _scope_allows(crawler, "http://127.0.0.1/admin")


def test_no_request_is_exempt_from_the_scope() -> None:
    crawler = _crawler(["https://www.x.gov.cn/"], ["www.x.gov.cn"])
    # dont_filter keeps attachments past the duplicate filter; it must not take them past the scope.
    assert not _scope_allows(crawler, "http://localhost:8080/internal/a.docx", dont_filter=True)
    assert not _scope_allows(crawler, "http://localhost:8080/internal/a.docx", meta={"allow_offsite": True})
    with pytest.raises(OutOfScope, match=r"'localhost' is outside the site's allowed_domains \(www.x.gov.cn\)"):
        SiteScopeMiddleware.from_crawler(crawler).process_request(Request("http://localhost/x", dont_filter=True))
    assert crawler.stats is not None and crawler.stats.get_value("offsite/filtered") == 3


def test_a_public_site_is_refused_private_and_loopback_addresses() -> None:
    crawler = _crawler(["https://www.x.gov.cn/col/1/index.html"], ["www.x.gov.cn", "x.gov.cn", "127.0.0.1"])
    assert _address_allows(crawler, "https://www.x.gov.cn/art/1.html")
    assert _address_allows(crawler, "https://files.x.gov.cn/a.docx")
    for url in (
        "http://127.0.0.1:8080/internal/a.docx",
        "http://10.0.0.8/a.docx",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/a.docx",
        "http://[::ffff:127.0.0.1]/a.docx",
        "http://0.0.0.0/",
        "https://intranet.x.gov.cn/a.docx",  # by name: the resolved address decides
        "https://rebind.x.gov.cn/a.docx",
    ):
        assert not _address_allows(crawler, url), url
    with pytest.raises(OutOfScope, match=r"intranet.x.gov.cn \(10.20.30.40\) is a private or loopback address"):
        asyncio.run(
            PrivateAddressMiddleware(crawler, table_resolver).process_request(Request("https://intranet.x.gov.cn/"))
        )


def test_an_unresolvable_name_is_left_to_the_download() -> None:
    crawler = _crawler(["https://www.x.gov.cn/"], ["x.gov.cn"])
    assert _address_allows(crawler, "https://nowhere.x.gov.cn/a.docx")  # the download reports the DNS error


def test_a_site_on_a_private_address_may_fetch_from_private_addresses() -> None:
    on_loopback = _crawler(["http://127.0.0.1:8080/col/1/index.html"], ["127.0.0.1"])
    assert _address_allows(on_loopback, "http://127.0.0.1:8080/a.docx")
    assert _address_allows(on_loopback, "http://10.0.0.8/a.docx")
    intranet = _crawler(["https://intranet.x.gov.cn/col/"], ["intranet.x.gov.cn"])  # private by its resolved name
    assert _address_allows(intranet, "https://intranet.x.gov.cn/a.docx")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("202.96.104.15", True),
        ("2400:da00::6666", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("100.64.0.1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(address) is public
