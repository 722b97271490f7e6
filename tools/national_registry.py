"""Build the bundled national registry (archive/registry/china.yaml) from public sources, to be run again when they
change:

    python tools/national_registry.py SOURCES_DIR [--out archive/registry/china.yaml]

SOURCES_DIR holds the files its README lists: the division codes in use at the end of 2024 (areacodes-2024.txt),
each government's portal (website-gov.ts), its policy / 政府信息公开 column (website-policy.ts) and a reachability
probe (gov-access-results.json). Zhejiang's entries are taken whole from the bundled zhejiang.yaml, which knows
their report columns. Every other entry is a government, its division code and portal: its reports are found by
discovery from its column and home page. Every fact cites its file in `source`.

Known faults of the sources are fixed where a source says what is right, and flagged where not; the checks that
found them run on every entry: a host another division also claims, a 政务服务 host, a host whose name does not
fit the division. Divisions without any host are listed at the top of the file, not entered.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pypinyin import Style, lazy_pinyin, pinyin

ROOT = Path(__file__).resolve().parent.parent
ZHEJIANG = ROOT / "archive" / "registry" / "zhejiang.yaml"
UPSTREAM = {
    "areacodes-2024.txt": "yescallop/areacodes data/2024.txt @ eed219a (CC0 1.0)",
    "website-gov.ts": "anyi-econ/china-public-debt data/website-gov.ts @ 9b01b30",
    "website-policy.ts": "anyi-econ/china-public-debt data/website-policy.ts @ 9b01b30",
    "gov-access-results.json": "anyi-econ/china-public-debt scripts/website_management/gov-access-results.json "
    "@ 9b01b30 (probed 2026-04-26)",
}
# Names the portal tree spells otherwise than the code list.
ALIASES = {"济源市": "济源示范区"}
# Hosts the sources' own notes correct (registry-sources/README.md, "Known wrong entries").
CORRECTED = {"310107": ("https://www.shpt.gov.cn/", "registry-sources/README.md: Shanghai's 普陀区 is www.shpt.gov.cn")}
MUNICIPALITIES = ("11", "12", "31", "50")  # 北京, 天津, 上海, 重庆
# Mainland provinces only: the archive watches governments that publish 法治政府建设年度报告.
OUTSIDE = ("71", "81", "82")
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "自治旗", "地区",
             "新区", "林区", "特区", "盟", "省", "市", "区", "县", "旗")  # fmt: skip
# What a host may add before the name (中国, china) and after it (政府, info), besides the kind's syllables.
_LEADERS = ("", "cn", "zg", "china", "zhongguo")
_TRAILERS = ("", "zf", "rmzf", "gov", "zhengfu", "info", "net", "zhou", "z", "s", "x", "q")
# Host labels that say nothing of the division.
_GENERIC = {"www", "gov", "cn", "com", "net", "org", "zwgk", "xxgk", "http", "https"}
# URL shapes of the platform families (registry-sources/README.md, "Platform families"): list URLs only, so a
# family, not a proven vendor.
FAMILIES = (
    ("hanweb", re.compile(r"/col/col\d+/|/art/\d{4}/|/module/web/jpage/")),
    ("gkmlpt", re.compile(r"/gkmlpt/")),
    ("anhui-public", re.compile(r"/public/column/|/public/\d+/")),
    ("ucap", re.compile(r"/c\d+/[^/]*list[^/]*\.shtml|/c\d+/")),
    ("henan-govxxgk", re.compile(r"/govxxgk/")),
    ("trs", re.compile(r"/t\d{8}_\d+\.s?html|/[a-z_]+/(?:[a-z_]+/)*(?:index\.s?html)?$")),
)


@dataclass
class Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parents: list[Division] = field(default_factory=list)  # province first

    @property
    def path(self) -> tuple[str, ...]:
        return (*(p.name for p in self.parents), self.name)

    @property
    def region(self) -> str:
        return "".join(self.path)


def divisions(sources: Path) -> list[Division]:
    """The divisions in use at the end of 2024, each with its parents (a county of a municipality, or one the
    province administers directly, has the province as its only parent)."""
    by_code: dict[str, Division] = {}
    out: list[Division] = []
    for line in (sources / "areacodes-2024.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        code, name = line.split(maxsplit=1)
        if code.startswith(OUTSIDE):
            continue
        level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
        parents: list[Division] = []
        if level != "province":
            parents.append(by_code[code[:2] + "0000"])
        if level == "county" and (city := by_code.get(code[:4] + "00")) is not None:
            parents.append(city)
        division = Division(code, name, level, parents)
        by_code[code] = division
        out.append(division)
    return out


def ts_tree(path: Path) -> list[dict[str, Any]]:
    """The `{name, url, children}` tree of a .ts data file, read as the JSON it nearly is."""
    text = path.read_text(encoding="utf-8")
    body = text[text.index("= [") + 2 : text.rindex("]") + 1]
    body = re.sub(r"^\s*//.*$", "", body, flags=re.M)
    body = re.sub(r"(\n\s*)(name|url|children):", r'\1"\2":', body)
    body = re.sub(r",(\s*[\]}])", r"\1", body)
    tree: list[dict[str, Any]] = json.loads(body)
    return tree


def ts_map(path: Path) -> dict[str, str]:
    """The `"省/市/县": "url"` entries of a .ts data file."""
    pairs = re.findall(r'^\s*"([^"]+)":\s*"([^"]*)"', path.read_text(encoding="utf-8"), flags=re.M)
    return {key: url for key, url in pairs if url}


def tree_urls(tree: list[dict[str, Any]]) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}

    def walk(nodes: list[dict[str, Any]], path: tuple[str, ...]) -> None:
        for node in nodes:
            here = (*path, node["name"])
            if node.get("url"):
                out[here] = node["url"]
            walk(node.get("children", []), here)

    walk(tree, ())
    return out


class PathTable:
    """Values keyed by a division's name path (省, 省/市, 省/市/县)."""

    def __init__(self, items: dict[tuple[str, ...], Any]) -> None:
        self.exact = items
        # A county of a municipality, or one its province administers directly, is one level under the province
        # in the code list, and sometimes under a pseudo-prefecture in a source: found by its name there when
        # unique in its province.
        under: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for key, value in items.items():
            if len(key) == 3:
                under[(key[0], key[2])].append(value)
        self.under = {k: v[0] for k, v in under.items() if len(v) == 1}

    def get(self, d: Division) -> Any:
        names = tuple(ALIASES.get(n, n) for n in d.path)
        found = self.exact.get(names)
        if found is None and d.level == "county" and len(names) == 2:
            found = self.under.get((names[0], names[1]))
        return found


def bare(name: str) -> str:
    """A division's name without its kind (广州市 → 广州, 鄂温克族自治旗 → 鄂温克族)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@cache
def syllables(name: str) -> tuple[tuple[str, ...], ...]:
    """Each character's readings (长 is chang and zhang: hosts use either)."""
    readings = pinyin(bare(name).removesuffix("族"), style=Style.NORMAL, heteronym=True)
    return tuple(tuple(r for r in each if r.isascii() and r.isalpha()) for each in readings if each[0].isalpha())


def fits(label: str, d: Division) -> bool:
    """Whether a host label reads as an abbreviation of the division's name: each syllable of its parents' names,
    then of its own, gives a prefix of itself (its own first syllable at least a letter), then perhaps a trailer
    (qu, xian, gov ...). bjdch = bj + d + ch (北京 东城); ljxq is no 江北."""
    own = syllables(d.name)
    if not own:
        return True
    head = tuple(s for p in d.parents for s in syllables(p.name))
    kind = tuple((s,) for s in lazy_pinyin(d.name[len(bare(d.name)) :]))
    starts = {len(lead) for lead in _LEADERS if label.startswith(lead)}
    ends = _spans(label, _spans(label, _spans(label, starts, head, first=False), own, first=True), kind, first=False)
    return any(label[at:] in _TRAILERS for at in ends)


def _spans(label: str, starts: set[int], tokens: tuple[tuple[str, ...], ...], first: bool) -> set[int]:
    """Where the label can be after each token (one of its readings) gave a prefix of itself from one of `starts`."""
    positions = set(starts)
    for i, readings in enumerate(tokens):
        low = 1 if first and i == 0 else 0
        positions = {
            at + n
            for at in positions
            for token in readings
            for n in range(low, len(token) + 1)
            if label.startswith(token[:n], at)
        }
    return positions


def host_label(host: str) -> str:
    """The label of a host that names the division (www.bjdch.gov.cn → bjdch)."""
    labels = [x.replace("-", "") for x in host.split(".") if x not in _GENERIC]
    return labels[0] if labels else host


def family(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path or "/"
    for name, shape in FAMILIES:
        if shape.search(path):
            return name
    return None


@dataclass
class Entry:
    division: Division
    url: str
    policy: str | None
    probe: dict[str, Any] | None
    cite: list[str]
    flags: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def entries(sources: Path) -> tuple[list[Entry], list[Division]]:
    """Each division with a portal, and those without."""
    homes = PathTable(tree_urls(ts_tree(sources / "website-gov.ts")))
    policies = PathTable({tuple(k.split("/")): v for k, v in ts_map(sources / "website-policy.ts").items()})
    probes = PathTable(
        {tuple(p["key"].split("/")): p for p in json.loads((sources / "gov-access-results.json").read_text("utf-8"))}
    )
    found: list[Entry] = []
    missing: list[Division] = []
    for d in divisions(sources):
        url = homes.get(d)
        cite = [f"website-gov.ts: {url}"] if url else []
        if d.code in CORRECTED:
            url, why = CORRECTED[d.code]
            cite = [why]
        if not url:
            missing.append(d)
            continue
        policy = policies.get(d)
        if d.code in CORRECTED and policy and urlsplit(policy).hostname != urlsplit(url).hostname:
            policy = None  # the column of the wrong host
        if policy:
            cite.append(f"website-policy.ts: {policy}")
        probed = probes.get(d)
        if probed and d.code not in CORRECTED:
            cite.append(f"gov-access-results.json: {_probe_words(probed)}")
        found.append(Entry(d, url, policy, probed, cite))
    return found, missing


def _probe_words(probe: dict[str, Any]) -> str:
    method = probe.get("accessMethod")
    words = {
        "direct": "answered",
        "protocol-switch": "answered after switching http/https",
        "ua-mobile": "answered a mobile user agent only",
        "none": "unreachable",
    }.get(str(method), str(method))
    final = probe.get("finalUrl")
    return f"{words} on {probe['checkedAt'][:10]}" + (f" at {final}" if final and final != probe.get("govUrl") else "")


def check(found: list[Entry]) -> None:
    """Flag what the known faults look like: a host shared with another division (a parent's portal, most often),
    a 政务服务 host, a host whose name does not fit the division."""
    by_host: dict[str, list[Entry]] = defaultdict(list)
    for e in found:
        by_host[e.host].append(e)
    for host, sharing in by_host.items():
        if len(sharing) < 2:
            continue
        for e in sharing:
            others = [o for o in sharing if o is not e]
            if all(o.division in e.division.parents for o in others):
                e.flags.append(f"host {host} is the portal of {others[0].division.region}, its parent")
            elif not any(e.division in o.division.parents for o in others):
                names = ", ".join(o.division.region for o in others)
                e.flags.append(f"host {host} is also given for {names}")
    for e in found:
        if "zwfw" in e.host:
            e.flags.append(f"host {e.host} is a 政务服务 (online services) host, not the government's portal")
        elif not any("parent" in f or "also given" in f for f in e.flags) and not fits(host_label(e.host), e.division):
            e.flags.append(f"host {e.host} does not read as {e.division.name}: check it is this government's portal")


def site_ids(found: list[Entry], reserved: dict[str, str]) -> dict[str, str]:
    """An id per division code: Zhejiang's as they are; else the pinyin of the name, a county's after its city's
    (guangzhou-tianhe), the province's or the code added where that is taken."""
    ids = dict(reserved)
    taken = set(reserved.values())
    for e in sorted(found, key=lambda e: e.division.code):
        d = e.division
        if d.code in ids:
            continue
        own = "".join(lazy_pinyin(bare(d.name).removesuffix("族")))
        own = re.sub(r"[^a-z0-9]", "", own.lower()) or d.code
        parent = d.parents[-1] if d.parents else None
        up = re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(bare(parent.name))).lower()) if parent else ""
        candidates = [own] if d.level != "county" else []
        candidates += [f"{up}-{own}" if up else own, f"{own}-{d.code}"]
        chosen = next(c for c in candidates if c not in taken)
        ids[d.code] = chosen
        taken.add(chosen)
    return ids


def government(d: Division) -> str:
    """The publishing government's name: 广州市天河区人民政府, 上海市普陀区人民政府, 阿克苏地区行政公署."""
    office = "行政公署" if d.name.endswith(("地区", "盟")) else "人民政府"
    # Below the province the name starts at the city (a municipality is province and city at once); a county-level
    # city is named alone (武夷山市人民政府).
    start = 0 if d.code[:2] in MUNICIPALITIES else 1
    if d.level == "county" and d.name.endswith("市"):
        start = len(d.parents)
    return "".join(p.name for p in d.parents[start:]) + d.name + office


def site(e: Entry, site_id: str) -> dict[str, Any]:
    d = e.division
    urls = [u for u in (e.policy, e.url) if u]
    hosts = [urlsplit(u).hostname or "" for u in urls]
    final = (e.probe or {}).get("finalUrl")
    if final and e.probe and e.probe.get("accessMethod") != "none" and d.code not in CORRECTED:
        hosts.append(urlsplit(final).hostname or "")
    shape = family(e.policy) or family(e.url)
    entry: dict[str, Any] = {
        "id": site_id,
        "name": government(d),
        "region": d.region,
        "division_code": d.code,
        "platform": "auto",
    }
    if shape:
        entry["family"] = shape
    entry |= {
        "evidence": "host only",
        "source": "; ".join(e.cite),
        "discover": ["tree", "search"] if shape == "hanweb" else ["tree"],
        "tree_urls": list(dict.fromkeys(urls)),
        "allowed_domains": sorted({h.lower() for h in hosts if h}),
    }
    if e.flags:
        entry["flags"] = e.flags
    return entry


def build(sources: Path) -> tuple[str, list[Entry]]:
    found, missing = entries(sources)
    check(found)
    zhejiang = yaml.safe_load(ZHEJIANG.read_text(encoding="utf-8"))["sites"]
    kept = {s["division_code"]: s for s in zhejiang}
    ids = site_ids(found, {code: s["id"] for code, s in kept.items()})
    sites = [kept.get(e.division.code) or site(e, ids[e.division.code]) for e in found]
    counts: dict[str, int] = defaultdict(int)
    for e in found:
        counts[e.division.level] += 1
    header = [
        "# The bundled national registry: every provincial, prefecture-level and county-level government of the",
        f"# mainland with a known portal ({counts['province']} provinces, {counts['prefecture']} prefectures, "
        f"{counts['county']} counties), keyed by",
        "# its GB/T 2260 division code. Made by tools/national_registry.py from public data; NOTHING here was checked",
        "# against the live portals (`fazhi sites check` does that). Rebuild it, never edit it by hand:",
        "#   python tools/national_registry.py SOURCES_DIR",
        "# Sources (cited by file name in each entry's `source`):",
        *(f"#   {name}: {where}" for name, where in UPSTREAM.items()),
        "# Zhejiang's entries are zhejiang.yaml's (their report columns are known). Elsewhere only the portal and its",
        "# policy / 政府信息公开 column are known (evidence: host only): the reports are found by discovery from them.",
        "# `family` is the platform family the column's URL shape suggests (not a proven vendor). `flags` say what",
        "# looks wrong: a host another division also has, a 政务服务 host, a host that does not read as the name.",
        "# Without any host in the sources, so not entered: " + "、".join(d.region for d in missing) + ".",
    ]
    body = yaml.safe_dump({"sites": sites}, allow_unicode=True, sort_keys=False, width=120)
    return "\n".join(header) + "\n" + body, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("sources", type=Path, help="the folder of the source files")
    parser.add_argument("--out", type=Path, default=ROOT / "archive" / "registry" / "china.yaml")
    args = parser.parse_args(argv)
    text, found = build(args.sources)
    args.out.write_text(text, encoding="utf-8")
    flagged = [e for e in found if e.flags]
    print(f"{args.out}: {len(found)} governments, {len(flagged)} flagged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
