# Stored points read back independently of the reader (lineproto.h, "Point
# identity"): the point time's last two bits name the unit of the event's
# instant (0 s, 1 100 ms, 2 10 ms, 3 1 ms), and sub_ns holds the rest of a
# sub-millisecond instant.  InfluxDB's RFC 3339 times are used, not epoch
# integers: jq's numbers are doubles and would round nanoseconds.
#
# norm_ts: any RFC 3339 timestamp -> "YYYY-MM-DDTHH:MM:SS.fffffffffZ" (UTC)
def norm_ts:
  capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?<hms>[0-9]{2}:[0-9]{2}:[0-9]{2})(\\.(?<f>[0-9]+))?(?<z>[Zz]|[+-][0-9]{2}:[0-9]{2})$") as $m
  | (if ($m.z | ascii_downcase) == "z" then 0
     else (($m.z[1:3] | tonumber) * 3600 + ($m.z[4:6] | tonumber) * 60)
          * (if $m.z[0:1] == "+" then 1 else -1 end) end) as $off
  | (("\($m.d)T\($m.hms)Z" | fromdateiso8601) - $off) as $sec
  | "\($sec | todate | .[0:19]).\((($m.f // "") + "000000000")[0:9])Z";

# instant($sub): a point time in RFC 3339 (InfluxDB's) and its sub_ns field
# -> the event's instant as norm_ts writes it
def instant($sub):
  capture("^(?<s>[^.Z]+)(\\.(?<f>[0-9]+))?Z$") as $m
  | ((($m.f // "") + "000000000")[0:9] | tonumber) as $f
  | ($f % 4) as $c
  | ([1000000000, 100000000, 10000000, 1000000][$c]) as $u
  | ($f - ($f % $u) + (if $c == 3 then ($sub // 0) else 0 end)) as $ns
  | "\($m.s).\("000000000\($ns)"[-9:])Z";

# rows of SELECT "criticality","eventMessage","sub_ns" -> events
def stored_events:
  .results[0].series[0].values[]?
  | . as $r
  | {criticality: $r[1], eventMessage: $r[2], timestamp: ($r[0] | instant($r[3]))};
