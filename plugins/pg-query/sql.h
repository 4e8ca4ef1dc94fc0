/*
 * pg-query's statements: a validated request (query.h) as one SELECT with
 * its parameters.  The SQL text is made only of fixed fragments, the
 * table's quoted identifier (from the config) and $n placeholders; every
 * value of the request is a parameter bound by PQexecParams, never text
 * in the statement.  Pure functions: no I/O, safe from any thread.
 */
#ifndef EVH_PGQ_SQL_H
#define EVH_PGQ_SQL_H

#include <stddef.h>

#include "query.h"

#define PGQ_MAX_PARAMS 16

typedef struct pgq_stmt {
    char *sql;
    int nparams;
    char *vals[PGQ_MAX_PARAMS];
} pgq_stmt;

/**
 * The events SELECT: columns criticality, time_ns, message, seq, newest
 * first (time_ns, then seq, descending), at most last_events_count + 1
 * rows (the one more tells whether a `next` is due).  Returns 0, or -1 out
 * of memory.
 */
int pgq_build_events(const char *table, const struct evl_query *q,
                     pgq_stmt *st);

/**
 * The counts SELECT: columns bucket (ns, with every), criticality (with
 * count_by criticality), count; in the reply's order.  0 or -1.
 */
int pgq_build_counts(const char *table, const struct evl_query *q,
                     pgq_stmt *st);

void pgq_stmt_free(pgq_stmt *st);

#endif
