"""Load and validate the YAML site registry into frozen Site objects; a bad registry is refused whole."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

PLATFORMS = ("hanweb-jpage", "hanweb-jpaas", "trs", "static", "auto")
# How well an entry is known (never "checked live"; `fazhi sites check` is how a user with internet confirms it):
# confirmed = a report URL on the government's own host was seen in a public source and the column is its column;
# inferred = the column was derived (from another source's URL, or a mirror); host only = only the portal is known.
EVIDENCE = ("confirmed", "inferred", "host only")
# Ways of finding reports besides the start_urls: walking the 政府信息公开 column tree, the portal's site search.
DISCOVERY = ("tree", "search")
_ID = re.compile(r"^[a-z0-9-]+$")
_HOST = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")  # dot-separated labels, lower case (as Scrapy compares)
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+$")
# Hanweb's 政府信息公开 search, the default `search_url`: the words go in the title field. Portals differ in the
# other parameters; an entry whose portal searches elsewhere (jrobot, say) gives its own search_url.
HANWEB_SEARCH = "module/xxgk/search.jsp?texttype=0&fbtime=-1&vc_all=&vc_filenumber=&vc_title={query}&currpage=1"
DEFAULT_DELAY = 1.0  # seconds between requests to one host unless the registry says otherwise


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


class RegistryError(ValueError):
    """The registry is invalid; the message gives file, line and reason."""


class _Loader(yaml.SafeLoader):
    """Keeps each mapping's line number so errors can point at the right line."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_registry(path: Path) -> list[Site]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read the site registry: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: the site registry is not UTF-8 ({exc.reason})") from exc
    return parse_registry(text, str(path))


def parse_registry(text: str, source: str = "<registry>") -> list[Site]:
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else "?"
        raise RegistryError(f"{source}:{line}: not valid YAML: {exc.problem}") from exc
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
                f"{source}:{raw['__line__']}: sites[{index}].id: '{site.id}' is used twice "
                f"(first at line {seen[site.id]})"
            )
        seen[site.id] = raw["__line__"]
        sites.append(site)
    return sites


def _site(raw: dict[str, Any], source: str, index: int) -> Site:
    lines: dict[str, int] = raw.get("__lines__", {})

    def fail(field: str, reason: str) -> RegistryError:
        line = lines.get(field, raw["__line__"])
        return RegistryError(f"{source}:{line}: sites[{index}].{field}: {reason}")

    known = {f for f in Site.__dataclass_fields__} | {"__line__", "__lines__"}
    for key in raw:
        if key not in known:
            raise fail(str(key), f"unknown field (known: {', '.join(sorted(Site.__dataclass_fields__))})")
    for field in ("id", "name", "region"):
        if field not in raw or raw[field] in (None, "", []):
            raise fail(field, "is required")
    site_id = raw["id"]
    if not isinstance(site_id, str) or not _ID.match(site_id):
        raise fail("id", f"{site_id!r} must match [a-z0-9-]+")
    platform = raw.get("platform", "auto")
    if platform not in PLATFORMS:
        raise fail("platform", f"{platform!r} is not one of {', '.join(PLATFORMS)}")
    discover = raw.get("discover") or []
    if isinstance(discover, str):
        discover = [discover]
    if not isinstance(discover, list) or any(d not in DISCOVERY for d in discover):
        raise fail("discover", f"{discover!r} must be a list of: {', '.join(DISCOVERY)}")
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
        if "{query}" not in str(search_url):
            raise fail("search_url", f"{search_url!r} must hold {{query}} where the search words go")
        _url_list([str(search_url).replace("{query}", "q")], fail, "search_url")
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
        raise fail("evidence", f"{evidence!r} is not one of: {', '.join(EVIDENCE)}")
    schedule = raw.get("schedule")
    if schedule is not None:
        fields = str(schedule).split()
        if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
            raise fail("schedule", f"{schedule!r} is not a 5-field cron expression like '0 7 * * *'")
    delay = raw.get("delay", DEFAULT_DELAY)
    if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
        raise fail("delay", f"{delay!r} must be a number of seconds >= 0")
    timeout = raw.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout < float("inf")
    ):
        raise fail("timeout", f"{timeout!r} must be a number of seconds above 0")
    code = raw.get("division_code")
    if code is not None and not re.fullmatch(r"\d{6}|\d{9}|\d{12}", str(code)):
        raise fail("division_code", f"{code!r} is not a GB/T 2260 code (6 digits)")
    return Site(
        id=site_id,
        name=str(raw["name"]),
        region=str(raw["region"]),
        start_urls=tuple(str(u) for u in urls),
        allowed_domains=tuple(domains),
        platform=platform,
        division_code=str(code) if code is not None else None,
        schedule=str(schedule) if schedule is not None else None,
        delay=float(delay),
        timeout=float(timeout) if timeout is not None else None,
        evidence=evidence,
        source=str(raw["source"]) if raw.get("source") is not None else None,
        discover=tuple(discover),
        tree_urls=tuple(tree_urls),
        search_url=str(search_url) if search_url is not None else None,
    )


def _url_list(value: Any, fail: Callable[[str, str], RegistryError], field: str) -> tuple[list[str], list[str]]:
    """The http(s) URLs of a registry field and their hosts; a bad one fails with the field's line."""
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list):
        raise fail(field, "must be a list of URLs")
    hosts: list[str] = []
    for url in urls:
        try:
            parts = urlsplit(str(url))
            parts.port  # noqa: B018 -- raises on a port that is no number or out of range
        except ValueError as exc:
            raise fail(field, f"{url!r} is not a valid URL ({exc})") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail(field, f"{url!r} is not an http(s) URL")
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


def select_sites(sites: list[Site], ids: list[str] | tuple[str, ...]) -> list[Site]:
    """The sites named by `ids` (all when empty); an unknown id is a usage error."""
    if not ids:
        return list(sites)
    by_id = {s.id: s for s in sites}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise RegistryError(f"unknown site id(s): {', '.join(unknown)} (known: {', '.join(by_id)})")
    return [by_id[i] for i in ids]
