"""A Nominatim-compatible geocoder on 127.0.0.1 for the address search tests: ``/search``
answers like Nominatim's JSON (``format=jsonv2``) from the places it was given, and every
request is recorded (path, query, headers) so that tests can see who asked what."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Asked:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class NominatimStandIn:
    """``places``: (display_name, lat, lon); a search matches every place whose name holds
    all of the query's words. ``status`` other than 200 answers every search with it."""

    places: list[tuple[str, float, float]] = field(default_factory=list)
    status: int = 200
    asked: list[Asked] = field(default_factory=list)

    def __post_init__(self) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                stand_in.asked.append(
                    Asked(path=parts.path, query=query, headers=dict(self.headers.items()))
                )
                if parts.path != "/search":
                    self._answer(404, {"error": "not found"})
                elif stand_in.status != 200:
                    self._answer(stand_in.status, {"error": "overloaded"})
                else:
                    words = query.get("q", "").lower().split()
                    self._answer(
                        200,
                        [
                            {
                                "place_id": number,
                                "display_name": name,
                                "lat": f"{lat:.7f}",
                                "lon": f"{lon:.7f}",
                                "category": "building",
                            }
                            for number, (name, lat, lon) in enumerate(stand_in.places, 1)
                            if words and all(word in name.lower() for word in words)
                        ],
                    )

            def _answer(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> NominatimStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def searches(self) -> list[Asked]:
        return [asked for asked in self.asked if asked.path == "/search"]
