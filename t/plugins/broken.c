/*
 * Broken test plugins, one per failure the host must survive; the variant
 * is chosen at build time with -DBROKEN_<KIND>.
 */
#include <evhost/plugin.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef BROKEN_MISSING_SYMBOL
/* A host function that does not exist: dlopen(RTLD_NOW) must refuse. */
extern int evh_no_such_function(void);
#endif

__attribute__((unused)) static int b_configure(evh_instance *inst, void **state)
{
    *state = NULL;
#ifdef BROKEN_MISSING_SYMBOL
    return evh_no_such_function();
#endif
#ifdef BROKEN_CONFIGURE
    return evh_config_error(inst, NULL, "this plugin always refuses its "
                                        "config");
#endif
    return EVH_OK;
}

__attribute__((unused)) static int b_start(void *state)
{
#ifdef BROKEN_START
    return EVH_EIO;
#endif
    return EVH_OK;
}

__attribute__((unused)) static void b_stop(void *state)
{
#ifdef BROKEN_STOP_HANGS
    for (;;)
        sleep(1);
#endif
}

#ifdef BROKEN_ABI
/* Hand-made descriptor claiming a future ABI major. */
__attribute__((visibility("default"))) const evh_plugin evh_plugin_descriptor =
    {.abi_major = EVH_ABI_MAJOR + 1, .abi_minor = 0,
     .size = sizeof(evh_plugin), .name = "badabi", .version = "9.9",
     .configure = b_configure};
#elif defined(BROKEN_MINOR)
/* A newer minor of our major (1.9): fields this host does not know. */
__attribute__((visibility("default"))) const evh_plugin evh_plugin_descriptor =
    {.abi_major = EVH_ABI_MAJOR, .abi_minor = 9, .size = sizeof(evh_plugin),
     .name = "newminor", .version = "9.9", .configure = b_configure};
#elif defined(BROKEN_FLAGS)
/* A flag from the future. */
EVH_PLUGIN_DEFINE(.name = "badflags", .version = "0.0.1", .flags = 0x80,
                  .configure = b_configure);
#elif defined(BROKEN_SIZE)
/* Our minor, but a descriptor larger than ours: a modified header. */
__attribute__((visibility("default"))) const evh_plugin evh_plugin_descriptor =
    {.abi_major = EVH_ABI_MAJOR, .abi_minor = EVH_ABI_MINOR,
     .size = sizeof(evh_plugin) + 8, .name = "badsize", .version = "0.0.1",
     .configure = b_configure};
#elif defined(BROKEN_NO_NAME)
EVH_PLUGIN_DEFINE(.version = "0.0.1", .configure = b_configure);
#elif defined(OLD_ABI_MINOR)
/* A plugin built against the 1.0 or 1.1 header: the descriptor ended at
 * destroy.  It must still load and run. */
struct old_plugin {
    uint32_t abi_major, abi_minor, size, flags;
    const char *name, *version, *description;
    int (*configure)(evh_instance *, void **);
    int (*start)(void *);
    int (*on_msg)(void *, evh_msg *);
    void (*drain)(void *);
    void (*stop)(void *);
    void (*destroy)(void *);
};
__attribute__((visibility("default"))) const struct old_plugin
    evh_plugin_descriptor = {.abi_major = 1, .abi_minor = OLD_ABI_MINOR,
                             .size = sizeof(struct old_plugin),
                             .name = "old", .version = "1.0",
                             .configure = b_configure, .start = b_start,
                             .stop = b_stop};
#elif !defined(BROKEN_NO_DESCRIPTOR)
EVH_PLUGIN_DEFINE(.name = "broken", .version = "0.0.1",
                  .configure = b_configure, .start = b_start, .stop = b_stop);
#else
int not_a_plugin = 1;
#endif
