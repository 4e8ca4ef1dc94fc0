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
#elif !defined(BROKEN_NO_DESCRIPTOR)
EVH_PLUGIN_DEFINE(.name = "broken", .version = "0.0.1",
                  .configure = b_configure, .start = b_start, .stop = b_stop);
#else
int not_a_plugin = 1;
#endif
