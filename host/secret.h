/* Reading secrets from files: never logged, wiped after use. */
#ifndef EVH_SECRET_H
#define EVH_SECRET_H

#include <stddef.h>

/**
 * Read a whole small file (< 64 KiB), strip one trailing newline (and a CR
 * before it).  Refuses, without blocking, anything but a regular file, and
 * a file owned by the running user that its group or others can access
 * (the message gives the chmod).  Returns malloc'd content or NULL with a
 * reason in err.
 */
char *secret_read(const char *path, char *err, size_t errlen);
/** Overwrite and free. */
void secret_free(char *s);

#endif
