"""Study API shapes. Inputs mirror stdwatch.studies.codec's JSON form; outputs add what the program computes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from stdwatch.studies.model import Degree, Judgment, Kind, Status

Text = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(max_length=2_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RequirementIn(_In):
    text: Short = ""
    kind: Kind | None = Field(None, description="Numeric kinds need `value` (a range also `value_max`).")
    value: Number | None = None
    value_max: Number | None = None
    unit: Annotated[str, StringConstraints(max_length=50)] = Field("", description="e.g. mg/kg, µg/kg, ℃, %")


class CounterpartIn(_In):
    requirement: RequirementIn | None = Field(None, description="null: the counterpart does not cover it.")
    judgment: Judgment | None = Field(
        None, description="The curator's judgment; differing from the computed one needs `reason`."
    )
    reason: Short = ""


class ItemIn(_In):
    clause: Annotated[str, StringConstraints(max_length=200)] = ""
    indicator: Annotated[str, StringConstraints(max_length=500)] = ""
    domestic: RequirementIn | None = None
    counterparts: list[CounterpartIn] = Field(default_factory=list, max_length=20)
    note: Short = ""


class StudyFields(_In):
    purpose: Text = ""
    scope: Text = ""
    degree: Degree | None = None
    method: Text = ""
    conclusion: Text = ""
    recommendations: Text = ""
    authors: list[Name] = Field(default_factory=list, max_length=50)
    reviewers: list[Name] = Field(default_factory=list, max_length=50)
    illustrative: bool = Field(False, description="The items are examples, not quotations of the standards.")


class StudyIn(StudyFields):
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    domestic: list[Code] = Field(min_length=1, max_length=10, description="Domestic standard codes.")
    counterparts: list[Code] = Field(min_length=1, max_length=10, description="Counterpart standard codes.")
    items: list[ItemIn] = Field(default_factory=list, max_length=2000)


class StudyPatch(_In):
    """Fields to change; the others keep their value. `items` replaces the whole list."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    domestic: list[Code] | None = Field(None, min_length=1, max_length=10)
    counterparts: list[Code] | None = Field(None, min_length=1, max_length=10)
    purpose: Text | None = None
    scope: Text | None = None
    degree: Degree | None = None
    method: Text | None = None
    conclusion: Text | None = None
    recommendations: Text | None = None
    authors: list[Name] | None = Field(None, max_length=50)
    reviewers: list[Name] | None = Field(None, max_length=50)
    illustrative: bool | None = None
    items: list[ItemIn] | None = Field(None, max_length=2000)


class MoveIn(_In):
    note: Short = Field("", description="Why (kept in the history), e.g. what a reviewer wants changed.")


class StandardRefOut(BaseModel):
    code: str = Field(description="As the study names it (normalized when it parses as a code).")
    document_id: str | None = Field(description="The stored record; null until the standard is crawled.")
    title: str | None
    status: str | None


class RequirementOut(BaseModel):
    text: str
    kind: Kind | None
    value: float | None
    value_max: float | None
    unit: str


class CellOut(BaseModel):
    requirement: RequirementOut | None
    computed: Judgment | None = Field(
        description="What the program computed; null for text a curator judges."
    )
    judgment: Judgment | None = Field(
        description="What the study says: the curator's, else the computed one."
    )
    overridden: bool
    reason: str


class ItemOut(BaseModel):
    position: int
    clause: str
    indicator: str
    domestic: RequirementOut | None
    counterparts: list[CellOut]
    note: str


class StudyListItem(BaseModel):
    id: int
    title: str
    status: Status
    degree: Degree | None
    illustrative: bool
    domestic: list[str]
    counterparts: list[str]
    summary: dict[str, int]
    updated_at: datetime
    published_at: datetime | None


class StudyOut(BaseModel):
    id: int
    status: Status
    revision: int
    title: str
    purpose: str
    scope: str
    degree: Degree | None
    method: str
    conclusion: str
    recommendations: str
    authors: list[str]
    reviewers: list[str]
    illustrative: bool
    domestic: list[StandardRefOut]
    counterparts: list[StandardRefOut]
    items: list[ItemOut]
    summary: dict[str, int] = Field(description="Counts by judgment over every item x counterpart.")
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    submitted_by: int | None
    submitted_at: datetime | None
    published_by: int | None
    published_at: datetime | None
    withdrawn_by: int | None
    withdrawn_at: datetime | None


class StudyPage(BaseModel):
    total: int
    studies: list[StudyListItem]


class ChangeOut(BaseModel):
    revision: int
    action: str
    status: Status
    user_id: int | None
    user_email: str
    at: datetime
    note: str


class RejectedRow(BaseModel):
    row: int
    reason: str


class ImportOut(BaseModel):
    imported: int
    rejected: list[RejectedRow]
    study: StudyOut


class SuggestionOut(BaseModel):
    code: str
    document_id: str | None
    title: str | None
    region: str | None
    reason: str
    score: float


class StudyRefOut(BaseModel):
    """A study citing a document (on /api/documents/{id})."""

    id: int
    title: str
    status: Status
    side: str
    illustrative: bool
