/* pg-sink: the table, its indexes and partitions (schema.h). */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg.h"

/* "<table><suffix>" as a quoted identifier (malloc'd). */
static char *ident2(const char *table, const char *suffix)
{
    size_t n = strlen(table) + strlen(suffix) + 1;
    char *raw = malloc(n), *q = NULL;
    if (raw) {
        snprintf(raw, n, "%s%s", table, suffix);
        q = evl_pg_ident(raw);
    }
    free(raw);
    return q;
}

static int exec_all(PGconn *c, const char *const *sql, size_t n, char *err,
                    size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (evl_pg_exec(c, sql[i], err, errlen) != 0) {
            PQclear(PQexec(c, "ROLLBACK"));
            return -1;
        }
    return 0;
}

int pgs_schema_ensure(PGconn *c, const char *table, bool partitioned, char *err,
                      size_t errlen)
{
    char *t = evl_pg_ident(table), *uq = ident2(table, "_identity"),
         *i1 = ident2(table, "_newest"), *i2 = ident2(table, "_crit"),
         *i3 = ident2(table, "_time");
    char *s[7] = {0};
    int rc = -1;
    if (!t || !uq || !i1 || !i2 || !i3) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    s[0] = strdup("BEGIN");
    /* One writer creates, the others wait and find it made. */
    s[1] = strdup("SELECT pg_advisory_xact_lock(4242000020)");
    if (asprintf(&s[2],
                 "CREATE TABLE IF NOT EXISTS %s (time timestamptz NOT NULL, "
                 "time_ns bigint NOT NULL, criticality bigint NOT NULL, "
                 "message text NOT NULL, key text, extra jsonb, "
                 "writer text NOT NULL, seq bigint NOT NULL, "
                 "CONSTRAINT %s UNIQUE (writer, seq, time))%s",
                 t, uq, partitioned ? " PARTITION BY RANGE (time)" : "") < 0 ||
        asprintf(&s[3],
                 "CREATE INDEX IF NOT EXISTS %s ON %s "
                 "(time_ns DESC, criticality)",
                 i1, t) < 0 ||
        asprintf(&s[4],
                 "CREATE INDEX IF NOT EXISTS %s ON %s "
                 "(criticality, time_ns DESC)",
                 i2, t) < 0 ||
        asprintf(&s[5], "CREATE INDEX IF NOT EXISTS %s ON %s (time)", i3, t) <
            0)
        s[2] = s[3] = s[4] = s[5] = NULL;
    s[6] = strdup("COMMIT");
    for (size_t i = 0; i < 7; i++)
        if (!s[i]) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    if (exec_all(c, (const char *const *)s, 7, err, errlen) != 0)
        goto out;
    char *stage = NULL;
    if (asprintf(&stage,
                 "CREATE TEMP TABLE IF NOT EXISTS " PGS_STAGE
                 " (LIKE %s) ON COMMIT DELETE ROWS",
                 t) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = evl_pg_exec(c, stage, err, errlen);
    free(stage);
out:
    for (size_t i = 0; i < 7; i++)
        free(s[i]);
    free(t);
    free(uq);
    free(i1);
    free(i2);
    free(i3);
    return rc;
}

int pgs_is_partitioned(PGconn *c, const char *table, char *err, size_t errlen)
{
    char *t = evl_pg_ident(table);
    const char *vals[1] = {t};
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    PGresult *res = PQexecParams(c,
                                 "SELECT relkind = 'p' FROM pg_class "
                                 "WHERE oid = to_regclass($1)",
                                 1, NULL, vals, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        rc = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    else
        evl_pg_result_error(res, c, err, errlen);
    PQclear(res);
    free(t);
    return rc;
}

int64_t pgs_month_of(int64_t ns)
{
    int64_t sec = ns / 1000000000 - (ns % 1000000000 < 0);
    time_t tt = (time_t)sec;
    struct tm tm;
    gmtime_r(&tt, &tm);
    return (int64_t)(tm.tm_year + 1900) * 12 + tm.tm_mon;
}

int64_t pgs_month_start_ns(int64_t month)
{
    struct tm tm = {0};
    tm.tm_year = (int)(month / 12) - 1900;
    tm.tm_mon = (int)(month % 12);
    tm.tm_mday = 1;
    return (int64_t)timegm(&tm) * 1000000000;
}

int pgs_partition_ensure(PGconn *c, const char *table, int64_t ns, char *err,
                         size_t errlen)
{
    int64_t m = pgs_month_of(ns);
    char suffix[32], from[40], to[40], *sql = NULL;
    snprintf(suffix, sizeof suffix, "_p%04lld%02lld", (long long)(m / 12),
             (long long)(m % 12 + 1));
    char *t = evl_pg_ident(table), *p = ident2(table, suffix);
    int rc = -1;
    time_t a = (time_t)(pgs_month_start_ns(m) / 1000000000),
           b = (time_t)(pgs_month_start_ns(m + 1) / 1000000000);
    struct tm ta, tb;
    gmtime_r(&a, &ta);
    gmtime_r(&b, &tb);
    strftime(from, sizeof from, "%Y-%m-%d 00:00:00+00", &ta);
    strftime(to, sizeof to, "%Y-%m-%d 00:00:00+00", &tb);
    if (t && p &&
        asprintf(&sql,
                 "CREATE TABLE IF NOT EXISTS %s PARTITION OF %s "
                 "FOR VALUES FROM ('%s') TO ('%s')",
                 p, t, from, to) >= 0) {
        rc = evl_pg_exec(c, sql, err, errlen);
        free(sql);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    free(t);
    free(p);
    return rc;
}
