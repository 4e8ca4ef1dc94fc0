#!/usr/bin/env python3
"""A test's HTTP receiver: records every POST as one JSON line
{"n": N, "status": S, "path": P, "auth": A, "body": B} in OUT and answers
S = 500 to the first FAIL requests, 200 after.  Binds 127.0.0.1:0 and
writes its port to PORTFILE once it listens.

    receiver.py OUT PORTFILE [FAIL]
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT, PORTFILE = sys.argv[1], sys.argv[2]
FAIL = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lock = threading.Lock()
count = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with lock:
            count += 1
            status = 500 if count <= FAIL else 200
            rec = {"n": count, "status": status, "path": self.path,
                   "auth": self.headers.get("Authorization"), "body": body}
            with open(OUT, "a") as f:
                f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
