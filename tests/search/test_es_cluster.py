"""The scale path as a cluster (issue 12): a real two-node Elasticsearch cluster on loopback, started with
.ci/elasticsearch.sh, loses a node in the middle of a bulk ingest through the real IngestFlow.

Shown: no record is lost (what the cluster did not acknowledge stays in the store's durable index queue and is
indexed by the next sync), searches keep answering throughout, an answer missing part of the index says so
(`partial`), and the cluster returns to green once the node is back. With two master-eligible nodes, stopping
the elected master would lose the quorum (NOTES.md), so the test stops the other one.

Also here: the cluster settings (several node URLs, shard and replica counts, API-key/basic auth) reach the client
and the index, and a CA file makes an HTTPS endpoint with a private CA trusted (a real TLS front on loopback).
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from elasticsearch import Elasticsearch

from config.settings import Settings
from search.backends.elasticsearch import ElasticsearchBackend
from search.base import SearchBackend, SearchBackendError
from search.documents import search_document
from search.factory import backend_for, es_client_options
from search.ingest import IngestFlow
from search.query import SearchQuery, SearchResult
from stdwatch.records import Record, record_from_json, to_json
from stdwatch.store import DocumentRepository, create_engine_for, migrate
from tests.conftest import ES_SCRIPT, dispose

pytestmark = pytest.mark.slow  # about 1.5 minutes; part of the normal suite (nothing deselects `slow`)
BASE, BULK = 1_500, 9_000  # records before the outage; records ingested while a node goes away


@dataclass(frozen=True)
class Node:
    url: str
    folder: Path

    @property
    def pid(self) -> int:
        return int((self.folder / "pid").read_text().strip())


@dataclass(frozen=True)
class Cluster:
    urls: list[str]
    nodes: list[Node]


def _script(*args: str, timeout: int = 300) -> dict[str, str]:
    done = subprocess.run(["bash", str(ES_SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"elasticsearch.sh {' '.join(args)} failed:\n{done.stderr[-4000:]}", pytrace=False)
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """Its own two-node cluster (never a shared server: a node of it is stopped), removed at the end."""
    values = _script("cluster", "2", timeout=900)
    nodes = [
        Node(values[f"STDWATCH_ES_NODE{i}_URL"], Path(values[f"STDWATCH_ES_NODE{i}_DIR"])) for i in (1, 2)
    ]
    try:
        yield Cluster(values["STDWATCH_ES_URL"].split(","), nodes)
    finally:
        subprocess.run(
            ["bash", str(ES_SCRIPT), "stop", values["STDWATCH_ES_INSTANCE"]], timeout=120, check=False
        )


def _settings(tmp_path: Path, cluster: Cluster, index: str, **more: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        search_backend="elasticsearch",
        es_url=",".join(cluster.urls),
        es_index=f"{index}-{uuid.uuid4().hex[:8]}",
        **more,  # type: ignore[arg-type]
    )


def _records(prefix: str, word: str, count: int) -> list[Record]:
    return [
        record_from_json(
            {
                "code": f"Q/{prefix} {n}-2024",
                "title_zh": f"{word}检验规程 第{n}部分",
                "published": "2024-01-02",
            }
        )
        for n in range(1, count + 1)
    ]


def test_several_urls_and_shard_counts_reach_the_client_and_the_index(
    tmp_path: Path, cluster: Cluster
) -> None:
    backend = backend_for(_settings(tmp_path, cluster, "cluster-settings", es_shards=3, es_replicas=1))
    assert isinstance(backend, ElasticsearchBackend)
    try:
        pool = sorted(
            f"http://{n.config.host}:{n.config.port}" for n in backend.client.transport.node_pool.all()
        )
        assert pool == sorted(cluster.urls)
        [index] = backend.indices()
        created = backend.client.indices.get_settings(index=index)[index]["settings"]["index"]
        assert (created["number_of_shards"], created["number_of_replicas"]) == ("3", "1")
        health = backend.client.cluster.health(index=index, wait_for_status="green", timeout="60s")
        assert health["active_shards"] == 6  # three primaries and a replica of each, on two nodes
    finally:
        dispose(backend)


def test_api_key_and_basic_auth_reach_the_client(tmp_path: Path, es_url: str) -> None:
    """Security is off on the test nodes, so they accept any credentials: the client's headers are checked."""
    common = {"search_backend": "elasticsearch", "es_url": es_url, "es_index": f"auth-{uuid.uuid4().hex[:8]}"}
    with_key = backend_for(Settings(**common, es_api_key="a2V5aWQ6c2VjcmV0"))  # type: ignore[arg-type]
    try:
        assert with_key.client._headers["authorization"] == "ApiKey a2V5aWQ6c2VjcmV0"  # type: ignore[attr-defined]
    finally:
        dispose(with_key)
    backend = backend_for(Settings(**common, es_username="stdwatch", es_password="s3cret"))  # type: ignore[arg-type]
    try:
        expected = "Basic " + base64.b64encode(b"stdwatch:s3cret").decode()
        assert backend.client._headers["authorization"] == expected  # type: ignore[attr-defined]
        assert backend.count() == 0  # and the client works
    finally:
        dispose(backend)


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _private_ca(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate it signed for 127.0.0.1: (CA file, certificate, key)."""
    ca, ca_key, cert, key, csr = (
        folder / n for n in ("ca.pem", "ca.key", "node.pem", "node.key", "node.csr")
    )
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
             "-days", "1", "-subj", "/CN=stdwatch test CA")  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=node"
    )
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "1", "-extfile", str(folder / "san.ext"),
    )  # fmt: skip
    return ca, cert, key


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def tls_front(upstream: str, cert: Path, key: Path) -> Iterator[str]:
    """HTTPS on loopback in front of a plain-HTTP node (the test nodes run without security, hence no TLS of
    their own); yields its https URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    target = urlsplit(upstream)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                client = context.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # a client that refused our certificate
            with client, socket.create_connection((target.hostname, target.port)) as node:
                back = threading.Thread(target=_pipe, args=(node, client), daemon=True)
                back.start()
                _pipe(client, node)
                back.join(timeout=30)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_ca_file_makes_an_https_cluster_trusted(tmp_path: Path, es_url: str) -> None:
    ca, cert, key = _private_ca(tmp_path)
    with tls_front(es_url, cert, key) as https, tls_front(es_url, cert, key) as other:
        common = {"search_backend": "elasticsearch", "es_index": f"tls-{uuid.uuid4().hex[:8]}"}
        # Not trusted without the CA file: the certificate is checked, never waved through.
        with pytest.raises(SearchBackendError, match="CERTIFICATE_VERIFY_FAILED"):
            backend_for(Settings(**common, es_url=https))  # type: ignore[arg-type]
        backend = backend_for(Settings(**common, es_url=f"{https},{other}", es_ca_file=ca))  # type: ignore[arg-type]
        try:
            configs = [n.config for n in backend.client.transport.node_pool.all()]  # type: ignore[attr-defined]
            assert {(c.scheme, c.ca_certs, c.verify_certs) for c in configs} == {("https", str(ca), True)}
            backend.index([search_document(to_json(r)) for r in _records("TLS", "茶叶", 3)])
            found = backend.search(SearchQuery(text="茶叶"))
            assert (found.total, found.partial) == (3, False)
        finally:
            dispose(backend)


def test_bad_cluster_options_are_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"STDWATCH_ES_CA_FILE: .*missing\.pem: no such file"):
        es_client_options(Settings(es_ca_file=tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match="not both"):
        es_client_options(Settings(es_api_key="k", es_username="u"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="STDWATCH_ES_USERNAME too"):
        es_client_options(Settings(es_password="p"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no Elasticsearch URL"):
        backend_for(Settings(search_backend="elasticsearch", es_url=" , "))


@dataclass
class Watch:
    """Searches run in a thread while the cluster loses a node: every answer, timed."""

    backend: SearchBackend
    text: str
    expected: int
    answers: list[tuple[float, SearchResult]] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.answers.append((time.monotonic(), self.backend.search(SearchQuery(text=self.text))))
            except SearchBackendError as exc:
                self.errors.append((time.monotonic(), str(exc)))
            time.sleep(0.05)

    def between(self, start: float, end: float) -> list[SearchResult]:
        return [r for t, r in self.answers if start <= t <= end]

    def silently_short(self) -> list[SearchResult]:
        return [r for _, r in self.answers if r.total != self.expected and not r.partial]


def _master(client: Elasticsearch) -> str:
    rows = client.cat.nodes(h="http_address,master", format="json").body
    [address] = [row["http_address"] for row in rows if row["master"] == "*"]
    return f"http://{address}"


def _pending_at_most(repo: DocumentRepository, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while repo.pending_count() > count:
        assert time.monotonic() < deadline, f"the ingest did not reach {count} queued in {timeout} s"
        time.sleep(0.1)


def test_a_node_lost_mid_ingest_loses_nothing_and_searches_keep_answering(
    tmp_path: Path, cluster: Cluster
) -> None:
    settings = _settings(tmp_path, cluster, "cluster", es_shards=2, es_replicas=1)
    engine = create_engine_for(settings.resolved_database_url)  # the store of record: SQLite in tmp_path
    migrate(engine)
    repo = DocumentRepository(engine)
    backend = backend_for(settings)
    # A second index without replicas: when its node goes, half of it is gone and its answers must say so.
    bare = backend_for(
        settings.model_copy(update={"es_index": settings.es_index + "-bare", "es_replicas": 0})
    )
    client = backend.client  # type: ignore[attr-defined]
    try:
        flow = IngestFlow(settings, repo, backend)
        assert flow.ingest(_records("BASE", "茶叶", BASE)).indexed == BASE
        bare.index([search_document(doc.data) for batch in repo.iter_documents() for doc in batch])
        client.cluster.health(wait_for_status="green", timeout="60s")
        [bare_index] = bare.indices()  # type: ignore[attr-defined]
        spread = {row["node"] for row in client.cat.shards(index=bare_index, format="json").body}
        assert len(spread) == 2, "the index without replicas should have a primary on each node"

        flow.store(_records("BULK", "电池", BULK))
        assert repo.pending_count() == BULK
        failures: list[BaseException] = []

        def ingest() -> None:
            try:
                flow.sync()
            except SearchBackendError as exc:  # what the cluster did not take stays queued
                failures.append(exc)

        stop = threading.Event()
        watches = [Watch(backend, "茶叶", BASE), Watch(bare, "茶叶", BASE)]
        threads = [threading.Thread(target=w.run, args=(stop,)) for w in watches]
        threads.append(threading.Thread(target=ingest))
        for thread in threads:
            thread.start()
        try:
            _pending_at_most(repo, BULK - 4_000, timeout=60)  # well into the bulk ingest
            victim = next(n for n in cluster.nodes if n.url != _master(client))
            down = time.monotonic()
            os.kill(victim.pid, signal.SIGKILL)  # by its pid, abruptly, as a crash would
            threads[-1].join(timeout=120)
            assert not threads[-1].is_alive(), "the ingest did not finish while the node was down"
            _script("node-start", str(victim.folder))  # the outage lasts while it boots (20 s or more)
            back = time.monotonic()
        finally:
            stop.set()
            for thread in threads[:-1]:
                thread.join(timeout=60)

        health = client.cluster.health(wait_for_status="green", wait_for_nodes="2", timeout="90s")
        assert (health["status"], health["number_of_nodes"]) == ("green", 2)

        replicated, halved = watches
        # Searches kept answering through the outage; the replicated index still answered in full.
        assert not replicated.errors, replicated.errors[:3]
        during = replicated.between(down + 1, back)
        assert len(during) >= 10 and all(r.total == BASE for r in during)
        # Never silently short: an answer missing part of the index carries the partial flag.
        assert not replicated.silently_short() and not halved.silently_short()
        short = [r for r in halved.between(down + 1, back) if r.partial]
        assert short and all(0 < r.total < BASE for r in short), "the halved index's answers were not partial"
        # No record lost: whatever was not acknowledged is still queued; the next sync indexes it.
        if failures:
            assert repo.pending_count() > 0, failures
        else:  # the client moved to the surviving node and the new primaries took every batch
            assert repo.pending_count() == 0
        flow.sync()
        assert repo.pending_count() == 0
        assert backend.count() == BASE + BULK
        after = backend.search(SearchQuery(text="电池"))
        assert (after.total, after.partial) == (BULK, False)
        whole = bare.search(SearchQuery(text="茶叶"))
        assert (whole.total, whole.partial) == (BASE, False)  # the node came back with its shard
    finally:
        dispose(bare)
        dispose(backend)
        engine.dispose()
