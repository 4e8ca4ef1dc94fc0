/* The files of the `nats` block, checked for `evhost -t`. */
#ifndef EVH_NATSFILES_H
#define EVH_NATSFILES_H

#include "config_file.h"

/**
 * Read every secret file of `n` (password, token, creds, nkey seed, TLS
 * key) as the connection would, and check that its CA and certificate
 * files are readable regular files.  Logs one error per bad file, naming
 * the key and the path, never the contents.  Returns how many were bad.
 */
int natsfiles_check(const nats_conf *n);

#endif /* EVH_NATSFILES_H */
