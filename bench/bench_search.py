"""Ingest and search benchmark on generated, realistic records (generated data lives only here, never in the demo).

    .venv/bin/python bench/bench_search.py                 # 100,000 records, SQLite backend
    .venv/bin/python bench/bench_search.py --n 20000 --queries 300
    eval "$(bash .ci/elasticsearch.sh start)"; export STDWATCH_ES_URL
    .venv/bin/python bench/bench_search.py --backend sqlite,elasticsearch   # both, one run; STDWATCH_ES_URL says where
    .venv/bin/python bench/bench_search.py --backend elasticsearch --es-url https://es1:9200,https://es2:9200
        # an external cluster; credentials, CA file, shards and replicas from STDWATCH_ES_* (README)

Prints records/s for analyse + store + index (the real `stdwatch load` path: store of record, then index sync) and
search latency p50/p99 over a mixed query set: rare terms, common terms that match most records, codes with and
without year, filters, traditional characters.

Every figure is printed beside same-run anchors (bench/anchors.py: the bare library doing the same work on the same
data, measured moments before) and as a ratio to them, because this machine is shared and absolute figures move
with its load: A1/A2 a bare SQLAlchemy / sqlite3 insert of the same JSON rows (store), A3 rjieba's raw
segmentation of the same texts (analyse), A4 a bare FTS5 insert of the same token rows (index), A5 a bare FTS5
rowid scan of a broad term (broad-term search). A ratio of 3.0 means three times the bare library's time.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchors
from anchors import FTS_COLUMNS, Figure

from config.settings import Settings
from search.base import SearchBackend
from search.documents import index_document, search_document
from search.factory import analyzer_for, backend_for
from search.ingest import IngestFlow
from search.query import SearchQuery, SortOrder
from stdwatch.records import Record, StandardRecord, record_from_json, to_json
from stdwatch.store import DocumentRepository, create_engine_for, migrate

PRODUCTS = (
    "电动自行车 锂离子电池 储能电池 动力电池 光伏组件 充电桩 家用电器 电冰箱 洗衣机 空调器 电热水器 微波炉 电饭锅 "
    "吸尘器 电风扇 照明灯具 LED模块 集成电路 半导体器件 印制电路板 显示器件 移动通信终端 路由器 服务器 "
    "工业机器人 数控机床 叉车 起重机械 压力容器 阀门 水泵 电机 变压器 电线电缆 开关插座 断路器 "
    "纺织品 服装 童装 鞋类 运动鞋 皮革 玩具 童车 文具 家具 陶瓷砖 卫生陶瓷 建筑玻璃 涂料 胶粘剂 "
    "塑料制品 食品接触材料 包装材料 预包装食品 乳制品 茶叶 乌龙茶 白茶 饮料 罐头 水产品 鱼糜制品 "
    "化妆品 洗涤剂 医疗器械 口罩 注射器 体外诊断试剂 药品包装 氢燃料电池 燃料电池汽车 无人机 "
    "石材 钢材 铝合金型材 不锈钢 铜管 锌合金 稀土材料 石墨烯 碳纤维 柔性显示 第三代半导体"
).split()
RARE = (
    "蓝牙耳机 智能手表 电子烟 扫地机器人 空气净化器 电动牙刷 筋膜枪 咖啡机 料理机 破壁机 暖风机 "
    "电热毯 足浴盆 按摩椅 加湿器 除湿机 净水器 洗碗机 烤箱 电压力锅 榨汁机 豆浆机 电陶炉 养生壶"
).split()
ASPECTS = (
    "安全要求 通用技术条件 试验方法 技术规范 术语和定义 能效限定值及能效等级 检验规则 分类与命名 "
    "有害物质限量 电磁兼容要求 标志、包装、运输和贮存 性能要求 测量方法 环境适应性要求 质量分级"
).split()
BODIES = (
    "全国电工电子产品安全标准化技术委员会 全国家用电器标准化技术委员会 全国纺织品标准化技术委员会 "
    "全国玩具标准化技术委员会 全国食品工业标准化技术委员会 全国集成电路标准化技术委员会 "
    "全国汽车标准化技术委员会 全国包装标准化技术委员会 中国轻工业联合会 工业和信息化部"
).split()
TRAD = {
    "电": "電",
    "动": "動",
    "车": "車",
    "锂": "鋰",
    "离": "離",
    "池": "池",
    "储": "儲",
    "能": "能",
    "灯": "燈",
    "规": "規",
    "范": "範",
    "试": "試",
    "验": "驗",
    "术": "術",
    "语": "語",
    "义": "義",
    "检": "檢",
    "质": "質",
}
MEMBERS = ("CHN TPKM SGP USA EU JPN KOR IND BRA VNM THA SAU KEN MEX").split()
CN_PREFIXES = [
    "GB",
    "GB/T",
    "GB/T",
    "GB/T",
    "QC/T",
    "JB/T",
    "SJ/T",
    "FZ/T",
    "QB/T",
    "HG/T",
    "DB35/T",
    "DB3502/T",
    "T/CAS",
    "T/CESA",
]


# Terms found in most records, with the FTS5 expression the query plan gives them (a Han word: its bigrams as a
# phrase in the bigram columns; a Latin word: a token in the word columns), for the bare-scan anchor.
BROAD_TERMS = (
    ("要求", '{title_bg body_bg} : "要求"'),
    ("product", '{title_tok body_tok codes} : "product"'),
)


def _zipf_pick(rng: random.Random, items: list[str]) -> str:
    return items[min(int(rng.paretovariate(1.1)) - 1, len(items) - 1)]


def _day(rng: random.Random) -> date:
    return date(1995, 1, 1) + timedelta(days=rng.randrange(0, 11500))


def _title(rng: random.Random) -> str:
    product = _zipf_pick(rng, PRODUCTS) if rng.random() > 0.003 else rng.choice(RARE)
    part = f" 第{rng.randint(1, 12)}部分：{rng.choice(ASPECTS)}" if rng.random() < 0.3 else ""
    return f"{product}{rng.choice(ASPECTS)}{part}"


def _standard(rng: random.Random, i: int) -> dict[str, Any]:
    region = rng.random()
    title = _title(rng)
    published = _day(rng)
    if region < 0.8:
        code = f"{rng.choice(CN_PREFIXES)} {10000 + i}-{published.year}"
        hant = None
    elif region < 0.92:
        code, hant = f"CNS {20000 + i}", "".join(TRAD.get(c, c) for c in title)
    else:
        code, hant = f"SS {1000 + i}:{published.year}", None
    return {
        "code": code,
        "title_zh": None if hant else title,
        "title_zh_hant": hant,
        "title_en": f"{rng.choice(['Safety', 'General specification', 'Test methods'])} of product {i}",
        "status": rng.choice(["current", "current", "current", "withdrawn", "replaced", "upcoming"]),
        "published": published.isoformat(),
        "effective": (published + timedelta(days=180)).isoformat(),
        "ics": [
            f"{rng.choice(['29', '97', '59', '67', '43', '13', '31'])}."
            f"{rng.randrange(0, 300, 20):03d}.{rng.randint(1, 99):02d}"
        ],
        "responsible": rng.choice(BODIES),
        "source_url": f"https://bench.invalid/std/{i}",
    }


def _notification(rng: random.Random, i: int) -> dict[str, Any]:
    title = _title(rng)
    member = rng.choice(MEMBERS)
    return {
        "symbol": f"G/TBT/N/{member}/{i}" + (f"/Add.{rng.randint(1, 3)}" if rng.random() < 0.2 else ""),
        "member": member,
        "distribution_date": _day(rng).isoformat(),
        "comment_deadline": "通报后60天",
        "title_zh": f"{title}技术法规草案",
        "title": f"Draft technical regulation on product {i}",
        "description": f"本法规草案规定了{title}的技术要求、合格评定程序和标签要求，"
        f"适用于在市场上销售的{_zipf_pick(rng, PRODUCTS)}。"
        f"This draft sets requirements for product {i}.",
        "hs": [
            f"{rng.choice(['8507', '8516', '8539', '9503', '6403', '8471', '3923'])}{rng.randint(10, 99)}"
        ],
        "source_url": f"https://bench.invalid/tbt/{i}",
    }


def generate(n: int, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    return [
        record_from_json(_notification(rng, i) if rng.random() < 0.15 else _standard(rng, i))
        for i in range(n)
    ]


def query_set(rng: random.Random, records: list[Record], count: int) -> list[tuple[str, SearchQuery]]:
    codes = [r.code for r in records if isinstance(r, StandardRecord)]
    kinds = {
        "rare term": lambda: SearchQuery(text=rng.choice(RARE)),
        "common term": lambda: SearchQuery(
            text=rng.choice(["标准化", "安全要求", "要求", "技术委员会", "product"])
        ),
        "two words": lambda: SearchQuery(text=f"{_zipf_pick(rng, PRODUCTS)} {rng.choice(ASPECTS)}"),
        "traditional": lambda: SearchQuery(
            text=rng.choice(["鋰離子電池", "電動自行車", "儲能電池", "照明燈具"])
        ),
        "exact code": lambda: SearchQuery(text=rng.choice(codes)),
        "code no year": lambda: SearchQuery(text=rng.choice(codes).split("-")[0].split(":")[0]),
        "filters only": lambda: SearchQuery(
            filters={"kind": ("standard",), "status": ("current",), "region": ("cn",)}, sort=SortOrder.NEWEST
        ),
        "text+filters": lambda: SearchQuery(
            text=_zipf_pick(rng, PRODUCTS),
            filters={"status": ("current",), "ics": ("29",)},
            ranges={"date": (date(2015, 1, 1), None)},
        ),
        "hs filter": lambda: SearchQuery(filters={"kind": ("tbt_notification",), "hs": ("8507",)}),
    }
    names = list(kinds)
    return [(name, kinds[name]()) for name in (names[i % len(names)] for i in range(count))]


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@dataclass
class Anchors:
    """The bare libraries doing the same work, on the same generated data, in the same run."""

    store_sqlalchemy: Figure
    store_sqlite3: Figure
    segmentation: Figure
    fts_insert: Figure
    fts_path: Path


def analyse(records: list[Record], settings: Settings) -> tuple[Figure, list[str], list[tuple[str, ...]]]:
    """StdWatch's analysis of every record (search_document + index_document, as the index step does it),
    timed; returns the figure, the texts it analysed and the token rows an FTS5 table receives."""
    analyzer = analyzer_for(settings)
    analyzer.analyse("预热 warm-up")  # dictionaries load on first use: not part of the work
    documents = [search_document(to_json(r)) for r in records]
    wall, cpu = time.perf_counter(), time.process_time()
    indexed = [index_document(d, analyzer) for d in documents]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    texts = [t for d in documents for t in ("\n".join(d.titles) or d.title, d.body)]
    rows = [tuple(" ".join(getattr(d, c)) for c in FTS_COLUMNS) for d in indexed]
    return Figure(wall, len(records), sum(len(t.encode("utf-8")) for t in texts), cpu), texts, rows


def measure_anchors(records: list[Record], settings: Settings, folder: Path) -> tuple[Anchors, Figure]:
    folder.mkdir(parents=True, exist_ok=True)
    json_rows = [(r.id, to_json(r)) for r in records]
    store_sqlalchemy = anchors.json_insert_sqlalchemy(folder / "json-sqlalchemy.sqlite3", json_rows)
    store_sqlite3 = anchors.json_insert_sqlite3(folder / "json-sqlite3.sqlite3", json_rows)
    analysed, texts, rows = analyse(records, settings)
    segmentation = anchors.segmentation(texts, len(records))
    fts_path = folder / "fts.sqlite3"
    fts_insert = anchors.fts_insert(fts_path, rows)
    return Anchors(store_sqlalchemy, store_sqlite3, segmentation, fts_insert, fts_path), analysed


def print_anchors(a: Anchors, analysed: Figure) -> None:
    print("anchors (bare libraries, same data, this run):")
    print(anchors.line("  A1 store: SQLAlchemy insert of the JSON rows", a.store_sqlalchemy))
    print(anchors.line("  A2 store: sqlite3 insert of the JSON rows", a.store_sqlite3))
    print(anchors.line("  A3 analyse: rjieba cut_for_search, same texts", a.segmentation))
    print(anchors.line("  A4 index: sqlite3 FTS5 insert, same token rows", a.fts_insert))
    print(anchors.line("analyse (search_document + index_document)", analysed, a.segmentation, "A3"))


def broad_terms(backend: SearchBackend, fts_path: Path, repeat: int) -> None:
    """Broad terms (matching most records) through the backend, beside a bare FTS5 rowid scan of the same
    expression on the anchor table."""
    print(
        f"broad terms, {repeat} runs each: backend search (ranked page + total + facets) vs A5 bare rowid scan"
    )
    for text, expression in BROAD_TERMS:
        latencies = []
        total = 0
        for _ in range(repeat):
            started = time.perf_counter()
            total = backend.search(SearchQuery(text=text)).total
            latencies.append((time.perf_counter() - started) * 1000)
        bare, found = anchors.fts_scan(fts_path, expression, repeat)
        p50, a50 = anchors.median(latencies), anchors.median(bare)
        print(
            f"  {text:<10} backend p50 {p50:8.2f} ms ({total:,} hits)   A5 {expression!r}: p50 {a50:7.2f} ms "
            f"({found:,} rows)   = {p50 / a50:6.2f} x A5"
        )


def run(
    backend_name: str, records: list[Record], query_count: int, keep: Path | None, es_url: str | None = None
) -> None:
    data_dir = keep or Path(tempfile.mkdtemp(prefix="stdwatch-bench-"))
    backend_kind = cast(Literal["sqlite", "elasticsearch"], backend_name)
    settings = Settings(data_dir=data_dir, search_backend=backend_kind, es_index=f"bench-{int(time.time())}")
    if es_url:
        settings = settings.model_copy(update={"es_url": es_url})
    engine = create_engine_for(settings.resolved_database_url)
    migrate(engine)
    repo, backend = DocumentRepository(engine), backend_for(settings)
    print(f"\n== {backend_name}: {len(records):,} records ==")
    anchor, analysed = measure_anchors(records, settings, data_dir / "anchors")
    print_anchors(anchor, analysed)

    t0, c0 = time.perf_counter(), time.process_time()
    for start in range(0, len(records), 2000):
        repo.upsert_many(records[start : start + 2000])
    store = Figure(time.perf_counter() - t0, len(records), cpu=time.process_time() - c0)
    t0, c0 = time.perf_counter(), time.process_time()
    indexed = IngestFlow(settings, repo, backend).sync()
    index = Figure(time.perf_counter() - t0, indexed, cpu=time.process_time() - c0)
    total = store + index
    bare_index = anchor.segmentation + anchor.fts_insert
    bare_all = bare_index + anchor.store_sqlalchemy
    print(anchors.line("store of record (versioned upsert)", store, anchor.store_sqlalchemy, "A1"))
    print(anchors.line("analyse + index (IngestFlow.sync)", index, bare_index, "(A3+A4)"))
    print(anchors.line("INGEST end-to-end (analyse+store+index)", total, bare_all, "(A1+A3+A4)"))
    print(
        f"  ratios: store {anchors.ratio(store, anchor.store_sqlite3):.2f} x A2; "
        f"index {anchors.ratio(index, anchor.fts_insert):.2f} x A4 alone; by this process's CPU time: "
        f"store {anchors.cpu_ratio(store, anchor.store_sqlalchemy):.2f} x A1, "
        f"analyse {anchors.cpu_ratio(analysed, anchor.segmentation):.2f} x A3, "
        f"analyse + index {anchors.cpu_ratio(index, bare_index):.2f} x (A3+A4), "
        f"ingest {anchors.cpu_ratio(total, bare_all):.2f} x (A1+A3+A4)"
    )

    rng = random.Random(11)
    queries = query_set(rng, records, query_count)
    for _, query in queries[:30]:  # warm-up: caches, facet columns
        backend.search(query)
    latencies: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[int]] = defaultdict(list)
    for name, query in queries:
        t0 = time.perf_counter()
        result = backend.search(query)
        latencies[name].append((time.perf_counter() - t0) * 1000)
        totals[name].append(result.total)
    print(f"search latency over {len(queries)} queries at {len(records):,} records ({backend_name}):")
    print(f"{'query kind':<16}{'p50 ms':>9}{'p99 ms':>9}{'median hits':>13}")
    for name, values in latencies.items():
        print(
            f"{name:<16}{_pct(values, 50):>9.2f}{_pct(values, 99):>9.2f}{statistics.median(totals[name]):>13,.0f}"
        )
    every = [v for values in latencies.values() for v in values]
    print(f"SEARCH all queries: p50 {_pct(every, 50):.2f} ms, p99 {_pct(every, 99):.2f} ms")
    broad_terms(backend, anchor.fts_path, max(5, min(30, query_count // 10)))
    if hasattr(backend, "drop"):
        backend.drop()
    backend.close()
    engine.dispose()
    if not keep:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=900)
    parser.add_argument("--backend", default="sqlite", help="sqlite, elasticsearch, or both comma-separated")
    parser.add_argument("--keep", type=Path, help="data folder to keep (default: a temporary one)")
    parser.add_argument(
        "--es-url", help="Elasticsearch node URL(s), comma-separated (default: STDWATCH_ES_URL)"
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    records = generate(args.n)
    print(f"generated {len(records):,} records in {time.perf_counter() - t0:.1f}s (not counted)")
    for name in args.backend.split(","):
        run(name.strip(), records, args.queries, args.keep, args.es_url)


if __name__ == "__main__":
    main()
