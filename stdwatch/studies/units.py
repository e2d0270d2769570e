"""Units through pint: one registry, the spellings standards print (µg, μg, ℃, 毫克/千克), conversions."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pint


class UnitError(ValueError):
    """A unit pint does not know, or two units that measure different things."""


# Chinese unit names as GB texts print them, longest first so 毫克 is not read as 毫 + 克.
_CHINESE = {
    "毫克": "mg",
    "微克": "ug",
    "千克": "kg",
    "公斤": "kg",
    "克": "g",
    "毫升": "mL",
    "升": "L",
    "毫米": "mm",
    "厘米": "cm",
    "米": "m",
    "毫安时": "mAh",
    "伏": "V",
    "安": "A",
    "瓦": "W",
    "分贝": "dB",
    "分钟": "min",
    "小时": "h",
    "秒": "s",
}
_CHINESE_RE = re.compile("|".join(sorted(_CHINESE, key=len, reverse=True)))
_SIGNS = {"µ": "u", "μ": "u", "℃": "degC", "℉": "degF", "％": "%", "／": "/", "·": "*", "×": "*"}


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    # Built once: a registry takes a noticeable fraction of a second to load its definitions.
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def _spelled(unit: str) -> str:
    text = unit.strip()
    for sign, plain in _SIGNS.items():
        text = text.replace(sign, plain)
    text = _CHINESE_RE.sub(lambda m: _CHINESE[m.group(0)], text)
    return "percent" if text == "%" else text.replace("%", "percent")


@lru_cache(maxsize=4096)
def parse_unit(unit: str) -> Any:
    """pint's unit for a printed spelling; '' is dimensionless. UnitError names a spelling it cannot read."""
    text = _spelled(unit)
    if not text:
        return registry().dimensionless
    try:
        return registry().parse_units(text)
    except Exception as exc:  # pint raises several unrelated types for text it cannot parse
        raise UnitError(f"unknown unit {unit!r}") from exc


def convert(value: float, unit: str, to: str) -> float:
    """`value` in `unit` expressed in `to`; UnitError when they measure different things."""
    source, target = parse_unit(unit), parse_unit(to)
    try:
        return float(registry().Quantity(value, source).to(target).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(f"units {unit or 'none'!r} and {to or 'none'!r} cannot be compared") from exc


def check_comparable(mine: str, theirs: str) -> None:
    """UnitError unless both spellings are units that measure the same thing (named domestic/counterpart)."""
    for side, unit in (("domestic", mine), ("counterpart", theirs)):
        try:
            parse_unit(unit)
        except UnitError as exc:
            raise UnitError(f"{side}: {exc}") from None
    if parse_unit(mine).dimensionality != parse_unit(theirs).dimensionality:
        raise UnitError(
            f"units {mine or 'none'!r} (domestic) and {theirs or 'none'!r} (counterpart) cannot be compared"
        )
