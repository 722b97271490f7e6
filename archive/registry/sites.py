"""Load and validate the YAML site registry into frozen Site objects; a bad registry is refused whole."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.errors import ArchiveError
from archive.registry.yamlfile import LINE, LINES, YamlError, parse_yaml, read_yaml, shown

PLATFORMS = ("hanweb-jpage", "hanweb-jpaas", "trs", "static", "auto")
# How well an entry is known (never "checked live"; `fazhi sites check` is how a user with internet confirms it):
# confirmed = a report URL on the government's own host was seen in a public source and the column is its column;
# inferred = the column was derived (from another source's URL, or a mirror); host only = only the portal is known.
EVIDENCE = ("confirmed", "inferred", "host only")
# Ways of finding reports besides the start_urls: walking the 政府信息公开 column tree, the portal's site search.
DISCOVERY = ("tree", "search")
_ID = re.compile(r"^[a-z0-9-]+$")
_HOST = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")  # dot-separated labels, lower case (as Scrapy compares)
# Hanweb's 政府信息公开 search, the default `search_url`: the words go in the title field. Portals differ in the
# other parameters; an entry whose portal searches elsewhere (jrobot, say) gives its own search_url.
HANWEB_SEARCH = "module/xxgk/search.jsp?texttype=0&fbtime=-1&vc_all=&vc_filenumber=&vc_title={query}&currpage=1"
DEFAULT_DELAY = 1.0  # seconds between requests to one host unless the registry says otherwise
MAX_DELAY = 600.0  # a longer delay is a typo (a crawl of forty pages would take seven hours)
TEXT_FIELDS = ("id", "name", "region", "source", "search_url", "schedule", "evidence", "platform")


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    region: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    platform: str = "auto"
    division_code: str | None = None
    schedule: str | None = None
    delay: float = DEFAULT_DELAY
    timeout: float | None = None  # wall-clock limit of a crawl of this site in seconds (default: the setting)
    evidence: str | None = None  # one of EVIDENCE
    source: str | None = None  # where the evidence comes from, in words (a source and the URL seen there)
    discover: tuple[str, ...] = ()  # subset of DISCOVERY
    # Where the tree walk starts (the portal's 政府信息公开 pages; default: the root of each start URL's host).
    tree_urls: tuple[str, ...] = ()
    # The site search, `{query}` standing for the search words (default: Hanweb's module/xxgk/search.jsp).
    search_url: str | None = None


class RegistryError(ArchiveError, ValueError):
    """The registry is invalid; the message gives file, line and reason. Bad configuration: exit 2."""


def load_registry(path: Path) -> list[Site]:
    try:
        doc = read_yaml(path, "the site registry")
    except YamlError as exc:
        raise RegistryError(str(exc)) from None
    return _sites(doc, str(path))


def parse_registry(text: str, source: str = "<registry>") -> list[Site]:
    try:
        doc = parse_yaml(text, source)
    except YamlError as exc:
        raise RegistryError(str(exc)) from None
    return _sites(doc, source)


def _sites(doc: Any, source: str) -> list[Site]:
    if not isinstance(doc, dict) or not isinstance(doc.get("sites"), list):
        raise RegistryError(f"{source}:1: the registry must be a mapping with a list under 'sites:'")
    sites: list[Site] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(doc["sites"]):
        if not isinstance(raw, dict):
            raise RegistryError(f"{source}: sites[{index}]: each site must be a mapping of fields")
        site = _site(raw, f"{source}", index)
        if site.id in seen:
            raise RegistryError(
                f"{source}:{raw[LINE]}: sites[{index}].id: '{site.id}' is used twice (first at line {seen[site.id]})"
            )
        seen[site.id] = raw[LINE]
        sites.append(site)
    return sites


def _site(raw: dict[str, Any], source: str, index: int) -> Site:
    lines: dict[str, int] = raw.get(LINES, {})

    def fail(field: str, reason: str) -> RegistryError:
        line = lines.get(field, raw[LINE])
        return RegistryError(f"{source}:{line}: sites[{index}].{field}: {reason}")

    known = {f for f in Site.__dataclass_fields__} | {LINE, LINES}
    for key in raw:
        if key not in known:
            raise fail(
                key if isinstance(key, str) else shown(key),
                f"unknown field (known: {', '.join(sorted(Site.__dataclass_fields__))})",
            )
    for field in ("id", "name", "region"):
        if field not in raw or raw[field] in (None, "", []):
            raise fail(field, "is required")
    for field in TEXT_FIELDS:
        # A mapping or list where text belongs is a mistake in the file, never to be written out as its repr.
        if raw.get(field) is not None and not isinstance(raw[field], str):
            raise fail(field, f"{shown(raw[field])} must be text")
    site_id = raw["id"]
    if not _ID.match(site_id):
        raise fail("id", f"{shown(site_id)} must match [a-z0-9-]+")
    platform = raw.get("platform", "auto")
    if platform not in PLATFORMS:
        raise fail("platform", f"{shown(platform)} is not one of {', '.join(PLATFORMS)}")
    discover = raw.get("discover") or []
    if isinstance(discover, str):
        discover = [discover]
    if not isinstance(discover, list) or any(d not in DISCOVERY for d in discover):
        raise fail("discover", f"{shown(discover)} must be a list of: {', '.join(DISCOVERY)}")
    if not raw.get("start_urls") and not discover:
        raise fail("start_urls", "is required (or `discover:` with tree_urls or search_url to find the reports)")
    urls, hosts = _url_list(raw.get("start_urls") or [], fail, "start_urls")
    tree_urls, tree_hosts = _url_list(raw.get("tree_urls") or [], fail, "tree_urls")
    if "tree" in discover and not tree_urls:
        if not urls:
            raise fail("tree_urls", "is required when discover has tree and there are no start_urls")
        tree_urls = list(dict.fromkeys(_root(u) for u in urls))
    search_url = raw.get("search_url")
    if search_url is not None:
        if "{query}" not in search_url:
            raise fail("search_url", f"{shown(search_url)} must hold {{query}} where the search words go")
        _url_list([search_url.replace("{query}", "q")], fail, "search_url")
    elif "search" in discover:
        search_url = _root((urls or tree_urls)[0]) + HANWEB_SEARCH
    search_hosts = [urlsplit(str(search_url)).hostname or ""] if search_url else []
    domains = raw.get("allowed_domains") or sorted(set(hosts + tree_hosts + search_hosts))
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise fail("allowed_domains", "must be a list of host names")
    domains = [d.strip().lower() for d in domains]
    for domain in domains:
        if (problem := _domain_problem(domain)) is not None:
            raise fail("allowed_domains", problem)
    for field, field_urls in (("start_urls", urls), ("tree_urls", tree_urls), ("search_url", [search_url or ""])):
        for url in field_urls:
            host = urlsplit(str(url)).hostname
            if host and not in_domains(host, domains):
                raise fail(
                    field,
                    f"{url!r} is outside allowed_domains ({', '.join(domains)}); add {host} to allowed_domains",
                )
    evidence = raw.get("evidence")
    if evidence is not None and evidence not in EVIDENCE:
        raise fail("evidence", f"{shown(evidence)} is not one of: {', '.join(EVIDENCE)}")
    schedule = raw.get("schedule")
    if schedule is not None and (problem := cron_problem(schedule)) is not None:
        raise fail("schedule", f"{shown(schedule)}: {problem} (a cron expression like '0 7 * * *')")
    delay = raw.get("delay", DEFAULT_DELAY)
    if not _is_number(delay) or not 0 <= delay <= MAX_DELAY:
        raise fail("delay", f"{shown(delay)} must be a number of seconds from 0 to {MAX_DELAY:g}")
    timeout = raw.get("timeout")
    if timeout is not None and (not _is_number(timeout) or not timeout > 0):
        raise fail("timeout", f"{shown(timeout)} must be a number of seconds above 0")
    code = raw.get("division_code")
    if code is not None and (isinstance(code, bool) or not re.fullmatch(r"\d{6}|\d{9}|\d{12}", str(code))):
        raise fail("division_code", f"{shown(code)} is not a GB/T 2260 code (6 digits)")
    return Site(
        id=site_id,
        name=raw["name"],
        region=raw["region"],
        start_urls=tuple(str(u) for u in urls),
        allowed_domains=tuple(domains),
        platform=platform,
        division_code=str(code) if code is not None else None,
        schedule=schedule,
        delay=float(delay),
        timeout=float(timeout) if timeout is not None else None,
        evidence=evidence,
        source=raw.get("source"),
        discover=tuple(discover),
        tree_urls=tuple(tree_urls),
        search_url=search_url,
    )


def _is_number(value: Any) -> bool:
    """A finite int or float (YAML's .nan and .inf are floats; true and false are not numbers here)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def cron_problem(expression: str) -> str | None:
    """Why `expression` is no cron expression the scheduler can run (its own parser decides), or None."""
    from apscheduler.triggers.cron import CronTrigger  # the scheduler's parser: what it accepts, it can run

    if len(expression.split()) != 5:
        return "five fields are needed: minute hour day month weekday"
    try:
        CronTrigger.from_crontab(expression, timezone="Asia/Shanghai")
    except ValueError as exc:
        return str(exc)
    return None


def _url_list(value: Any, fail: Callable[[str, str], RegistryError], field: str) -> tuple[list[str], list[str]]:
    """The http(s) URLs of a registry field and their hosts; a bad one fails with the field's line."""
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list):
        raise fail(field, "must be a list of URLs")
    hosts: list[str] = []
    for url in urls:
        if not isinstance(url, str):
            raise fail(field, f"{shown(url)} is not a URL")
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 -- raises on a port that is no number or out of range
        except ValueError as exc:
            raise fail(field, f"{shown(url)} is not a valid URL ({exc})") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail(field, f"{shown(url)} is not an http(s) URL")
        hosts.append(parts.hostname)
    return [str(u) for u in urls], hosts


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def in_domains(host: str, domains: list[str] | tuple[str, ...]) -> bool:
    """Whether `host` is one of `domains` or a subdomain of one: what Scrapy's offsite filter allows."""
    return any(host == d or host.endswith("." + d) for d in domains)


def _domain_problem(entry: str) -> str | None:
    """Why `entry` is no host name for allowed_domains, with what to write instead; None when it is one."""
    if "/" in entry:
        try:
            host = urlsplit(entry if "://" in entry else "//" + entry).hostname
        except ValueError:
            host = None
        return f"{entry!r} is a URL; write only its host name{f' ({host})' if host else ''}"
    if entry.startswith(("*", ".")):
        bare = entry.lstrip("*.")
        return f"{entry!r}: write {bare!r}, subdomains are always included"
    bracketed = entry.strip("[]") if entry.startswith("[") else None
    if bracketed is not None and _is_ip(bracketed):
        return f"{entry!r}: write the IPv6 address without brackets ({bracketed})"
    if _is_ip(entry):
        return None
    if ":" in entry:
        host = entry.rsplit(":", 1)[0].strip("[]")
        return f"{entry!r}: allowed_domains take host names without a port; write {host}"
    if not _HOST.match(entry):
        try:
            ascii_form = entry.encode("idna").decode("ascii")
        except UnicodeError:
            return f"{entry!r} is not a host name"
        return f"{entry!r}: write the host name in its ASCII form ({ascii_form})"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def select_sites(sites: list[Site], ids: Sequence[str]) -> list[Site]:
    """The sites named by `ids` (all when empty); an unknown id is a usage error."""
    if not ids:
        return list(sites)
    by_id = {s.id: s for s in sites}
    wanted = list(dict.fromkeys(ids))  # a site named twice is crawled once
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise RegistryError(f"unknown site id(s): {', '.join(unknown)} (known: {', '.join(by_id)})")
    return [by_id[i] for i in wanted]
