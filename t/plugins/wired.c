/*
 * A test plugin of the ABI 1.2 additions: a wiring declaration (needs a
 * subscription on JetStream, refuses `publish`), module_init/fini (each
 * appends a line to $EVH_TEST_MODULE_LOG), configure that reads every key
 * and ends with evh_config_status, and an on_msg that fails with
 * evh_msg_fail.  Config:
 *   limit    integer 1..10 (any value, to make a range error)
 *   name     string (to make a type error)
 *   fail     fail every message with a reason
 *   cancel   evh_timer_cancel from the plugin's own thread while the
 *            timer runs (counter cancel_ok or cancel_broken), and a timer
 *            that cancels itself from its callback (counter self_runs)
 * With -DWIRED_INIT_FAILS module_init refuses the plugin.
 */
#include <evhost/plugin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct wired {
    evh_instance *inst;
    int64_t limit;
    const char *name;
    bool fail, cancel, thread_started;
    evh_timer *slow, *self;
    atomic_int runs, in_run;
    pthread_t thread;
} wired;

/* 20 ms timer that takes 50 ms: a cancel from another thread almost
 * always lands during a run. */
static void slow_tick(void *state, int64_t now_ns)
{
    wired *w = state;
    (void)now_ns;
    atomic_store(&w->in_run, 1);
    usleep(50000);
    atomic_fetch_add(&w->runs, 1);
    atomic_store(&w->in_run, 0);
}

static void self_tick(void *state, int64_t now_ns)
{
    wired *w = state;
    (void)now_ns;
    evh_counter_add(w->inst, "self_runs", 1);
    evh_timer_cancel(w->inst, w->self); /* must not wait for itself */
}

static void *canceller(void *arg)
{
    wired *w = arg;
    while (atomic_load(&w->runs) < 2)
        usleep(1000);
    while (!atomic_load(&w->in_run))
        usleep(100);
    evh_timer_cancel(w->inst, w->slow);
    int busy = atomic_load(&w->in_run), r0 = atomic_load(&w->runs);
    usleep(300000);
    bool ok = !busy && atomic_load(&w->runs) == r0;
    evh_counter_add(w->inst, ok ? "cancel_ok" : "cancel_broken", 1);
    return NULL;
}

static int w_start(void *state)
{
    wired *w = state;
    if (!w->cancel)
        return EVH_OK;
    if (evh_timer_add(w->inst, 20, slow_tick, &w->slow) != EVH_OK ||
        evh_timer_add(w->inst, 10, self_tick, &w->self) != EVH_OK)
        return EVH_ENOMEM;
    if (pthread_create(&w->thread, NULL, canceller, w) != 0)
        return EVH_ERR;
    w->thread_started = true;
    return EVH_OK;
}

/* Own threads end before stop returns (plugin.h). */
static void w_stop(void *state)
{
    wired *w = state;
    if (w->thread_started)
        pthread_join(w->thread, NULL);
    w->thread_started = false;
}

static void note(const char *what)
{
    const char *path = getenv("EVH_TEST_MODULE_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", what);
        fclose(f);
    }
}

static int w_module_init(void)
{
    note("init");
#ifdef WIRED_INIT_FAILS
    return EVH_EIO;
#else
    return EVH_OK;
#endif
}

static void w_module_fini(void) { note("fini"); }

static int w_configure(evh_instance *inst, void **state)
{
    wired *w = calloc(1, sizeof *w);
    if (!w)
        return EVH_ENOMEM;
    *state = w;
    w->inst = inst;
    /* Read everything, check nothing on the way, one status at the end. */
    evh_config_int(inst, "limit", 5, 1, 10, &w->limit);
    evh_config_string(inst, "name", "w", &w->name);
    evh_config_bool(inst, "fail", false, &w->fail);
    evh_config_bool(inst, "cancel", false, &w->cancel);
    /* What a plugin that also works on core NATS would ask. */
    evh_log(inst, EVH_LOG_WARN, "wiring: %s",
            evh_instance_wiring(inst) & EVH_WIRE_JETSTREAM
                ? "on JetStream"
                : "on core NATS");
    return evh_config_status(inst);
}

static int w_on_msg(void *state, evh_msg *msg)
{
    wired *w = state;
    if (w->fail)
        return evh_msg_fail(msg, EVH_EIO, "receiver %s is down", w->name);
    return EVH_OK;
}

static void w_destroy(void *state) { free(state); }

EVH_PLUGIN_DEFINE(.name = "wired", .version = "1.2.0",
                  .description = "ABI 1.2 test plugin",
                  .needs = EVH_WIRE_SUBSCRIBE | EVH_WIRE_JETSTREAM,
                  .refuses = EVH_WIRE_PUBLISH, .module_init = w_module_init,
                  .module_fini = w_module_fini, .configure = w_configure,
                  .start = w_start, .on_msg = w_on_msg, .stop = w_stop,
                  .destroy = w_destroy);
