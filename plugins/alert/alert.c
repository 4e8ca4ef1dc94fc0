/*
 * alert: rules on the event stream (threshold, rate, deadman) whose
 * changes of state go to Prometheus Alertmanager (API v2) and/or a
 * webhook.  See evhost-alert(7).
 *
 * Threads: on_msg and the tick timer run serialised by the host and own
 * the rules' state; sender.c's thread only POSTs notifications and writes
 * their records to the key-value bucket.  A message that triggers a
 * notification (or counts in a rate window) is held and acked on the
 * worker, in the tick, once the notification was accepted everywhere.
 */
#include <curl/curl.h>
#include <evhost/plugin.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "body.h"
#include "eval.h"
#include "event.h"
#include "rules.h"
#include "sender.h"
#include "state.h"

#define TICK_MS 100
#define SAVE_MIN_NS INT64_C(1000000000)

typedef struct alerter {
    evh_instance *inst;
    rule_set rules;
    alert_table table;
    mref_set held; /* held messages by stream sequence */
    body_ctx body;
    output outs[SENDER_MAX_OUTPUTS];
    char *urls[SENDER_MAX_OUTPUTS];
    size_t nouts, nam;
    bool has_hook;
    char *token;
    sender_conf sconf;
    bool keep_state;
    char bucket[80];
    int64_t resend_ns, drain_timeout_ms;
    int64_t grace_ns;   /* deadman rules wait this long after start ... */
    int64_t started_ns; /* ... from here (monotonic) */
    evh_kv *kv;
    sender *snd;
    bool resend_inflight;
    int64_t next_resend_ns; /* monotonic */
} alerter;

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int add_output(alerter *a, const char *key, const char *base,
                      const char *suffix, bool hook)
{
    if (a->nouts == SENDER_MAX_OUTPUTS)
        return evh_config_error(a->inst, key, "at most %d outputs",
                                SENDER_MAX_OUTPUTS);
    if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))
        return evh_config_error(a->inst, key,
                                "\"%s\": expected an http:// "
                                "or https:// URL",
                                base);
    size_t bl = strlen(base);
    while (bl > 8 && base[bl - 1] == '/' && *suffix)
        bl--;
    char *u = NULL;
    if (asprintf(&u, "%.*s%s", (int)bl, base, suffix) < 0)
        return evh_config_error(a->inst, key, "out of memory");
    a->urls[a->nouts] = u;
    a->outs[a->nouts].url = u;
    a->outs[a->nouts].webhook = hook;
    a->outs[a->nouts].token = hook ? a->token : NULL;
    a->nouts++;
    return EVH_OK;
}

/* Reported through the config API; the caller ends with its status. */
static void read_outputs(alerter *a)
{
    int n = evh_config_count(a->inst, "alertmanagers");
    for (int i = 0; i < n; i++) {
        const char *u = NULL;
        if (evh_config_elem_string(a->inst, "alertmanagers", i, &u) == EVH_OK &&
            add_output(a, "alertmanagers", u, "/api/v2/alerts", false) ==
                EVH_OK)
            a->nam++;
    }
    const char *hook = NULL;
    evh_config_string(a->inst, "webhook.url", NULL, &hook);
    evh_config_secret_file(a->inst, "webhook.token_file", &a->token);
    if (hook)
        add_output(a, "webhook.url", hook, "", true);
    a->has_hook = hook != NULL;
    if (!hook && evh_config_has(a->inst, "webhook.token_file"))
        evh_config_error(a->inst, "webhook.token_file", "needs webhook.url");
    /* Outputs are read first: the status so far is theirs. */
    if (a->nouts == 0 && evh_config_status(a->inst) == EVH_OK)
        evh_config_error(a->inst, NULL,
                         "no output: set `alertmanagers` "
                         "and/or `webhook.url`");
}

/* The default bucket: one per instance name, in the characters a bucket
 * name may have. */
static void default_bucket(alerter *a)
{
    const char *n = evh_instance_name(a->inst);
    size_t k = (size_t)snprintf(a->bucket, sizeof a->bucket, "evhost-alert-");
    for (; *n && k + 1 < sizeof a->bucket; n++)
        a->bucket[k++] = (strchr("_-", *n) || (*n >= 'a' && *n <= 'z') ||
                          (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9'))
                             ? *n
                             : '_';
    a->bucket[k] = '\0';
}

static int read_config(alerter *a)
{
    int64_t resend, timeout, r0, r1, drain, grace;
    const char *bucket = NULL;
    read_outputs(a);
    evh_config_string(a->inst, "generator_url", NULL, &a->body.generator_url);
    evh_config_int(a->inst, "resend_interval_ms", 60000, 100, INT64_C(86400000),
                   &resend);
    evh_config_int(a->inst, "timeout_ms", 5000, 10, 600000, &timeout);
    evh_config_int(a->inst, "retry_initial_ms", 500, 1, 600000, &r0);
    evh_config_int(a->inst, "retry_max_ms", 30000, 1, 3600000, &r1);
    evh_config_int(a->inst, "drain_timeout_ms", 5000, 0, 600000, &drain);
    evh_config_int(a->inst, "startup_grace_ms", 5000, 0, 3600000, &grace);
    evh_config_bool(a->inst, "state", true, &a->keep_state);
    evh_config_string(a->inst, "state_bucket", NULL, &bucket);
    rules_read(a->inst, &a->rules);
    if (bucket &&
        (strlen(bucket) >= sizeof a->bucket || !*bucket ||
         strspn(bucket, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
                        "NOPQRSTUVWXYZ0123456789_-") != strlen(bucket)))
        evh_config_error(a->inst, "state_bucket",
                         "1 to 64 letters, digits, - or _");
    else if (bucket)
        snprintf(a->bucket, sizeof a->bucket, "%s", bucket);
    else
        default_bucket(a);
    a->resend_ns = resend * 1000000;
    a->sconf = (sender_conf){timeout, r0, r1 < r0 ? r0 : r1};
    a->drain_timeout_ms = drain;
    a->grace_ns = grace * 1000000;
    return evh_config_status(a->inst);
}

static int alert_configure(evh_instance *inst, void **state)
{
    alerter *a = calloc(1, sizeof *a);
    if (!a)
        return EVH_ENOMEM;
    *state = a;
    a->inst = inst;
    a->body.host = evh_host_name(inst);
    a->body.instance = evh_instance_name(inst);
    read_config(a);
    return evh_config_status(inst);
}

/* The record an alert leaves in the bucket after a change: a deadman
 * keeps its clock, a firing alert its state; a resolved one none. */
static int add_record(note *n, const alert *al)
{
    char *k = record_key(al->r, al->group);
    char *v =
        al->firing || al->r->kind == RULE_DEADMAN ? record_encode(al) : NULL;
    if (!k || ((al->firing || al->r->kind == RULE_DEADMAN) && !v)) {
        free(k);
        free(v);
        return -1;
    }
    return note_add_kv(n, k, v);
}

/* One notification for the changes of a round; the round's references
 * go with it. */
static void emit(alerter *a, round *rd, int64_t now_ns)
{
    note *n = rd->n ? calloc(1, sizeof *n) : NULL;
    bool ok = n != NULL;
    if (n && a->nam)
        ok = (n->am = body_alertmanager(&a->body, rd->as, rd->n, now_ns));
    if (ok && a->has_hook)
        ok = (n->hook = body_webhook(&a->body, rd->as, rd->n, now_ns));
    for (size_t i = 0; ok && a->keep_state && i < rd->n; i++) {
        rd->as[i]->saved_ns = rd->as[i]->last_ns;
        ok = add_record(n, rd->as[i]) == 0;
    }
    for (size_t i = 0; ok && i < rd->nrefs; i++)
        ok = note_add_msg(n, rd->refs[i]) == 0;
    if (!ok && rd->n) {
        /* Out of memory: the messages go back to JetStream, which
         * delivers them again; the state here has changed already, so
         * the alert goes out with the next re-send. */
        evh_log(a->inst, EVH_LOG_ERROR,
                "out of memory building an alert "
                "notification");
        for (size_t i = 0; i < rd->nrefs; i++)
            mref_put(rd->refs[i], true);
        note_free(n);
        n = NULL;
    }
    if (n)
        sender_push(a->snd, n);
    evh_counter_add(a->inst, "fired", rd->fired);
    evh_counter_add(a->inst, "resolved", rd->resolved);
    if (rd->fired || rd->resolved)
        evh_log(a->inst, EVH_LOG_INFO, "%lld alerts fire, %lld resolve",
                (long long)rd->fired, (long long)rd->resolved);
    round_free(rd);
}

static int alert_on_msg(void *state, evh_msg *msg)
{
    alerter *a = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    evl_event ev;
    char err[256];
    mref *orig = mref_find(&a->held, evh_msg_stream_seq(msg));
    if (orig) { /* delivered again while we hold it: see state.h */
        evh_counter_add(a->inst, "redelivered_held", 1);
        if (mref_add_dup(orig, msg) != 0)
            return evh_msg_fail(msg, EVH_ENOMEM, "out of memory");
        return EVH_OK;
    }
    if (evl_event_parse(data, len, 0, &ev, err, sizeof err) != 0) {
        evh_counter_add(a->inst, "invalid", 1);
        return EVH_OK; /* it never gets better: acked, counted */
    }
    mref *ref = mref_new(&a->held, msg);
    if (!ref) {
        evl_event_free(&ev);
        return evh_msg_fail(msg, EVH_ENOMEM, "out of memory");
    }
    int64_t now = clock_ns(CLOCK_REALTIME);
    match m = {
        .ts_ns = ev.time_ns,
        .seq = evh_msg_stream_seq(msg),
        .ref = ref,
        .json = json_object_to_json_string_ext(
            ev.obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)};
    round rd = {0};
    int64_t matched = 0;
    for (size_t i = 0; i < a->rules.n; i++) {
        const char *group;
        const rule *r = &a->rules.rules[i];
        if (!rule_match(r, ev.obj, ev.message, &group))
            continue;
        matched++;
        alert *al = table_get(&a->table, r, group, true);
        if (al)
            eval_match(&rd, al, &m, now);
        else
            rd.oom = true;
    }
    ref->refs++; /* ours, so that emit cannot settle it under our feet */
    emit(a, &rd, now);
    evl_event_free(&ev);
    evh_counter_add(a->inst, "matched", matched);
    if (mref_done(ref))
        evh_counter_add(a->inst, "held", 1);
    return EVH_OK;
}

/* Settle what was delivered; a re-send done lets the next one go. */
static void collect(alerter *a)
{
    for (note *n = sender_take_done(a->snd), *next; n; n = next) {
        next = n->next;
        for (size_t i = 0; i < n->nmsgs; i++)
            mref_put(n->msgs[i], false);
        if (n->resend)
            a->resend_inflight = false;
        else if (n->am || n->hook)
            evh_counter_add(a->inst, "notifications", 1);
        note_free(n);
    }
}

/* Every firing alert again, to the Alertmanagers only (the webhook hears
 * of changes only): Alertmanager forgets an alert after its
 * resolve_timeout, and a restarted Alertmanager knows none. */
static void resend(alerter *a, int64_t now_ns)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < a->table.nslots; i++)
        for (alert *al = a->table.slots[i]; al; al = al->next)
            n += al->firing;
    alert **as = n ? malloc(n * sizeof *as) : NULL;
    if (!as)
        return;
    for (size_t i = 0; i < a->table.nslots; i++)
        for (alert *al = a->table.slots[i]; al; al = al->next)
            if (al->firing)
                as[k++] = al;
    note *nt = calloc(1, sizeof *nt);
    if (nt && (nt->am = body_alertmanager(&a->body, as, n, now_ns))) {
        nt->resend = true;
        a->resend_inflight = true;
        sender_push(a->snd, nt);
        evh_counter_add(a->inst, "resends", 1);
    } else
        note_free(nt);
    free(as);
}

/* Deadman clocks that moved: written now and then, so that a restart
 * neither forgets a silent source nor thinks a live one silent. */
static void save_clocks(alerter *a, alert **as, size_t n)
{
    note *nt = n && a->keep_state ? calloc(1, sizeof *nt) : NULL;
    for (size_t i = 0; nt && i < n; i++) {
        as[i]->saved_ns = as[i]->last_ns;
        if (add_record(nt, as[i]) != 0) {
            note_free(nt);
            nt = NULL;
        }
    }
    if (nt)
        sender_push(a->snd, nt);
}

static void on_tick(void *state, int64_t mono_ns)
{
    alerter *a = state;
    collect(a);
    int64_t now = clock_ns(CLOCK_REALTIME);
    round rd = {0};
    alert *save[64];
    size_t nsave = 0;
    /* Right after a start the events JetStream kept while we were away
     * are still coming: a source is not silent because we did not read
     * it yet. */
    bool grace = mono_ns - a->started_ns < a->grace_ns;
    for (size_t i = 0; i < a->table.nslots; i++)
        for (alert *al = a->table.slots[i]; al; al = al->next) {
            bool s = false;
            if (grace && al->r->kind == RULE_DEADMAN)
                continue;
            int64_t every = al->r->duration_ns / 4;
            eval_tick(&rd, al, now, every > SAVE_MIN_NS ? every : SAVE_MIN_NS,
                      &s);
            if (s && nsave < sizeof save / sizeof *save)
                save[nsave++] = al;
        }
    emit(a, &rd, now);
    save_clocks(a, save, nsave);
    if (a->nam && !a->resend_inflight && mono_ns >= a->next_resend_ns) {
        a->next_resend_ns = mono_ns + a->resend_ns;
        resend(a, now);
    }
}

static const rule *rule_named(const alerter *a, const char *name)
{
    for (size_t i = 0; i < a->rules.n; i++)
        if (!strcmp(a->rules.rules[i].name, name))
            return &a->rules.rules[i];
    return NULL;
}

/* One record of the bucket back into the table; records of rules no
 * longer configured are left alone. */
static void load_one(alerter *a, const char *key, int64_t *firing)
{
    char name[80], *group = NULL, *val = NULL;
    size_t len = 0;
    if (record_key_parse(key, name, sizeof name, &group) != 0)
        return;
    const rule *r = rule_named(a, name);
    int rc = r ? evh_kv_get(a->kv, key, &val, &len) : EVH_ENOTFOUND;
    alert *al = rc == EVH_OK ? table_get(&a->table, r, group, true) : NULL;
    if (al && record_decode(val, len, al) == 0) {
        al->saved_ns = al->last_ns;
        *firing += al->firing;
    } else if (rc == EVH_OK)
        evh_log(a->inst, EVH_LOG_WARN,
                "state %s in bucket %s: not an "
                "alert record, ignored",
                key, a->bucket);
    free(group);
    free(val);
}

static int load_state(alerter *a)
{
    int rc = evh_kv_open(a->inst, a->bucket, a->sconf.timeout_ms, &a->kv);
    if (rc != EVH_OK) {
        evh_log(a->inst, EVH_LOG_ERROR,
                "key-value bucket %s: %s (the alert state needs JetStream "
                "on the server; `state = false` runs without it)",
                a->bucket, evh_strerror(rc));
        return rc;
    }
    char **keys = NULL;
    size_t n = 0;
    int64_t firing = 0;
    rc = evh_kv_keys(a->kv, &keys, &n);
    for (size_t i = 0; i < n; i++) {
        load_one(a, keys[i], &firing);
        free(keys[i]);
    }
    free(keys);
    if (rc != EVH_OK)
        evh_log(a->inst, EVH_LOG_ERROR, "reading bucket %s: %s", a->bucket,
                evh_strerror(rc));
    else
        evh_log(a->inst, EVH_LOG_INFO,
                "state from bucket %s: %zu records, %lld alerts firing",
                a->bucket, n, (long long)firing);
    return rc;
}

/* Deadman groups named in the config are watched from the start, seen
 * or not (unless the bucket knew them already). */
static int watch_groups(alerter *a, int64_t now)
{
    for (size_t i = 0; i < a->rules.n; i++) {
        const rule *r = &a->rules.rules[i];
        for (size_t j = 0; j < r->ngroups; j++) {
            alert *al = table_get(&a->table, r, r->groups[j], false);
            if (al)
                continue;
            if (!(al = table_get(&a->table, r, r->groups[j], true)))
                return EVH_ENOMEM;
            al->last_ns = al->saved_ns = now;
        }
    }
    return EVH_OK;
}

static int alert_start(void *state)
{
    alerter *a = state;
    if (a->keep_state && load_state(a) != EVH_OK)
        return EVH_ECONFIG;
    if (watch_groups(a, clock_ns(CLOCK_REALTIME)) != EVH_OK)
        return EVH_ENOMEM;
    a->snd = sender_new(a->inst, a->outs, a->nouts, a->kv, a->sconf);
    if (!a->snd || sender_start(a->snd) != EVH_OK)
        return EVH_ENOMEM;
    a->next_resend_ns = 0; /* what the bucket says fires goes out now */
    a->started_ns = clock_ns(CLOCK_MONOTONIC);
    return evh_timer_add(a->inst, TICK_MS, on_tick, NULL);
}

/* Intake stopped: deliver what is queued within drain_timeout_ms; the
 * rest goes back to JetStream (redelivered to the next alert host, which
 * reaches the same verdict) -- on core NATS it is lost, and counted. */
static void alert_drain(void *state)
{
    alerter *a = state;
    if (!a->snd)
        return;
    sender_wait_empty(a->snd, a->drain_timeout_ms);
    collect(a);
    size_t left = 0;
    for (note *n = sender_stop(a->snd), *next; n; n = next) {
        next = n->next;
        left += n->am || n->hook;
        for (size_t i = 0; i < n->nmsgs; i++)
            mref_put(n->msgs[i], true);
        note_free(n);
    }
    collect(a); /* delivered between the wait and the stop */
    for (size_t i = 0; i < a->table.nslots; i++)
        for (alert *al = a->table.slots[i]; al; al = al->next)
            eval_release(al, true);
    if (left)
        evh_log(a->inst, EVH_LOG_WARN,
                "stopping with %zu notifications not delivered: their "
                "messages are returned to JetStream",
                left);
}

static void alert_stop(void *state)
{
    alerter *a = state;
    sender_free(a->snd);
    a->snd = NULL;
    evh_kv_close(a->kv);
    a->kv = NULL;
}

static void alert_destroy(void *state)
{
    alerter *a = state;
    if (!a)
        return;
    alert_stop(a);
    table_free(&a->table);
    rules_free(&a->rules);
    for (size_t i = 0; i < a->nouts; i++)
        free(a->urls[i]);
    if (a->token) {
        memset(a->token, 0, strlen(a->token));
        free(a->token);
    }
    free(a);
}

static int alert_module_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? EVH_OK
                                                             : EVH_ENOMEM;
}

EVH_PLUGIN_DEFINE(.name = "alert", .version = PACKAGE_VERSION,
                  .description = "alert rules on the event stream, to "
                                 "Alertmanager (API v2) and webhooks",
                  .needs = EVH_WIRE_SUBSCRIBE, .module_init = alert_module_init,
                  .module_fini = curl_global_cleanup,
                  .configure = alert_configure, .start = alert_start,
                  .on_msg = alert_on_msg, .drain = alert_drain,
                  .stop = alert_stop, .destroy = alert_destroy);
