/*
 * http-ingest's accounts (the tracker's job): with an `accounts` group in
 * its config, PUT|POST /events/<key> is taken only for a key that is an
 * active account in a PostgreSQL table -- unknown 404, inactive 403 --
 * and GET /accounts/<id>, POST /accounts (create, JSON) serve the table,
 * behind the same bearer token.
 *
 *   CREATE TABLE IF NOT EXISTS account (
 *       id         text PRIMARY KEY,  -- the key of /events/<key>
 *       name       text NOT NULL,
 *       is_active  boolean NOT NULL DEFAULT true,
 *       created_at timestamptz NOT NULL DEFAULT now()
 *   );
 *
 * Answers are cached for cache_ttl_ms (known and unknown ids alike), so a
 * burst of events for one account is one SELECT per TTL, not one each;
 * an account created here is in the cache at once, one changed in the
 * table directly is seen within the TTL.
 *
 * Thread-safety: every call may come from any libmicrohttpd thread; one
 * connection, used under a lock (the cache answers most calls without it).
 */
#ifndef EVH_INGEST_ACCOUNTS_H
#define EVH_INGEST_ACCOUNTS_H

#include <evhost/plugin.h>
#include <stddef.h>

struct json_object;
typedef struct ing_accounts ing_accounts;

/**
 * Read the `accounts` group (conninfo, password_file, table, cache_ttl_ms,
 * cache_size).  *out stays NULL when the group is absent: no account
 * checks.  Only inside configure; EVH_OK or EVH_ECONFIG (reported).
 */
int ing_accounts_configure(evh_instance *inst, ing_accounts **out);

/** At start: create the table if missing (a warning, not a failure, when
 * PostgreSQL does not answer yet: the checks answer 503 until it does). */
void ing_accounts_start(ing_accounts *a, evh_instance *inst);

enum { ACC_ACTIVE = 1, ACC_INACTIVE = 0, ACC_UNKNOWN = -1, ACC_FAILED = -2 };

/** The state of account `id`, from the cache or the table; ACC_FAILED with
 * the reason in err when PostgreSQL did not answer. */
int ing_accounts_check(ing_accounts *a, const char *id, char *err,
                       size_t errlen);

/**
 * GET /accounts/<id>: the HTTP status (200, 404, 503) and in *out the
 * answer, {"id","name","is_active","created_at"} or an error object.
 */
unsigned ing_accounts_get(ing_accounts *a, const char *id,
                          struct json_object **out);

/**
 * POST /accounts with {"id": "...", "name": "...", "is_active": bool
 * (default true)}: 201 and the account, 400 (bad JSON, bad id or name),
 * 409 (the id exists), 503; *out the answer.
 */
unsigned ing_accounts_create(ing_accounts *a, const char *body, size_t len,
                             struct json_object **out);

/**
 * Which accounts route `url` is: 1 for /accounts, 2 for /accounts/<id>
 * (the id copied into id), 0 for none.  *allow is the methods it takes
 * when `method` is not one of them (NULL when it is).
 */
int ing_accounts_route(const char *url, const char *method, char *id,
                       size_t idcap, const char **allow);

void ing_accounts_free(ing_accounts *a);

#endif
