/*
 * Reading a secret file.  What it refuses, and why:
 *  - anything but a regular file: a FIFO would block the host in open() or
 *    read() forever (evhost -t included), a device could be endless.  stat()
 *    first so that a device is never even opened, then O_NONBLOCK so that a
 *    file swapped for a FIFO between the two calls cannot block open(), and
 *    fstat() on the open descriptor for the final word.
 *  - a file the running user owns that group or others may read, with the
 *    chmod that fixes it: ssh's rule for private keys (sshkey_perm_ok),
 *    including its exception: a file owned by another user (root's
 *    /run/secrets bind mount, a Kubernetes secret volume with fsGroup, a
 *    podman secret mounted 0444) is that owner's decision and cannot be
 *    fixed by evhost's user, so it is read.
 * Symbolic links are followed (no O_NOFOLLOW): Kubernetes secret volumes
 * are symlinks into a ..data directory; the checks apply to the target.
 */
#include "secret.h"
#include "wipe.h"

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

static const char *kind(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISDIR(m)  ? "a directory"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* 0 if `st` is a file evhost may read a secret from, else -1 and why. */
static int check_stat(const char *path, const struct stat *st, char *err,
                      size_t errlen)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen,
                 "%s is %s, not a regular file: a secret must "
                 "be a plain file",
                 path, kind(st->st_mode));
        return -1;
    }
    if (st->st_uid == geteuid() && (st->st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf(err, errlen,
                 "%s is accessible by %s (mode %04o): a secret "
                 "file must be readable by its owner only; run: chmod "
                 "go-rwx %s",
                 path, st->st_mode & S_IRWXO ? "others" : "its group",
                 (unsigned)(st->st_mode & 07777), path);
        return -1;
    }
    if (st->st_size >= SECRET_MAX) {
        snprintf(err, errlen,
                 "%s is %lld bytes: a secret file must be "
                 "under 64 KiB",
                 path, (long long)st->st_size);
        return -1;
    }
    return 0;
}

char *secret_read(const char *name, char *err, size_t errlen)
{
    struct stat st;
    char where[4096];
    const char *path = secret_path(name, where, sizeof where);
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (check_stat(path, &st, err, errlen) != 0)
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (check_stat(path, &st, err, errlen) != 0) {
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

void secret_free(char *s) { wipe_free(s); }
