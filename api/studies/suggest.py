"""Counterpart suggestions for a domestic standard: first what its record says it adopts (and the other
regions' standards adopting the same international standard), then standards of other regions whose titles
share words with it, in Chinese (simplified or traditional) and in English, each with its reason.

Title similarity is the Dice coefficient of the analyzer's word sets (one-character Han words left out: they
are mostly particles). It is evaluated in Python over the stored standards of other regions: a curator asks
for suggestions now and then, and a scan of the demo-sized store takes milliseconds; a store of hundreds of
thousands of standards would want the search backend's more-like-this instead (not done).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from search.analysis import Analyzer, is_han
from stdwatch.store import DocumentRepository, StoredDocument
from stdwatch.store.studies import code_and_key

MIN_SCORE = 0.3
LANGUAGES = {"zh": ("title_zh", "title_zh_hant"), "en": ("title_en",)}


@dataclass(frozen=True)
class Suggestion:
    code: str
    document_id: str | None
    title: str | None
    region: str | None
    reason: str
    score: float


def _title(doc: StoredDocument) -> str | None:
    data = doc.data
    return data.get("title_zh") or data.get("title_zh_hant") or data.get("title_en")


def _words(analyzer: Analyzer, doc: StoredDocument, language: str) -> frozenset[str]:
    text = " ".join(doc.data.get(k) or "" for k in LANGUAGES[language])
    return frozenset(w for w in analyzer.words(text) if len(w) > 1 or not is_han(w))


def _adopted(repo: DocumentRepository, doc: StoredDocument) -> list[Suggestion]:
    found = []
    for adoption in doc.data.get("adopts") or []:
        code, key = code_and_key(adoption["code"])
        degree = f" ({adoption['degree']})" if adoption.get("degree") else ""
        stored = repo.find_by_code(code, key)
        target = max(stored, key=lambda d: d.code) if stored else None
        found.append(
            Suggestion(
                code,
                target.id if target else None,
                _title(target) if target else None,
                target.data.get("region") if target else None,
                f"{doc.code} adopts {code}{degree} according to its record",
                1.0,
            )
        )
        for link in repo.links_to(code, key):  # other standards adopting the same international standard
            other = repo.get(link.document_id)
            if other and link.relation == "adopts" and other.data.get("region") != doc.data.get("region"):
                reason = f"{other.code} also adopts {link.target_code}"
                found.append(
                    Suggestion(other.code, other.id, _title(other), other.data.get("region"), reason, 0.9)
                )
    return found


def _similar(
    analyzer: Analyzer, doc: StoredDocument, candidates: Iterable[StoredDocument]
) -> list[Suggestion]:
    mine = {lang: _words(analyzer, doc, lang) for lang in LANGUAGES}
    found = []
    for other in candidates:
        for lang, words in mine.items():
            theirs = _words(analyzer, other, lang)
            if not words or not theirs:
                continue
            shared = words & theirs
            score = 2 * len(shared) / (len(words) + len(theirs))
            if score >= MIN_SCORE:
                reason = f"title similarity {score:.2f} ({lang}): shared words {', '.join(sorted(shared))}"
                found.append(
                    Suggestion(
                        other.code, other.id, _title(other), other.data.get("region"), reason, round(score, 3)
                    )
                )
                break
    return found


def suggest(
    repo: DocumentRepository, analyzer: Analyzer, doc: StoredDocument, limit: int = 10
) -> list[Suggestion]:
    """Suggested counterparts of `doc`, adoption metadata first, then by title similarity (best first)."""
    region = doc.data.get("region")
    others = (
        d
        for batch in repo.iter_documents()
        for d in batch
        if d.kind == "standard" and d.data.get("region") != region and d.code_key != doc.code_key
    )
    similar = sorted(_similar(analyzer, doc, others), key=lambda s: -s.score)
    unique: dict[str, Suggestion] = {}
    for suggestion in [*_adopted(repo, doc), *similar]:
        unique.setdefault(suggestion.code, suggestion)
    return list(unique.values())[:limit]
