"""Search vocabulary read at start-up: cross-strait wording and the Chinese<->English glossary.

Cross-strait: OpenCC's own Taiwan phrase tables (TWPhrases: mainland -> Taiwan, TWPhrasesRev: Taiwan -> mainland),
read from the installed opencc package with its own `opencc_dict` tool (the package ships them only compiled), plus
the reviewed standards list config/cross_strait.txt, which adds pairs and removes OpenCC pairs that hurt standards
search. Both sides are folded (traditional -> simplified) so that they meet the analyzer's folded text.

Glossary: reviewed pairs in config/glossary_zh_en.tsv, plus pairs mined from bilingual titles
(config/glossary_mined.tsv, written by `python -m search.mining`), one pair a line: `zh<TAB>en<TAB>source`.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import opencc

OPENCC_TABLES = ("TWPhrases", "TWPhrasesRev")
_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[A-Za-z]")


class VocabularyError(ValueError):
    """A vocabulary file line that cannot be used, named as `file:line: reason`."""


@dataclass(frozen=True)
class GlossaryEntry:
    zh: str  # folded Chinese term
    en: tuple[str, ...]  # English stems, stop words removed
    zh_label: str  # as written in the glossary, for "why it matched"
    en_label: str


@dataclass
class Vocabulary:
    """Folded cross-strait variants (both directions) and the glossary, indexed both ways."""

    variants: dict[str, set[str]] = field(default_factory=dict)
    zh_to_en: dict[str, list[GlossaryEntry]] = field(default_factory=dict)
    en_to_zh: dict[tuple[str, ...], list[GlossaryEntry]] = field(default_factory=dict)

    # An upper bound on the longest variant phrase, kept up to date by add_variant: spellings() runs for every
    # query word (and every subscription the matcher compiles), so scanning all variants there cost ~2 ms a word.
    # remove_variant leaves it as it is: a bound that is too high only costs a few dictionary look-ups.
    longest_variant: int = 0

    def add_variant(self, a: str, b: str) -> None:
        if a and b and a != b:
            self.variants.setdefault(a, set()).add(b)
            self.variants.setdefault(b, set()).add(a)
            self.longest_variant = max(self.longest_variant, len(a), len(b))

    def remove_variant(self, a: str, b: str) -> None:
        for x, y in ((a, b), (b, a)):
            self.variants.get(x, set()).discard(y)
            if x in self.variants and not self.variants[x]:
                del self.variants[x]

    def add_entry(self, entry: GlossaryEntry) -> None:
        if entry not in self.zh_to_en.get(entry.zh, []):
            self.zh_to_en.setdefault(entry.zh, []).append(entry)
            self.en_to_zh.setdefault(entry.en, []).append(entry)

    def spellings(self, text: str, limit: int = 16) -> list[str]:
        """`text` and its cross-strait spellings: every way of replacing variant phrases it contains (a whole
        phrase such as 信息技术 -> 资讯科技 as well as its parts, 信息 -> 资讯), the text itself first; at most
        `limit`."""
        longest = self.longest_variant
        suffixes: dict[int, list[str]] = {len(text): [""]}
        for i in range(len(text) - 1, -1, -1):
            out = [text[i] + rest for rest in suffixes[i + 1]]
            for size in range(2, min(longest, len(text) - i) + 1):
                for option in sorted(self.variants.get(text[i : i + size], ())):
                    out += [option + rest for rest in suffixes[i + size]]
            suffixes[i] = list(dict.fromkeys(out))[:limit]
        return suffixes[0]


# ------------------------------------------------------------------------------------------ OpenCC's tables
def opencc_dir() -> Path:
    return Path(opencc.__file__).resolve().parent / "clib"


def read_opencc_table(name: str) -> list[tuple[str, list[str]]]:
    """One of the installed package's dictionaries as (key, values) pairs, dumped to text by its own tool."""
    clib = opencc_dir()
    source = clib / "share" / "opencc" / f"{name}.ocd2"
    tool = clib / "bin" / "opencc_dict"
    if not source.is_file() or not tool.is_file():
        raise VocabularyError(f"{source}: the installed opencc package lacks {name} or its opencc_dict tool")
    with tempfile.TemporaryDirectory(prefix="stdwatch-opencc-") as tmp:
        out = Path(tmp) / f"{name}.txt"
        subprocess.run(
            [str(tool), "-i", str(source), "-o", str(out), "-f", "ocd2", "-t", "text"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        lines = out.read_text(encoding="utf-8").splitlines()
    pairs = []
    for line in lines:
        key, _, values = line.partition("\t")
        if key and values:
            pairs.append((key, values.split()))
    return pairs


def opencc_pairs(fold: Callable[[str], str]) -> Iterator[tuple[str, str]]:
    """Folded (Taiwan, mainland) pairs of OpenCC's Taiwan phrase tables; Han text only (entries with Latin
    letters or punctuation never meet a Han query word)."""
    for table in OPENCC_TABLES:
        for key, values in read_opencc_table(table):
            for value in values:
                a, b = fold(key), fold(value)
                if _HAN_ONLY.fullmatch(a) and _HAN_ONLY.fullmatch(b) and a != b:
                    yield (a, b) if table.endswith("Rev") else (b, a)


# ------------------------------------------------------------------------------------------ config files
def _lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, [part.strip() for part in line.split("\t")]


def read_cross_strait(
    path: Path, fold: Callable[[str], str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """config/cross_strait.txt: `taiwan<TAB>mainland<TAB>source` adds a pair; a line starting with `-` removes
    one of OpenCC's pairs (`-taiwan<TAB>mainland<TAB>reason`)."""
    added: list[tuple[str, str]] = []
    removed: list[tuple[str, str]] = []
    for number, parts in _lines(path):
        if len(parts) < 3 or not parts[2]:
            raise VocabularyError(f"{path}:{number}: expected taiwan<TAB>mainland<TAB>source")
        drop = parts[0].startswith("-")
        a, b = fold(parts[0].lstrip("-").strip()), fold(parts[1])
        if not (_HAN_ONLY.fullmatch(a) and _HAN_ONLY.fullmatch(b)) or a == b:
            raise VocabularyError(f"{path}:{number}: both terms must be Han text and differ once folded")
        (removed if drop else added).append((a, b))
    return added, removed


def read_glossary(
    path: Path, fold: Callable[[str], str], english: Callable[[str], tuple[str, ...]]
) -> Iterator[GlossaryEntry]:
    """`zh<TAB>en<TAB>source`; every line must name its source."""
    for number, parts in _lines(path):
        if len(parts) < 3 or not parts[2]:
            raise VocabularyError(f"{path}:{number}: expected zh<TAB>en<TAB>source")
        zh, en = fold(parts[0]), english(parts[1])
        if not _HAN_ONLY.fullmatch(zh):
            raise VocabularyError(f"{path}:{number}: zh: {parts[0]!r} is not a Han term")
        if not _LATIN.search(parts[1]) or not en:
            raise VocabularyError(f"{path}:{number}: en: {parts[1]!r} has no English word")
        yield GlossaryEntry(zh, en, parts[0], parts[1])


def load_vocabulary(
    fold: Callable[[str], str],
    english: Callable[[str], tuple[str, ...]],
    cross_strait: Path | None,
    glossaries: Iterable[Path],
    use_opencc: bool = True,
) -> Vocabulary:
    vocabulary = Vocabulary()
    removed: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    if cross_strait is not None:
        added, removed = read_cross_strait(cross_strait, fold)
    if use_opencc:
        for a, b in opencc_pairs(fold):
            vocabulary.add_variant(a, b)
    for a, b in removed:
        vocabulary.remove_variant(a, b)
    for a, b in added:
        vocabulary.add_variant(a, b)
    for path in glossaries:
        if path.is_file():
            for entry in read_glossary(path, fold, english):
                vocabulary.add_entry(entry)
    return vocabulary
