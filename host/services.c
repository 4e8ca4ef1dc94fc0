/*
 * The host services of <evhost/plugin.h> that are not about messages or
 * timers: instance info, config getters, logging, counters, publish,
 * request/reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "jetstream.h"
#include "log.h"
#include "secret.h"
#include "settings.h"

const char *evh_instance_name(const evh_instance *inst)
{
    return inst ? inst->ic->name : "host";
}

const char *evh_host_name(const evh_instance *inst)
{
    return inst ? inst->conf->name : "evhost";
}

bool evh_stopping(const evh_instance *inst)
{
    return !inst || inst->stopping || inst->host->shutting_down;
}

bool evh_connected(const evh_instance *inst)
{
    return inst && inst->host->nc &&
           natsConnection_Status(inst->host->nc) == NATS_CONN_STATUS_CONNECTED;
}

uint32_t evh_instance_wiring(const evh_instance *inst)
{
    if (!inst)
        return 0;
    return (inst->ic->nsubscribe > 0 ? EVH_WIRE_SUBSCRIBE : 0) |
           (inst->ic->publish ? EVH_WIRE_PUBLISH : 0) |
           (inst->ic->js.enabled ? EVH_WIRE_JETSTREAM : 0);
}

int64_t evh_max_payload(const evh_instance *inst)
{
    if (!evh_connected(inst))
        return 0;
    return natsConnection_GetMaxPayload(inst->host->nc);
}

void evh_done(evh_instance *inst)
{
    if (inst && !inst->done) {
        inst->done = true;
        log_as(inst->ic->name, EVH_LOG_INFO, "finished its work");
    }
}

/* ---------------------------------------------------------------------
 * Config getters
 * ------------------------------------------------------------------ */

static int cfg_guard(evh_instance *inst)
{
    if (!inst)
        return EVH_EINVAL;
    if (!inst->configuring) {
        log_as(inst->ic->name, EVH_LOG_ERROR,
               "plugin bug: evh_config_* called outside configure");
        return EVH_ESTATE;
    }
    return EVH_OK;
}

/* Run a cfg_* getter, converting its errors to the instance's count. */
#define CFG_CALL(inst, call)                                                   \
    do {                                                                       \
        int g_ = cfg_guard(inst);                                              \
        if (g_ != EVH_OK)                                                      \
            return g_;                                                         \
        cfg_ctx cx = {.who = (inst)->ic->name};                                \
        config_setting_t *grp = (inst)->ic->config;                            \
        (void)grp;                                                             \
        int r_ = (call);                                                       \
        (inst)->config_errors += cx.errors;                                    \
        return r_ == 0 && cx.errors == 0 ? EVH_OK : EVH_ECONFIG;               \
    } while (0)

int evh_config_string(evh_instance *inst, const char *key, const char *def,
                      const char **out)
{
    CFG_CALL(inst, cfg_string(&cx, grp, key, def, out));
}

int evh_config_int(evh_instance *inst, const char *key, int64_t def,
                   int64_t min, int64_t max, int64_t *out)
{
    CFG_CALL(inst, cfg_int(&cx, grp, key, def, min, max, out));
}

int evh_config_double(evh_instance *inst, const char *key, double def,
                      double min, double max, double *out)
{
    CFG_CALL(inst, cfg_double(&cx, grp, key, def, min, max, out));
}

int evh_config_bool(evh_instance *inst, const char *key, bool def, bool *out)
{
    CFG_CALL(inst, cfg_bool(&cx, grp, key, def, out));
}

bool evh_config_has(evh_instance *inst, const char *key)
{
    if (cfg_guard(inst) != EVH_OK)
        return false;
    return cfg_lookup(inst->ic->config, key) != NULL;
}

int evh_config_count(evh_instance *inst, const char *key)
{
    int g = cfg_guard(inst);
    if (g != EVH_OK)
        return g;
    config_setting_t *s = cfg_lookup(inst->ic->config, key);
    if (!s)
        return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_LIST && t != CONFIG_TYPE_ARRAY) {
        cfg_ctx cx = {.who = inst->ic->name};
        cfg_error(&cx, inst->ic->config, key, "expected a list or array");
        inst->config_errors++;
        return EVH_ECONFIG;
    }
    return config_setting_length(s);
}

static config_setting_t *elem(evh_instance *inst, const char *key, int idx,
                              int type, const char *what)
{
    config_setting_t *s = cfg_lookup(inst->ic->config, key);
    config_setting_t *e =
        s && idx >= 0 ? config_setting_get_elem(s, (unsigned)idx) : NULL;
    if (e)
        config_setting_set_hook(e, config_setting_get_hook(s));
    bool ok = e && (config_setting_type(e) == type ||
                    (type == CONFIG_TYPE_INT &&
                     config_setting_type(e) == CONFIG_TYPE_INT64));
    if (!ok) {
        cfg_ctx cx = {.who = inst->ic->name};
        cfg_error(&cx, inst->ic->config, key, "element %d: expected %s", idx,
                  what);
        inst->config_errors++;
        return NULL;
    }
    return e;
}

int evh_config_elem_string(evh_instance *inst, const char *key, int idx,
                           const char **out)
{
    int g = cfg_guard(inst);
    if (g != EVH_OK)
        return g;
    config_setting_t *e = elem(inst, key, idx, CONFIG_TYPE_STRING, "a string");
    if (!e)
        return EVH_ECONFIG;
    *out = config_setting_get_string(e);
    return EVH_OK;
}

int evh_config_elem_int(evh_instance *inst, const char *key, int idx,
                        int64_t *out)
{
    int g = cfg_guard(inst);
    if (g != EVH_OK)
        return g;
    config_setting_t *e = elem(inst, key, idx, CONFIG_TYPE_INT, "an integer");
    if (!e)
        return EVH_ECONFIG;
    *out = config_setting_get_int64(e);
    return EVH_OK;
}

int evh_config_secret_file(evh_instance *inst, const char *key, char **out)
{
    const char *path = NULL;
    char err[512];
    *out = NULL;
    int rc = evh_config_string(inst, key, NULL, &path);
    if (rc != EVH_OK || !path)
        return rc;
    *out = secret_read(path, err, sizeof err);
    if (!*out)
        return evh_config_error(inst, key, "%s", err);
    return EVH_OK;
}

int evh_config_status(evh_instance *inst)
{
    int g = cfg_guard(inst);
    if (g != EVH_OK)
        return g;
    inst->config_complete = true;
    return inst->config_errors ? EVH_ECONFIG : EVH_OK;
}

int evh_config_error(evh_instance *inst, const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (!inst)
        return EVH_EINVAL;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cfg_ctx cx = {.who = inst->ic->name};
    config_setting_t *grp =
        inst->ic->config ? inst->ic->config : inst->ic->setting;
    cfg_error(&cx, grp, key, "%s", msg);
    inst->config_errors++;
    return EVH_ECONFIG;
}

/* ---------------------------------------------------------------------
 * Logging and counters
 * ------------------------------------------------------------------ */

void evh_logv(const evh_instance *inst, evh_log_level level, const char *fmt,
              va_list ap)
{
    log_write(inst ? inst->ic->name : "plugin", level, fmt, ap);
}

void evh_log(const evh_instance *inst, evh_log_level level, const char *fmt,
             ...)
{
    va_list ap;
    va_start(ap, fmt);
    evh_logv(inst, level, fmt, ap);
    va_end(ap);
}

bool evh_log_enabled(const evh_instance *inst, evh_log_level level)
{
    return level <= log_get_level();
}

void evh_counter_add(evh_instance *inst, const char *name, int64_t delta)
{
    if (!inst || !name)
        return;
    /* Lock-free lookup: the list only ever grows at its head. */
    for (evh_counter *c = __atomic_load_n(&inst->counters, __ATOMIC_ACQUIRE); c;
         c = c->next) {
        if (c->name == name || strcmp(c->name, name) == 0) {
            c->value += delta;
            return;
        }
    }
    pthread_mutex_lock(&inst->counters_lock);
    evh_counter *c;
    for (c = inst->counters; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            break;
    if (!c && (c = calloc(1, sizeof *c))) {
        c->name = name;
        c->next = inst->counters;
        __atomic_store_n(&inst->counters, c, __ATOMIC_RELEASE);
    }
    if (c)
        c->value += delta;
    pthread_mutex_unlock(&inst->counters_lock);
}

/* ---------------------------------------------------------------------
 * Publish, request, respond
 * ------------------------------------------------------------------ */

/* Confirmed JetStream publishing is for a publisher's own subject (the
 * stream captures it); anything else (a dead-letter subject, say) goes out
 * on core NATS. */
static bool js_own_subject(const evh_instance *inst, const char *subject)
{
    return inst->js && inst->ic->nsubscribe == 0 && inst->ic->publish &&
           strcmp(subject, inst->ic->publish) == 0;
}

int evh_publish(evh_instance *inst, const char *subject, const void *data,
                size_t len)
{
    if (!inst || (!data && len))
        return EVH_EINVAL;
    if (!subject)
        subject = inst->ic->publish;
    if (!subject) {
        log_as(inst->ic->name, EVH_LOG_ERROR,
               "publish without a subject: set `publish` for this instance");
        return EVH_EINVAL;
    }
    if (js_own_subject(inst, subject))
        return jetstream_publish(inst, subject, data, len);
    natsStatus s =
        natsConnection_Publish(inst->host->nc, subject, data, (int)len);
    if (s != NATS_OK) {
        inst->st.errors++;
        return status_from_nats(s);
    }
    inst->st.out++;
    return EVH_OK;
}

int evh_publish_headers(evh_instance *inst, const char *subject,
                        const void *data, size_t len, size_t nhdr,
                        const char *const names[], const char *const values[])
{
    if (!inst || !subject || (!data && len) || (nhdr && (!names || !values)))
        return EVH_EINVAL;
    for (size_t i = 0; i < nhdr; i++)
        if (!names[i] || !values[i] || strpbrk(values[i], "\r\n"))
            return EVH_EINVAL;
    natsMsg *m = NULL;
    natsStatus s = natsMsg_Create(&m, subject, NULL, data, (int)len);
    for (size_t i = 0; i < nhdr && s == NATS_OK; i++)
        s = natsMsgHeader_Set(m, names[i], values[i]);
    if (s == NATS_OK)
        s = natsConnection_PublishMsg(inst->host->nc, m);
    natsMsg_Destroy(m);
    if (s != NATS_OK) {
        inst->st.errors++;
        return status_from_nats(s);
    }
    inst->st.out++;
    return EVH_OK;
}

int evh_publish_confirmed(evh_instance *inst, const char *subject, size_t n,
                          const void *const data[], const size_t len[],
                          const char *msgid, int64_t timeout_ms)
{
    return evh_publish_confirmed_counted(inst, subject, n, data, len, msgid,
                                         timeout_ms, NULL);
}

/* All or nothing for size: a message over the server's max_payload is
 * refused by nats.c only when its turn comes, after the ones before it
 * were stored; the caller would then answer "too large" for a batch that
 * is partly in.  JetStream's headers count towards max_payload. */
static bool batch_fits(const evh_instance *inst, bool js, size_t n,
                       const size_t len[], const char *msgid)
{
    int64_t max = natsConnection_GetMaxPayload(inst->host->nc);
    for (size_t i = 0; i < n; i++) {
        size_t hdr = js ? jetstream_confirmed_header_bytes(inst, msgid, i) : 0;
        if (max > 0 && len[i] + hdr > (size_t)max)
            return false;
    }
    return true;
}

int evh_publish_confirmed_counted(evh_instance *inst, const char *subject,
                                  size_t n, const void *const data[],
                                  const size_t len[], const char *msgid,
                                  int64_t timeout_ms, evh_confirm *out)
{
    evh_confirm c = {0};
    if (out)
        *out = c;
    if (!inst || (n && (!data || !len)) || timeout_ms <= 0)
        return EVH_EINVAL;
    if (!subject)
        subject = inst->ic->publish;
    if (!subject)
        return EVH_EINVAL;
    if (n == 0)
        return EVH_OK;
    /* Refuse at once rather than fill the reconnect buffer: the caller
     * answers its client "try again", and must not have its messages
     * delivered later behind its back. */
    if (!evh_connected(inst))
        return EVH_ECONN;
    bool js = js_own_subject(inst, subject);
    if (!batch_fits(inst, js, n, len, msgid))
        return EVH_ETOOBIG;
    if (js) {
        int rc = jetstream_publish_confirmed(inst, subject, n, data, len, msgid,
                                             timeout_ms, &c);
        if (out)
            *out = c;
        return rc;
    }
    natsStatus s = NATS_OK;
    for (size_t i = 0; i < n && s == NATS_OK; i++)
        s = natsConnection_Publish(inst->host->nc, subject, data[i],
                                   (int)len[i]);
    /* Core NATS: "confirmed" means the server has read them (PING/PONG). */
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(inst->host->nc, timeout_ms);
    if (s != NATS_OK) {
        inst->st.errors++;
        return s == NATS_TIMEOUT ? EVH_ETIMEOUT : status_from_nats(s);
    }
    inst->st.out += (int64_t)n;
    if (out)
        out->stored = n;
    return EVH_OK;
}

int evh_request(evh_instance *inst, const char *subject, const void *data,
                size_t len, int64_t timeout_ms, char **reply, size_t *reply_len)
{
    natsMsg *m = NULL;
    if (!inst || !reply || (!data && len))
        return EVH_EINVAL;
    *reply = NULL;
    if (reply_len)
        *reply_len = 0;
    if (!subject)
        subject = inst->ic->publish;
    if (!subject)
        return EVH_EINVAL;
    natsStatus s = natsConnection_Request(&m, inst->host->nc, subject, data,
                                          (int)len, timeout_ms);
    if (s != NATS_OK) {
        inst->st.errors++;
        return status_from_nats(s);
    }
    inst->st.out++;
    int n = natsMsg_GetDataLength(m);
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        natsMsg_Destroy(m);
        return EVH_ENOMEM;
    }
    memcpy(buf, natsMsg_GetData(m), (size_t)n);
    buf[n] = '\0';
    natsMsg_Destroy(m);
    *reply = buf;
    if (reply_len)
        *reply_len = (size_t)n;
    return EVH_OK;
}

int evh_respond(evh_instance *inst, const evh_msg *msg, const void *data,
                size_t len)
{
    const char *to = evh_msg_reply(msg);
    if (!inst || !to)
        return EVH_EINVAL;
    natsStatus s = natsConnection_Publish(inst->host->nc, to, data, (int)len);
    if (s != NATS_OK) {
        inst->st.errors++;
        return status_from_nats(s);
    }
    inst->st.out++;
    return EVH_OK;
}
