"""Load and validate the YAML site registry into frozen Site objects; a bad registry is refused whole.

Each entry is checked against its schema (archive.registry.entry, by pydantic), then resolved here: the defaults
that depend on other fields (tree_urls, search_url, allowed_domains) and the checks across fields (every URL
inside allowed_domains). Every problem is reported as `file:line: sites[i].field: reason`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from archive.bundled import REGISTRIES, registry_path
from archive.errors import ArchiveError
from archive.registry.yamlfile import LINE, LINES, YamlError, parse_yaml, read_yaml, shown

if TYPE_CHECKING:
    from archive.registry.entry import SiteEntry

_HOST = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")  # dot-separated labels, lower case (as Scrapy compares)
# Hanweb's 政府信息公开 search, the default `search_url`: the words go in the title field. Portals differ in the
# other parameters; an entry whose portal searches elsewhere (jrobot, say) gives its own search_url.
HANWEB_SEARCH = "module/xxgk/search.jsp?texttype=0&fbtime=-1&vc_all=&vc_filenumber=&vc_title={query}&currpage=1"
DEFAULT_DELAY = 1.0  # seconds between requests to one host unless the registry says otherwise (entry.py checks it)


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
    family: str | None = None  # the platform family its URLs suggest (archive.registry.entry.FAMILIES)
    flags: tuple[str, ...] = ()  # what looks wrong in the entry, in words (a host another government also has)


class RegistryError(ArchiveError, ValueError):
    """The registry is invalid; the message gives file, line and reason. Bad configuration: exit 2."""


def load_registry(path: Path, *, included: bool = False) -> list[Site]:
    path = registry_path(path)
    try:
        doc = read_yaml(path, "the site registry")
    except YamlError as exc:
        raise RegistryError(str(exc)) from None
    return _sites(doc, str(path), path.parent, included)


def parse_registry(text: str, source: str = "<registry>", base: Path | None = None) -> list[Site]:
    """The sites of a registry's text; `base` is where the paths it includes are relative to (default: here)."""
    try:
        doc = parse_yaml(text, source)
    except YamlError as exc:
        raise RegistryError(str(exc)) from None
    return _sites(doc, source, base or Path.cwd(), False)


def _sites(doc: Any, source: str, base: Path, included: bool) -> list[Site]:
    if not isinstance(doc, dict) or not (isinstance(doc.get("sites"), list) or "include" in doc):
        raise RegistryError(f"{source}:1: the registry must be a mapping with a list under 'sites:' or 'include:'")
    from archive.registry.entry import check_entry  # pydantic: loaded by the commands that read a registry only

    sites: list[Site] = []
    seen: dict[str, int] = {}
    if "include" in doc:
        if included:
            raise RegistryError(f"{source}:{doc[LINES]['include']}: an included registry may not include others")
        line = doc[LINES]["include"]
        for site in _included(doc["include"], source, base, line):
            if site.id in seen:
                raise RegistryError(f"{source}:{line}: include: site '{site.id}' is used twice: two items take it")
            seen[site.id] = line
            sites.append(site)
    if not isinstance(doc.get("sites", []), list):
        raise RegistryError(f"{source}:{doc[LINES]['sites']}: 'sites:' must be a list of sites")
    for index, raw in enumerate(doc.get("sites", [])):
        if not isinstance(raw, dict):
            raise RegistryError(f"{source}: sites[{index}]: each site must be a mapping of fields")
        fail = _failure(source, index, raw)
        fields = {k: v for k, v in raw.items() if k not in (LINE, LINES)}
        if odd := [k for k in fields if not isinstance(k, str)]:
            raise fail(shown(odd[0]), "unknown field (a field name is text)")
        checked = check_entry(fields)
        if isinstance(checked, tuple):
            raise fail(*checked)
        site = _resolve(checked, fail)
        if site.id in seen:
            raise fail("id", f"'{site.id}' is used twice (first at line {seen[site.id]})")
        seen[site.id] = raw[LINE]
        sites.append(site)
    return sites


def _failure(source: str, index: int, raw: dict[str, Any], where: str = "sites") -> Callable[[str, str], RegistryError]:
    """How to fail on a field of entry `index`: at the line of the field, or of the entry when it has none."""
    lines: dict[str, int] = raw.get(LINES, {})

    def fail(field: str, reason: str) -> RegistryError:
        return RegistryError(f"{source}:{lines.get(field, raw[LINE])}: {where}[{index}].{field}: {reason}")

    return fail


def _included(items: Any, source: str, base: Path, line: int) -> list[Site]:
    """The sites `include:` takes from other registries: each item's registry, all or those it selects."""
    from archive.registry.entry import check_include

    if not isinstance(items, list):
        raise RegistryError(f"{source}:{line}: 'include:' must be a list of registries to take sites from")
    out: list[Site] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise RegistryError(f"{source}:{line}: include[{index}]: each item must be a mapping (registry: ...)")
        fail = _failure(source, index, raw, "include")
        checked = check_include({k: v for k, v in raw.items() if k not in (LINE, LINES)})
        if isinstance(checked, tuple):
            raise fail(*checked)
        named = REGISTRIES[checked.registry] if checked.registry in REGISTRIES else base / checked.registry
        try:
            sites = load_registry(named, included=True)
        except RegistryError as exc:
            raise fail("registry", f"cannot be included: {exc}") from None
        out += select_sites(sites, checked.ids, regions=checked.regions, codes=checked.codes, fail=fail)
    return out


def _resolve(entry: SiteEntry, fail: Callable[[str, str], RegistryError]) -> Site:
    """A checked entry with its defaults filled in and its URLs checked against allowed_domains."""
    urls, discover = entry.start_urls, entry.discover
    if not urls and not discover:
        raise fail("start_urls", "is required (or `discover:` with tree_urls or search_url to find the reports)")
    tree_urls = entry.tree_urls
    if "tree" in discover and not tree_urls:
        if not urls:
            raise fail("tree_urls", "is required when discover has tree and there are no start_urls")
        tree_urls = list(dict.fromkeys(_root(u) for u in urls))
    search_url = entry.search_url
    if search_url is None and "search" in discover:
        search_url = _root((urls or tree_urls)[0]) + HANWEB_SEARCH
    hosts = [urlsplit(u).hostname or "" for u in (*urls, *tree_urls, *([search_url] if search_url else []))]
    domains = [d.strip().lower() for d in entry.allowed_domains or sorted(set(hosts))]
    for domain in domains:
        if (problem := _domain_problem(domain)) is not None:
            raise fail("allowed_domains", problem)
    for field, field_urls in (("start_urls", urls), ("tree_urls", tree_urls), ("search_url", [search_url or ""])):
        for url in field_urls:
            host = urlsplit(url).hostname
            if host and not in_domains(host, domains):
                raise fail(
                    field,
                    f"{url!r} is outside allowed_domains ({', '.join(domains)}); add {host} to allowed_domains",
                )
    return Site(
        id=entry.id,
        name=entry.name,
        region=entry.region,
        start_urls=tuple(urls),
        allowed_domains=tuple(domains),
        platform=entry.platform,
        division_code=entry.division_code,
        schedule=entry.schedule,
        delay=float(entry.delay),
        timeout=float(entry.timeout) if entry.timeout is not None else None,
        evidence=entry.evidence,
        source=entry.source,
        discover=tuple(discover),
        tree_urls=tuple(tree_urls),
        search_url=search_url,
        family=entry.family,
        flags=tuple(entry.flags),
    )


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


def select_sites(
    sites: list[Site],
    ids: Sequence[str],
    *,
    regions: Sequence[str] = (),
    codes: Sequence[str] = (),
    fail: Callable[[str, str], RegistryError] | None = None,
) -> list[Site]:
    """The sites named by `ids`, or whose region holds one of `regions`, or whose division code is one of `codes`
    (a province's or a city's code takes its counties too); all when none is given. A selector that matches
    nothing is a mistake (a typo would otherwise select nothing, silently): RegistryError, through `fail` if given."""
    if not (ids or regions or codes):
        return list(sites)
    by_id = {s.id: s for s in sites}
    wanted = list(dict.fromkeys(ids))  # a site named twice is crawled once
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        known = ", ".join(list(by_id)[:20]) + (" …" if len(by_id) > 20 else "")
        message = f"unknown site id(s): {', '.join(unknown)} (known: {known})"
        raise fail("ids", message) if fail else RegistryError(message)
    chosen = {i: by_id[i] for i in wanted}
    selectors = [("regions", r, [s for s in sites if r in s.region]) for r in regions]
    selectors += [("codes", c, [s for s in sites if _within(s.division_code, c)]) for c in codes]
    for field, selector, found in selectors:
        if not found:
            message = f"{selector!r} matches no site's {'region' if field == 'regions' else 'division code'}"
            raise fail(field, message) if fail else RegistryError(message)
        chosen.update((s.id, s) for s in found)
    return list(chosen.values())


def _within(code: str | None, selector: str) -> bool:
    """Whether division `code` is `selector` or lies in it (440000 holds 44xxxx, 440100 holds 4401xx)."""
    if not code:
        return False
    if selector.endswith("0000"):
        return code[:2] == selector[:2]
    if selector.endswith("00"):
        return code[:4] == selector[:4]
    return code == selector
