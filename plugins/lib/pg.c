/* PostgreSQL connections (pg.h). */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One line of libpq's text: its messages end in newlines and may carry a
 * DETAIL line after the first. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < cap; src++)
        dst[n++] = (*src == '\n' || *src == '\r') ? ' ' : *src;
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    if (cap)
        dst[n] = '\0';
}

int evl_pg_conninfo_check(const char *conninfo, char *err, size_t errlen)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    if (!opts) {
        one_line(err, errlen, msg ? msg : "out of memory");
        PQfreemem(msg);
        return -1;
    }
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (!strcmp(o->keyword, "password") && o->val && o->val[0]) {
            snprintf(err, errlen,
                     "the conninfo carries a password: put it "
                     "in password_file instead");
            rc = -2;
        }
    PQconninfoFree(opts);
    return rc;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *evl_pg_connect(const evl_pg_conf *c, char *err, size_t errlen)
{
    char ct[32], opt[96];
    /* libpq counts connect_timeout in whole seconds (minimum 2). */
    int64_t s = (c->connect_timeout_ms + 999) / 1000;
    snprintf(ct, sizeof ct, "%lld", (long long)(s < 2 ? 2 : s));
    /* Notices ("already exists, skipping") are no news for a host log. */
    snprintf(opt, sizeof opt,
             "-c statement_timeout=%lld -c client_min_messages=warning",
             (long long)c->statement_timeout_ms);
    const char *keys[6] = {"dbname", "connect_timeout", "options",
                           "fallback_application_name"};
    const char *vals[6] = {c->conninfo, ct, opt, "evhost"};
    if (c->password) {
        keys[4] = "password";
        vals[4] = c->password;
    }
    /* expand_dbname: the conninfo's own keywords come first, the ones
     * after it (ours) fill in what it leaves out. */
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (PQstatus(conn) != CONNECTION_OK) {
        one_line(err, errlen, PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    /* libpq's default prints warnings on stderr, past the host's log. */
    PQsetNoticeProcessor(conn, quiet, NULL);
    return conn;
}

const char *evl_pg_sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

void evl_pg_result_error(const PGresult *res, const PGconn *conn, char *err,
                         size_t errlen)
{
    const char *st = evl_pg_sqlstate(res);
    const char *m =
        res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char line[400];
    one_line(line, sizeof line, m ? m : PQerrorMessage(conn));
    if (!line[0])
        snprintf(line, sizeof line, "no answer from the server");
    if (st[0])
        snprintf(err, errlen, "%s: %s", st, line);
    else
        snprintf(err, errlen, "%s", line);
}

bool evl_pg_data_error(const PGresult *res)
{
    const char *st = evl_pg_sqlstate(res);
    return !strncmp(st, "22", 2) || !strncmp(st, "23", 2);
}

int evl_pg_exec(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc)
        evl_pg_result_error(res, conn, err, errlen);
    PQclear(res);
    return rc;
}

char *evl_pg_ident(const char *name)
{
    size_t n = strlen(name);
    char *q = malloc(2 * n + 3), *p = q;
    if (!q)
        return NULL;
    *p++ = '"';
    for (const char *s = name; *s; s++) {
        if (*s == '"')
            *p++ = '"';
        *p++ = *s;
    }
    *p++ = '"';
    *p = '\0';
    return q;
}
