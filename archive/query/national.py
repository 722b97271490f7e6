"""Coverage at the scale of the country: each province's (or a province's cities', a city's counties') share of
governments that published their annual report on time, late or not at all.

Areas come from each site's region path (浙江省杭州市余杭区 is in 浙江省, and in its 杭州市): a province is the
path's first part (a 省, 自治区 or municipality), a city the next (市, 自治州, 地区, 盟). A municipality's
districts belong to no city (they count under the municipality itself); a county-level city its province
administers directly (湖北省仙桃市) is an area of its own.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from archive.query.coverage import CoverageRow
from archive.records import Record
from archive.vocab import CoverageStatus

_PROVINCE = re.compile(r"^(北京市|天津市|上海市|重庆市|.+?自治区|.+?省)")
_CITY = re.compile(r"^(.+?(?:自治州|地区|盟|市))")
AREAS = ("province", "city")  # what `by_area` counts by


def region_parts(region: str) -> tuple[str, str]:
    """(province, city) of a region path; city is "" for the province itself and for the counties no city holds."""
    found = _PROVINCE.match(region)
    if found is None:
        return region, ""
    province = found.group(1)
    rest = region[len(province) :]
    if province in ("北京市", "天津市", "上海市", "重庆市"):
        return province, ""
    city = _CITY.match(rest)
    return province, city.group(1) if city else ""


@dataclass(frozen=True, slots=True)
class AreaCoverage(Record):
    """One area's governments and how many published their annual report on a year, as `fazhi coverage --by`
    counts them."""

    area: str
    """The province or city (its full region path), or the region asked for itself for the governments it holds
    directly."""
    year: int
    governments: int
    on_time: int
    late: int
    missing: int
    pending: int
    published_share: float
    """Of the governments, the share that published (on time or late), 0 to 1."""
    on_time_share: float


def by_area(rows: Iterable[CoverageRow], by: str) -> list[AreaCoverage]:
    """Coverage rows counted per area and year: `by` is `province` (the country by province) or `city` (a
    province by city)."""
    if by not in AREAS:
        raise ValueError(f"by must be one of {', '.join(AREAS)}, not {by!r}")
    counts: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for row in rows:
        province, city = region_parts(row.region)
        area = province if by == "province" else province + city
        counts[(area, row.year)][str(row.status)] += 1
    out = []
    for (area, year), c in sorted(counts.items()):
        total = sum(c.values())
        published = c[CoverageStatus.ON_TIME] + c[CoverageStatus.LATE]
        out.append(
            AreaCoverage(
                area,
                year,
                total,
                c[CoverageStatus.ON_TIME],
                c[CoverageStatus.LATE],
                c[CoverageStatus.MISSING],
                c[CoverageStatus.PENDING],
                round(published / total, 4),
                round(c[CoverageStatus.ON_TIME] / total, 4),
            )
        )
    return out
