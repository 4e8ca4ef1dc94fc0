/* pg-query: requests as parameterised SQL (sql.h). */
#include "sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pg.h"

/* A parameter: its text, and its placeholder number. */
static int param(pgq_stmt *st, const char *text)
{
    if (st->nparams >= PGQ_MAX_PARAMS ||
        !(st->vals[st->nparams] = strdup(text)))
        return -1;
    return ++st->nparams;
}

static int param_i64(pgq_stmt *st, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, v);
    return param(st, b);
}

/* " AND <pre>$<n><post>" for parameter n (negative: failed). */
static int cond(evl_buf *w, int n, const char *pre, const char *post)
{
    if (n < 0)
        return -1;
    return evl_buf_adds(w, " AND ") | evl_buf_adds(w, pre) |
           evl_buf_addc(w, '$') | evl_buf_add_i64(w, n) | evl_buf_adds(w, post);
}

static int in_list(evl_buf *w, pgq_stmt *st, const struct evl_query *q)
{
    evl_buf a = {0};
    int rc = evl_buf_addc(&a, '{');
    for (size_t i = 0; i < q->n_in; i++) {
        if (i)
            rc |= evl_buf_addc(&a, ',');
        rc |= evl_buf_add_i64(&a, (long long)q->criticality_in[i]);
    }
    rc |= evl_buf_addc(&a, '}');
    if (rc == 0)
        rc = cond(w, param(st, a.data), "criticality = ANY(", "::bigint[])");
    evl_buf_free(&a);
    return rc;
}

/* The WHERE clause of every condition of the request. */
static int where(evl_buf *w, pgq_stmt *st, const struct evl_query *q)
{
    int rc = evl_buf_adds(w, " WHERE true");
    if (q->has_min)
        rc |= cond(w, param_i64(st, q->min_criticality), "criticality > ", "");
    if (q->has_max)
        rc |= cond(w, param_i64(st, q->max_criticality), "criticality <= ", "");
    if (q->n_in)
        rc |= in_list(w, st, q);
    /* time as well as time_ns: partitions are pruned on time; the
     * bounds are whole seconds, exact in both. */
    if (q->has_since) {
        int n = param_i64(st, q->since_ns);
        rc |= cond(w, n, "time_ns >= ", "::bigint");
        rc |= cond(w, n, "time >= to_timestamp(", "::bigint / 1000000000)");
    }
    if (q->has_until) {
        int n = param_i64(st, q->until_ns);
        rc |= cond(w, n, "time_ns < ", "::bigint");
        rc |= cond(w, n, "time < to_timestamp(", "::bigint / 1000000000)");
    }
    if (q->contains_len)
        rc |= cond(w, param(st, q->contains), "strpos(message, ", ") > 0");
    if (q->key[0])
        rc |= cond(w, param(st, q->key), "key = ", "");
    if (q->has_before) {
        int a = param_i64(st, q->before.instant_ns);
        int b = param_i64(st, q->before.tie);
        char frag[96];
        snprintf(frag, sizeof frag,
                 "(time_ns, seq) < ($%d::bigint, $%d::bigint)", a, b);
        rc |= a < 0 || b < 0 ? -1
                             : evl_buf_adds(w, " AND ") | evl_buf_adds(w, frag);
    }
    return rc ? -1 : 0;
}

static int finish(pgq_stmt *st, evl_buf *w, int rc)
{
    if (rc != 0) {
        evl_buf_free(w);
        pgq_stmt_free(st);
        return -1;
    }
    st->sql = w->data;
    return 0;
}

int pgq_build_events(const char *table, const struct evl_query *q, pgq_stmt *st)
{
    evl_buf w = {0};
    char *t = evl_pg_ident(table);
    memset(st, 0, sizeof *st);
    int rc = t ? 0 : -1;
    rc |= evl_buf_adds(&w, "SELECT criticality, time_ns, message, seq FROM ");
    rc |= evl_buf_adds(&w, t ? t : "");
    rc |= where(&w, st, q);
    int n = param_i64(st, q->last_events_count + 1);
    char tail[96];
    snprintf(tail, sizeof tail, " ORDER BY time_ns DESC, seq DESC LIMIT $%d",
             n);
    rc |= n < 0 ? -1 : evl_buf_adds(&w, tail);
    free(t);
    return finish(st, &w, rc);
}

int pgq_build_counts(const char *table, const struct evl_query *q, pgq_stmt *st)
{
    evl_buf w = {0}, g = {0};
    char *t = evl_pg_ident(table);
    memset(st, 0, sizeof *st);
    int rc = t ? 0 : -1;
    rc |= evl_buf_adds(&w, "SELECT ");
    if (q->every_ns > 0) {
        int e = param_i64(st, q->every_ns);
        char b[200];
        /* Buckets aligned to the epoch: floor division, before 1970 too. */
        snprintf(b, sizeof b,
                 "(time_ns / $%d::bigint - (time_ns %% $%d::bigint < 0)::int)"
                 " * $%d::bigint",
                 e, e, e);
        rc |=
            e < 0 ? -1 : evl_buf_adds(&w, b) | evl_buf_adds(&w, " AS bucket, ");
        rc |= evl_buf_adds(&g, "bucket");
    }
    if (q->count_by_criticality) {
        rc |= evl_buf_adds(&w, "criticality, ");
        rc |= evl_buf_adds(&g, g.len ? ", criticality" : "criticality");
    }
    rc |= evl_buf_adds(&w, "count(*) FROM ");
    rc |= evl_buf_adds(&w, t ? t : "");
    rc |= where(&w, st, q);
    if (g.len) {
        rc |= evl_buf_adds(&w, " GROUP BY ") | evl_buf_adds(&w, g.data);
        rc |= evl_buf_adds(&w, " ORDER BY ") | evl_buf_adds(&w, g.data);
    }
    evl_buf_free(&g);
    free(t);
    return finish(st, &w, rc);
}

void pgq_stmt_free(pgq_stmt *st)
{
    free(st->sql);
    for (int i = 0; i < st->nparams; i++)
        free(st->vals[i]);
    memset(st, 0, sizeof *st);
}
