/* pg-sink: one batch, one transaction (store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema.h"

enum { STORED = 0, RETRY = -1, BAD_DATA = -2 };

static int fail(PGconn *c, PGresult *res, char *err, size_t errlen)
{
    int kind = evl_pg_data_error(res) ? BAD_DATA : RETRY;
    evl_pg_result_error(res, c, err, errlen);
    PQclear(res);
    PQclear(PQexec(c, "ROLLBACK"));
    return kind;
}

static bool ok(const PGresult *res, ExecStatusType want)
{
    return PQresultStatus(res) == want;
}

static int copy_rows(PGconn *c, const batch *b, size_t lo, size_t hi, char *err,
                     size_t errlen)
{
    PGresult *res = PQexec(c, "COPY " PGS_STAGE " FROM STDIN");
    if (!ok(res, PGRES_COPY_IN))
        return fail(c, res, err, errlen);
    PQclear(res);
    const char *p = b->body.data + b->off[lo];
    size_t left = b->off[hi] - b->off[lo];
    int sent = 1;
    while (left > 0 && sent == 1) {
        /* libpq takes an int per call */
        size_t n = left > (1u << 20) ? (1u << 20) : left;
        sent = PQputCopyData(c, p, (int)n);
        p += n;
        left -= n;
    }
    if (sent != 1 || PQputCopyEnd(c, NULL) != 1) {
        evl_pg_result_error(NULL, c, err, errlen);
        return RETRY;
    }
    res = PQgetResult(c);
    if (!ok(res, PGRES_COMMAND_OK))
        return fail(c, res, err, errlen);
    PQclear(res);
    while ((res = PQgetResult(c)))
        PQclear(res);
    return STORED;
}

/* Rows [lo, hi) in one transaction: STORED, RETRY or BAD_DATA. */
static int store_range(PGconn *c, batch *b, size_t lo, size_t hi,
                       const char *insert, char *err, size_t errlen)
{
    PGresult *res = PQexec(c, "BEGIN");
    if (!ok(res, PGRES_COMMAND_OK))
        return fail(c, res, err, errlen);
    PQclear(res);
    int rc = copy_rows(c, b, lo, hi, err, errlen);
    if (rc != STORED)
        return rc;
    res = PQexec(c, insert);
    if (!ok(res, PGRES_COMMAND_OK))
        return fail(c, res, err, errlen);
    int64_t added = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    res = PQexec(c, "COMMIT");
    /* A COMMIT that failed may have committed: the retry's ON CONFLICT
     * makes that harmless. */
    if (!ok(res, PGRES_COMMAND_OK)) {
        evl_pg_result_error(res, c, err, errlen);
        PQclear(res);
        return RETRY;
    }
    PQclear(res);
    b->inserted += added;
    for (size_t i = lo; i < hi; i++)
        b->state[i] = ROW_WRITTEN;
    return STORED;
}

static void mark_poison(batch *b, size_t i, const char *why)
{
    if (!b->why)
        b->why = calloc(b->cap, sizeof *b->why);
    if (b->why) {
        free(b->why[i]);
        b->why[i] = strdup(why);
    }
    b->state[i] = ROW_POISON;
}

/* Store [lo, hi), splitting it while PostgreSQL refuses its data: 0 when
 * every row is settled (written or poison), -1 to retry later. */
static int store_split(PGconn *c, batch *b, size_t lo, size_t hi,
                       const char *insert, char *err, size_t errlen)
{
    int rc = store_range(c, b, lo, hi, insert, err, errlen);
    if (rc == STORED)
        return 0;
    if (rc == RETRY)
        return -1;
    if (hi - lo == 1) {
        mark_poison(b, lo, err);
        return 0;
    }
    size_t mid = lo + (hi - lo) / 2;
    if (store_split(c, b, lo, mid, insert, err, errlen) != 0)
        return -1;
    return store_split(c, b, mid, hi, insert, err, errlen);
}

static bool month_known(store_conn *sc, int64_t m)
{
    for (size_t i = 0; i < sc->nmonths && i < 8; i++)
        if (sc->months[i] == m)
            return true;
    return false;
}

static int partition(store_conn *sc, const writer_conf *conf, int64_t ns,
                     char *err, size_t errlen)
{
    int64_t m = pgs_month_of(ns);
    if (month_known(sc, m))
        return 0;
    if (pgs_partition_ensure(sc->conn, conf->table, ns, err, errlen) != 0)
        return -1;
    sc->months[sc->nmonths++ % 8] = m;
    return 0;
}

/* The months every pending row needs, and those planned ahead. */
static int partitions(store_conn *sc, const writer_conf *conf, batch *b,
                      char *err, size_t errlen)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t m0 = pgs_month_of((int64_t)now.tv_sec * 1000000000);
    for (int64_t m = m0; m <= m0 + conf->partitions_ahead; m++)
        if (partition(sc, conf, pgs_month_start_ns(m), err, errlen) != 0)
            return -1;
    for (size_t i = 0; i < b->n; i++)
        if (b->state[i] == ROW_PENDING &&
            partition(sc, conf, b->time_ns[i], err, errlen) != 0)
            return -1;
    return 0;
}

static int connect_conn(store_conn *sc, const writer_conf *conf, char *err,
                        size_t errlen)
{
    if (sc->conn && PQstatus(sc->conn) == CONNECTION_OK)
        return 0;
    store_close(sc);
    sc->conn = evl_pg_connect(&conf->pg, err, errlen);
    if (!sc->conn)
        return -1;
    /* An existing table is used as it is: partitions only for one that
     * is partitioned, whatever the config says. */
    int part = -1;
    if (pgs_schema_ensure(sc->conn, conf->table, conf->partitioned, err,
                          errlen) != 0 ||
        (part = pgs_is_partitioned(sc->conn, conf->table, err, errlen)) < 0) {
        store_close(sc);
        return -1;
    }
    sc->partitioned = part == 1;
    return 0;
}

void batch_store(batch *b, store_conn *sc, const writer_conf *conf)
{
    char *t = evl_pg_ident(conf->table), *insert = NULL;
    b->rc = 0;
    b->err[0] = '\0';
    b->inserted = 0;
    if (!t || asprintf(&insert,
                       "INSERT INTO %s SELECT * FROM " PGS_STAGE
                       " ON CONFLICT DO NOTHING",
                       t) < 0) {
        insert = NULL;
        snprintf(b->err, sizeof b->err, "out of memory");
        b->rc = -1;
    } else if (b->n && connect_conn(sc, conf, b->err, sizeof b->err) != 0) {
        b->rc = -1;
    } else if (b->n && sc->partitioned &&
               partitions(sc, conf, b, b->err, sizeof b->err) != 0) {
        b->rc = -1;
    } else if (b->n) {
        b->rc =
            store_split(sc->conn, b, 0, b->n, insert, b->err, sizeof b->err);
    }
    /* A broken connection is made anew at the next write; one that
     * failed otherwise is kept (PostgreSQL said why, and still talks). */
    if (b->rc != 0 && sc->conn &&
        (PQstatus(sc->conn) != CONNECTION_OK ||
         !strncmp(b->err, "42P01", 5))) /* the table went: make it again */
        store_close(sc);
    free(t);
    free(insert);
}

void store_close(store_conn *sc)
{
    if (sc->conn)
        PQfinish(sc->conn);
    sc->conn = NULL;
    sc->nmonths = 0;
}
