/*
 * The host's view of one config file: the `host`, `nats` and `plugins`
 * blocks parsed into plain structs.  Strings point into the libconfig tree,
 * which lives as long as the conf (reference-counted, because instances kept
 * across a SIGHUP reload still read their `config` block from the old tree).
 */
#ifndef EVH_CONFIG_FILE_H
#define EVH_CONFIG_FILE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct js_conf {
    bool enabled;
    const char *stream;
    const char **subjects;
    int nsubjects;
    bool create;
    const char *storage; /* "file" | "memory" */
    int64_t max_age_ms, max_bytes, max_msgs, replicas, duplicate_window_ms;
    /* consumer side (instances that subscribe) */
    const char *durable;
    const char *deliver;        /* as configured, for messages */
    int deliver_policy;         /* JS_DELIVER_* below */
    int64_t deliver_since_ms;   /* "since 5m": how far back */
    int64_t deliver_start_ns;   /* "since <RFC 3339>": wall clock, ns */
    uint64_t deliver_start_seq; /* "seq N" */
    bool reset_consumer;        /* delete the durable at start */
    int64_t ack_wait_ms, max_ack_pending, max_deliver, fetch_batch;
    /* an error returned by on_msg: nak delay, doubling up to the max, and
     * after retry_max_deliver deliveries (-1: never) the dead letter */
    int64_t retry_delay_ms, retry_max_delay_ms, retry_max_deliver;
    const char *dead_letter; /* NULL: evhost.<host>.dead */
    /* publisher side (instances that publish) */
    int64_t publish_max_pending, publish_retry_ms;
} js_conf;

enum {
    JS_DELIVER_ALL,
    JS_DELIVER_NEW,
    JS_DELIVER_LAST,
    JS_DELIVER_SINCE, /* relative (deliver_since_ms) or absolute (start_ns) */
    JS_DELIVER_SEQ,
};

typedef struct inst_conf {
    config_setting_t *setting; /* the instance's group */
    config_setting_t *config;  /* its `config` group, or NULL */
    const char *plugin;
    const char *name;
    const char **subscribe;
    int nsubscribe;
    const char *queue;
    const char *publish;
    int64_t pending_msgs, pending_bytes;
    js_conf js;
    char *fingerprint;
    char name_buf[128]; /* default name when `name` is not set */
} inst_conf;

typedef struct nats_conf {
    const char **servers;
    int nservers;
    const char *conn_name;
    const char *user, *password_file, *token_file, *creds_file;
    const char *nkey, *nkey_seed_file;
    bool tls;
    const char *tls_ca_file, *tls_cert_file, *tls_key_file, *tls_hostname;
    bool tls_skip_verify;
    bool randomize; /* shuffle `servers` (nats.c default) or keep their order */
    int64_t reconnect_wait_ms, reconnect_jitter_ms, max_reconnect;
    int64_t reconnect_buffer_bytes, connect_timeout_ms, ping_interval_ms;
    int64_t max_pings_out;
    int send_asap;       /* 1, 0, or -1: not set, decided from the instances */
    const char *env_url; /* EVHOST_NATS_URL, if set (overrides servers) */
} nats_conf;

typedef struct host_conf {
    config_t cfg;
    int refs;
    char *path;
    const char *name;
    const char *plugin_dir;
    int log_level;
    int64_t stop_timeout_ms;
    char *stats_subject;
    const char *metrics_listen; /* host.metrics_listen, NULL: no /metrics */
    struct sockaddr_storage metrics_addr;
    socklen_t metrics_addrlen;
    nats_conf nats;
    inst_conf *insts;
    int ninsts;
    char *nats_fingerprint;
    int errors; /* problems found (already logged) */
} host_conf;

/**
 * Read and check a config file; every problem is logged.  Returns the conf
 * (refs = 1) with `errors` set to the number of problems, or NULL when the
 * file cannot be read or parsed.  Plugin `config` blocks are checked later,
 * by the plugins' own configure.
 */
host_conf *conf_load(const char *path);
void conf_ref(host_conf *c);
void conf_unref(host_conf *c);

#endif
