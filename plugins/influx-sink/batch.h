/*
 * influx-sink's batches and the threads that write them.
 *
 * A batch is lines of line protocol and, for each, the held message it
 * came from.  The instance fills one batch at a time in its callbacks;
 * a full batch goes to a pool of writer threads, each with its own InfluxDB
 * connection, so that several writes are in flight while the next batch
 * fills (InfluxDB ingests on every core only with several writes at once).
 * A writer only talks HTTP and marks each line written or poison; settling
 * the messages (ack, term, dead letter, counters, logs) stays in the
 * instance's callbacks, where the host's calls are made.
 */
#ifndef EVH_SINK_BATCH_H
#define EVH_SINK_BATCH_H

#include <evhost/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "influx.h"

enum line_state { LINE_PENDING, LINE_WRITTEN, LINE_POISON };

typedef struct batch {
    /* lines in `body`, line i spans off[i]..off[i+1] */
    evl_buf body;
    size_t *off;
    evh_msg **msgs;
    unsigned char *state;
    char **why; /* InfluxDB's reason for each poison line (NULL: none) */
    size_t n, cap;
    int64_t first_ns; /* monotonic time the oldest line arrived */
    /* outcome of the last write: 0 every line settled, -1 retry later
     * (the reason in res) */
    int rc;
    evl_write_result res;
    struct batch *next;
} batch;

/** Room for one more line (0, or -1 out of memory). */
int batch_grow(batch *b);
/** Drop written and poison lines, keeping the order of the rest. */
void batch_compact(batch *b);
void batch_free(batch *b);

/**
 * Write the pending lines of `b` with `db`: a batch InfluxDB refuses as
 * bad data or too large is split in halves until the offending lines are
 * alone (marked poison, with the reason); the rest are written.  A missing
 * database is created once when `create_db` (v1).  Sets b->rc and b->res.
 */
void batch_write(batch *b, evl_influx *db, const char *database,
                 bool *create_db);

typedef struct writers writers;

/**
 * Start n threads, each with its own client on `conf` (copied).  The
 * instance handle is for logging only.  NULL on failure.
 */
writers *writers_start(evh_instance *inst, const evl_influx_conf *conf, int n,
                       bool create_database);
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
