/*
 * PostgreSQL connections for the pg-* plugins and http-ingest's accounts
 * (libpq).  A connection is described by a libpq conninfo string
 * ("host=db.example port=5432 dbname=events user=evhost sslmode=verify-full
 * sslrootcert=/etc/ssl/certs/ca.pem", or a postgresql:// URI) and a
 * password read from a secret file, passed to libpq apart so that it is
 * never part of a string anyone logs.  Nothing here logs.
 *
 * Thread-safety: one evl_pg belongs to one thread at a time; libpq is
 * thread-safe across connections.
 */
#ifndef EVL_PG_H
#define EVL_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct evl_pg_conf {
    const char *conninfo; /**< libpq conninfo or URI (borrowed) */
    const char *password; /**< NULL: none, or libpq's own (PGPASSFILE) */
    int64_t connect_timeout_ms;
    int64_t statement_timeout_ms; /**< 0: none */
} evl_pg_conf;

/**
 * Connect.  Returns the connection (status CONNECTION_OK, statement_timeout
 * set, application_name "evhost"), or NULL with libpq's reason in err --
 * which names the server and the failure, never the password.
 */
PGconn *evl_pg_connect(const evl_pg_conf *c, char *err, size_t errlen);

/**
 * Check a conninfo string without connecting: 0, or -1 with libpq's reason
 * (an unknown keyword, a bad URI).  Refuses a conninfo that carries a
 * password (-2): the password belongs in password_file.
 */
int evl_pg_conninfo_check(const char *conninfo, char *err, size_t errlen);

/** The result's error as one line: "SQLSTATE: message" (err, errlen). */
void evl_pg_result_error(const PGresult *res, const PGconn *conn, char *err,
                         size_t errlen);

/** The SQLSTATE of a failed result ("" when none, e.g. a lost connection). */
const char *evl_pg_sqlstate(const PGresult *res);

/**
 * Whether a failure is the data's fault (SQLSTATE class 22 data exception
 * or 23 integrity violation): the same rows fail again on any server, so
 * they are poison, not an outage.
 */
bool evl_pg_data_error(const PGresult *res);

/** Run one statement without parameters; 0 or -1 with the reason. */
int evl_pg_exec(PGconn *conn, const char *sql, char *err, size_t errlen);

/** A quoted identifier ("name", with "" for "), malloc'd; NULL on OOM. */
char *evl_pg_ident(const char *name);

#endif /* EVL_PG_H */
