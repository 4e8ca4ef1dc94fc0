'use strict';
// make bench's peer: the Node.js writer a user would put in evhost's place,
// written as such a script would be (nats.js + node-influx), so that the
// table can say how evhost's influx-sink compares with it.
//
//   node writer.js NATS_URL SUBJECT INFLUX_URL DATABASE
//
// Subscribes on core NATS (no client-side pending limit: nats.js queues
// whatever arrives), turns each event into a point
//   event,crit_band=B criticality=Ci,eventMessage="M" T
// with T the event's timestamp in exact nanoseconds, and writes batches of
// 5,000 points with writePoints, plus whatever is buffered every second.
// The writes are not awaited: several are in flight at once, as in the
// script the issue measured.  Prints "ready" once subscribed and, on
// SIGTERM, "received= written= failed=" on stderr.  The point time is the
// event's own instant, so distinct events need distinct timestamps (the
// generator never repeats one).
const { connect } = require('nats');
const Influx = require('influx');

const BATCH = 5000;
const FLUSH_MS = 1000;

// The criticality band, as evhost's lineproto.h names it.
function band(c) {
  return c < 0 ? 'lt0' : c > 99 ? 'ge100' : String(c);
}

// RFC 3339 to nanoseconds since the epoch, as a decimal string: a JS Date
// holds milliseconds only, so the fraction and the zone are done by hand.
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d\d):(\d\d))$/;
function nanos(ts) {
  const m = RFC3339.exec(ts);
  if (!m) throw new Error(`bad timestamp ${JSON.stringify(ts)}`);
  let s = BigInt(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) / 1000n;
  if (!m[8]) {
    const off = BigInt(+m[10] * 60 + +m[11]) * 60n;
    s = m[9] === '+' ? s - off : s + off;
  }
  return (s * 1000000000n + BigInt((m[7] || '').padEnd(9, '0'))).toString();
}

async function main() {
  const [natsUrl, subject, influxUrl, database] = process.argv.slice(2);
  if (!database) {
    console.error('usage: node writer.js NATS_URL SUBJECT INFLUX_URL DATABASE');
    process.exit(2);
  }
  const u = new URL(influxUrl);
  const influx = new Influx.InfluxDB({
    host: u.hostname,
    port: +u.port,
    database,
    schema: [{
      measurement: 'event',
      tags: ['crit_band'],
      fields: {
        criticality: Influx.FieldType.INTEGER,
        eventMessage: Influx.FieldType.STRING,
      },
    }],
  });
  const nc = await connect({ servers: natsUrl });
  let points = [];
  let received = 0, written = 0, failed = 0;

  function flush() {
    if (points.length === 0) return;
    const batch = points;
    points = [];
    influx.writePoints(batch, { precision: 'n' })
      .then(() => { written += batch.length; })
      .catch((e) => { failed += batch.length; console.error(`write failed: ${e.message}`); });
  }

  nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) { console.error(`subscription: ${err.message}`); return; }
      received++;
      try {
        const ev = msg.json();
        points.push({
          measurement: 'event',
          tags: { crit_band: band(ev.criticality) },
          fields: { criticality: ev.criticality, eventMessage: ev.eventMessage },
          timestamp: nanos(ev.timestamp),
        });
      } catch (e) {
        failed++;
        console.error(`refused an event: ${e.message}`);
        return;
      }
      if (points.length >= BATCH) flush();
    },
  });
  await nc.flush();
  setInterval(flush, FLUSH_MS);
  process.on('SIGTERM', () => {
    console.error(`received=${received} written=${written} failed=${failed}`);
    process.exit(0);
  });
  console.log('ready');
}

main().catch((e) => { console.error(e.message); process.exit(1); });
