/*
 * pg-sink's batches and the threads that write them (the shape of
 * influx-sink's batch.h).
 *
 * A batch is rows of COPY text (rows.h) and, for each, the held message it
 * came from.  The instance fills one batch at a time in its callbacks; a
 * full batch goes to a pool of writer threads, each with its own
 * PostgreSQL connection.  A writer stores a batch in one transaction --
 * COPY into the session's staging table, INSERT ... ON CONFLICT DO
 * NOTHING into the table, COMMIT -- and marks each row written or poison;
 * settling the messages (ack after COMMIT, term, dead letter, counters,
 * logs) stays in the instance's callbacks, where the host's calls are made.
 */
#ifndef EVH_PGS_BATCH_H
#define EVH_PGS_BATCH_H

#include <evhost/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pg.h"

enum row_state { ROW_PENDING, ROW_WRITTEN, ROW_POISON };

typedef struct batch {
    /* rows in `body`, row i spans off[i]..off[i+1] */
    evl_buf body;
    size_t *off;
    evh_msg **msgs;
    int64_t *time_ns; /* each row's instant: the partitions it needs */
    unsigned char *state;
    char **why; /* PostgreSQL's reason for each poison row (NULL: none) */
    size_t n, cap;
    int64_t first_ns; /* monotonic time the oldest row arrived */
    /* outcome of the last write: 0 every row settled, -1 retry later
     * (the reason in err) */
    int rc;
    char err[512];
    int64_t inserted; /* rows the last write added (the rest were there) */
    struct batch *next;
} batch;

/** Room for one more row (0, or -1 out of memory). */
int batch_grow(batch *b);
/** Drop written and poison rows, keeping the order of the rest. */
void batch_compact(batch *b);
void batch_free(batch *b);

/** What a writer needs to reach and shape the table (borrowed strings). */
typedef struct writer_conf {
    evl_pg_conf pg;
    const char *table;
    bool partitioned;
    int64_t partitions_ahead; /* months created ahead of the current one */
} writer_conf;

typedef struct writers writers;

/**
 * Start n threads, each connecting on its first batch (and again after a
 * failure).  `conf`'s strings must outlive the pool.  The instance handle
 * is for logging only.  NULL on failure.
 */
writers *writers_start(evh_instance *inst, const writer_conf *conf, int n);
/** Hand a batch to the writers (FIFO).  The pool owns it until done. */
void writers_submit(writers *w, batch *b);
/** A written (or failed) batch, or NULL when none is done yet. */
batch *writers_done(writers *w);
/** Batches submitted and not yet taken back with writers_done. */
size_t writers_busy(writers *w);
/** Wait up to timeout_ms for a batch to be done. */
void writers_wait(writers *w, int64_t timeout_ms);
/** Stop and join the threads (each finishes its current write); batches
 * still queued come back through writers_done, unwritten. */
void writers_stop(writers *w);
void writers_free(writers *w);

#endif
