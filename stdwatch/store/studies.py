"""All SQL of comparison studies: the study, its standards (by code), and the audit history of every change.

Every write runs in one transaction with its audit row, and a move checks the status it starts from in the
UPDATE itself, so two reviewers pressing "publish" at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, RowMapping, Table, delete, insert, or_, select, update

from stdwatch.identifiers import CodeError, parse_standard_code
from stdwatch.store.repository import utcnow
from stdwatch.store.study_models import Study, StudyEvent, StudyStandard
from stdwatch.studies.codec import content_from_dict, content_to_dict
from stdwatch.studies.model import Status, StudyContent

_STUDIES = cast(Table, Study.__table__)
_STANDARDS = cast(Table, StudyStandard.__table__)
_EVENTS = cast(Table, StudyEvent.__table__)
_STAMPS = {
    Status.IN_REVIEW: ("submitted_by", "submitted_at"),
    Status.PUBLISHED: ("published_by", "published_at"),
    Status.WITHDRAWN: ("withdrawn_by", "withdrawn_at"),
}


class StudyConflict(Exception):
    """The study changed meanwhile (another move or edit came first)."""


@dataclass(frozen=True)
class Editor:
    """Who makes a change, as the audit history records them."""

    id: int | None
    email: str


@dataclass(frozen=True)
class StoredStudy:
    id: int
    status: Status
    revision: int
    content: StudyContent
    created_by: int | None
    created_at: datetime
    updated_by: int | None
    updated_at: datetime
    submitted_by: int | None
    submitted_at: datetime | None
    published_by: int | None
    published_at: datetime | None
    withdrawn_by: int | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class StudyChange:
    study_id: int
    revision: int
    action: str
    status: Status
    user_id: int | None
    user_email: str
    at: datetime
    note: str
    content: StudyContent


def code_and_key(text: str) -> tuple[str, str]:
    """The normalized code and its edition-less key; text that is not a code is kept as it is."""
    try:
        parsed = parse_standard_code(text)
    except CodeError:
        return text, text
    return str(parsed), parsed.key


def _study(row: RowMapping) -> StoredStudy:
    values: dict[str, Any] = {k: row[k] for k in StoredStudy.__dataclass_fields__ if k not in ("content",)}
    values["status"] = Status(row["status"])
    return StoredStudy(**values, content=content_from_dict(row["content"]))


class StudyRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------------------------------ writing
    def create(self, content: StudyContent, editor: Editor) -> StoredStudy:
        now = utcnow()
        row = {
            "title": content.title,
            "status": str(Status.DRAFT),
            "revision": 1,
            "content": content_to_dict(content),
            "created_by": editor.id,
            "created_at": now,
            "updated_by": editor.id,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            study_id = conn.execute(insert(_STUDIES).values(row)).inserted_primary_key[0]  # type: ignore[index]
            self._write_standards(conn, study_id, content)
            self._event(conn, study_id, 1, "create", Status.DRAFT, editor, now, "", content)
        return self._require(study_id)

    def update(
        self, study_id: int, content: StudyContent, editor: Editor, expected: StoredStudy
    ) -> StoredStudy:
        """Replace the content of a study still at `expected`'s revision; StudyConflict otherwise."""
        now = utcnow()
        revision = expected.revision + 1
        values = {
            "title": content.title,
            "content": content_to_dict(content),
            "revision": revision,
            "updated_by": editor.id,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            self._guarded(conn, expected, values)
            conn.execute(delete(_STANDARDS).where(_STANDARDS.c.study_id == study_id))
            self._write_standards(conn, study_id, content)
            self._event(conn, study_id, revision, "update", expected.status, editor, now, "", content)
        return self._require(study_id)

    def move(
        self, expected: StoredStudy, target: Status, action: str, editor: Editor, note: str = ""
    ) -> StoredStudy:
        """Change the status (stamping who and when); StudyConflict if the study changed meanwhile."""
        now = utcnow()
        revision = expected.revision + 1
        values: dict[str, Any] = {"status": str(target), "revision": revision}
        if target in _STAMPS:
            who, when = _STAMPS[target]
            values |= {who: editor.id, when: now}
        with self.engine.begin() as conn:
            self._guarded(conn, expected, values)
            self._event(conn, expected.id, revision, action, target, editor, now, note, expected.content)
        return self._require(expected.id)

    def delete(self, expected: StoredStudy, editor: Editor) -> None:
        now = utcnow()
        with self.engine.begin() as conn:
            gone = conn.execute(
                delete(_STUDIES).where(_STUDIES.c.id == expected.id, _STUDIES.c.revision == expected.revision)
            )
            if gone.rowcount != 1:
                raise StudyConflict(f"study {expected.id} changed meanwhile")
            revision = expected.revision + 1
            self._event(
                conn, expected.id, revision, "delete", expected.status, editor, now, "", expected.content
            )

    @staticmethod
    def _guarded(conn: Connection, expected: StoredStudy, values: dict[str, Any]) -> None:
        done = conn.execute(
            update(_STUDIES)
            .where(_STUDIES.c.id == expected.id, _STUDIES.c.revision == expected.revision)
            .values(values)
        )
        if done.rowcount != 1:
            raise StudyConflict(f"study {expected.id} changed meanwhile; read it again and retry")

    @staticmethod
    def _write_standards(conn: Connection, study_id: int, content: StudyContent) -> None:
        rows = []
        for side, codes in (("domestic", content.domestic), ("counterpart", content.counterparts)):
            for position, text in enumerate(codes):
                code, key = code_and_key(text)
                rows.append(
                    {"study_id": study_id, "side": side, "position": position, "code": code, "code_key": key}
                )
        if rows:
            conn.execute(insert(_STANDARDS), rows)

    @staticmethod
    def _event(
        conn: Connection,
        study_id: int,
        revision: int,
        action: str,
        status: Status,
        editor: Editor,
        at: datetime,
        note: str,
        content: StudyContent,
    ) -> None:
        conn.execute(
            insert(_EVENTS).values(
                study_id=study_id,
                revision=revision,
                action=action,
                status=str(status),
                user_id=editor.id,
                user_email=editor.email,
                at=at,
                note=note,
                content=content_to_dict(content),
            )
        )

    # ------------------------------------------------------------------------------------------ reading
    def get(self, study_id: int) -> StoredStudy | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_STUDIES).where(_STUDIES.c.id == study_id)).mappings().first()
        return _study(row) if row else None

    def _require(self, study_id: int) -> StoredStudy:
        found = self.get(study_id)
        if found is None:
            raise StudyConflict(f"study {study_id} was deleted meanwhile")
        return found

    def in_status(self, statuses: Iterable[Status]) -> list[StoredStudy]:
        """Studies in these statuses, newest change first."""
        wanted = [str(s) for s in statuses]
        query = select(_STUDIES).where(_STUDIES.c.status.in_(wanted)).order_by(_STUDIES.c.updated_at.desc())
        with self.engine.connect() as conn:
            return [_study(r) for r in conn.execute(query).mappings()]

    def citing(self, code: str, key: str, statuses: Iterable[Status]) -> list[StoredStudy]:
        """Studies naming this edition, or the standard without an edition (`GB 4943.1`)."""
        wanted = [str(s) for s in statuses]
        named = or_(_STANDARDS.c.code == code, _STANDARDS.c.code == key)
        ids = select(_STANDARDS.c.study_id).where(named)
        query = (
            select(_STUDIES)
            .where(_STUDIES.c.id.in_(ids), _STUDIES.c.status.in_(wanted))
            .order_by(_STUDIES.c.id)
        )
        with self.engine.connect() as conn:
            return [_study(r) for r in conn.execute(query).mappings()]

    def history(self, study_id: int) -> list[StudyChange]:
        """Every change of a study, oldest first (kept after a draft is deleted)."""
        query = select(_EVENTS).where(_EVENTS.c.study_id == study_id).order_by(_EVENTS.c.id)
        with self.engine.connect() as conn:
            return [
                StudyChange(
                    study_id=r["study_id"],
                    revision=r["revision"],
                    action=r["action"],
                    status=Status(r["status"]),
                    user_id=r["user_id"],
                    user_email=r["user_email"],
                    at=r["at"],
                    note=r["note"],
                    content=content_from_dict(r["content"]),
                )
                for r in conn.execute(query).mappings()
            ]
