/*
 * Finding, opening and checking plugin shared objects.  One module per
 * file, shared by every instance of that plugin.
 */
#ifndef EVH_LOADER_H
#define EVH_LOADER_H

#include "evhost/plugin.h"

/* True if descriptor `d` (of the size its plugin saw) has field `f`:
 * fields appended after ABI 1.0 are read only through this. */
#define EVH_DESC_HAS(d, f)                                                     \
    ((d)->size >= offsetof(evh_plugin, f) + sizeof((d)->f))

typedef struct evh_module {
    char *path;
    void *dl;
    const evh_plugin *desc;
    int refs;
    struct evh_module *next;
} evh_module;

/**
 * Open the plugin `name_or_path` (a name searched as <name>.so in
 * $EVHOST_PLUGIN_PATH then `plugin_dir`, or a path containing '/'), check
 * its ABI stamp, and return it with one more reference.  Errors are logged
 * with the path and what to do; returns NULL.
 */
evh_module *module_open(const char *name_or_path, const char *plugin_dir);
void module_close(evh_module *m);

/** Print the plugins found in the search path (evhost -l); returns count. */
int module_list(const char *plugin_dir);

#endif
