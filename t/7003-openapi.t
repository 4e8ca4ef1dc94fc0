#!/bin/bash
# docs/openapi.yaml itself (t/tools/openapi-check.py with Debian's
# python3-jsonschema and python3-yaml): OpenAPI 3.0, every $ref resolves,
# every schema valid, routes and parameters exactly those http-query
# serves; the checker fails on a broken document and on answers that do
# not fit; the requests the suite sends fit QueryRequest, refused ones do
# not.  The answers of t/7001 and t/7002 are validated there.
. "$top_srcdir/t/lib/tap.sh"
python3 -c 'import jsonschema, yaml' 2>/dev/null || skip_all "python3-jsonschema / python3-yaml not installed"
CHECK="python3 $top_srcdir/t/tools/openapi-check.py"
DOC="$top_srcdir/docs/openapi.yaml"
SRC="$top_srcdir/plugins/http-query/http-query.c $top_srcdir/plugins/http-query/params.c"

out=$($CHECK "$DOC" --doc --source $SRC 2>&1)
is "$?" 0 "docs/openapi.yaml: a valid OpenAPI 3.0 document matching http-query ($out)"

sed 's|#/components/schemas/Cursor|#/components/schemas/Cursr|' "$DOC" >"$T/broken.yaml"
out=$($CHECK "$T/broken.yaml" --doc --source $SRC 2>&1)
is "$?" 1 "a broken \$ref: refused"
like "$out" 'unresolved \$ref #/components/schemas/Cursr' "a broken \$ref: named"
sed 's|  /events/counts:|  /events/count:|' "$DOC" >"$T/route.yaml"
out=$($CHECK "$T/route.yaml" --doc --source $SRC 2>&1)
like "$out" 'routes served' "a route documented that is not served: found"
sed 's|        - \$ref: .#/components/parameters/before.||' "$DOC" >"$T/param.yaml"
out=$($CHECK "$T/param.yaml" --doc --source $SRC 2>&1)
like "$out" 'parameters read' "a parameter served but not documented: found"

# Answers that do not fit are refused: the schemas are not vacuous.
i=0
while IFS='|' read -r schema doc; do
    i=$((i + 1))
    printf '%s\n' "$doc" >"$T/bad$i.json"
    $CHECK "$DOC" "$schema" "$T/bad$i.json" >/dev/null 2>&1
    is "$?" 1 "$schema refuses $doc"
done <<'B'
QueryReply|{"events":[{"criticality":1,"timestamp":"2024-06-01T00:00:00Z"}]}
QueryReply|{"events":[],"next":"c1.x"}
QueryReply|{"counts":[{"count":0}]}
QueryReply|{"error":{"code":"oops","message":"x"}}
QueryReply|{"events":[],"extra":1}
HttpError|{"error":{"code":"bad_request","message":"x"}}
EventsReply|{"counts":[]}
CountsReply|{"counts":[{"criticality":"5","count":1}]}
B
while IFS='|' read -r schema doc; do
    i=$((i + 1))
    printf '%s\n' "$doc" >"$T/good$i.json"
    out=$($CHECK "$DOC" "$schema" "$T/good$i.json" 2>&1)
    is "$?" 0 "$schema accepts $doc $out"
done <<'G'
QueryReply|{"events":[{"criticality":1,"timestamp":"2024-06-01T00:00:00.5Z","eventMessage":"x"}],"next":"c1.0000000000000000.0000000000000001"}
QueryReply|{"events":[],"truncated":true,"returned":1,"matched":2}
QueryReply|{"counts":[{"time":"2024-06-01T00:00:00Z","criticality":-50,"count":3}]}
QueryReply|{"error":{"code":"bad_request","message":"unknown member in request: \"x\""}}
HttpError|{"error":"unauthorized","message":"a valid bearer token is required"}
G

# Requests: the fuzz seeds and the classic one fit QueryRequest; requests
# the reader refuses for their shape do not.
for f in "$top_srcdir"/t/fuzz/query/*.json; do
    out=$($CHECK "$DOC" QueryRequest "$f" 2>&1)
    is "$?" 0 "QueryRequest accepts $(basename "$f") $out"
done
while IFS= read -r r; do
    i=$((i + 1))
    printf '%s\n' "$r" >"$T/req$i.json"
    $CHECK "$DOC" QueryRequest "$T/req$i.json" >/dev/null 2>&1
    is "$?" 1 "QueryRequest refuses $r"
done <<'R'
{"last_events_count":10,"min_criticality":5,"extra":1}
{"last_events_count":0,"min_criticality":5}
{"last_events_count":10,"key":"a'b"}
{"last_events_count":10,"before":"c1.x"}
{"count_by":"severity"}
{"last_events_count":10,"since":"yesterday"}
R
done_testing
