"""The review workflow: draft -> in_review -> published (-> withdrawn), and who may move a study.

Curators edit drafts and studies in review; a published or withdrawn study is the record of what was
published and is not edited. Publishing is the four-eyes step: the publisher is a curator who neither created
the study nor sent it to review, or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stdwatch.accounts import Role
from stdwatch.studies.model import Status


class Action(StrEnum):
    SUBMIT = "submit"  # draft -> in_review
    RETURN = "return"  # in_review -> draft (the reviewer sends it back)
    PUBLISH = "publish"  # in_review -> published
    WITHDRAW = "withdraw"  # published -> withdrawn


MOVES: dict[Action, tuple[Status, Status]] = {
    Action.SUBMIT: (Status.DRAFT, Status.IN_REVIEW),
    Action.RETURN: (Status.IN_REVIEW, Status.DRAFT),
    Action.PUBLISH: (Status.IN_REVIEW, Status.PUBLISHED),
    Action.WITHDRAW: (Status.PUBLISHED, Status.WITHDRAWN),
}
EDITABLE = frozenset({Status.DRAFT, Status.IN_REVIEW})


class WorkflowError(ValueError):
    """A move the rules do not allow; the message says which rule."""


@dataclass(frozen=True)
class Actor:
    id: int
    role: Role


def check_edit(status: Status, actor: Actor) -> None:
    if not actor.role.allows(Role.CURATOR):
        raise WorkflowError("only curators edit studies")
    if status not in EDITABLE:
        raise WorkflowError(f"a {status} study is not edited; only drafts and studies in review are")


def next_status(
    status: Status, action: Action, actor: Actor, created_by: int | None, submitted_by: int | None
) -> Status:
    """The status after `action`, or WorkflowError naming the rule that forbids it."""
    if not actor.role.allows(Role.CURATOR):
        raise WorkflowError("only curators move studies through the workflow")
    source, target = MOVES[action]
    if status is not source:
        raise WorkflowError(f"{action} moves a study from {source} to {target}; this study is {status}")
    if action is Action.PUBLISH and actor.role is not Role.ADMIN and actor.id in (created_by, submitted_by):
        raise WorkflowError(
            "a study is published by a curator other than the one who wrote it or sent it to review, "
            "or by an admin"
        )
    return target
