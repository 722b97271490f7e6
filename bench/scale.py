"""Extraction at scale: time per MB of `extract_page` (what the crawl and `fazhi extract` run) on pages from 1 to
100 MB, and of the whole `fazhi extract` command up to the 64 MB a page may have. `python bench/scale.py [--rounds N]
[--sizes 1 3 10 30 100]`.

Flat is the aim: a page ten times larger costing ten times the time. Each page shape is built to each size from
the same pieces; each figure is the best of N rounds, shapes and sizes interleaved, so a busy machine moves them
alike; the ratio column divides each size's time per MB by the smallest size's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from extraction import RESULTS, write_section

from archive.bounds import MAX_FILE_BYTES
from archive.extract import extract_page

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEEDS = ROOT.parent / "shared" / "seeds"
HEADING = "## Extraction at scale"
MB = 1024 * 1024
URL = "https://www.yuhang.gov.cn/art/2024/3/14/art_1229174959_1.html"


def _seed_lines() -> list[str]:
    lines = [line.strip() for f in sorted(SEEDS.glob("*.txt")) for line in f.read_text("utf-8").splitlines()]
    return [line for line in lines if line] or ["2023年，我区全面推进依法行政，法治政府建设取得新进展。"]


def _hanweb(paragraphs: list[str]) -> str:
    body = "".join(f'<p style="text-indent:2em">{p}</p>' for p in paragraphs)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="ArticleTitle" content="余杭区2023年法治政府'
        '建设年度报告"><meta name="PubDate" content="2024-03-14 10:20"><title>余杭区2023年法治政府建设年度报告</title>'
        '</head><body><div class="crumb">当前位置：首页 &gt; 政务公开</div><h1>余杭区2023年法治政府建设年度报告</h1>'
        f'<div id="zoom"><!--ZJEG_RSS.content.begin-->{body}<!--ZJEG_RSS.content.end--></div>'
        '<div class="share">分享到：微信 微博</div><div class="footer">主办单位：杭州市余杭区人民政府办公室</div>'
        "</body></html>"
    )


def _shapes() -> dict[str, Callable[[int], list[str]]]:
    """Each shape: a function from a count to that many of its repeated pieces."""
    seeds = _seed_lines()
    return {
        "report (seed paragraphs, Hanweb page)": lambda n: [seeds[i % len(seeds)] for i in range(n)],
        "short numbered paragraphs": lambda n: [
            f"{i}、工作情况" if i % 3 == 0 else f"（{i}）深化改革{i}。" for i in range(n)
        ],
        "attachment links": lambda n: [f'<a href="/module/download/{i}.docx">附件{i}.docx</a>' for i in range(n)],
    }


def build(shape: Callable[[int], list[str]], size: int) -> bytes:
    """A page of `shape` of about `size` bytes."""
    probe = _hanweb(shape(1000)).encode()
    n = max(1, int(1000 * size / len(probe)))
    return _hanweb(shape(n)).encode()


def _time(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def run_cli(page: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from archive.cli.main import main; main()", "extract", str(page)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 10, 30, 100], help="page sizes in MB")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()
    shapes = _shapes()
    best: dict[tuple[str, int], float] = {}
    actual: dict[tuple[str, int], int] = {}
    cli_best: dict[int, float] = {}
    cli_sizes = [s for s in args.sizes if s * MB <= MAX_FILE_BYTES]
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            for name, shape in shapes.items():
                for size in args.sizes:
                    body = build(shape, size * MB)
                    actual[name, size] = len(body)
                    t = _time(lambda body=body: extract_page(body, URL))  # type: ignore[misc]
                    best[name, size] = min(best.get((name, size), t), t)
                    print(f"round {rnd + 1}: {name}, {size} MB: {t:.2f} s", flush=True)
                    del body
            first = next(iter(shapes.values()))
            for size in cli_sizes:
                page = Path(tmp) / f"page-{size}.html"
                page.write_bytes(build(first, size * MB))
                t = run_cli(page)
                cli_best[size] = min(cli_best.get(size, t), t)
                print(f"round {rnd + 1}: fazhi extract, {size} MB: {t:.2f} s", flush=True)
    out = render(args, shapes, best, actual, cli_best, cli_sizes)
    print(out)
    if not args.no_write:
        write_section(out, HEADING)


def render(
    args: argparse.Namespace,
    shapes: dict[str, Callable[[int], list[str]]],
    best: dict[tuple[str, int], float],
    actual: dict[tuple[str, int], int],
    cli_best: dict[int, float],
    cli_sizes: list[int],
) -> str:
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        HEADING,
        "",
        f"Run {when}, Python {platform.python_version()}. `python bench/scale.py --rounds {args.rounds} --sizes "
        f"{' '.join(map(str, args.sizes))}`. Best of {args.rounds} rounds, shapes and sizes interleaved.",
        "",
        "`extract_page` in one process (what a crawl runs on each page; Scrapy refuses pages over "
        f"{MAX_FILE_BYTES // MB} MB before they get here, and so does `fazhi extract`):",
        "",
        "| page | " + " | ".join(f"{s} MB" for s in args.sizes) + " |",
        "|---|" + "---:|" * len(args.sizes),
    ]
    ratios = []
    for name in shapes:
        base = best[name, args.sizes[0]] / actual[name, args.sizes[0]]
        cells = []
        for size in args.sizes:
            per_mb = best[name, size] / (actual[name, size] / MB)
            ratio = (best[name, size] / actual[name, size]) / base
            ratios.append(ratio)
            cells.append(f"{per_mb:.2f} s/MB ({ratio:.2f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Every shape's time per MB stays within {min(ratios):.2f}-{max(ratios):.2f} of its own at {args.sizes[0]} MB.",
    ]
    if cli_sizes:
        base = cli_best[cli_sizes[0]] / cli_sizes[0]
        lines += [
            "",
            "The whole `fazhi extract PAGE` command (start-up, extraction, the text printed to a pipe) on the report "
            "page:",
            "",
            "| " + " | ".join(f"{s} MB" for s in cli_sizes) + " |",
            "|" + "---:|" * len(cli_sizes),
            "| " + " | ".join(f"{cli_best[s] / s:.2f} s/MB ({cli_best[s] / s / base:.2f})" for s in cli_sizes) + " |",
        ]
    lines += [
        "",
        "In brackets: time per MB over that at the smallest size (1.00 is flat; start-up makes the command's "
        "smallest size the dearest per MB). The report text used to be laid out by Rich before printing, which "
        "grew with the square of the text (160,000 lines: 38 s); it is now written as it is. The size caps: "
        f"a page or document of at most {MAX_FILE_BYTES // MB} MB (`archive/bounds.py`, Scrapy's "
        "DOWNLOAD_MAXSIZE, and the same for a body that only reaches it once decompressed); `fazhi extract` reads "
        "no more of a file.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
