"""The demo dataset's studies (stdwatch/demo_data/studies.json): loaded by the demo command so a newcomer
sees what a published study looks like. Their items are illustrative and say so in the study itself.

They are data, not a curator's work: they are written straight into the store (with the workflow's audit
rows, by `demo@stdwatch.invalid`), not through the API's four-eyes rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alerts.services import Services
from api.studies.service import checked
from stdwatch.store.studies import Editor, StudyRepository
from stdwatch.studies.model import Status

DEMO_STUDIES = Path(__file__).resolve().parents[2] / "stdwatch" / "demo_data" / "studies.json"
DEMO_EDITOR = Editor(None, "demo@stdwatch.invalid")
_PATH = {
    Status.DRAFT: [],
    Status.IN_REVIEW: [(Status.IN_REVIEW, "submit")],
    Status.PUBLISHED: [(Status.IN_REVIEW, "submit"), (Status.PUBLISHED, "publish")],
    Status.WITHDRAWN: [
        (Status.IN_REVIEW, "submit"),
        (Status.PUBLISHED, "publish"),
        (Status.WITHDRAWN, "withdraw"),
    ],
}


def load_demo_studies(services: Services, path: Path = DEMO_STUDIES) -> int:
    """Load the demo studies not yet in the store (matched by title); how many were added."""
    repo = StudyRepository(services.repo.engine)
    existing = {s.content.title for s in repo.in_status(list(Status))}
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    added = 0
    for entry in entries:
        content = checked(entry["content"])
        if content.title in existing:
            continue
        study = repo.create(content, DEMO_EDITOR)
        for target, action in _PATH[Status(entry.get("status", "published"))]:
            study = repo.move(study, target, action, DEMO_EDITOR)
        added += 1
    return added
