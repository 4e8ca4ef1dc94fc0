/*
 * `evhost -t` reads every file the NATS connection would read at start,
 * so that "configuration OK" means the daemon can connect with them: a
 * missing or unreadable password file was OK under -t and exit 1 at start.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "natsfiles.h"
#include "secret.h"

/* A secret: read it the way the run does (secret_read), then wipe it. */
static int check_secret(const char *key, const char *path)
{
    char err[512];
    if (!path)
        return 0;
    char *s = secret_read(path, err, sizeof err);
    if (!s) {
        LOG_ERROR("nats.%s: %s", key, err);
        return 1;
    }
    secret_free(s);
    return 0;
}

/* A public file nats.c reads itself (a CA or certificate chain): a
 * readable regular file.  stat() and access() never open it, so a FIFO
 * there cannot block -t. */
static int check_public(const char *key, const char *path)
{
    struct stat st;
    if (!path)
        return 0;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
        LOG_ERROR("nats.%s: cannot read %s: %s", key, path, strerror(errno));
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        LOG_ERROR("nats.%s: %s is not a regular file", key, path);
        return 1;
    }
    return 0;
}

int natsfiles_check(const nats_conf *n)
{
    int bad = check_secret("password_file", n->password_file) +
              check_secret("token_file", n->token_file) +
              check_secret("creds_file", n->creds_file) +
              check_secret("nkey_seed_file", n->nkey_seed_file);
    if (n->tls)
        bad += check_public("tls.ca_file", n->tls_ca_file) +
               check_public("tls.cert_file", n->tls_cert_file) +
               check_secret("tls.key_file", n->tls_key_file);
    return bad;
}
