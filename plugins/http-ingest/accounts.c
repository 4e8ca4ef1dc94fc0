/* http-ingest: accounts in PostgreSQL, with a TTL cache (accounts.h). */
#include "accounts.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "pg.h"
#include "wipe.h"

typedef struct entry {
    char id[72];
    int state;
    int64_t expires_ms;
} entry;

struct ing_accounts {
    evl_pg_conf pg;
    char *password;
    const char *table;
    char *qtable; /* quoted */
    int64_t ttl_ms, size;
    pthread_mutex_t db_lock, cache_lock;
    PGconn *conn;
    bool table_ok; /* made (or found) on this connection's server */
    char *ddl;
    entry *cache;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ing_accounts_configure(evh_instance *inst, ing_accounts **out)
{
    *out = NULL;
    if (!evh_config_has(inst, "accounts"))
        return EVH_OK;
    ing_accounts *a = calloc(1, sizeof *a);
    if (!a)
        return EVH_ENOMEM;
    char err[300];
    evh_config_string(inst, "accounts.conninfo", "host=127.0.0.1 dbname=events",
                      &a->pg.conninfo);
    evh_config_secret_file(inst, "accounts.password_file", &a->password);
    evh_config_string(inst, "accounts.table", "account", &a->table);
    evh_config_int(inst, "accounts.cache_ttl_ms", 5000, 0, 3600000, &a->ttl_ms);
    evh_config_int(inst, "accounts.cache_size", 4096, 1, 1000000, &a->size);
    evh_config_int(inst, "accounts.timeout_ms", 2000, 100, 600000,
                   &a->pg.statement_timeout_ms);
    a->pg.connect_timeout_ms = a->pg.statement_timeout_ms;
    a->pg.password = a->password;
    pthread_mutex_init(&a->db_lock, NULL);
    pthread_mutex_init(&a->cache_lock, NULL);
    *out = a;
    if (evl_pg_conninfo_check(a->pg.conninfo, err, sizeof err) != 0)
        evh_config_error(inst, "accounts.conninfo", "%s", err);
    if (!a->table[0])
        evh_config_error(inst, "accounts.table", "must not be empty");
    int rc = evh_config_status(inst);
    if (rc != EVH_OK)
        return rc;
    a->qtable = evl_pg_ident(a->table);
    a->cache = calloc((size_t)a->size, sizeof *a->cache);
    if (!a->qtable || !a->cache ||
        asprintf(&a->ddl,
                 "CREATE TABLE IF NOT EXISTS %s (id text PRIMARY "
                 "KEY, name text NOT NULL, is_active boolean NOT "
                 "NULL DEFAULT true, created_at timestamptz NOT "
                 "NULL DEFAULT now())",
                 a->qtable) < 0) {
        a->ddl = NULL;
        return EVH_ENOMEM;
    }
    return EVH_OK;
}

/* ---- cache ---------------------------------------------------------- */

static entry *slot(ing_accounts *a, const char *id)
{
    uint64_t h = 1469598103934665603u;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return &a->cache[h % (uint64_t)a->size];
}

static int cache_get(ing_accounts *a, const char *id)
{
    int st = ACC_FAILED;
    pthread_mutex_lock(&a->cache_lock);
    entry *e = slot(a, id);
    if (!strcmp(e->id, id) && e->expires_ms > mono_ms())
        st = e->state;
    pthread_mutex_unlock(&a->cache_lock);
    return st;
}

static void cache_put(ing_accounts *a, const char *id, int state)
{
    if (a->ttl_ms == 0)
        return;
    pthread_mutex_lock(&a->cache_lock);
    entry *e = slot(a, id);
    snprintf(e->id, sizeof e->id, "%s", id);
    e->state = state;
    e->expires_ms = mono_ms() + a->ttl_ms;
    pthread_mutex_unlock(&a->cache_lock);
}

/* ---- PostgreSQL ----------------------------------------------------- */

/* The connection, made anew when there is none or it broke, with the
 * table made if missing: PostgreSQL may not have answered at start.
 * Under db_lock.  0, or -1 with the reason in err. */
static int ready(ing_accounts *a, char *err, size_t errlen)
{
    if (a->conn && PQstatus(a->conn) == CONNECTION_OK && a->table_ok)
        return 0;
    if (!a->conn || PQstatus(a->conn) != CONNECTION_OK) {
        if (a->conn)
            PQfinish(a->conn);
        a->table_ok = false;
        if (!(a->conn = evl_pg_connect(&a->pg, err, errlen)))
            return -1;
    }
    a->table_ok = evl_pg_exec(a->conn, a->ddl, err, errlen) == 0;
    return a->table_ok ? 0 : -1;
}

/* One statement with parameters on the shared connection (locked).
 * NULL with the reason in err. */
static PGresult *query(ing_accounts *a, const char *sql, int n,
                       const char *const *vals, char *err, size_t errlen)
{
    pthread_mutex_lock(&a->db_lock);
    PGresult *res = NULL;
    for (int attempt = 0; attempt < 2 && !res; attempt++) {
        if (ready(a, err, errlen) != 0)
            break;
        res = PQexecParams(a->conn, sql, n, NULL, vals, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
            evl_pg_result_error(res, a->conn, err, errlen);
            /* A connection that broke since its last use, or a table
             * dropped since it was made: once more. */
            if (!strcmp(evl_pg_sqlstate(res), "42P01"))
                a->table_ok = false;
            bool retry = PQstatus(a->conn) != CONNECTION_OK || !a->table_ok;
            if (!retry || attempt == 1) {
                pthread_mutex_unlock(&a->db_lock);
                return res; /* the caller reads the error */
            }
            PQclear(res);
            res = NULL;
        }
    }
    pthread_mutex_unlock(&a->db_lock);
    return res;
}

void ing_accounts_start(ing_accounts *a, evh_instance *inst)
{
    char err[400];
    pthread_mutex_lock(&a->db_lock);
    int rc = ready(a, err, sizeof err);
    pthread_mutex_unlock(&a->db_lock);
    if (rc != 0)
        evh_log(inst, EVH_LOG_WARN,
                "accounts: cannot make table \"%s\" yet (%s); keyed events "
                "are answered 503 until PostgreSQL answers",
                a->table, err);
}

int ing_accounts_check(ing_accounts *a, const char *id, char *err,
                       size_t errlen)
{
    int st = cache_get(a, id);
    if (st != ACC_FAILED)
        return st;
    char *sql = NULL;
    if (asprintf(&sql, "SELECT is_active FROM %s WHERE id = $1", a->qtable) < 0)
        return ACC_FAILED;
    const char *vals[1] = {id};
    PGresult *res = query(a, sql, 1, vals, err, errlen);
    free(sql);
    if (res && PQresultStatus(res) == PGRES_TUPLES_OK) {
        st = PQntuples(res) == 0               ? ACC_UNKNOWN
             : PQgetvalue(res, 0, 0)[0] == 't' ? ACC_ACTIVE
                                               : ACC_INACTIVE;
        cache_put(a, id, st);
    }
    PQclear(res);
    return st;
}

static json_object *err_obj(const char *code, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    return o;
}

static json_object *account_obj(const PGresult *res)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id",
                           json_object_new_string(PQgetvalue(res, 0, 0)));
    json_object_object_add(o, "name",
                           json_object_new_string(PQgetvalue(res, 0, 1)));
    json_object_object_add(
        o, "is_active",
        json_object_new_boolean(PQgetvalue(res, 0, 2)[0] == 't'));
    json_object_object_add(o, "created_at",
                           json_object_new_string(PQgetvalue(res, 0, 3)));
    return o;
}

#define ACCOUNT_COLS                                                           \
    "id, name, is_active, "                                                    \
    "to_char(created_at AT TIME ZONE 'UTC', "                                  \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

unsigned ing_accounts_get(ing_accounts *a, const char *id, json_object **out)
{
    char err[400], *sql = NULL;
    if (asprintf(&sql, "SELECT " ACCOUNT_COLS " FROM %s WHERE id = $1",
                 a->qtable) < 0) {
        *out = err_obj("unavailable", "out of memory");
        return 503;
    }
    const char *vals[1] = {id};
    PGresult *res = query(a, sql, 1, vals, err, sizeof err);
    free(sql);
    unsigned status = 503;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        *out = err_obj("unavailable", err);
    } else if (PQntuples(res) == 0) {
        *out = err_obj("not_found", "no such account");
        status = 404;
    } else {
        *out = account_obj(res);
        status = 200;
    }
    PQclear(res);
    return status;
}

/* The members of a create request, checked: 0, or -1 with *out set. */
static int create_args(const char *body, size_t len, const char **id,
                       const char **name, bool *active, json_object **root,
                       json_object **out)
{
    json_tokener *tok = json_tokener_new_ex(8);
    *root = tok ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
    bool whole = tok && json_tokener_get_error(tok) == json_tokener_success &&
                 json_tokener_get_parse_end(tok) == len;
    json_tokener_free(tok);
    json_object *i, *n, *act;
    *active = true;
    if (!whole || !json_object_is_type(*root, json_type_object) ||
        !json_object_object_get_ex(*root, "id", &i) ||
        !json_object_is_type(i, json_type_string) ||
        !json_object_object_get_ex(*root, "name", &n) ||
        !json_object_is_type(n, json_type_string)) {
        *out = err_obj("bad_request", "expected {\"id\": string, \"name\": "
                                      "string[, \"is_active\": bool]}");
        return -1;
    }
    if (json_object_object_get_ex(*root, "is_active", &act)) {
        if (!json_object_is_type(act, json_type_boolean)) {
            *out = err_obj("bad_request", "is_active must be true or false");
            return -1;
        }
        *active = json_object_get_boolean(act);
    }
    *id = json_object_get_string(i);
    *name = json_object_get_string(n);
    if (!ingest_key_valid(*id) ||
        strlen(*name) != (size_t)json_object_get_string_len(n) ||
        json_object_get_string_len(n) > 200) {
        *out = err_obj("bad_request", "id must be 1 to 64 of A-Z a-z 0-9 _ "
                                      ". -, name at most 200 bytes without "
                                      "NUL");
        return -1;
    }
    return 0;
}

unsigned ing_accounts_create(ing_accounts *a, const char *body, size_t len,
                             json_object **out)
{
    const char *id, *name;
    bool active;
    json_object *root = NULL;
    char err[400], *sql = NULL;
    if (create_args(body ? body : "", len, &id, &name, &active, &root, out)) {
        json_object_put(root);
        return 400;
    }
    unsigned status = 503;
    const char *vals[3] = {id, name, active ? "true" : "false"};
    if (asprintf(&sql,
                 "INSERT INTO %s (id, name, is_active) VALUES ($1, $2, "
                 "$3) ON CONFLICT (id) DO NOTHING RETURNING " ACCOUNT_COLS,
                 a->qtable) < 0) {
        *out = err_obj("unavailable", "out of memory");
    } else {
        PGresult *res = query(a, sql, 3, vals, err, sizeof err);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
            *out = err_obj("unavailable", err);
        } else if (PQntuples(res) == 0) {
            *out = err_obj("conflict", "an account with this id exists");
            status = 409;
        } else {
            *out = account_obj(res);
            cache_put(a, id, active ? ACC_ACTIVE : ACC_INACTIVE);
            status = 201;
        }
        PQclear(res);
    }
    free(sql);
    json_object_put(root);
    return status;
}

int ing_accounts_route(const char *url, const char *method, char *id,
                       size_t idcap, const char **allow)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!strcmp(url, "/accounts")) {
        *allow = strcmp(method, "POST") ? "POST" : NULL;
        return 1;
    }
    if (!strncmp(url, "/accounts/", 10) && url[10]) {
        *allow = get ? NULL : "GET, HEAD";
        snprintf(id, idcap, "%s", url + 10);
        return 2;
    }
    return 0;
}

void ing_accounts_free(ing_accounts *a)
{
    if (!a)
        return;
    if (a->conn)
        PQfinish(a->conn);
    wipe_free(a->password);
    free(a->qtable);
    free(a->ddl);
    free(a->cache);
    pthread_mutex_destroy(&a->db_lock);
    pthread_mutex_destroy(&a->cache_lock);
    free(a);
}
