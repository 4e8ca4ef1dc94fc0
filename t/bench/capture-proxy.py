#!/usr/bin/env python3
"""Record what a reader sends to InfluxDB, to replay exactly that with curl.

capture-proxy.py PORTFILE UPSTREAM OUTFILE: listens on a free loopback port
(written to PORTFILE), forwards every request to UPSTREAM (the InfluxDB
URL) and appends one line per request to OUTFILE: METHOD TAB PATH?QUERY TAB
BODY (the body of a form POST is already URL-encoded, so one line).
The bench then times those exact requests against InfluxDB directly: the
raw column is the same InfluxQL the reader sent, boundary reads included.
"""
import http.server
import sys
import urllib.request

portfile, upstream, outfile = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with open(outfile, "a") as f:
            f.write("%s\t%s\t%s\n" % (method, self.path, body.decode()))
        req = urllib.request.Request(upstream + self.path, data=body if method == "POST" else None,
                                     method=method)
        for k in ("Content-Type", "Authorization"):
            if self.headers.get(k):
                req.add_header(k, self.headers[k])
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        self.send_response(status)
        self.send_header("Content-Type", ctype or "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.forward("GET")

    def do_POST(self):
        self.forward("POST")


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
