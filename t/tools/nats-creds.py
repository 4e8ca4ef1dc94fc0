#!/usr/bin/env python3
"""Make a NATS decentralized-auth chain for tests, with openssl and no nsc:
an operator, an account and a user (ed25519 nkeys, JWTs signed
ed25519-nkey).  Writes DIR/op.jwt, DIR/server.conf.part (operator,
MEMORY resolver preloaded with the account) and DIR/user.creds.

  nats-creds.py DIR            prints the user's seed (for leak checks)

nkey encoding: base32(prefix byte(s) + 32 bytes + CRC-16/XMODEM, LE), no
padding; seeds carry the 'S' prefix and the key type in two bytes.
"""
import base64, binascii, json, subprocess, sys, time, hashlib, os
D = sys.argv[1]
def b32(b): return base64.b32encode(b).decode().rstrip("=")
def enc(prefix_bytes, raw):
    b = bytes(prefix_bytes) + raw
    crc = binascii.crc_hqx(b, 0)
    return b32(b + bytes([crc & 0xff, crc >> 8]))
P = {"O": 14 << 3, "A": 0, "U": 20 << 3}
SEED = 18 << 3
def keypair(name, kind):
    der = f"{D}/{name}.der"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-outform", "DER", "-out", der], check=True, capture_output=True)
    pub = subprocess.run(["openssl", "pkey", "-inform", "DER", "-in", der, "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout[-32:]
    seed = open(der, "rb").read()[-32:]
    p = P[kind]
    return {"der": der, "pub": enc([p], pub), "seed": enc([SEED | (p >> 5), (p & 31) << 3], seed)}
def b64u(b): return base64.urlsafe_b64encode(b).decode().rstrip("=")
def jwt(claims, signer):
    hdr = b64u(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}, separators=(",", ":")).encode())
    c = dict(claims)
    c["iat"] = int(time.time())
    c["jti"] = ""
    body0 = json.dumps(c, separators=(",", ":")).encode()
    c["jti"] = b32(hashlib.sha256(body0).digest())
    body = b64u(json.dumps(c, separators=(",", ":")).encode())
    msg = f"{hdr}.{body}".encode()
    open(f"{D}/msg", "wb").write(msg)
    sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", signer["der"], "-keyform", "DER", "-rawin", "-in", f"{D}/msg"], check=True, capture_output=True).stdout
    return f"{hdr}.{body}.{b64u(sig)}"
op = keypair("op", "O"); acc = keypair("acc", "A"); usr = keypair("usr", "U")
opj = jwt({"iss": op["pub"], "sub": op["pub"], "name": "evh-op", "nats": {"type": "operator", "version": 2}}, op)
accj = jwt({"iss": op["pub"], "sub": acc["pub"], "name": "evh-acc", "nats": {"limits": {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": True, "conn": -1, "leaf": -1}, "default_permissions": {"pub": {}, "sub": {}}, "type": "account", "version": 2}}, op)
usrj = jwt({"iss": acc["pub"], "sub": usr["pub"], "name": "evh-user", "nats": {"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2}}, acc)
open(f"{D}/op.jwt", "w").write(opj)
open(f"{D}/server.conf.part", "w").write(f'operator: "{D}/op.jwt"\nresolver: MEMORY\nresolver_preload: {{\n  {acc["pub"]}: "{accj}"\n}}\n')
open(f"{D}/user.creds", "w").write(f"-----BEGIN NATS USER JWT-----\n{usrj}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\n\n-----BEGIN USER NKEY SEED-----\n{usr['seed']}\n------END USER NKEY SEED------\n")
print(usr["seed"])
