"""The study store on SQLite and on a real PostgreSQL server: content kept whole, every change in the history,
moves guarded against a stale read, studies found by the standards they name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from stdwatch.accounts import Role
from stdwatch.store import DocumentRepository
from stdwatch.store.accounts import AccountRepository
from stdwatch.store.studies import Editor, StudyConflict, StudyRepository
from stdwatch.studies.model import (
    Counterpart,
    Degree,
    Item,
    Judgment,
    Kind,
    Requirement,
    Status,
    StudyContent,
)

CONTENT = StudyContent(
    title="Toys: migration of certain elements",
    domestic=("GB 6675.4-2014",),
    counterparts=("CNS 4797-3:2015", "EN 71-3"),
    degree=Degree.MOD,
    authors=("王芳",),
    illustrative=True,
    items=(
        Item(
            clause="4.2",
            indicator="Pb",
            domestic=Requirement("Pb ≤ 90 mg/kg", Kind.UPPER_LIMIT, 90.0, None, "mg/kg"),
            counterparts=(
                Counterpart(Requirement("", Kind.UPPER_LIMIT, 90000.0, None, "µg/kg")),
                Counterpart(None, Judgment.NOT_COVERED_COUNTERPART, "EN 71-3 uses categories"),
            ),
            note="illustrative",
        ),
    ),
)


@pytest.fixture
def editors(store: DocumentRepository) -> tuple[Editor, Editor]:
    accounts = AccountRepository(store.engine)
    org = accounts.ensure_organization("Research Center")
    made = [accounts.create_user(org.id, f"c{i}@rc.example", "Curator", Role.CURATOR) for i in (1, 2)]
    return Editor(made[0].id, made[0].email), Editor(made[1].id, made[1].email)


def test_a_study_is_kept_whole_and_every_change_is_in_its_history(
    store: DocumentRepository, editors: tuple[Editor, Editor]
) -> None:
    repo = StudyRepository(store.engine)
    author, reviewer = editors
    draft = repo.create(CONTENT, author)
    assert (draft.status, draft.revision, draft.content) == (Status.DRAFT, 1, CONTENT)
    changed = repo.update(draft.id, replace(CONTENT, title="Toys v2"), author, draft)
    in_review = repo.move(changed, Status.IN_REVIEW, "submit", author)
    published = repo.move(in_review, Status.PUBLISHED, "publish", reviewer, "looks right")
    assert published.status is Status.PUBLISHED and published.content.title == "Toys v2"
    assert (published.submitted_by, published.published_by) == (author.id, reviewer.id)
    assert published.published_at is not None and published.revision == 4
    history = repo.history(draft.id)
    assert [(h.revision, h.action, h.status, h.user_email) for h in history] == [
        (1, "create", Status.DRAFT, author.email),
        (2, "update", Status.DRAFT, author.email),
        (3, "submit", Status.IN_REVIEW, author.email),
        (4, "publish", Status.PUBLISHED, reviewer.email),
    ]
    assert history[0].content == CONTENT and history[-1].note == "looks right"


def test_a_stale_move_loses(store: DocumentRepository, editors: tuple[Editor, Editor]) -> None:
    repo = StudyRepository(store.engine)
    draft = repo.create(CONTENT, editors[0])
    repo.move(draft, Status.IN_REVIEW, "submit", editors[0])
    with pytest.raises(StudyConflict):
        repo.move(draft, Status.IN_REVIEW, "submit", editors[1])
    with pytest.raises(StudyConflict):
        repo.update(draft.id, CONTENT, editors[1], draft)
    assert len(repo.history(draft.id)) == 2


def test_studies_are_found_by_the_standards_they_name(
    store: DocumentRepository, editors: tuple[Editor, Editor]
) -> None:
    repo = StudyRepository(store.engine)
    study = repo.create(CONTENT, editors[0])
    without_edition = repo.create(
        StudyContent(title="any edition", domestic=("GB 6675.4",), counterparts=("ISO 8124-3",)), editors[0]
    )
    drafts = [Status.DRAFT]
    assert [s.id for s in repo.citing("GB 6675.4-2014", "GB 6675.4", drafts)] == [
        study.id,
        without_edition.id,
    ]
    assert [s.id for s in repo.citing("GB 6675.4-2003", "GB 6675.4", drafts)] == [without_edition.id]
    assert [s.id for s in repo.citing("EN 71-3", "EN 71-3", drafts)] == [study.id]
    assert repo.citing("GB 6675.4-2014", "GB 6675.4", [Status.PUBLISHED]) == []


def test_a_deleted_draft_keeps_its_history(store: DocumentRepository, editors: tuple[Editor, Editor]) -> None:
    repo = StudyRepository(store.engine)
    draft = repo.create(CONTENT, editors[0])
    repo.delete(draft, editors[1])
    assert repo.get(draft.id) is None
    assert [h.action for h in repo.history(draft.id)] == ["create", "delete"]
    assert repo.citing("GB 6675.4-2014", "GB 6675.4", [Status.DRAFT]) == []
