/* Reading secrets from files: never logged, wiped after use. */
#ifndef EVH_SECRET_H
#define EVH_SECRET_H

#include <stddef.h>

/**
 * Where a secret file is: a bare name (no '/') is a systemd credential,
 * $CREDENTIALS_DIRECTORY/NAME (LoadCredential=), when that variable is
 * set; any other path, or without the variable, is used as written.
 * Returns path or buf (filled).
 */
const char *secret_path(const char *path, char *buf, size_t len);
/**
 * Read a whole small file (found by secret_path) (< 64 KiB), strip one
 * trailing newline (and a CR before it).  Refuses, without blocking,
 * anything but a regular file, and a file owned by the running user that
 * its group or others can access (the message gives the chmod).  Returns
 * malloc'd content or NULL with a reason in err.
 */
char *secret_read(const char *path, char *err, size_t errlen);
/** Overwrite and free. */
void secret_free(char *s);

#endif
