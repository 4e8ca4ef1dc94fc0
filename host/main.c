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
#include "natsfiles.h"
#include "notify.h"
#include "supervise.h"

static atomic_bool g_stop, g_reload;

static void usage(FILE *f)
{
    fprintf(
        f, "usage: evhost -c FILE [-d]     run the services FILE declares\n"
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

/* nats.c frees messages in bursts: keep up to 16 MiB per malloc arena
 * instead of handing it back to the kernel after each batch and faulting
 * it in again (docs/performance.md, "malloc trim threshold").  Once,
 * before any thread starts. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
#endif
}

static int cmd_list(const char *path)
{
    const char *dir = EVH_PKGLIBDIR;
    host_conf *lc = path ? conf_load(path) : NULL;
    if (lc)
        dir = lc->plugin_dir;
    int n = module_list(dir);
    conf_unref(lc);
    return n > 0 ? 0 : 1;
}

/* Signals go to one thread that only sets flags; every other thread
 * (nats.c's included) inherits the blocked mask.  The set is static: that
 * thread reads it until the process ends, after main returns. */
static void signals_start(void)
{
    static sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_t sigthr;
    pthread_create(&sigthr, NULL, signal_thread, &set);
}

/* Load path and build its instances into h; false (logged) on any error.
 * The plugins are configured even when the host blocks had errors, so one
 * run reports every problem; -t also reads the NATS files (a run reads them
 * at connect time). */
static bool host_load(evh_host *h, const char *path, bool debug, bool test)
{
    if (debug)
        log_set_level(EVH_LOG_DEBUG);
    host_conf *conf = conf_load(path);
    if (!conf) {
        LOG_ERROR("%s: configuration rejected", path);
        return false;
    }
    if (!debug)
        log_set_level((evh_log_level)conf->log_level);
    *h = (evh_host){.conf = conf,
                    .started_ns = now_mono_ns(),
                    .started_unix = (int64_t)time(NULL),
                    .cancel = &g_stop};
    pthread_mutex_init(&h->insts_lock, NULL);
    bool bad = supervise_build(h, conf, &h->insts) != 0 || conf->errors;
    if (test && natsfiles_check(&conf->nats) != 0)
        bad = true;
    if (bad) {
        supervise_free(h->insts, conf->ninsts);
        LOG_ERROR("%s: configuration rejected", path);
        conf_unref(conf);
        return false;
    }
    h->ninsts = conf->ninsts;
    return true;
}

static int cmd_test(const char *path, bool debug)
{
    evh_host h;
    if (!host_load(&h, path, debug, true))
        return 1;
    supervise_free(h.insts, h.ninsts);
    printf("%s: configuration OK (%d plugin instance%s)\n", path, h.ninsts,
           h.ninsts == 1 ? "" : "s");
    conf_unref(h.conf);
    return 0;
}

/* Connect, serve the stats and metrics, start the instances: the exit
 * code so far (0: carry on, or a stop was asked for). */
static int host_start(evh_host *h)
{
    int s = nats_Open(-1) == NATS_OK ? conn_open(h, &g_stop) : EVH_ERR;
    if (g_stop)
        return 0;
    if (s != EVH_OK)
        return s == EVH_ECONFIG ? 1 : 2;
    if (stats_serve(h) != EVH_OK || metrics_start(h) != EVH_OK)
        return 2;
    return supervise_start(h, &g_stop);
}

/* Until a signal, an error, or every instance is done. */
static void host_loop(evh_host *h, evh_notify *nt)
{
    LOG_INFO("running %d plugin instance%s (host %s)", h->ninsts,
             h->ninsts == 1 ? "" : "s", h->conf->name);
    notify_ready(nt, h);
    while (!g_stop) {
        sleep_ms(50);
        notify_tick(nt, h);
        if (g_reload) {
            g_reload = false;
            notify_reloading(nt);
            supervise_reload(h);
            notify_ready(nt, h);
        }
        if (supervise_all_done(h)) {
            LOG_INFO("every instance finished its work; stopping");
            break;
        }
    }
}

static int cmd_run(const char *path, bool debug)
{
    evh_host h;
    if (!host_load(&h, path, debug, false))
        return 1;
    evh_notify nt;
    notify_init(&nt);
    h.notify = &nt;
    int rc = host_start(&h);
    if (rc == 0 && !g_stop)
        host_loop(&h, &nt);

    LOG_INFO("stopping");
    notify_stopping(&nt);
    metrics_stop(&h);
    h.shutting_down = true;
    /* Also frees instances that never started (their destroy still runs). */
    h.stuck += supervise_stop(h.insts, h.ninsts, h.conf->stop_timeout_ms);
    if (h.stats_sub) {
        natsSubscription_Unsubscribe(h.stats_sub);
        natsSubscription_Destroy(h.stats_sub);
    }
    if (h.stuck) {
        LOG_ERROR("%d plugin instance%s did not stop in time; exiting anyway",
                  h.stuck, h.stuck == 1 ? "" : "s");
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
    if (list)
        return cmd_list(path);
    if (!path) {
        fprintf(stderr,
                "evhost: no config file: use -c FILE (see evhost(8))\n");
        return 1;
    }
    if (stats)
        return stats_query(path);
    signals_start();
    return test ? cmd_test(path, debug) : cmd_run(path, debug);
}
