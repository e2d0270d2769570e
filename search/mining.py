"""Mine Chinese<->English term pairs from records that carry both a Chinese and an English title.

    python -m search.mining RECORDS.jsonl... --out config/glossary_mined.tsv

Why a step that writes a config file rather than mining at index time: aligned title segments are a noisy
source (a wrong split pairs the wrong halves), so the pairs are written where a person can read and correct them
before they change what searches find; the analyzer then reads one reviewed file at start-up, the index does not
depend on the order records arrived in, and the alert matcher (which evaluates the same query plan) gives the
same answers between rebuilds. Rerun it as the crawled corpus grows (national standards nearly always carry both
titles).

Alignment is deliberately strict: titles split at their separators (spaces, dashes, colons) into the same number
of segments pair segment by segment once the part designations (第1部分 / Part 1) are dropped; a title that does
not split pairs whole only when it is short (a product name such as 崂山青茶 / Laoshan oolong tea).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_ZH_SPLIT = re.compile(r"[\s—–\-:：]+")
_EN_SPLIT = re.compile(r"\s*(?:—|–|--|\s-\s|:)\s*")
_ZH_PART = re.compile(r"^第\s*[\d一二三四五六七八九十]+\s*部分?$")
_EN_PART = re.compile(r"^part\s*\w+$", re.IGNORECASE)
_EN_PART_LEAD = re.compile(r"^part\s*\d+\w*\s+", re.IGNORECASE)  # "Part 22 Setup procedures"
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
_SHORT_WHOLE_TITLE = 8  # Han characters


@dataclass(frozen=True)
class MinedPair:
    zh: str
    en: str


def title_pairs(zh_title: str, en_title: str) -> list[MinedPair]:
    """Aligned (zh, en) segments of one bilingual title; empty when they do not align."""
    zh = [s for s in _ZH_SPLIT.split(zh_title.strip()) if s and not _ZH_PART.match(s)]
    en = [_EN_PART_LEAD.sub("", s).strip(" .,;") for s in _EN_SPLIT.split(en_title.strip())]
    en = [s for s in en if s and not _EN_PART.match(s)]
    if len(zh) != len(en) or (len(zh) == 1 and len(zh[0]) > _SHORT_WHOLE_TITLE):
        return []
    return [
        MinedPair(z, e.lower())
        for z, e in zip(zh, en, strict=True)
        if _HAN.match(z) and re.search("[a-z]", e, re.I)
    ]


def bilingual_titles(records: Iterable[dict[str, object]]) -> Iterator[tuple[str, str, str]]:
    """(code or symbol, Chinese title, English title) of every record holding both."""
    for r in records:
        zh = r.get("title_zh") or r.get("title_zh_hant")
        en = r.get("title_en") or (r.get("title") if r.get("symbol") else None)
        if isinstance(zh, str) and isinstance(en, str) and zh and en:
            yield str(r.get("code") or r.get("symbol")), zh, en


def mine(records: Iterable[dict[str, object]]) -> dict[MinedPair, list[str]]:
    """Every aligned pair with the codes of the records it was mined from."""
    found: dict[MinedPair, list[str]] = defaultdict(list)
    for code, zh, en in bilingual_titles(records):
        for pair in title_pairs(zh, en):
            found[pair].append(code)
    return dict(found)


def read_records(paths: Iterable[Path]) -> Iterator[dict[str, object]]:
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def write_tsv(pairs: dict[MinedPair, list[str]], out: Path) -> int:
    lines = [
        "# Mined by `python -m search.mining` from bilingual titles: zh<TAB>en<TAB>source (the records' codes).",
        "# Review before committing: wrong splits pair the wrong halves.",
    ]
    for pair, codes in sorted(pairs.items(), key=lambda p: (p[0].zh, p[0].en)):
        shown = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
        lines.append(f"{pair.zh}\t{pair.en}\tmined from the bilingual titles of {shown}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(pairs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="+", type=Path, help="JSON Lines record files (StdWatch format)")
    parser.add_argument("--out", type=Path, required=True, help="TSV file to write")
    args = parser.parse_args(argv)
    count = write_tsv(mine(read_records(args.records)), args.out)
    print(f"{count} pairs written to {args.out}")


if __name__ == "__main__":
    main()
