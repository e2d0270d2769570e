"""Industry profiles (config/industry_profiles.toml): an industry's HS headings, ICS codes and keywords.

The file is checked as a whole when it is loaded; a mistake is a ProfileError naming the profile and the line,
so a bad edit stops the service at start instead of silently matching nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from config.settings import CONFIG_DIR

PROFILES_PATH = CONFIG_DIR / "industry_profiles.toml"
HS_HEADING = re.compile(r"\d{4}")  # a 4-digit HS heading ("8507" = heading 85.07)
ICS_CODE = re.compile(r"\d{2}(\.\d{3}(\.\d{2})?)?")  # field, group or sub-group: 29, 29.220, 29.220.20
_FIELDS = ("name_zh", "name_en", "hs", "ics", "keywords_zh", "keywords_en")
_KEY = re.compile(r"[a-z][a-z0-9_]{1,63}")


class ProfileError(ValueError):
    """A mistake in the profiles file, naming the file, the line and the profile."""


@dataclass(frozen=True)
class IndustryProfile:
    key: str
    name_zh: str
    name_en: str
    hs: list[str]
    ics: list[str]
    keywords_zh: list[str]
    keywords_en: list[str]


@dataclass(frozen=True)
class _Where:
    """Where a profile sits in the file, to name the line of a mistake (tomllib keeps no positions)."""

    path: Path
    lines: list[str]
    key: str

    def line_of(self, needle: str | None) -> int:
        """1-based line of `needle` (a quoted value or a field name) in the profile's table, else of the
        table's header."""
        start = next((i for i, line in enumerate(self.lines) if line.strip() == f"[{self.key}]"), 0)
        if needle:
            for i in range(start + 1, len(self.lines)):
                if self.lines[i].lstrip().startswith("["):
                    break
                if self._holds(self.lines[i], needle):
                    return i + 1
        return start + 1

    @staticmethod
    def _holds(line: str, needle: str) -> bool:
        if needle.startswith('"'):  # a quoted value
            return needle in line
        return re.match(rf"\s*{re.escape(needle)}\s*=", line) is not None  # a field name

    def fail(self, needle: str | None, message: str) -> NoReturn:
        raise ProfileError(f"{self.path}:{self.line_of(needle)}: profile {self.key!r}: {message}")


def _texts(name: str, value: Any, where: _Where) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        where.fail(name, f"{name} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _profile(key: str, table: Any, where: _Where) -> IndustryProfile:
    fail = where.fail
    if not isinstance(table, dict):
        fail(None, "must be a table ([key] followed by its fields)")
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        fail(unknown[0], f"unknown field {unknown[0]!r}; expected {', '.join(_FIELDS)}")
    for name in ("name_zh", "name_en"):
        if not isinstance(table.get(name), str) or not table[name].strip():
            fail(None, f"{name} is missing or empty")
    lists = {name: _texts(name, table.get(name, []), where) for name in _FIELDS[2:]}
    for code in lists["hs"]:
        if not HS_HEADING.fullmatch(code):
            fail(f'"{code}"', f'HS heading {code!r} is not 4 digits (e.g. "8507" for heading 85.07)')
    for code in lists["ics"]:
        if not ICS_CODE.fullmatch(code):
            fail(f'"{code}"', f'ICS code {code!r} is not NN, NN.NNN or NN.NNN.NN (e.g. "29.220.20")')
    if not lists["hs"] and not lists["ics"]:
        fail(None, "needs at least one HS heading or ICS code")
    for name in ("keywords_zh", "keywords_en"):
        if not lists[name]:
            fail(name, f"{name} is empty")
    return IndustryProfile(key, table["name_zh"].strip(), table["name_en"].strip(), **lists)


def load_profiles(path: Path = PROFILES_PATH) -> dict[str, IndustryProfile]:
    """Every profile of the file by key, checked; ProfileError names the profile and line of a mistake."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    lines = text.splitlines()
    profiles = {}
    for key, table in data.items():
        where = _Where(path, lines, key)
        if not _KEY.fullmatch(key):
            where.fail(None, "a profile key is lower-case letters, digits and _ (subscriptions store it)")
        profiles[key] = _profile(key, table, where)
    if not profiles:
        raise ProfileError(f"{path}: no profiles")
    return profiles


@lru_cache(maxsize=4)
def default_profiles(path: Path = PROFILES_PATH) -> dict[str, IndustryProfile]:
    """The configured profiles, loaded once per process."""
    return load_profiles(path)
