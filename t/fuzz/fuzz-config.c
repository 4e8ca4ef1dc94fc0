/*
 * libFuzzer target: the host's config reader (libconfig syntax, then every
 * key check of config_file.c/settings.c) on arbitrary file contents.  It must never
 * crash, leak or hang; it may refuse.  @include is defused ('@' -> ' ') so
 * an input cannot make the reader open /dev/zero or the fuzzer's own files.
 * Refusals are logged to stderr: `make fuzz` runs it with -close_fd_mask=2
 * (libFuzzer keeps its own reports) and -detect_leaks=0: libconfig 1.5's
 * scanner itself leaks on some malformed files (see t/fuzz.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_file.h"

static char g_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(g_path, sizeof g_path, "/tmp/evhost-fuzz-config.%d.cfg",
             (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(g_path, "wb");
    if (!f)
        return 0;
    for (size_t i = 0; i < size; i++)
        fputc(data[i] == '@' ? ' ' : data[i], f);
    fclose(f);
    host_conf *c = conf_load(g_path);
    conf_unref(c);
    unlink(g_path);
    return 0;
}
