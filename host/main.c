/*
 * evhost: load the plugins a config file names, wire them to NATS, run
 * until SIGTERM/SIGINT (or until every instance is done), stop in order.
 *
 * Exit codes: 0 clean stop, 1 config or plugin load error, 2 runtime fatal
 * (including a plugin that did not stop in time).
 */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "natsfiles.h"

static atomic_bool g_stop, g_reload;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: evhost -c FILE [-d]     run the services FILE declares\n"
            "       evhost -t -c FILE       check FILE and its plugins, exit\n"
            "       evhost --stats -c FILE  print a running host's counters\n"
            "       evhost -l [-c FILE]     list the plugins found\n"
            "       evhost -V | -h\n"
            "\n"
            "  -c, --config FILE  libconfig file (see evhost.cfg(5))\n"
            "  -t, --test         load and configure every instance, then exit\n"
            "  -d, --debug        log at debug level\n"
            "  -s, --stats        ask the host running FILE for its counters\n"
            "  -l, --list         list plugins in $EVHOST_PLUGIN_PATH and "
            "plugin_dir\n"
            "  -V, --version      print the version\n"
            "  -h, --help         this text\n");
}

static void *signal_thread(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            g_reload = true;
        } else {
            if (g_stop)
                LOG_WARN("second signal: still stopping (stop timeout "
                         "bounds it)");
            g_stop = true;
        }
    }
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Create and configure the instances of conf; on any error, free them and
 * return -1.  Every problem is logged, not only the first. */
static int build_instances(evh_host *h, host_conf *c, evh_instance ***out)
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
        for (int i = 0; i < c->ninsts; i++)
            instance_free(v[i]);
        free(v);
        return -1;
    }
    *out = v;
    return 0;
}

/* Stop instances in parallel, all bounded by one deadline.  Returns the
 * number that did not stop; those are left allocated. */
static int stop_instances(evh_instance **v, int n, int64_t timeout_ms)
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

static void reload(evh_host *h)
{
    LOG_INFO("SIGHUP: re-reading %s", h->conf->path);
    host_conf *nc = conf_load(h->conf->path);
    if (nc && nc->errors) {
        conf_unref(nc);
        nc = NULL;
    }
    if (!nc) {
        LOG_ERROR("reload failed; the running configuration stays in force");
        return;
    }
    if (strcmp(nc->nats_fingerprint ? nc->nats_fingerprint : "",
               h->conf->nats_fingerprint ? h->conf->nats_fingerprint : "") ||
        strcmp(nc->name, h->conf->name) ||
        strcmp(nc->metrics_listen ? nc->metrics_listen : "",
               h->conf->metrics_listen ? h->conf->metrics_listen : ""))
        LOG_WARN("changes to the `nats` block, host.name or "
                 "host.metrics_listen take effect only after a restart");

    int n = nc->ninsts;
    evh_instance **next = calloc((size_t)(n ? n : 1), sizeof *next);
    bool *kept = calloc((size_t)(h->ninsts ? h->ninsts : 1), sizeof *kept);
    evh_instance **dead =
        calloc((size_t)(h->ninsts ? h->ninsts : 1), sizeof *dead);
    int errors = 0;
    if (!next || !kept || !dead) {
        free(next);
        free(kept);
        free(dead);
        conf_unref(nc);
        return;
    }
    for (int i = 0; i < n; i++) {
        inst_conf *ic = &nc->insts[i];
        for (int j = 0; j < h->ninsts; j++) {
            evh_instance *o = h->insts[j];
            if (!kept[j] && strcmp(o->ic->name, ic->name) == 0 &&
                o->ic->fingerprint && ic->fingerprint &&
                strcmp(o->ic->fingerprint, ic->fingerprint) == 0) {
                kept[j] = true;
                next[i] = o;
                break;
            }
        }
        if (next[i])
            continue;
        next[i] = instance_new(h, nc, ic);
        if (!next[i] || instance_configure(next[i]) != EVH_OK)
            errors++;
    }
    if (errors) {
        LOG_ERROR("reload failed; the running configuration stays in force");
        for (int i = 0; i < n; i++)
            if (next[i] && next[i]->conf == nc)
                instance_free(next[i]);
        free(next);
        free(kept);
        free(dead);
        conf_unref(nc);
        return;
    }
    int stopped = 0, started = 0;
    for (int j = 0; j < h->ninsts; j++) {
        if (kept[j])
            continue;
        LOG_INFO("reload: stopping instance %s", h->insts[j]->ic->name);
        instance_request_stop(h->insts[j]);
        if (instance_wait_stopped(h->insts[j],
                                  now_mono_ns() +
                                      h->conf->stop_timeout_ms * 1000000))
            dead[stopped++] = h->insts[j];
    }
    pthread_mutex_lock(&h->insts_lock);
    evh_instance **old = h->insts;
    h->insts = next;
    h->ninsts = n;
    pthread_mutex_unlock(&h->insts_lock);
    for (int j = 0; j < stopped; j++)
        instance_free(dead[j]);
    free(dead);
    free(old);
    for (int i = 0; i < n; i++) {
        if (next[i]->conf != nc)
            continue;
        LOG_INFO("reload: starting instance %s", next[i]->ic->name);
        if (instance_start(next[i]) != EVH_OK)
            LOG_ERROR("reload: instance %s failed to start",
                      next[i]->ic->name);
        started++;
    }
    free(kept);
    log_set_level((evh_log_level)nc->log_level);
    pthread_mutex_lock(&h->insts_lock);
    host_conf *oc = h->conf;
    h->conf = nc;
    pthread_mutex_unlock(&h->insts_lock);
    conf_unref(oc);
    LOG_INFO("reload done: restarted or added %d, stopped %d, unchanged %d",
             started, stopped, n - started);
}

static bool all_done(const evh_host *h)
{
    if (h->ninsts == 0)
        return false;
    for (int i = 0; i < h->ninsts; i++)
        if (!h->insts[i]->done)
            return false;
    return true;
}

/* Messages are allocated by nats.c's reader thread in its own malloc
 * arena and freed in bursts by its garbage-collector thread once a batch
 * is settled.  With glibc's default 128 KiB trim threshold each burst
 * handed the arena's top back to the kernel (madvise, with TLB shootdowns
 * that interrupt the other core too) and the next batch faulted it in
 * again: madvise + sysmalloc + page faults were 15% of a JetStream sink's
 * CPU.  Keeping up to 16 MiB (a few batches of messages) per arena ends
 * that; larger bursts are still trimmed.  Once, before any thread starts. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
#endif
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"test", no_argument, NULL, 't'},
        {"debug", no_argument, NULL, 'd'},
        {"stats", no_argument, NULL, 's'},
        {"list", no_argument, NULL, 'l'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool test = false, debug = false, stats = false, list = false;
    int c;

    tune_malloc();
    while ((c = getopt_long(argc, argv, "c:tdslVh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 't': test = true; break;
        case 'd': debug = true; break;
        case 's': stats = true; break;
        case 'l': list = true; break;
        case 'V':
            printf("evhost %s (plugin ABI %d.%d, nats.c %s)\n", VERSION,
                   EVH_ABI_MAJOR, EVH_ABI_MINOR, nats_GetVersion());
            return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "evhost: unexpected argument: %s\n", argv[optind]);
        usage(stderr);
        return 1;
    }
    if (list) {
        const char *dir = EVH_PKGLIBDIR;
        host_conf *lc = path ? conf_load(path) : NULL;
        if (lc)
            dir = lc->plugin_dir;
        int n = module_list(dir);
        conf_unref(lc);
        return n > 0 ? 0 : 1;
    }
    if (!path) {
        fprintf(stderr, "evhost: no config file: use -c FILE (see evhost(8))\n");
        return 1;
    }
    if (stats)
        return stats_query(path);

    /* Signals go to one thread that only sets flags; every other thread
     * (nats.c's included) inherits the blocked mask.  The set is static:
     * that thread reads it until the process ends, after main returns. */
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_t sigthr;
    pthread_create(&sigthr, NULL, signal_thread, &set);

    if (debug)
        log_set_level(EVH_LOG_DEBUG);
    host_conf *conf = conf_load(path);
    if (!conf) {
        LOG_ERROR("%s: configuration rejected", path);
        return 1;
    }
    if (!debug)
        log_set_level((evh_log_level)conf->log_level);

    evh_host h = {.conf = conf,
                  .started_ns = now_mono_ns(),
                  .started_unix = (int64_t)time(NULL),
                  .cancel = &g_stop};
    pthread_mutex_init(&h.insts_lock, NULL);
    /* Configure the plugins even when the host blocks had errors, so one
     * run reports every problem. */
    bool bad = build_instances(&h, conf, &h.insts) != 0 || conf->errors;
    /* The run reads the NATS files at connect time; -t reads them now. */
    if (test && natsfiles_check(&conf->nats) != 0)
        bad = true;
    if (bad) {
        if (h.insts) {
            for (int i = 0; i < conf->ninsts; i++)
                instance_free(h.insts[i]);
            free(h.insts);
        }
        LOG_ERROR("%s: configuration rejected", path);
        conf_unref(conf);
        return 1;
    }
    h.ninsts = conf->ninsts;
    if (test) {
        for (int i = 0; i < h.ninsts; i++)
            instance_free(h.insts[i]);
        free(h.insts);
        printf("%s: configuration OK (%d plugin instance%s)\n", path,
               conf->ninsts, conf->ninsts == 1 ? "" : "s");
        conf_unref(conf);
        return 0;
    }

    evh_notify nt;
    notify_init(&nt);
    h.notify = &nt;
    int rc = 0;
    int crc = nats_Open(-1) == NATS_OK ? conn_open(&h, &g_stop) : EVH_ERR;
    if (crc != EVH_OK)
        rc = g_stop ? 0 : crc == EVH_ECONFIG ? 1 : 2;
    if (rc == 0 && !g_stop && stats_serve(&h) != EVH_OK)
        rc = 2;
    if (rc == 0 && !g_stop && metrics_start(&h) != EVH_OK)
        rc = 2;
    int started = 0;
    for (; rc == 0 && !g_stop && started < h.ninsts; started++) {
        int s = instance_start(h.insts[started]);
        if (s == EVH_ESTOPPING) {
            started++;
            break;
        }
        if (s != EVH_OK) {
            rc = s == EVH_ECONN || s == EVH_ENOTFOUND ? 2 : 1;
            started++;
            break;
        }
    }
    if (rc == 0 && !g_stop) {
        LOG_INFO("running %d plugin instance%s (host %s)", h.ninsts,
                 h.ninsts == 1 ? "" : "s", conf->name);
        notify_ready(&nt, &h);
    }

    while (rc == 0 && !g_stop) {
        sleep_ms(50);
        notify_tick(&nt, &h);
        if (g_reload) {
            g_reload = false;
            notify_reloading(&nt);
            reload(&h);
            notify_ready(&nt, &h);
        }
        if (all_done(&h)) {
            LOG_INFO("every instance finished its work; stopping");
            break;
        }
    }

    LOG_INFO("stopping");
    notify_stopping(&nt);
    metrics_stop(&h);
    h.shutting_down = true;
    /* Also frees instances that never started (their destroy still runs). */
    int stuck = stop_instances(h.insts, h.ninsts, h.conf->stop_timeout_ms);
    if (h.stats_sub) {
        natsSubscription_Unsubscribe(h.stats_sub);
        natsSubscription_Destroy(h.stats_sub);
    }
    if (stuck) {
        LOG_ERROR("%d plugin instance%s did not stop in time; exiting anyway",
                  stuck, stuck == 1 ? "" : "s");
        fflush(stderr);
        _exit(2);
    }
    conn_close(&h);
    free(h.insts);
    conf_unref(h.conf);
    nats_CloseAndWait(2000);
    LOG_INFO("stopped%s", rc ? " after an error" : "");
    return rc;
}
