"""Version text codecs: bytes and times of the ways a version text could be stored, against the packing the archive
uses (archive.store.packedtext: GB18030 under zlib). `python bench/codecs.py [--versions N] [--chars N]`.

Two sets of texts: bench/storage.py's corpus (bench/search.py's texts, lines of the fixture reports reshuffled) and
the five whole seed reports (tests/fixtures/page_texts/seed_*.txt) cut in slices of `--chars` characters. Codecs
whose module is not installed are left out of the table (brotli and zstandard are not dependencies of the project,
nor is pyppmd). A trained dictionary is measured only on texts held out from its training: it is trained on the
fixture texts that are not seeds and measured on the seeds; the storage corpus is drawn from both, so a dictionary
has no figure on it but one, marked as in-sample, to show how far such a figure would mislead.
"""

from __future__ import annotations

import argparse
import bz2
import datetime as dt
import importlib
import lzma
import platform
import random
import time
import zlib
from collections.abc import Callable
from types import ModuleType

from extraction import RESULTS, write_section
from search import SOURCES, make_text, paragraphs

from archive.store.packedtext import LEVEL, pack

HEADING = "## Version text codecs"
FIXTURES = SOURCES[0]

Codec = tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]


def optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def storage_corpus(versions: int, chars: int, seed: int = 20) -> list[str]:
    """The texts bench/search.py's fill writes, drawn in the same order from the same generator."""
    rng = random.Random(seed)
    paras = paragraphs()
    reports = int(versions / 1.2)
    out: list[str] = []
    for n in range(reports):
        for _ in range(2 if n < versions - reports else 1):
            out.append(make_text(rng, paras, rng.randint(chars // 2, chars * 3 // 2)))
    return out


def preset_codec(texts: list[bytes]) -> Codec:
    """Raw deflate with the last 32 KB of `texts` as its preset dictionary (zlib's window holds no more)."""
    preset = b"".join(texts)[-32768:]

    def deflate(b: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, preset)
        return c.compress(b) + c.flush()

    def inflate(b: bytes) -> bytes:
        d = zlib.decompressobj(-15, preset)
        return d.decompress(b) + d.flush()

    return deflate, inflate


def codecs(training: list[bytes]) -> dict[str, Codec]:
    """Each codec on GB18030 bytes: (compress, decompress). Raw streams (no container) where there is a choice."""
    # lzma's literal context tuned for two-byte characters (lp=1, pb=1, lc=0).
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "lc": 0, "lp": 1, "pb": 1}]
    out: dict[str, Codec] = {
        "zlib 9": (lambda b: zlib.compress(b, 9), zlib.decompress),
        "bz2 9": (lambda b: bz2.compress(b, 9), bz2.decompress),
        "lzma raw, extreme": (
            lambda b: lzma.compress(b, format=lzma.FORMAT_RAW, filters=filters),
            lambda b: lzma.decompress(b, format=lzma.FORMAT_RAW, filters=filters),
        ),
    }
    out["zlib 9, 32 KB preset dictionary*"] = preset_codec(training)
    if (brotli := optional("brotli")) is not None:
        out["brotli 11"] = (lambda b: brotli.compress(b, quality=11, lgwin=22), brotli.decompress)
        out["brotli 5"] = (lambda b: brotli.compress(b, quality=5, lgwin=22), brotli.decompress)
    if (zstd := optional("zstandard")) is not None:
        plain = zstd.ZstdCompressor(level=19, write_checksum=False)
        out["zstd 19"] = (plain.compress, zstd.ZstdDecompressor().decompress)
        samples = [b[i : i + 1000] for b in training for i in range(0, len(b), 1000)]
        trained = zstd.train_dictionary(8192, samples)
        withdict = zstd.ZstdCompressor(level=19, dict_data=trained, write_checksum=False, write_dict_id=False)
        out["zstd 19, 8 KB trained dictionary*"] = (
            withdict.compress,
            zstd.ZstdDecompressor(dict_data=trained).decompress,
        )
    if (ppmd := optional("pyppmd")) is not None:
        out["PPMd order 6 (7z's variant H)"] = (
            lambda b: ppmd.compress(b, max_order=6, mem_size=16 << 20),
            lambda b: ppmd.decompress(b, max_order=6, mem_size=16 << 20),
        )
    return out


def measure(codec: Codec, texts: list[bytes]) -> tuple[float, float, float]:
    """Mean stored bytes, compress and decompress milliseconds per text (process time, three rounds, the best)."""
    compress, decompress = codec
    packed = [compress(b) for b in texts]
    assert [decompress(p) for p in packed] == texts
    best_c = best_d = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for b in texts:
            compress(b)
        t1 = time.process_time()
        for p in packed:
            decompress(p)
        t2 = time.process_time()
        best_c, best_d = min(best_c, t1 - t0), min(best_d, t2 - t1)
    n = len(texts)
    return sum(map(len, packed)) / n + 1, best_c / n * 1000, best_d / n * 1000  # +1: the format mark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=600)
    parser.add_argument("--chars", type=int, default=4000)
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()
    seeds = [f.read_text("utf-8") for f in sorted(FIXTURES.glob("seed_*.txt"))]
    others = [f.read_text("utf-8") for f in sorted(FIXTURES.glob("*.txt")) if not f.name.startswith("seed_")]
    training = [t.encode("gb18030") for t in others if t.strip()]
    step = args.chars
    sets = {
        "storage corpus": storage_corpus(args.versions, args.chars),
        "seed slices": [s[i : i + step] for s in seeds for i in range(0, len(s) - step // 2, step)],
    }
    table = codecs(training)
    table["zlib 9, 32 KB preset of all fixture texts†"] = preset_codec(
        [f.read_text("utf-8").encode("gb18030") for f in sorted(FIXTURES.glob("*.txt"))]
    )
    extra = [m for m in ("brotli", "zstandard", "pyppmd") if optional(m) is not None]
    rows: dict[str, dict[str, tuple[float, float, float]]] = {}
    today: dict[str, tuple[float, float, float]] = {}
    for name, texts in sets.items():
        encoded = [t.encode("gb18030") for t in texts]
        today[name] = measure((lambda b: zlib.compress(b, LEVEL), zlib.decompress), encoded)
        # The same bytes archive.store.packedtext stores (the mark counted in measure).
        assert today[name][0] == sum(len(pack(t)) for t in texts) / len(texts)
        for codec, fns in table.items():
            if codec.endswith("*") and name == "storage corpus":
                continue  # in-sample there: see the module's docstring
            if codec.endswith("†") and name != "storage corpus":
                continue
            rows.setdefault(codec, {})[name] = measure(fns, encoded)
    counts = {k: f"{len(v)} texts averaging {sum(map(len, v)) / len(v):,.0f} characters" for k, v in sets.items()}
    lines = [
        HEADING,
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M}, Python {platform.python_version()}. "
        f"`python bench/codecs.py --versions {args.versions} --chars {args.chars}`.",
        "",
        "Bytes a version text would take as stored (GB18030 under each codec, plus the one-byte format mark), against "
        f"the packing in use (archive.store.packedtext, zlib level {LEVEL}), and process milliseconds per text to pack "
        "and "
        "to unpack (on the storage corpus; on the seed slices for the dictionaries); the storage corpus "
        f"({counts['storage corpus']}) and slices of the five seed reports ({counts['seed slices']}). "
        "\\* a dictionary trained on the fixture texts other than the seeds and measured on the seeds only (held out). "
        "† a preset dictionary of the last 32 KB of all fixture texts, on the storage corpus: in-sample (the corpus "
        "is made of those texts' lines), shown only to say that this corpus cannot judge a dictionary. "
        f"Modules outside the project's dependencies present for this run: {', '.join(extra) or 'none'}.",
        "",
        "| codec | storage corpus bytes | against in use | seed slices bytes | against in use | pack ms | unpack ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    a, b = today["storage corpus"], today["seed slices"]
    lines.append(f"| in use: zlib {LEVEL} | {a[0]:,.0f} | 1.00 | {b[0]:,.0f} | 1.00 | {a[1]:.2f} | {a[2]:.3f} |")
    for codec, by_set in rows.items():
        cells = []
        for name in sets:
            if name in by_set:
                cells.append(f"{by_set[name][0]:,.0f} | {by_set[name][0] / today[name][0]:.2f}")
            else:
                cells.append("— | —")
        c, d = next(iter(by_set.values()))[1:]
        lines.append(f"| {codec} | {' | '.join(cells)} | {c:.2f} | {d:.3f} |")
    lines.append("")
    out = "\n".join(lines)
    print(out)
    if not args.no_write:
        write_section(out, HEADING)


if __name__ == "__main__":
    main()
