"""config/industry_profiles.toml covers Xiamen's key industries with cited HS/ICS mappings; the loader refuses
mistakes naming the profile and line. config/wto_members.toml lists the WTO's Members."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alerts.profiles import PROFILES_PATH, ProfileError, load_profiles
from api.subscriptions.validation import MEMBERS_PATH, wto_members

# The industries issue 9 names for Xiamen, and the profile that covers each.
INDUSTRIES = {
    "displays": "displays",
    "computers and communication equipment": "computers_communication",
    "semiconductors and integrated circuits": "semiconductors_ic",
    "machinery and equipment": "machinery_equipment",
    "lithium batteries": "lithium_batteries",
    "energy storage": "energy_storage",
    "photovoltaics": "photovoltaics",
    "new materials": "new_materials",
    "biomedicine": "biomedicine",
    "medical devices": "medical_devices",
    "food": "food",
    "tea": "tea",
    "textiles, garments and footwear": "textiles_garments_footwear",
    "stone and building materials": "stone_building_materials",
}


def test_every_industry_has_a_profile_with_codes_and_keywords_in_both_languages() -> None:
    profiles = load_profiles()
    assert set(INDUSTRIES.values()) <= set(profiles)
    for profile in profiles.values():
        assert profile.name_zh and profile.name_en
        assert profile.hs and profile.ics, profile.key
        assert profile.keywords_zh and profile.keywords_en, profile.key
        assert all(re.search(r"[\u4e00-\u9fff]", k) or k.isascii() for k in profile.keywords_zh)
    assert "8507" in profiles["lithium_batteries"].hs and "29.220.30" in profiles["lithium_batteries"].ics
    assert "0902" in profiles["tea"].hs and "67.140.10" in profiles["tea"].ics


def test_every_code_line_cites_its_source() -> None:
    """Each HS heading is followed by 'HS 2022 heading NN.NN', each ICS code by 'ICS <the same code>'."""
    cited = 0
    for line in PROFILES_PATH.read_text(encoding="utf-8").splitlines():
        if m := re.match(r'\s*"(\d{4})",', line):
            assert f"# HS 2022 heading {m[1][:2]}.{m[1][2:]} " in line, line
            cited += 1
        elif m := re.match(r'\s*"(\d{2}(?:\.\d{3}){0,1}(?:\.\d{2})?)",', line):
            assert f"# ICS {m[1]} " in line, line
            cited += 1
    assert cited == sum(len(p.hs) + len(p.ics) for p in load_profiles().values())


GOOD = """[tea]
name_zh = "茶叶"
name_en = "Tea"
hs = [
  "0902",  # HS 2022 heading 09.02 Tea
]
ics = [
  "67.140.10",  # ICS 67.140.10 Tea
]
keywords_zh = ["茶叶"]
keywords_en = ["tea"]
"""


@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [
        ('"0902"', '"090"', 5, "HS heading '090' is not 4 digits"),
        ('"0902"', '"09.02"', 5, "HS heading '09.02'"),
        ('"67.140.10"', '"67.14"', 8, "ICS code '67.14'"),
        ('name_en = "Tea"', 'name_en = ""', 1, "name_en is missing or empty"),
        ('keywords_en = ["tea"]', "keywords_en = []", 11, "keywords_en is empty"),
        ('keywords_en = ["tea"]', 'keywords = ["tea"]', 11, "unknown field 'keywords'"),
        ('keywords_zh = ["茶叶"]', 'keywords_zh = "茶叶"', 10, "keywords_zh must be a list"),
    ],
)
def test_a_mistake_names_the_profile_and_line(
    tmp_path: Path, old: str, new: str, line: int, says: str
) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profiles(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: profile 'tea': ") and says in message, message


def test_good_file_and_broken_toml(tmp_path: Path) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_profiles(path)["tea"].hs == ["0902"]
    path.write_text(GOOD.replace('name_en = "Tea"', 'name_en = "Tea'), encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profiles(path)


def test_the_wto_members_file() -> None:
    members = wto_members()
    text = MEMBERS_PATH.read_text(encoding="utf-8")
    assert "wto.org" in text  # the source is written in the file
    assert len(members - {"EEC"}) == 166
    assert {"CHN", "USA", "EU", "TPKM", "HKG", "MAC", "SGP", "JPN", "KOR", "GBR"} <= members
    assert all(re.fullmatch(r"[A-Z]{2,4}", m) for m in members)
