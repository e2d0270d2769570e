"""What crawls leave in the store (runs, quarantine, snapshots), on SQLite and on PostgreSQL."""

from __future__ import annotations

from stdwatch.store import CrawlRepository, DocumentRepository


def test_runs_quarantine_and_snapshots(store: DocumentRepository) -> None:
    crawls = CrawlRepository(store.engine)
    run = crawls.start_run("samr_openstd", {"code": "GB/T 1.1"})
    crawls.finish_run(run, "finished", {"pages": 4, "new": 3, "blocked": 0})
    (info,) = crawls.runs(spider="samr_openstd")
    assert (info.finish_reason, info.pages, info.new, info.args) == ("finished", 4, 3, {"code": "GB/T 1.1"})
    crawls.quarantine("samr_openstd", "http://x/1", "no heading", "<html>维护</html>")
    (entry,) = crawls.quarantined()
    assert entry.body == "<html>维护</html>" and len(entry.body_hash) == 64
    crawls.mark_seen(
        "samr_openstd",
        [
            ("A1", "f1", "gb-t-1.1-2020", {"code": "GB/T 1.1-2020", "published": "2020-03-31"}),
            ("A2", "f2", "gb-t-1.1-2009", {"code": "GB/T 1.1-2009", "published": "2009-06-17"}),
        ],
    )
    crawls.mark_seen(
        "samr_openstd", [("A1", "f1b", "gb-t-1.1-2020", {"code": "GB/T 1.1-2020", "published": "2020-04-01"})]
    )
    assert crawls.seen("samr_openstd") == {"A1": "f1b", "A2": "f2"}
    assert crawls.latest_value("samr_openstd", "published") == "2020-04-01"
    snapshots = crawls.snapshots(["gb-t-1.1-2020"])
    latest = {"code": "GB/T 1.1-2020", "published": "2020-04-01"}
    assert snapshots == {"gb-t-1.1-2020": {("samr_openstd", "A1"): latest}}
    assert crawls.run(run) == info and crawls.run(run + 1) is None
