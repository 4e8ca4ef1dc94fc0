/*
 * Reading a plugin's config block: every evh_config_* getter reports its
 * own problem (file:line, key, what was expected), and configure should
 * report all of them before it fails, not stop at the first.  So:
 *
 *     int rc = EVH_OK;
 *     EVL_READ(rc, evh_config_string(inst, "url", "http://...", &url));
 *     EVL_READ(rc, evh_config_int(inst, "batch_size", 5000, 1, 100000, &n));
 *     if (rc != EVH_OK)
 *         return rc;
 */
#ifndef EVL_CFGREAD_H
#define EVL_CFGREAD_H

/** Run one getter; a failure turns `rc` into EVH_ECONFIG and goes on. */
#define EVL_READ(rc, call)                                                     \
    do {                                                                       \
        if ((call) != EVH_OK)                                                  \
            (rc) = EVH_ECONFIG;                                                \
    } while (0)

#endif /* EVL_CFGREAD_H */
