/*
 * The one way secrets (passwords, tokens, credentials) leave memory, in
 * the host and in plugins: explicit_bzero, which the compiler may not drop
 * as a dead store the way it may a memset before free.
 */
#ifndef EVH_WIPE_H
#define EVH_WIPE_H

#include <stdlib.h>
#include <string.h>

/* Overwrite n bytes at p; NULL is a no-op. */
static inline void wipe(void *p, size_t n)
{
    if (p)
        explicit_bzero(p, n);
}

/* Overwrite the NUL-terminated secret s and free it; NULL is a no-op. */
static inline void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

#endif
