/*
 * A small InfluxDB HTTP client on libcurl: line-protocol writes for the v1,
 * v2 and v3 APIs with the server's answer classified into what a writer
 * should do next, and InfluxQL queries with bound parameters.  One client
 * per plugin instance; not thread-safe (an instance's callbacks are
 * serialised by the host).  The connection is kept alive between calls.
 */
#ifndef EVL_INFLUX_H
#define EVL_INFLUX_H

#include <stddef.h>
#include <stdint.h>

typedef enum evl_influx_api {
    EVL_INFLUX_V1, /* /write?db=&rp=, /query; user + password */
    EVL_INFLUX_V2, /* /api/v2/write?org=&bucket=; Token */
    EVL_INFLUX_V3, /* /api/v3/write_lp?db=; Token (Bearer) */
} evl_influx_api;

typedef struct evl_influx_conf {
    evl_influx_api api;
    const char *url; /* base URL, e.g. http://127.0.0.1:8086 */
    const char *database, *retention_policy; /* v1, v3 (database) */
    const char *org, *bucket;                /* v2 */
    const char *user, *password;             /* v1 basic auth */
    const char *token;                       /* v2/v3 (and v1 on 1.8+/2.x) */
    int64_t timeout_ms, connect_timeout_ms;
} evl_influx_conf;

/** What the server said about a write, as a decision. */
typedef enum evl_write_outcome {
    EVL_WRITE_OK,        /* stored */
    EVL_WRITE_BAD_DATA,  /* 400/422: some data refused; never retry as is */
    EVL_WRITE_TOO_LARGE, /* 413: split the batch */
    EVL_WRITE_AUTH,      /* 401/403: credentials or permissions */
    EVL_WRITE_NOT_FOUND, /* 404: database/bucket missing */
    EVL_WRITE_RETRY,     /* 429/5xx/network/timeout: try again later */
} evl_write_outcome;

typedef struct evl_write_result {
    evl_write_outcome outcome;
    long http_status;       /* 0 when no HTTP answer */
    int64_t retry_after_ms; /* from Retry-After, else 0 */
    char message[512];      /* server error text or curl's reason */
} evl_write_result;

typedef struct evl_influx evl_influx;

/** Create a client (copies what it needs from conf).  NULL on failure. */
/** libcurl's global init/cleanup: call from the plugin's module_init and
 * module_fini, before any evl_influx_new / after the last free.  0 or -1. */
int evl_influx_global_init(void);
void evl_influx_global_cleanup(void);
evl_influx *evl_influx_new(const evl_influx_conf *conf);
void evl_influx_free(evl_influx *c);

/** POST line protocol (precision ns).  Always fills `res`. */
void evl_influx_write(evl_influx *c, const char *body, size_t len,
                      evl_write_result *res);

/**
 * InfluxQL query with bound parameters (`params_json`, a JSON object, may
 * be NULL), epoch=ns.  On success returns 0 and the response body in *out
 * (malloc'd, NUL-terminated).  On failure returns -1 with a reason in err.
 */
int evl_influx_query(evl_influx *c, const char *influxql,
                     const char *params_json, char **out, char *err,
                     size_t errlen);

/**
 * At start: does InfluxDB refuse these credentials?  Asks SHOW DATABASES
 * (v1, and the v1-compatible endpoint of 2.x/3.x).  Returns 1 only when the
 * server answered 401 or 403 (reason in err); 0 otherwise, including when
 * it is unreachable (an outage is not a configuration error: the sink
 * retries, the reader answers "unavailable").
 */
int evl_influx_auth_refused(evl_influx *c, char *err, size_t errlen);

/**
 * Timeout of the following requests, ms (at least 1): for a caller whose
 * one answer takes several requests within one budget.
 */
void evl_influx_set_timeout_ms(evl_influx *c, int64_t ms);

/** Map a write outcome to a short name ("ok", "bad data", ...). */
const char *evl_write_outcome_name(evl_write_outcome o);

/** Human-readable API name ("v1", "v2", "v3"); parse back with _parse. */
int evl_influx_api_parse(const char *s, evl_influx_api *out);

struct evh_instance;
/**
 * Inside a plugin's configure: read the InfluxDB connection keys of its
 * config block (url, api, database, retention_policy, org, bucket, user,
 * password_file, token_file, timeout_ms, connect_timeout_ms) into c, the
 * defaults of timeout_ms and connect_timeout_ms being what c holds.  The
 * secrets go to *password and *token (malloc'd or NULL: wipe_free them)
 * and c points at them.  Every problem is reported through the plugin API
 * (api, url, user with password_file too); the caller ends with
 * evh_config_status.
 */
void evl_influx_conf_read(struct evh_instance *inst, evl_influx_conf *c,
                          char **password, char **token);

#endif
