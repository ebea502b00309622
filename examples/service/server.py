"""A small notes service for the example checklist: standard library only, 127.0.0.1 only.

GET /health answers "ok"; GET /notes lists the notes as JSON; POST /notes adds one, but only with
the header "Authorization: Bearer demo-token" (401 otherwise); GET /report takes 50 ms, like a
page that queries a database. Usage: python3 server.py PORT
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOTES: list[str] = []
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def answer(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/health":
            self.answer(200, "ok")
        elif self.path == "/notes":
            with LOCK:
                self.answer(200, json.dumps(NOTES), "application/json")
        elif self.path == "/report":
            time.sleep(0.05)
            self.answer(200, f"{len(NOTES)} notes")
        else:
            self.answer(404, "no such page")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        text = self.rfile.read(length).decode("utf-8", errors="replace")
        if self.path != "/notes":
            self.answer(404, "no such page")
        elif self.headers.get("Authorization") != "Bearer demo-token":
            self.answer(401, "sign in first")
        else:
            with LOCK:
                NOTES.append(text)
            self.answer(201, f"added note {len(NOTES)}")

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1])
    print(f"notes service on http://127.0.0.1:{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
