/*
 * The loader checks the ABI stamp before it reads anything else from a
 * plugin (Mosquitto's rule), opens with RTLD_NOW so a missing symbol is an
 * error at load time rather than a crash later, and RTLD_LOCAL so two
 * plugins never see each other's symbols.
 */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static evh_module *g_modules;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* Size of the descriptor up to and including `destroy`, the last field of
 * ABI 1.0: a plugin built against an older minor may be shorter than ours
 * but never shorter than this. */
#define DESC_MIN_SIZE                                                          \
    (offsetof(evh_plugin, destroy) + sizeof(((evh_plugin *)0)->destroy))

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Resolve a plugin name to a path: each dir of $EVHOST_PLUGIN_PATH, then
 * plugin_dir.  A relative path is taken inside plugin_dir (never the
 * current directory, which a service does not choose). */
static int resolve(const char *name, const char *plugin_dir, char *out,
                   size_t cap)
{
    if (name[0] == '/') {
        snprintf(out, cap, "%s", name);
        return file_exists(out) ? 0 : -1;
    }
    if (strchr(name, '/')) {
        snprintf(out, cap, "%s/%s", plugin_dir, name);
        return file_exists(out) ? 0 : -1;
    }
    const char *env = getenv("EVHOST_PLUGIN_PATH");
    if (env) {
        const char *p = env;
        while (*p) {
            size_t n = strcspn(p, ":");
            if (n > 0) {
                snprintf(out, cap, "%.*s/%s.so", (int)n, p, name);
                if (file_exists(out))
                    return 0;
            }
            p += n;
            if (*p == ':')
                p++;
        }
    }
    snprintf(out, cap, "%s/%s.so", plugin_dir, name);
    return file_exists(out) ? 0 : -1;
}

/* The descriptor size a plugin stamped with `minor` must have: 1.0 and 1.1
 * end at `destroy`, 1.2 (this header) is the whole struct. */
static size_t desc_size(uint32_t minor)
{
    return minor < 2 ? DESC_MIN_SIZE : sizeof(evh_plugin);
}

#define KNOWN_FLAGS EVH_PLUGIN_THREAD_SAFE
#define KNOWN_WIRES (EVH_WIRE_SUBSCRIBE | EVH_WIRE_PUBLISH | EVH_WIRE_JETSTREAM)

/* Each check below returns 0, or -1 with why (without the path) in `why`:
 * module_open logs it, evhost -l prints it beside the file. */
static const evh_plugin *check_desc(void *dl, char *why, size_t cap)
{
    const evh_plugin *d = dlsym(dl, EVH_PLUGIN_SYMBOL);
    if (!d) {
        snprintf(why, cap,
                 "not an evhost plugin: it does not export `%s` "
                 "(build it with EVH_PLUGIN_DEFINE from <evhost/plugin.h>)",
                 EVH_PLUGIN_SYMBOL);
        return NULL;
    }
    /* The stamp first, before any other field is trusted. */
    if (d->abi_major != EVH_ABI_MAJOR || d->abi_minor > EVH_ABI_MINOR) {
        snprintf(why, cap,
                 "plugin built for evhost plugin ABI %u.%u, this "
                 "host speaks ABI %d.%d: rebuild the plugin against this "
                 "evhost's <evhost/plugin.h>%s",
                 d->abi_major, d->abi_minor, EVH_ABI_MAJOR, EVH_ABI_MINOR,
                 d->abi_major == EVH_ABI_MAJOR
                     ? " (or upgrade evhost: what a newer minor added would "
                       "not be called here)"
                     : "");
        return NULL;
    }
    if (d->size != desc_size(d->abi_minor)) {
        snprintf(why, cap,
                 "plugin descriptor is %u bytes, expected %zu for "
                 "ABI %u.%u: the plugin is corrupt or was built with a "
                 "modified header; rebuild it",
                 d->size, desc_size(d->abi_minor), d->abi_major, d->abi_minor);
        return NULL;
    }
    if (d->flags & ~KNOWN_FLAGS) {
        snprintf(why, cap,
                 "plugin descriptor sets flags 0x%x this host "
                 "(ABI %d.%d) does not know: rebuild the plugin against this "
                 "evhost's <evhost/plugin.h>",
                 d->flags & ~KNOWN_FLAGS, EVH_ABI_MAJOR, EVH_ABI_MINOR);
        return NULL;
    }
    if (EVH_DESC_HAS(d, refuses) && ((d->needs | d->refuses) & ~KNOWN_WIRES)) {
        snprintf(why, cap,
                 "plugin descriptor declares wiring bits 0x%x this "
                 "host (ABI %d.%d) does not know: rebuild the plugin",
                 (d->needs | d->refuses) & ~KNOWN_WIRES, EVH_ABI_MAJOR,
                 EVH_ABI_MINOR);
        return NULL;
    }
    if (!d->name || !d->name[0]) {
        snprintf(why, cap,
                 "plugin descriptor has no name (set .name in "
                 "EVH_PLUGIN_DEFINE)");
        return NULL;
    }
    if (!d->configure) {
        snprintf(why, cap,
                 "plugin %s has no configure callback (it is "
                 "required)",
                 d->name);
        return NULL;
    }
    return d;
}

/* Like sshd and sudo: code that anybody but its owner (or root) could have
 * replaced is not run.  Checks the file and the directory holding it. */
static int check_trust(const char *real, char *why, size_t cap)
{
    struct stat st;
    char dir[PATH_MAX];
    const char *what[2] = {"file", "directory"};
    const char *paths[2] = {real, dir};

    snprintf(dir, sizeof dir, "%s", real);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    for (int i = 0; i < 2; i++) {
        if (stat(paths[i], &st) != 0)
            continue;
        if (st.st_uid != 0 && st.st_uid != geteuid()) {
            snprintf(why, cap,
                     "refusing to load plugin: %s %s is owned by "
                     "uid %u, neither root nor the user running evhost",
                     what[i], paths[i], (unsigned)st.st_uid);
            return -1;
        }
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
            !(i == 1 && (st.st_mode & S_ISVTX) && st.st_uid == 0)) {
            snprintf(why, cap,
                     "refusing to load plugin: %s %s is writable "
                     "by %s (chmod go-w it)",
                     what[i], paths[i],
                     st.st_mode & S_IWOTH ? "everyone" : "its group");
            return -1;
        }
    }
    return 0;
}

/*
 * dlopen() maps a truncated shared object and then dies of SIGBUS touching
 * the missing pages, so check first that the ELF headers and every loadable
 * segment lie inside the file.
 */
static int check_elf(const char *path, char *whybuf, size_t cap)
{
    Elf64_Ehdr eh;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    const char *why = NULL;

    if (fd < 0 || fstat(fd, &st) != 0) {
        why = strerror(errno);
    } else if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
               memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        why = "not an ELF shared object";
    } else if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN ||
               eh.e_phentsize != sizeof(Elf64_Phdr)) {
        why = "not a 64-bit ELF shared object";
    } else if (eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) >
                   (uint64_t)st.st_size ||
               eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize >
                   (uint64_t)st.st_size) {
        why = "truncated (headers past the end of the file)";
    } else {
        for (int i = 0; i < eh.e_phnum && !why; i++) {
            Elf64_Phdr ph;
            if (pread(fd, &ph, sizeof ph,
                      (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) !=
                (ssize_t)sizeof ph)
                why = "unreadable program header";
            else if (ph.p_type == PT_LOAD &&
                     ph.p_offset + ph.p_filesz > (uint64_t)st.st_size)
                why = "truncated (a segment extends past the end of the file)";
        }
    }
    if (fd >= 0)
        close(fd);
    if (why) {
        snprintf(whybuf, cap, "cannot load plugin: %s", why);
        return -1;
    }
    return 0;
}

/* Every check of the loader, in order, on the canonical path `real`: the
 * one place that decides whether a file is a usable plugin, for loading
 * and for evhost -l alike.  On success the handle and descriptor. */
static int probe(const char *real, void **dl_out, const evh_plugin **d_out,
                 char *why, size_t cap)
{
    if (check_trust(real, why, cap) != 0 || check_elf(real, why, cap) != 0)
        return -1;
    dlerror();
    void *dl = dlopen(real, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *e = dlerror();
        snprintf(why, cap, "cannot load plugin: %s", e ? e : "unknown error");
        return -1;
    }
    const evh_plugin *d = check_desc(dl, why, cap);
    if (!d) {
        dlclose(dl);
        return -1;
    }
    *dl_out = dl;
    *d_out = d;
    return 0;
}

/* True if `real` lies inside directory `dir` (both canonical). */
static bool inside(const char *real, const char *dir)
{
    char rdir[PATH_MAX];
    if (!realpath(dir, rdir))
        return false;
    size_t n = strlen(rdir);
    return strncmp(real, rdir, n) == 0 && (real[n] == '/' || n == 1);
}

evh_module *module_open(const char *name_or_path, const char *plugin_dir)
{
    char path[PATH_MAX], real[PATH_MAX];

    if (resolve(name_or_path, plugin_dir, path, sizeof path) != 0) {
        if (strchr(name_or_path, '/'))
            LOG_ERROR("plugin %s: no such file", name_or_path);
        else
            LOG_ERROR("plugin \"%s\" not found: looked for %s.so in "
                      "$EVHOST_PLUGIN_PATH and in %s (set host.plugin_dir, "
                      "or give a path)",
                      name_or_path, name_or_path, plugin_dir);
        return NULL;
    }
    if (!realpath(path, real))
        snprintf(real, sizeof real, "%s", path);
    if (name_or_path[0] != '/' && strchr(name_or_path, '/') &&
        !inside(real, plugin_dir)) {
        LOG_ERROR("plugin \"%s\": a relative plugin path must stay inside "
                  "the plugin directory %s; give an absolute path instead",
                  name_or_path, plugin_dir);
        return NULL;
    }
    char why[PATH_MAX + 512];
    /* Trust again on every open: a reload must not reuse a file that has
     * become writable by others since it was first loaded. */
    if (check_trust(real, why, sizeof why) != 0) {
        LOG_ERROR("%s: %s", real, why);
        return NULL;
    }
    pthread_mutex_lock(&g_lock);
    for (evh_module *m = g_modules; m; m = m->next) {
        if (strcmp(m->path, real) == 0) {
            m->refs++;
            pthread_mutex_unlock(&g_lock);
            return m;
        }
    }
    void *dl = NULL;
    const evh_plugin *d = NULL;
    if (probe(real, &dl, &d, why, sizeof why) != 0) {
        pthread_mutex_unlock(&g_lock);
        LOG_ERROR("%s: %s", real, why);
        return NULL;
    }
    /* Once per .so, before any instance's configure (plugin.h). */
    int rc = EVH_DESC_HAS(d, module_init) && d->module_init ? d->module_init()
                                                            : EVH_OK;
    if (rc != EVH_OK)
        LOG_ERROR("%s: plugin %s: module_init failed: %s", real, d->name,
                  evh_strerror(rc));
    evh_module *m = rc == EVH_OK ? calloc(1, sizeof *m) : NULL;
    if (!m || !(m->path = strdup(real))) {
        if (m && EVH_DESC_HAS(d, module_fini) && d->module_fini)
            d->module_fini();
        free(m);
        dlclose(dl);
        pthread_mutex_unlock(&g_lock);
        return NULL;
    }
    m->dl = dl;
    m->desc = d;
    m->refs = 1;
    m->next = g_modules;
    g_modules = m;
    pthread_mutex_unlock(&g_lock);
    LOG_DEBUG("loaded plugin %s %s from %s (ABI %u.%u)", d->name,
              d->version ? d->version : "?", real, d->abi_major, d->abi_minor);
    return m;
}

void module_close(evh_module *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&g_lock);
    if (--m->refs > 0) {
        pthread_mutex_unlock(&g_lock);
        return;
    }
    for (evh_module **pp = &g_modules; *pp; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    if (EVH_DESC_HAS(m->desc, module_fini) && m->desc->module_fini)
        m->desc->module_fini();
    /* Under ASan/valgrind keep the code mapped so leak reports can still
     * symbolise plugin frames. */
    if (!getenv("EVHOST_NO_DLCLOSE"))
        dlclose(m->dl);
    free(m->path);
    free(m);
}

/* One line of evhost -l. */
typedef struct list_entry {
    char *name, *version, *path, *note;
} list_entry;

typedef struct list_acc {
    list_entry *e;
    size_t n, cap;
} list_acc;

static void list_add(list_acc *a, const char *name, const char *version,
                     const char *path, const char *note)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        list_entry *e = realloc(a->e, cap * sizeof *e);
        if (!e)
            return;
        a->e = e;
        a->cap = cap;
    }
    list_entry *x = &a->e[a->n];
    x->name = strdup(name);
    x->version = strdup(version);
    x->path = strdup(path);
    x->note = strdup(note);
    if (!x->name || !x->version || !x->path || !x->note) {
        free(x->name);
        free(x->version);
        free(x->path);
        free(x->note);
        return;
    }
    a->n++;
}

/* Every *.so of `dir`, through the loader's own checks (probe): usable,
 * with its name, version and description, or not usable and why. */
static int list_dir(const char *dir, list_acc *a)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
            continue;
        char path[PATH_MAX], real[PATH_MAX], why[PATH_MAX + 512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (!realpath(path, real))
            snprintf(real, sizeof real, "%s", path);
        void *dl = NULL;
        const evh_plugin *p = NULL;
        if (probe(real, &dl, &p, why, sizeof why) != 0) {
            char note[sizeof why + 16];
            snprintf(note, sizeof note, "NOT USABLE: %s", why);
            list_add(a, e->d_name, "-", path, note);
            continue;
        }
        char note[512];
        snprintf(note, sizeof note, "usable%s%s", p->description ? ": " : "",
                 p->description ? p->description : "");
        list_add(a, p->name, p->version ? p->version : "?", path, note);
        dlclose(dl);
    }
    closedir(d);
    return 0;
}

int module_list(const char *plugin_dir)
{
    list_acc a = {0};
    const char *env = getenv("EVHOST_PLUGIN_PATH");
    int dir_failed;
    if (env) {
        char *copy = strdup(env), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t;
             t = strtok_r(NULL, ":", &save))
            list_dir(t, &a);
        free(copy);
    }
    dir_failed = list_dir(plugin_dir, &a);
    if (dir_failed != 0 && a.n == 0)
        fprintf(stderr, "evhost: cannot open plugin directory %s: %s\n",
                plugin_dir, strerror(errno));
    /* Columns as wide as their longest entry, so a long name never runs
     * into the next column. */
    size_t wn = 4, wv = 7;
    for (size_t i = 0; i < a.n; i++) {
        if (strlen(a.e[i].name) > wn)
            wn = strlen(a.e[i].name);
        if (strlen(a.e[i].version) > wv)
            wv = strlen(a.e[i].version);
    }
    int usable = 0;
    for (size_t i = 0; i < a.n; i++) {
        list_entry *x = &a.e[i];
        printf("%-*s  %-*s  %s  %s\n", (int)wn, x->name, (int)wv, x->version,
               x->path, x->note);
        if (strncmp(x->note, "NOT USABLE", 10) != 0)
            usable++;
        free(x->name);
        free(x->version);
        free(x->path);
        free(x->note);
    }
    free(a.e);
    return usable;
}
