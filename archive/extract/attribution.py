"""Whose report a page is: city portals republish their counties' reports (杭州 posted every district's 2020 report
in one column), and such a page is the county's report, republished, not the city's.

Pure: a title and the registry's governments in, the id of the government that issued it out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# The issuing part of a title: what comes before the subject (法治政府建设 …) or the year.
_SUBJECT = re.compile(r"法治|依法|(?:19|20)\d{2}\s*年")
_GOVERNMENT = re.compile(r"人民政府$")


@dataclass(frozen=True, slots=True)
class Government:
    id: str
    name: str  # 杭州市桐庐县人民政府
    region: str  # 浙江省杭州市桐庐县


def issuing_government(title: str, publishing: Government, governments: Sequence[Government]) -> str | None:
    """The id of the government below `publishing` (a county of its city) whose report the title names, when it is
    not the publishing government's own; None for the publisher's own reports and anything not named."""
    text = "".join(unicodedata.normalize("NFKC", title).split())
    head = text[: m.start()] if (m := _SUBJECT.search(text)) else text
    if not head:
        return None
    best: tuple[int, str] | None = None
    for gov in governments:
        if gov.id == publishing.id or not gov.region.startswith(publishing.region) or gov.region == publishing.region:
            continue
        local = gov.region.removeprefix(publishing.region)  # 桐庐县
        short = _GOVERNMENT.sub("", gov.name)
        if local and (local in head or short in head) and (best is None or len(local) > best[0]):
            best = (len(local), gov.id)
    return best[1] if best else None
