"""Crawl throughput per spider against a local replay server (items/s), on generated pages.

    .venv/bin/python bench/bench_crawl.py            # 300 standards per spider
    .venv/bin/python bench/bench_crawl.py --n 1000

Pages are GENERATED from the real recorded samples (tests/fixtures/samples) by substituting codes and titles,
so parsing work per page is realistic. Each spider runs as `stdwatch crawl <spider> --base-url <server>
--delay 0` in its own process, like a user's crawl; figures: crawl-only items/s (the run's own start/finish)
and end-to-end items/s (process start to index synced).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stdwatch.store import CrawlRepository, create_engine_for  # noqa: E402
from tests.crawlers.replay import ReplayServer  # noqa: E402

SAMPLES = ROOT / "tests" / "fixtures" / "samples"


def _read(path: str) -> str:
    return (SAMPLES / path).read_text(encoding="utf-8")


def _hex(i: int) -> str:
    return f"{i:032X}"


def openstd(server: ReplayServer, n: int) -> None:
    listing = _read("openstd/std_list_GBT1.1_2026-04-22.html")
    body = re.search(
        r"(<tbody style=\"border:1px solid #ddd;border-top:2px solid #ddd;\">)(.*?)(</tbody>)", listing, re.S
    )
    assert body, "list template changed"
    row = re.search(r"<tr>.*?</tr>", body.group(2), re.S).group(0)  # type: ignore[union-attr]
    rows = "".join(
        row.replace("847191101089628341120D62AEFC29A1", _hex(i))
        .replace("GB/T 1.1-2000", f"GB/T {50000 + i}-2020")
        .replace("标准的结构和编写规则", f"编写规则{i}")
        for i in range(n)
    )
    server.add("/bzgk/std/std_list", listing.replace(body.group(2), rows))
    detail = _read("openstd/newGbInfo_C4BFD981E993C417EF475F2A19B681F1_2026-04-22.html")
    for i in range(n):
        server.add(
            "/bzgk/std/newGbInfo",
            detail.replace("GB/T 1.1-2020", f"GB/T {50000 + i}-2020").replace(
                "标准化文件的结构和起草规则", f"起草规则{i}"
            ),
            params={"hcno": _hex(i)},
        )


def samr_std(server: ReplayServer, n: int) -> None:
    template = json.loads(_read("std_samr/gbQueryPage_JBT13368-2018.json"))["rows"][0]
    detail = _read("std_samr/hbDetailed_6bc3ad94a1728abce05397be0a0a5667.html")
    size = 20
    for page in range(1, -(-n // size) + 1):
        rows = []
        for i in range((page - 1) * size, min(n, page * size)):
            code = f"JB/T {20000 + i}-2018"
            rows.append(
                {**template, "id": _hex(i), "STD_CODE": code, "C_STD_CODE": code, "C_C_NAME": f"叉车属具{i}"}
            )
            server.add(
                "/hb/search/stdHBDetailed",
                detail.replace("JB/T 13368-2018", code).replace("叉车属具 软包夹", f"叉车属具{i}"),
                params={"id": _hex(i)},
            )
        server.add(
            "/gb/search/gbQueryPage",
            json.dumps({"total": n, "pageNumber": page, "rows": rows}),
            params={"pageNumber": str(page)},
            content_type="application/json",
        )


def sacinfo(server: ReplayServer, n: int) -> None:
    template = json.loads(_read("hbba_dbba/hbba_stdQueryList_JBT13368-2018_2026-05-21.json"))["records"][0]
    detail = _read("hbba_dbba/hbba_stdDetail_733d6a7744529f70673a12c464998ffc_2026-05-21.html")
    size = 50
    pages = -(-n // size)
    for page in range(1, pages + 1):
        records = []
        for i in range((page - 1) * size, min(n, page * size)):
            code, pk = f"DB35/T {3000 + i}-2018", _hex(i).lower()
            records.append({**template, "pk": pk, "code": code, "chName": f"地方标准{i}"})
            server.add(
                f"/stdDetail/{pk}",
                detail.replace("JB/T 13368-2018", code).replace("叉车属具 软包夹", f"地方标准{i}"),
            )
        listing = {"current": page, "pages": pages, "records": records, "size": size, "total": n}
        server.add(
            "/stdQueryList",
            json.dumps(listing),
            method="POST",
            params={"current": str(page)},
            content_type="application/json",
        )


def ttbz(server: ReplayServer, n: int) -> None:
    search = _read("ttbz/Home_Standard_search_TGZAEPI001-2018_2022-07-19.html")
    row = re.search(r"<tr><td>1</td>.*?</tr>", search, re.S).group(0)  # type: ignore[union-attr]
    rows = "".join(
        row.replace("22746", str(100000 + i))
        .replace("T/GZAEPI 001—2018", f"T/GZAEPI {i:03d}—2018")
        .replace("环保型家用吸油烟机", f"吸油烟机{i}")
        for i in range(n)
    )
    server.add("/Home/Standard", search.replace(row, rows))
    detail = _read("ttbz/StandardManage_Detail_22746_2022-07-19.html")
    for i in range(n):
        server.add(
            f"/StandardManage/Detail/{100000 + i}/",
            detail.replace("T/GZAEPI 001—2018", f"T/GZAEPI {i:03d}—2018").replace(
                "环保型家用吸油烟机", f"吸油烟机{i}"
            ),
        )


SITES: dict[str, Callable[[ReplayServer, int], None]] = {
    "samr_openstd": openstd,
    "samr_std": samr_std,
    "sacinfo_hbba": sacinfo,
    "sacinfo_dbba": sacinfo,
    "ttbz_group": ttbz,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--spiders", default=",".join(SITES))
    args = parser.parse_args()
    print(f"{'spider':<14}{'items':>7}{'crawl s':>9}{'items/s':>9}{'total s':>9}{'end-to-end/s':>14}")
    for spider in args.spiders.split(","):
        server = ReplayServer().start()
        SITES[spider](server, args.n)
        data_dir = Path(tempfile.mkdtemp(prefix="stdwatch-crawlbench-"))
        env = {**os.environ, "STDWATCH_DATA_DIR": str(data_dir)}
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "api.cli",
                "crawl",
                spider,
                "--base-url",
                server.base_url,
                "--delay",
                "0",
                "--set",
                "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                "--set",
                "CONCURRENT_REQUESTS=8",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        total = time.perf_counter() - started
        server.stop()
        engine = create_engine_for(f"sqlite:///{data_dir / 'stdwatch.sqlite3'}")
        run = CrawlRepository(engine).runs(limit=1, spider=spider)[0]
        finished = run.finished_at
        crawl_seconds = (finished - run.started_at).total_seconds() if finished else float("nan")
        print(
            f"{spider:<14}{run.new:>7}{crawl_seconds:>9.1f}{run.new / crawl_seconds:>9.0f}{total:>9.1f}"
            f"{run.new / total:>14.0f}"
        )
        if result.returncode:
            print(result.stderr[-2000:])


if __name__ == "__main__":
    main()
