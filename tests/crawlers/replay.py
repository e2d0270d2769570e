"""A real HTTP server on 127.0.0.1 that replays recorded responses at the real sites' paths: what spider tests
and the crawl benchmark point `--base-url` at (spiders are never changed for it). A test tool, not shipped."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class Route:
    method: str
    path: str
    params: dict[str, str | None]  # None: the parameter must be absent
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Hit:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


class ReplayServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.hits: list[Hit] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                form = ""
                if method == "POST":
                    length = int(self.headers.get("Content-Length") or 0)
                    form = self.rfile.read(length).decode("utf-8")
                    if form.lstrip().startswith("{"):
                        params.update({k: str(v) for k, v in json.loads(form).items()})
                    else:
                        params.update({k: v[0] for k, v in parse_qs(form, keep_blank_values=True).items()})
                server.hits.append(Hit(method, parts.path, params, dict(self.headers.items()), form))
                route = server.find(method, parts.path, params)
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(route.body)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def find(self, method: str, path: str, params: dict[str, str]) -> Route | None:
        for route in reversed(self.routes):  # later routes override earlier ones (a page that changed)
            if (
                route.method == method
                and route.path == path
                and all(
                    (k not in params) if v is None else params.get(k) == v for k, v in route.params.items()
                )
            ):
                return route
        return None

    def add(
        self,
        path: str,
        body: bytes | str | Path,
        params: dict[str, str | None] | None = None,
        method: str = "GET",
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        **extra: object,
    ) -> None:
        if isinstance(body, Path):
            body = body.read_bytes()
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes.append(Route(method, path, params or {}, status, body, content_type, **extra))  # type: ignore[arg-type]

    def requested(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]
