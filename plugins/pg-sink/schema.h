/*
 * pg-sink's table (shipped as plugins/pg-sink/schema.sql, the same DDL
 * for the default table "events"):
 *
 *   CREATE TABLE IF NOT EXISTS events (
 *       time        timestamptz NOT NULL, -- the instant, to the microsecond
 *       time_ns     bigint      NOT NULL, -- the instant, ns since the epoch
 *       criticality bigint      NOT NULL,
 *       message     text        NOT NULL,
 *       key         text,                 -- the stamped account key
 *       extra       jsonb,                -- the event's other members
 *       writer      text        NOT NULL, -- '' (JetStream) or a writer id
 *       seq         bigint      NOT NULL, -- stream sequence or counter
 *       CONSTRAINT events_identity UNIQUE (writer, seq, time)
 *   ) [PARTITION BY RANGE (time)];
 *   CREATE INDEX IF NOT EXISTS events_newest ON events (time_ns DESC,
 * criticality); CREATE INDEX IF NOT EXISTS events_crit ON events (criticality,
 * time_ns DESC); CREATE INDEX IF NOT EXISTS events_time ON events (time);
 *
 * The identity constraint holds `time` because a partitioned table's
 * unique keys must hold its partition key; a redelivered message has the
 * same time, writer and seq, so it still conflicts with its first row.
 * Partitions are a month each, "<table>_pYYYYMM".
 *
 * Each function runs on the connection of the calling thread and returns 0
 * or -1 with the server's reason in err.
 */
#ifndef EVH_PGS_SCHEMA_H
#define EVH_PGS_SCHEMA_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The table and its indexes, created if missing (under an advisory lock,
 * so that several writers starting at once do not race), and the session's
 * staging table for COPY. */
int pgs_schema_ensure(PGconn *c, const char *table, bool partitioned, char *err,
                      size_t errlen);

/** Whether the table is partitioned: 1, 0, or -1 with the reason. */
int pgs_is_partitioned(PGconn *c, const char *table, char *err, size_t errlen);

/** The month partition holding instant `ns`, created if missing. */
int pgs_partition_ensure(PGconn *c, const char *table, int64_t ns, char *err,
                         size_t errlen);

/** The month of an instant as yyyy * 12 + (month - 1). */
int64_t pgs_month_of(int64_t ns);
/** The instant of the first day of a month (pgs_month_of's numbering). */
int64_t pgs_month_start_ns(int64_t month);

/** The staging table's name (a session's temporary table). */
#define PGS_STAGE "evh_stage"

#endif
