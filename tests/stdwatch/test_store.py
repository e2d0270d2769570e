"""The store of record: idempotent upserts, versions with history, relations, the index queue — on SQLite and
on a real PostgreSQL server (tests/conftest.py STORES)."""

from __future__ import annotations

from sqlalchemy import inspect

from stdwatch.records import record_from_json
from stdwatch.store import DocumentRepository, migrate


def _std(**extra: object):
    return record_from_json(
        {"code": "GB/T 24823-2024", "title_en": "LED modules", "status": "current", **extra}
    )


def test_migrations_create_the_schema_and_are_idempotent(store: DocumentRepository) -> None:
    migrate(store.engine)
    tables = set(inspect(store.engine).get_table_names())
    assert {"documents", "document_versions", "document_links", "alembic_version"} <= tables


def test_sqlite_store_runs_in_wal_mode(repo: DocumentRepository) -> None:
    with repo.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_loading_the_same_record_twice_changes_nothing(store: DocumentRepository) -> None:
    first = store.upsert_many([_std()])
    before = store.get("gb-t-24823-2024")
    second = store.upsert_many([_std()])
    after = store.get("gb-t-24823-2024")
    assert (first.new, second.new, second.updated, second.unchanged) == (1, 0, 0, 1)
    assert after.version == before.version == 1
    assert after.content_hash == before.content_hash
    assert len(store.history("gb-t-24823-2024")) == 1
    assert after.last_seen >= before.last_seen


def test_a_changed_record_bumps_its_version_and_keeps_history(store: DocumentRepository) -> None:
    store.upsert_many([_std()])
    result = store.upsert_many([_std(status="withdrawn")])
    doc = store.get("gb-t-24823-2024")
    history = store.history("gb-t-24823-2024")
    assert result.updated == 1 and result.changed_ids == ["gb-t-24823-2024"]
    assert doc.version == 2 and doc.data["status"] == "withdrawn"
    assert [h.version for h in history] == [1, 2]
    assert history[0].data["status"] == "current"


def test_relations_are_stored_both_ways(store: DocumentRepository) -> None:
    store.upsert_many(
        [
            _std(replaces=["GB/T 24823-2009"]),
            record_from_json({"code": "GB/T 24823-2009", "status": "withdrawn"}),
        ]
    )
    out = store.links_from("gb-t-24823-2024")
    assert [(link.relation, link.target_code) for link in out] == [("replaces", "GB/T 24823-2009")]
    incoming = store.links_to("GB/T 24823-2009", "GB/T 24823")
    assert [link.document_id for link in incoming] == ["gb-t-24823-2024"]


def test_changed_relations_replace_the_old_ones(store: DocumentRepository) -> None:
    store.upsert_many([_std(replaces=["GB/T 24823-2009"])])
    store.upsert_many([_std(replaces=["GB/T 24823-2017"])])
    assert [link.target_code for link in store.links_from("gb-t-24823-2024")] == ["GB/T 24823-2017"]


def test_index_queue_holds_new_and_changed_until_marked(store: DocumentRepository) -> None:
    store.upsert_many([_std(), record_from_json({"symbol": "G/TBT/N/CHN/1786"})])
    pending = store.pending_index(10)
    assert {d.id for d in pending} == {"gb-t-24823-2024", "g-tbt-n-chn-1786"}
    store.mark_indexed(pending)
    assert store.pending_count() == 0
    store.upsert_many([_std()])
    assert store.pending_count() == 0
    store.upsert_many([_std(title_en="LED modules - Performance")])
    assert [d.id for d in store.pending_index(10)] == ["gb-t-24823-2024"]


def test_a_version_that_arrives_while_indexing_stays_queued(store: DocumentRepository) -> None:
    store.upsert_many([_std()])
    taken = store.pending_index(10)
    store.upsert_many([_std(status="withdrawn")])
    store.mark_indexed(taken)
    assert [d.version for d in store.pending_index(10)] == [2]


def test_merge_completes_without_erasing(store: DocumentRepository) -> None:
    store.upsert_many([_std(title_zh="普通照明用LED模块 性能规范")])
    result = store.merge_many([record_from_json({"code": "GB/T 24823-2024", "ics": ["29.140.99"]})])
    doc = store.get("gb-t-24823-2024")
    assert result.updated == 1 and doc.data["ics"] == ["29.140.99"]
    assert doc.data["title_zh"] == "普通照明用LED模块 性能规范"


def test_iterating_every_document(store: DocumentRepository) -> None:
    store.upsert_many([record_from_json({"code": f"GB/T {n}-2020"}) for n in range(1, 8)])
    batches = list(store.iter_documents(batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert len({d.id for b in batches for d in b}) == 7


def test_queued_documents_as_json_text_skipping_a_batch_in_flight(store: DocumentRepository) -> None:
    """The bulk sync's read of the queue (search.ingest's pipeline): the stored data as JSON text on both
    databases, without the batch still on its way to the index, and enough to take documents off the queue."""
    import json

    store.upsert_many(
        [record_from_json({"code": f"GB/T {n}-2020", "title_zh": "锂电池"}) for n in range(1, 6)]
    )
    first = store.pending_texts(2)
    assert len(first) == 2
    for queued in first:
        assert json.loads(queued.text) == store.get(queued.id).data
    rest = store.pending_texts(10, skip=[q.id for q in first])
    assert len(rest) == 3 and not {q.id for q in rest} & {q.id for q in first}
    store.mark_indexed(first)
    assert {d.id for d in store.pending_index(10)} == {q.id for q in rest}
