#!/usr/bin/env python3
"""The systemd side of sd_notify(3) for tests: bind a datagram socket at
PATH and append every message to OUT as one line, "<monotonic ms> <fields
joined by '|'>", flushed at once, until killed."""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        data = s.recv(65536).decode("utf-8", "replace")
        f.write("%d %s\n" % (time.monotonic() * 1000, data.strip("\n").replace("\n", "|")))
