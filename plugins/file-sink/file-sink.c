/*
 * file-sink: events as NDJSON (one compact JSON object per line) in a
 * local file, for a user with no InfluxDB.
 *
 * Delivery: a message is acknowledged only once its line is written and,
 * depending on `fsync`, on disk:
 *   "always"  fsync before each ack (slow, nothing acked is lost to a crash)
 *   "batch"   hold the messages, fsync every flush_interval_ms, then ack them
 *             all (the default: one fsync per interval)
 *   "never"   ack after write(): survives the process, not the machine
 * A write error (disk full, ...) naks: JetStream redelivers later.  Like any
 * at-least-once sink, a crash between the fsync and the ack can repeat a
 * line; readers de-duplicate on the event if they must.
 *
 * Rotation: before a line would take the file past max_bytes, the file is
 * synced and renamed PATH.1 (PATH.1 -> PATH.2, ... up to max_files, the
 * oldest dropped), and a new PATH is started.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <evhost/plugin.h>

#include "event.h"

enum sync_policy { SYNC_NEVER, SYNC_BATCH, SYNC_ALWAYS };

typedef struct fsink {
    evh_instance *inst;
    const char *path;
    int fd;
    int64_t size;
    int64_t max_bytes, max_files, flush_interval_ms, max_event_bytes, mode;
    enum sync_policy sync;
    evh_msg **held; /* written, waiting for the next fsync to be acked */
    size_t nheld, cap;
} fsink;

/* For configure, which opens nothing: the file's directory must exist and
 * be writable (or the file itself, when it exists).  0, or -1 with errno. */
static int check_dir(const char *path)
{
    if (access(path, W_OK) == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    return access(dir, W_OK | X_OK);
}

static int open_file(fsink *s)
{
    s->fd = open(s->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                 (mode_t)s->mode);
    if (s->fd < 0)
        return -1;
    struct stat st;
    s->size = fstat(s->fd, &st) == 0 ? st.st_size : 0;
    return 0;
}

/* fsync, then ack everything held (their lines are now on disk). */
static int sync_and_ack(fsink *s)
{
    if (s->nheld == 0)
        return 0;
    if (fsync(s->fd) != 0) {
        evh_log(s->inst, EVH_LOG_ERROR, "fsync %s: %s; handing %zu events back",
                s->path, strerror(errno), s->nheld);
        for (size_t i = 0; i < s->nheld; i++)
            evh_msg_nak(s->held[i], 1000);
        s->nheld = 0;
        return -1;
    }
    for (size_t i = 0; i < s->nheld; i++)
        evh_msg_ack(s->held[i]);
    evh_counter_add(s->inst, "synced", (int64_t)s->nheld);
    s->nheld = 0;
    return 0;
}

static int rotate(fsink *s)
{
    char from[4096], to[4096];
    sync_and_ack(s);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    for (int64_t i = s->max_files; i >= 1; i--) {
        snprintf(to, sizeof to, "%s.%lld", s->path, (long long)i);
        if (i == 1)
            snprintf(from, sizeof from, "%s", s->path);
        else
            snprintf(from, sizeof from, "%s.%lld", s->path, (long long)i - 1);
        if (rename(from, to) != 0 && errno != ENOENT)
            evh_log(s->inst, EVH_LOG_WARN, "rotating %s to %s: %s", from, to,
                    strerror(errno));
    }
    if (s->max_files == 0)
        unlink(s->path);
    evh_counter_add(s->inst, "rotations", 1);
    return open_file(s);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fs_on_msg(void *state, evh_msg *msg)
{
    fsink *s = state;
    size_t len;
    const char *data = evh_msg_data(msg, &len);
    evl_event ev;
    char err[256];

    if (evl_event_parse(data, len, (size_t)s->max_event_bytes, &ev, err,
                        sizeof err) != 0) {
        evh_counter_add(s->inst, "invalid", 1);
        evh_log(s->inst, EVH_LOG_WARN, "refused an event on %s: %s",
                evh_msg_subject(msg), err);
        if (evh_msg_is_jetstream(msg))
            evh_msg_term(msg); /* poison never gets better */
        return EVH_OK;
    }
    /* Compact JSON has no raw newline: one event, one line. */
    const char *line = json_object_to_json_string_ext(
        ev.obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t n = strlen(line);
    int rc = EVH_OK;
    if (s->fd < 0 || (s->max_bytes > 0 && s->size > 0 &&
                      s->size + (int64_t)n + 1 > s->max_bytes)) {
        if ((s->fd < 0 ? open_file(s) : rotate(s)) != 0) {
            evh_log(s->inst, EVH_LOG_ERROR, "cannot open %s: %s", s->path,
                    strerror(errno));
            rc = EVH_EIO;
        }
    }
    if (rc == EVH_OK &&
        (write_all(s->fd, line, n) != 0 || write_all(s->fd, "\n", 1) != 0)) {
        evh_log(s->inst, EVH_LOG_ERROR, "writing %s: %s; will retry", s->path,
                strerror(errno));
        rc = EVH_EIO; /* the host naks it: redelivered later */
    }
    evl_event_free(&ev);
    if (rc != EVH_OK)
        return rc;
    s->size += (int64_t)n + 1;
    evh_counter_add(s->inst, "written", 1);
    if (s->sync == SYNC_ALWAYS && fsync(s->fd) != 0) {
        evh_log(s->inst, EVH_LOG_ERROR, "fsync %s: %s", s->path,
                strerror(errno));
        return EVH_EIO;
    }
    if (s->sync == SYNC_BATCH && evh_msg_is_jetstream(msg)) {
        if (s->nheld == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            evh_msg **h = realloc(s->held, cap * sizeof *h);
            if (!h)
                return fsync(s->fd) == 0 ? EVH_OK : EVH_EIO;
            s->held = h;
            s->cap = cap;
        }
        evh_msg_hold(msg);
        s->held[s->nheld++] = msg;
    }
    return EVH_OK; /* acked by the host now, unless held */
}

static void on_tick(void *state, int64_t now)
{
    (void)now;
    sync_and_ack(state);
}

static int fs_configure(evh_instance *inst, void **state)
{
    fsink *s = calloc(1, sizeof *s);
    const char *sync = NULL, *mode = NULL;
    if (!s)
        return EVH_ENOMEM;
    *state = s;
    s->inst = inst;
    s->fd = -1;
    /* Every key first, every problem reported, one status at the end. */
    evh_config_string(inst, "path", NULL, &s->path);
    evh_config_int(inst, "max_bytes", 100 << 20, 0, INT64_MAX, &s->max_bytes);
    evh_config_int(inst, "max_files", 5, 0, 1000, &s->max_files);
    evh_config_string(inst, "fsync", "batch", &sync);
    evh_config_int(inst, "flush_interval_ms", 1000, 1, 3600000,
                   &s->flush_interval_ms);
    evh_config_int(inst, "max_event_bytes", EVL_EVENT_MAX_BYTES, 64, INT32_MAX,
                   &s->max_event_bytes);
    evh_config_string(inst, "mode", "0640", &mode);
    if (!s->path || !s->path[0])
        evh_config_error(inst, "path", "required: the NDJSON file");
    else if (strlen(s->path) > 4000)
        evh_config_error(inst, "path", "longer than 4000 bytes");
    else if (check_dir(s->path) != 0)
        evh_config_error(inst, "path", "cannot open %s: %s", s->path,
                         strerror(errno));
    if (strcmp(sync, "always") == 0)
        s->sync = SYNC_ALWAYS;
    else if (strcmp(sync, "batch") == 0)
        s->sync = SYNC_BATCH;
    else if (strcmp(sync, "never") == 0)
        s->sync = SYNC_NEVER;
    else
        evh_config_error(inst, "fsync",
                         "expected \"always\", \"batch\" or \"never\", "
                         "got \"%s\"",
                         sync);
    char *end;
    s->mode = strtol(mode, &end, 8);
    if (!mode[0] || *end || s->mode < 0 || s->mode > 0777)
        evh_config_error(inst, "mode",
                         "expected an octal file mode such as \"0640\", "
                         "got \"%s\"",
                         mode);
    return evh_config_status(inst);
}

/* Open the file here, not in configure: evhost -t must not create it. */
static int fs_start(void *state)
{
    fsink *s = state;
    if (open_file(s) != 0) {
        evh_log(s->inst, EVH_LOG_ERROR, "cannot open %s: %s", s->path,
                strerror(errno));
        return EVH_EIO;
    }
    if (s->sync != SYNC_BATCH)
        return EVH_OK;
    return evh_timer_add(s->inst, s->flush_interval_ms, on_tick, NULL);
}

/* Intake stopped: what is written gets synced and acked. */
static void fs_drain(void *state)
{
    fsink *s = state;
    if (s->fd >= 0 && s->nheld == 0 && s->sync != SYNC_NEVER)
        fsync(s->fd);
    sync_and_ack(s);
}

static void fs_destroy(void *state)
{
    fsink *s = state;
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->held);
    free(s);
}

EVH_PLUGIN_DEFINE(.name = "file-sink", .version = PACKAGE_VERSION,
                  .description = "write events as NDJSON to a file, with "
                                 "size-based rotation and an fsync policy",
                  .needs = EVH_WIRE_SUBSCRIBE, .configure = fs_configure,
                  .start = fs_start, .on_msg = fs_on_msg, .drain = fs_drain,
                  .destroy = fs_destroy);
