/*
 * Storing one batch on one connection (a writer thread's): the
 * transaction, the split of a batch PostgreSQL refuses as bad data, the
 * partitions a batch needs, and reconnecting after a failure.
 */
#ifndef EVH_PGS_STORE_H
#define EVH_PGS_STORE_H

#include "batch.h"

typedef struct store_conn {
    PGconn *conn;      /* NULL: connect at the next write */
    bool partitioned;  /* the table is (an existing one may not be) */
    int64_t months[8]; /* partitions this connection saw made (a ring) */
    size_t nmonths;
} store_conn;

/**
 * Write the pending rows of `b`: one transaction, acked rows only after
 * its COMMIT.  A batch refused for its data (SQLSTATE class 22 or 23) is
 * split in halves until the offending rows are alone (marked poison with
 * the server's reason); the rest are stored.  Any other failure: b->rc -1
 * with the reason in b->err, and the connection is dropped when it is
 * broken (the next write reconnects).
 */
void batch_store(batch *b, store_conn *sc, const writer_conf *conf);

/** Close the connection. */
void store_close(store_conn *sc);

#endif
