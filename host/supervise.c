/*
 * Supervision: start, stop, reload and the stuck-instance policy (see
 * supervise.h).  The instance lifecycle itself is instance.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "supervise.h"

int supervise_build(evh_host *h, host_conf *c, evh_instance ***out)
{
    evh_instance **v = calloc((size_t)(c->ninsts ? c->ninsts : 1), sizeof *v);
    int errors = 0;
    if (!v)
        return -1;
    for (int i = 0; i < c->ninsts; i++) {
        v[i] = instance_new(h, c, &c->insts[i]);
        if (!v[i] || instance_configure(v[i]) != EVH_OK)
            errors++;
    }
    if (errors) {
        supervise_free(v, c->ninsts);
        return -1;
    }
    *out = v;
    return 0;
}

void supervise_free(evh_instance **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        instance_free(v[i]);
    free(v);
}

/* A start failure's exit code: NATS or a missing stream is a runtime
 * failure, anything else the configuration's. */
static int start_exit_code(int s)
{
    switch (s) {
    case EVH_OK:
    case EVH_ESTOPPING: return 0;
    case EVH_ECONN:
    case EVH_ENOTFOUND: return 2;
    default: return 1;
    }
}

int supervise_start(evh_host *h, const atomic_bool *stop)
{
    for (int i = 0; i < h->ninsts && !*stop; i++) {
        int s = instance_start(h->insts[i]);
        if (s != EVH_OK)
            return start_exit_code(s);
    }
    return 0;
}

int supervise_stop(evh_instance **v, int n, int64_t timeout_ms)
{
    int stuck = 0;
    int64_t deadline = now_mono_ns() + timeout_ms * 1000000;
    for (int i = 0; i < n; i++)
        if (v[i])
            instance_request_stop(v[i]);
    for (int i = 0; i < n; i++) {
        if (!v[i])
            continue;
        if (instance_wait_stopped(v[i], deadline))
            instance_free(v[i]);
        else
            stuck++;
        v[i] = NULL;
    }
    return stuck;
}

bool supervise_all_done(const evh_host *h)
{
    if (h->ninsts == 0)
        return false;
    for (int i = 0; i < h->ninsts; i++)
        if (!h->insts[i]->done)
            return false;
    return true;
}

static int str_differ(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* The new configuration, checked; NULL (logged) when it has errors. */
static host_conf *reload_conf(evh_host *h)
{
    host_conf *nc = conf_load(h->conf->path);
    if (nc && nc->errors) {
        conf_unref(nc);
        nc = NULL;
    }
    if (!nc) {
        LOG_ERROR("reload failed; the running configuration stays in force");
        return NULL;
    }
    if (str_differ(nc->nats_fingerprint, h->conf->nats_fingerprint) ||
        strcmp(nc->name, h->conf->name) ||
        str_differ(nc->metrics_listen, h->conf->metrics_listen))
        LOG_WARN("changes to the `nats` block, host.name or "
                 "host.metrics_listen take effect only after a restart");
    return nc;
}

/* The running instance that ic describes unchanged, or NULL. */
static evh_instance *unchanged(const evh_host *h, const inst_conf *ic)
{
    for (int j = 0; j < h->ninsts; j++) {
        const inst_conf *o = h->insts[j]->ic;
        if (strcmp(o->name, ic->name) == 0 && o->fingerprint &&
            ic->fingerprint && strcmp(o->fingerprint, ic->fingerprint) == 0)
            return h->insts[j];
    }
    return NULL;
}

/* The instances of nc: running ones kept, changed or new ones created and
 * configured (not started).  NULL on any error, with the new ones freed. */
static evh_instance **reload_plan(evh_host *h, host_conf *nc)
{
    evh_instance **next =
        calloc((size_t)(nc->ninsts ? nc->ninsts : 1), sizeof *next);
    int errors = 0;
    if (!next)
        return NULL;
    for (int i = 0; i < nc->ninsts; i++) {
        next[i] = unchanged(h, &nc->insts[i]);
        if (next[i])
            continue;
        next[i] = instance_new(h, nc, &nc->insts[i]);
        if (!next[i] || instance_configure(next[i]) != EVH_OK)
            errors++;
    }
    if (!errors)
        return next;
    for (int i = 0; i < nc->ninsts; i++)
        if (next[i] && next[i]->conf == nc)
            instance_free(next[i]);
    free(next);
    return NULL;
}

static bool kept(evh_instance *const *next, int n, const evh_instance *o)
{
    for (int i = 0; i < n; i++)
        if (next[i] == o)
            return true;
    return false;
}

void supervise_reload(evh_host *h)
{
    LOG_INFO("SIGHUP: re-reading %s", h->conf->path);
    host_conf *nc = reload_conf(h);
    if (!nc)
        return;
    int n = nc->ninsts, ngone = 0, started = 0;
    evh_instance **gone =
        calloc((size_t)(h->ninsts ? h->ninsts : 1), sizeof *gone);
    evh_instance **next = gone ? reload_plan(h, nc) : NULL;
    if (!next) {
        LOG_ERROR("reload failed; the running configuration stays in force");
        free(gone);
        conf_unref(nc);
        return;
    }
    for (int j = 0; j < h->ninsts; j++)
        if (!kept(next, n, h->insts[j])) {
            LOG_INFO("reload: stopping instance %s", h->insts[j]->ic->name);
            gone[ngone++] = h->insts[j];
        }
    /* Swap first: the stats readers must not see an instance being freed. */
    pthread_mutex_lock(&h->insts_lock);
    evh_instance **old = h->insts;
    h->insts = next;
    h->ninsts = n;
    pthread_mutex_unlock(&h->insts_lock);
    free(old);
    int stuck = supervise_stop(gone, ngone, h->conf->stop_timeout_ms);
    h->stuck += stuck;
    free(gone);
    for (int i = 0; i < n; i++) {
        if (next[i]->conf != nc)
            continue;
        LOG_INFO("reload: starting instance %s", next[i]->ic->name);
        if (instance_start(next[i]) != EVH_OK)
            LOG_ERROR("reload: instance %s failed to start", next[i]->ic->name);
        started++;
    }
    log_set_level((evh_log_level)nc->log_level);
    pthread_mutex_lock(&h->insts_lock);
    host_conf *oc = h->conf;
    h->conf = nc;
    pthread_mutex_unlock(&h->insts_lock);
    conf_unref(oc);
    if (stuck)
        LOG_ERROR("reload: %d instance%s did not stop in time", stuck,
                  stuck == 1 ? "" : "s");
    LOG_INFO("reload done: restarted or added %d, stopped %d, unchanged %d",
             started, ngone - stuck, n - started);
}
