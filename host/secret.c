#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX 65536

const char *secret_path(const char *path, char *buf, size_t len)
{
    /* Under systemd the working directory is /, so a bare name meant
     * nothing before: it can only be a credential's name. */
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    if (!path || !dir || !*dir || strchr(path, '/'))
        return path;
    int n = snprintf(buf, len, "%s/%s", dir, path);
    return n > 0 && (size_t)n < len ? buf : path;
}

char *secret_read(const char *name, char *err, size_t errlen)
{
    struct stat st;
    char where[4096];
    const char *path = secret_path(name, where, sizeof where);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        st.st_size >= SECRET_MAX) {
        snprintf(err, errlen, "%s: not a regular file under 64 KiB", path);
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    if (len && buf[len - 1] == '\n')
        buf[--len] = '\0';
    if (len && buf[len - 1] == '\r')
        buf[--len] = '\0';
    if (len == 0) {
        snprintf(err, errlen, "%s is empty", path);
        free(buf);
        return NULL;
    }
    return buf;
}

void secret_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}
