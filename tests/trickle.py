"""A real HTTP server on 127.0.0.1 that sends slowly: `responses` cannot trickle bytes."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TrickleServer:
    """Paths: /slow-body sends one byte per ``interval`` for ever (no Content-Length);
    /slow-headers trickles its status line and headers; /page answers at once."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.stopping = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                try:
                    if self.path == "/slow-headers":
                        self._trickle(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Pad: ")
                    elif self.path == "/slow-body":
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain; charset=utf-8")
                        self.end_headers()
                        self._trickle(b"Slow news\nOfficials said the port reopened. ")
                    else:
                        body = b"Quick news\nOfficials said drones struck the port on Monday.\n"
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain; charset=utf-8")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                except OSError:
                    pass  # the client gave up: that is the point

            def _trickle(self, data: bytes) -> None:
                i = 0
                while not outer.stopping.is_set():
                    self.wfile.write(data[i % len(data) : i % len(data) + 1])
                    self.wfile.flush()
                    i += 1
                    time.sleep(outer.interval)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> TrickleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
