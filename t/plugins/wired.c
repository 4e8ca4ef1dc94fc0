/*
 * A test plugin of the ABI 1.2 additions: a wiring declaration (needs a
 * subscription on JetStream, refuses `publish`), module_init/fini (each
 * appends a line to $EVH_TEST_MODULE_LOG), configure that reads every key
 * and ends with evh_config_status, and an on_msg that fails with
 * evh_msg_fail.  Config:
 *   limit    integer 1..10 (any value, to make a range error)
 *   name     string (to make a type error)
 *   fail     fail every message with a reason
 * With -DWIRED_INIT_FAILS module_init refuses the plugin.
 */
#include <evhost/plugin.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct wired {
    evh_instance *inst;
    int64_t limit;
    const char *name;
    bool fail;
} wired;

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
                  .on_msg = w_on_msg, .destroy = w_destroy);
