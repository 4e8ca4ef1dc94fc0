#!/usr/bin/python3
"""docs/openapi.yaml, checked and used (Debian's python3-jsonschema, python3-yaml).

  openapi-check.py DOC --doc
      The document itself: OpenAPI 3.0.x, every $ref resolves, every
      component schema is a valid JSON Schema, every operation has
      responses with schemas; the routes and parameters are exactly those
      http-query serves (its source, given by --source FILE...).
  openapi-check.py DOC SCHEMA FILE...
      Each FILE (one JSON document) valid against components/schemas/SCHEMA.

Prints one line per problem; exits 1 when there is one.
"""
import json
import re
import sys

import jsonschema
import yaml


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def refs(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)
    return out


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def as_json_schema(doc, name):
    """A component schema as a self-contained JSON Schema (draft 4 with the
    components alongside, so $refs resolve)."""
    schema = dict(doc["components"]["schemas"][name])
    schema["components"] = doc["components"]
    return schema


def check_doc(doc, sources):
    bad = []
    if not str(doc.get("openapi", "")).startswith("3.0."):
        bad.append("openapi: expected 3.0.x")
    for k in ("title", "version"):
        if not doc.get("info", {}).get(k):
            bad.append("info.%s missing" % k)
    for r in refs(doc, []):
        if resolve(doc, r) is None:
            bad.append("unresolved $ref %s" % r)
    for name, s in doc.get("components", {}).get("schemas", {}).items():
        try:
            jsonschema.Draft4Validator.check_schema(s)
        except jsonschema.SchemaError as e:
            bad.append("schema %s: %s" % (name, e.message))
    ops = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            ops.append((method.upper(), path))
            if not op.get("responses"):
                bad.append("%s %s: no responses" % (method, path))
            for code, resp in op.get("responses", {}).items():
                if "$ref" in resp:
                    resp = resolve(doc, resp["$ref"]) or {}
                if "application/json" not in resp.get("content", {}):
                    bad.append("%s %s %s: no JSON schema" % (method, path, code))
    text = "".join(open(s, encoding="utf-8").read() for s in sources)
    served = set(re.findall(r'!strcmp\(url, "(/[a-z/]+)"\)', text))
    documented = {p for _, p in ops}
    if sources and served != documented:
        bad.append("routes served %s != documented %s" % (sorted(served), sorted(documented)))
    params = set(re.findall(r'^\s*\{"([a-z_]+)", (?:"[a-z_]+"|NULL), [A-Z]+, [0-2]\},', text, re.M))
    used = set()
    for item in doc.get("paths", {}).values():
        for op in item.values():
            for p in op.get("parameters", []):
                used.add((resolve(doc, p["$ref"]) if "$ref" in p else p)["name"])
    if sources and params != used:
        bad.append("parameters read %s != documented %s" % (sorted(params), sorted(used)))
    return bad


def main(argv):
    doc = load(argv[1])
    if argv[2] == "--doc":
        sources = argv[4:] if len(argv) > 3 and argv[3] == "--source" else []
        bad = check_doc(doc, sources)
    else:
        validator = jsonschema.Draft4Validator(
            as_json_schema(doc, argv[2]),
            format_checker=jsonschema.FormatChecker())
        bad = []
        for path in argv[3:]:
            try:
                with open(path, encoding="utf-8") as f:
                    inst = json.load(f)
            except ValueError as e:
                bad.append("%s: not JSON (%s)" % (path, e))
                continue
            for e in validator.iter_errors(inst):
                bad.append("%s: %s at %s" % (path, e.message, list(e.absolute_path)))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
