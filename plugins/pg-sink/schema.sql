-- The table pg-sink writes (evhost-pg-sink(7)): the DDL it runs itself
-- when the table is missing, for the default table name "events".  Run it
-- first to create the table as another role than the writer's.
--
-- For monthly partitions (partition = "month"), add
-- "PARTITION BY RANGE (time)" after the closing parenthesis; pg-sink then
-- creates the month partitions events_pYYYYMM it needs, and
-- partitions_ahead months ahead of the current one.

CREATE TABLE IF NOT EXISTS events (
    time        timestamptz NOT NULL, -- the event's instant, to the microsecond
    time_ns     bigint      NOT NULL, -- the same instant in ns since the epoch (exact)
    criticality bigint      NOT NULL,
    message     text        NOT NULL, -- eventMessage
    key         text,                 -- the stamped account key (key_field), or NULL
    extra       jsonb,                -- the event's other members, or NULL
    writer      text        NOT NULL, -- '' (JetStream) or the core-NATS writer id
    seq         bigint      NOT NULL, -- the stream sequence, or the writer's counter
    -- A redelivered message has the same writer, seq and time: it adds no row.
    CONSTRAINT events_identity UNIQUE (writer, seq, time)
);
-- "the last N above X": newest first, criticality read from the index
CREATE INDEX IF NOT EXISTS events_newest ON events (time_ns DESC, criticality);
-- the same when few rows are above X
CREATE INDEX IF NOT EXISTS events_crit ON events (criticality, time_ns DESC);
-- time ranges (and partition pruning)
CREATE INDEX IF NOT EXISTS events_time ON events (time);
