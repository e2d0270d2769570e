"""Checks of what a subscription asks for; a failure is a FieldError naming the field (`codes[3]`, `query.hs`)

Saved searches go through search.params.query_from_params, the same parser /api/search uses, so a subscription
accepts exactly what search accepts; on top of it, `member` values must be WTO Members
(config/wto_members.toml).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from alerts.profiles import IndustryProfile
from config.settings import CONFIG_DIR
from search.params import PAGING, ParamError, query_from_params, to_params
from stdwatch.identifiers import CodeError, parse_any

MEMBERS_PATH = CONFIG_DIR / "wto_members.toml"
MAX_CODES = 500


class FieldError(ValueError):
    """A value the API cannot accept; `field` is where it is (`codes[3]`, `query.member`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@lru_cache(maxsize=2)
def wto_members(path: Path = MEMBERS_PATH) -> frozenset[str]:
    """Symbol codes of WTO Members (and former symbol codes such as EEC)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return frozenset(data["members"]) | frozenset(data.get("former", {}))


def check_query(params: Mapping[str, Any]) -> dict[str, list[str]]:
    """The saved search's parameters, normalized (`hs` 8507.60 -> 850760, members upper case)."""
    for name, value in params.items():
        texts = [value] if isinstance(value, str) else value
        if not isinstance(texts, list) or not all(isinstance(v, str) for v in texts):
            raise FieldError(f"query.{name}", "must be text or a list of texts")
    paging = sorted(set(params) & set(PAGING))
    if paging:
        raise FieldError(f"query.{paging[0]}", "paging and sorting do not apply to a subscription")
    try:
        normalized = to_params(query_from_params(params))
    except ParamError as exc:
        raise FieldError(f"query.{exc.field}", exc.message) from None
    unknown = [m for m in normalized.get("member", []) if m not in wto_members()]
    if unknown:
        raise FieldError(
            "query.member",
            f"{unknown} are not WTO Members' symbol codes "
            "(e.g. USA, EU, CHN, TPKM; see config/wto_members.toml)",
        )
    if not normalized:
        raise FieldError("query", "a saved search needs words (`q`) or at least one filter")
    return normalized


def check_codes(codes: Sequence[str]) -> tuple[str, ...]:
    """Every code parsed (any spelling) and normalized, duplicates dropped; FieldError names `codes[i]`."""
    if not codes:
        raise FieldError("codes", "a watch list needs at least one standard code or TBT symbol")
    if len(codes) > MAX_CODES:
        raise FieldError("codes", f"at most {MAX_CODES} codes in one watch list")
    normalized = []
    for i, code in enumerate(codes):
        try:
            normalized.append(str(parse_any(code)))
        except CodeError as exc:
            raise FieldError(f"codes[{i}]", str(exc)) from None
    return tuple(dict.fromkeys(normalized))


def check_profile(key: str | None, profiles: Mapping[str, IndustryProfile]) -> str:
    if not key:
        raise FieldError("profile", "a profile subscription names an industry profile (GET /api/profiles)")
    if key not in profiles:
        raise FieldError("profile", f"unknown profile {key!r}; known profiles: {', '.join(profiles)}")
    return key
