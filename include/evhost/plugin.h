/*
 * <evhost/plugin.h> -- the contract between the evhost host and its plugins.
 *
 * A plugin is a shared object that exports exactly one symbol, the
 * descriptor `evh_plugin_descriptor`, written with EVH_PLUGIN_DEFINE.  The
 * host checks the descriptor's ABI stamp before it calls anything, then
 * drives each configured instance through its callbacks.  Everything a
 * plugin may ask of the host is an evh_* function declared below; a plugin
 * links against nothing of the host (the functions are resolved from the
 * evhost binary at dlopen time).
 *
 * Build an out-of-tree plugin with:
 *     cc -shared -fPIC $(pkg-config --cflags evhost) -o my.so my.c
 * See evhost-plugin(3) for a complete example.
 *
 * LIFECYCLE of one instance (one `plugins` entry of the config):
 *
 *   module_init()            optional, once per loaded .so (ABI 1.2).
 *   configure(inst, &state)  read the instance's `config` block with the
 *                            evh_config_* getters, allocate `state`.
 *                            Called on the main thread; also by `evhost -t`
 *                            and, on SIGHUP, while the old instance runs:
 *                            it does no I/O beyond reading (its config, a
 *                            secret file) -- no files created or opened for
 *                            writing, no sockets, no threads.  Do that in
 *                            start.  Return EVH_OK or EVH_ECONFIG (after
 *                            reporting the problems; evh_config_status).
 *   start(state)             the NATS connection is up; add timers here.
 *                            on_msg is never called before start returns.
 *   on_msg(state, msg)       one message of a `subscribe` subject.
 *   drain(state)             subscriptions are drained: no on_msg follows.
 *                            Flush what you buffered, settle held messages.
 *   stop(state)              release runtime resources; bounded by
 *                            host.stop_timeout_ms (a hang is logged and the
 *                            host exits anyway).
 *   destroy(state)           free `state`.  Called whenever configure was
 *                            called, even if configure or start failed, so
 *                            it must accept a partly built (or NULL) state.
 *   module_fini()            optional, once, after the last destroy.
 *
 * Every callback except configure may be NULL.
 *
 * THREADING.  Callbacks of one instance never run concurrently with each
 * other: the host holds a per-instance lock around each (start, on_msg,
 * timers, drain, stop).  on_msg runs on a NATS delivery thread (core
 * subscriptions) or on the instance's worker thread (JetStream); timers run
 * on the worker thread.  Different instances run in parallel, so a plugin
 * keeps no global mutable state: everything lives in `state`.  A plugin
 * whose on_msg is safe to run concurrently may set EVH_PLUGIN_THREAD_SAFE in
 * `flags` to skip the lock for on_msg only.  Callbacks should return
 * promptly; a slow on_msg backs up its subscription (core NATS then drops,
 * and counts, what overflows `pending_msgs`; JetStream just waits).
 *
 * WHICH evh_* CALLS MAY BE MADE FROM WHERE.  "Callbacks" means start,
 * on_msg, timers, drain and stop of the instance; "own threads" means
 * threads the plugin or its libraries started (libmicrohttpd's, say),
 * which must have ended before stop returns.
 *
 *   call                          configure  callbacks  own threads
 *   evh_config_*                  yes        no (EVH_ESTATE, logged)
 *   evh_instance_name, _wiring,
 *     evh_host_name, evh_stopping,
 *     evh_connected, evh_done     yes        yes        yes
 *   evh_log, evh_logv,
 *     evh_log_enabled,
 *     evh_counter_add             yes        yes        yes
 *   evh_publish                   no         yes        yes (1)
 *   evh_publish_confirmed         no         yes        yes (blocks)
 *   evh_request                   no         yes        yes (blocks)
 *   evh_respond                   no         yes        yes (1)
 *   evh_msg_* accessors, _hold,
 *     evh_msg_fail                no         on_msg, for its own message
 *   evh_msg_ack / _nak / _term    no         yes        yes, on a held
 *                                                       message, once
 *   evh_timer_add                 no         yes        yes
 *   evh_timer_cancel              no         yes        yes (2)
 *   evh_kv_*                      no         yes        yes (blocks)
 *
 *   (1) no ordering between threads: messages published from two threads
 *       reach the server in either order.
 *   (2) no run of the timer starts after it returns, and a run under way
 *       on the worker is waited for -- except when a timer cancels itself
 *       from its own callback, which returns at once (the run is the
 *       caller's).
 * Before configure and after destroy nothing may be called.  A held
 * message may be settled from an own thread but by one thread only.
 *
 * OWNERSHIP.  Strings returned by the host (config values, subjects,
 * headers) are owned by the host and valid until the callback returns (for
 * config values: until destroy).  A message is valid during on_msg only,
 * unless the plugin calls evh_msg_hold(); a held message stays valid until
 * it is settled with evh_msg_ack/nak/term, which frees it.  Buffers the
 * host allocates for the plugin (evh_request's reply, evh_config_secret_
 * file's contents) are freed by the plugin with free().
 *
 * STATUS CODES.  Functions returning int return EVH_OK (0) on success or a
 * negative EVH_E* code; evh_strerror() names it.
 */
#ifndef EVHOST_PLUGIN_H
#define EVHOST_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version.  The major changes when a descriptor field or a function
 * changes meaning or signature (old plugins are refused); the minor grows
 * when fields are appended to evh_plugin or functions are added, nothing
 * else: plugins built for an older minor of the same major still load
 * (1.0, 1.1 and 1.2 ones on this 1.3 host).  A plugin built for a NEWER minor
 * than the host's is refused, like another major: the host would ignore
 * the fields it does not know (a module_init, a wiring declaration) and
 * run the plugin without what it asked for.  So are descriptor flags or
 * wiring bits this host does not know, and a `size` that is not the size
 * of the descriptor of the stamped minor. */
#define EVH_ABI_MAJOR 1
#define EVH_ABI_MINOR 3

/** Name of the one symbol a plugin exports. */
#define EVH_PLUGIN_SYMBOL "evh_plugin_descriptor"

/* ---- status codes --------------------------------------------------- */
enum {
    EVH_OK = 0,
    EVH_ERR = -1,           /**< unspecified failure */
    EVH_EINVAL = -2,        /**< bad argument */
    EVH_ENOMEM = -3,        /**< out of memory */
    EVH_ECONFIG = -4,       /**< configuration refused (already reported) */
    EVH_ENOTFOUND = -5,     /**< no such thing */
    EVH_ETIMEOUT = -6,      /**< timed out */
    EVH_ENORESPONDERS = -7, /**< request: nobody subscribes to the subject */
    EVH_ECONN = -8,         /**< not connected to NATS (reconnecting) */
    EVH_EIO = -9,           /**< I/O error; plugins use it for "try later" */
    EVH_ESTOPPING = -10,    /**< the host or instance is shutting down */
    EVH_ETOOBIG = -11,      /**< larger than the server's max_payload */
    EVH_EPERM = -12,        /**< not permitted (NATS permissions) */
    EVH_ESTATE = -13,       /**< call not allowed in this state */
    EVH_ECONFLICT = -14,    /**< an idempotency key reused for other data */
};

/** Static text for a status code; never NULL. */
const char *evh_strerror(int status);

/* ---- opaque host objects ------------------------------------------- */
typedef struct evh_instance evh_instance; /**< one configured instance */
typedef struct evh_msg evh_msg;           /**< one received message */
typedef struct evh_timer evh_timer;       /**< a periodic timer */

typedef enum evh_log_level {
    EVH_LOG_ERROR = 0,
    EVH_LOG_WARN = 1,
    EVH_LOG_INFO = 2,
    EVH_LOG_DEBUG = 3,
} evh_log_level;

/* ---- the descriptor -------------------------------------------------- */

/** Flags for evh_plugin.flags. */
#define EVH_PLUGIN_THREAD_SAFE 0x1u /**< on_msg may run concurrently */

/**
 * Wiring of an instance, for evh_plugin.needs / .refuses (since ABI 1.2)
 * and evh_instance_wiring().  The host checks the declaration against the
 * instance's block before configure, so `evhost -t` reports a sink without
 * `subscribe`, or an at-least-once sink on core NATS, with file:line.
 *   A sink:                 .needs = EVH_WIRE_SUBSCRIBE
 *   at-least-once only:     .needs = EVH_WIRE_SUBSCRIBE | EVH_WIRE_JETSTREAM
 *   a source:               .needs = EVH_WIRE_PUBLISH
 *   answers requests:       .needs = EVH_WIRE_SUBSCRIBE,
 *                           .refuses = EVH_WIRE_JETSTREAM (JetStream
 *                           messages carry no reply subject)
 *   sends requests:         .needs = EVH_WIRE_PUBLISH,
 *                           .refuses = EVH_WIRE_JETSTREAM
 */
#define EVH_WIRE_SUBSCRIBE 0x1u /**< a `subscribe` subject */
#define EVH_WIRE_PUBLISH 0x2u   /**< a `publish` subject */
#define EVH_WIRE_JETSTREAM 0x4u /**< a `jetstream` block */

typedef struct evh_plugin {
    uint32_t abi_major;      /**< EVH_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;      /**< EVH_ABI_MINOR the plugin was built with */
    uint32_t size;           /**< sizeof(evh_plugin) the plugin saw */
    uint32_t flags;          /**< EVH_PLUGIN_* */
    const char *name;        /**< plugin name, e.g. "influx-sink" */
    const char *version;     /**< plugin version, free form */
    const char *description; /**< one line for `evhost -l` */

    /** Required.  Read the config, build the state; see LIFECYCLE. */
    int (*configure)(evh_instance *inst, void **state);
    /** Connected and about to receive; add timers.  Non-OK: exit 1. */
    int (*start)(void *state);
    /**
     * One message.  Return EVH_OK to have the host ack it (JetStream), any
     * other status to have it counted as an error and -- unless the plugin
     * settled or held it itself -- nak'ed with a growing delay: the
     * instance's jetstream retry_delay_ms (1 s) doubling per delivery up to
     * retry_max_delay_ms (1 min).  The delivery that reaches
     * retry_max_deliver (10) is published on the dead-letter subject
     * (jetstream.dead_letter, default "evhost.<host>.dead") with the
     * status in an Evhost-Reason header, and terminated.  The host logs
     * these failures once per 10 s with their count, so return the error
     * rather than logging each attempt.  On core NATS the message is
     * dropped and counted (no redelivery exists).  See evhost.cfg(5).
     */
    int (*on_msg)(void *state, evh_msg *msg);
    /** No more messages will come: flush and settle what is held. */
    void (*drain)(void *state);
    /** Stop background work; bounded by host.stop_timeout_ms. */
    void (*stop)(void *state);
    /** Free the state (may be NULL or partly built). */
    void (*destroy)(void *state);
    /* ABI 1.0 (and 1.1, which added functions only) ends here. */

    /** EVH_WIRE_* the instance must have, or `evhost -t` fails (1.2). */
    uint32_t needs;
    /** EVH_WIRE_* the plugin cannot work with (1.2). */
    uint32_t refuses;
    /**
     * Optional, once per loaded .so, before the first configure of any of
     * its instances (also under `evhost -t`) and on the main thread: global
     * initialisation of the plugin's libraries (curl_global_init).  Non-OK
     * refuses the plugin.  Since ABI 1.2.
     */
    int (*module_init)(void);
    /**
     * Optional, once, after the last instance's destroy and before the
     * host dlclose()s the .so: undo module_init (curl_global_cleanup).
     * dlclose unmaps the plugin and drops its references on its own shared
     * libraries, which are unloaded too unless the host or another plugin
     * also uses them; so no thread the plugin or its libraries started may
     * still run, and nothing of it (callbacks, atexit handlers, pointers
     * handed to a library) may be used afterwards.  Since ABI 1.2.
     */
    void (*module_fini)(void);
    /* ABI 1.2 ends here; new fields are appended and bump the minor. */
} evh_plugin;

/**
 * Define the plugin's descriptor, stamped with this header's ABI:
 *     EVH_PLUGIN_DEFINE(.name = "my-sink", .version = "1.0",
 *                       .configure = my_configure, .on_msg = my_on_msg,
 *                       .destroy = my_destroy);
 */
#define EVH_PLUGIN_DEFINE(...)                                                 \
    extern __attribute__((visibility("default")))                              \
    const evh_plugin evh_plugin_descriptor;                                    \
    __attribute__((visibility("default")))                                     \
    const evh_plugin evh_plugin_descriptor = {.abi_major = EVH_ABI_MAJOR,      \
                                              .abi_minor = EVH_ABI_MINOR,      \
                                              .size = sizeof(evh_plugin),      \
                                              __VA_ARGS__}

/* ---- instance information ------------------------------------------- */

/** The instance's `name` (or the plugin name), for logs and subjects. */
const char *evh_instance_name(const evh_instance *inst);
/** The host's `host.name`. */
const char *evh_host_name(const evh_instance *inst);
/** True once the host or this instance is shutting down: finish quickly. */
bool evh_stopping(const evh_instance *inst);
/**
 * True while the host is connected to NATS; false while it reconnects
 * (after a server restart, say).  Poll it from a timer to tell a user that
 * the feed stopped and came back.  Since ABI 1.1.
 */
bool evh_connected(const evh_instance *inst);
/**
 * The EVH_WIRE_* bits the instance's block has: a plugin that works on
 * core NATS and on JetStream asks at configure time which it got (a tail
 * prints "at most once" or seeks a start time).  Any callback, any thread.
 * Since ABI 1.2.
 */
uint32_t evh_instance_wiring(const evh_instance *inst);
/**
 * The instance has finished its work (a generator with a `count`): when
 * every instance of the host is done, the host stops cleanly and exits 0.
 */
void evh_done(evh_instance *inst);

/* ---- configuration (only inside configure) ---------------------------
 * Each getter reads `key` (a name, or a dotted path into sub-groups) from
 * the instance's `config` group.  A missing key yields `def`; a key of the
 * wrong type or out of [min, max] is reported with file:line and key path
 * and the getter returns EVH_ECONFIG.  Keys no getter read are reported as
 * unknown after configure returns, so a typo never passes silently.
 * Called outside configure they return EVH_ESTATE.
 *
 * To report every problem in one `evhost -t` run, read every key first and
 * check nothing on the way (each getter leaves `def` in *out on error),
 * add evh_config_error for what the getters cannot see, and end with
 *     return evh_config_status(inst);
 * which is EVH_ECONFIG when anything was reported.  It also tells the host
 * that every key was read, so unknown keys are reported even when
 * configure fails (without it they are reported on success only, since a
 * configure that returned at its first error left valid keys unread). */

int evh_config_string(evh_instance *inst, const char *key, const char *def,
                      const char **out);
int evh_config_int(evh_instance *inst, const char *key, int64_t def,
                   int64_t min, int64_t max, int64_t *out);
int evh_config_double(evh_instance *inst, const char *key, double def,
                      double min, double max, double *out);
int evh_config_bool(evh_instance *inst, const char *key, bool def, bool *out);
/** True if the key is present (marks nothing as read). */
bool evh_config_has(evh_instance *inst, const char *key);
/** Number of elements of a list/array key, 0 if absent, <0 on error. */
int evh_config_count(evh_instance *inst, const char *key);
/** Element `idx` of a list/array of strings / integers. */
int evh_config_elem_string(evh_instance *inst, const char *key, int idx,
                           const char **out);
int evh_config_elem_int(evh_instance *inst, const char *key, int idx,
                        int64_t *out);
/**
 * The key names a file holding a secret (password, token): read it, strip
 * the trailing newline, and return it in *out (malloc'ed; NULL when the key
 * is absent).  The file must be a regular file (a FIFO or device is
 * refused without blocking); one owned by the user running evhost must not
 * be accessible by its group or others (refused with the chmod to run; one
 * owned by another user, e.g. a container's secret mount, is read).
 * Secrets are never logged.  Returns EVH_OK or EVH_ECONFIG (reported).
 */
int evh_config_secret_file(evh_instance *inst, const char *key, char **out);
/**
 * Report a config problem about `key` (NULL: the instance as a whole) with
 * the config's file:line; returns EVH_ECONFIG for `return evh_config_error(
 * ...)`.  Report every problem before returning, not just the first.
 */
int evh_config_error(evh_instance *inst, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/**
 * EVH_ECONFIG if any problem of this instance was reported so far (by a
 * getter or evh_config_error), else EVH_OK; see above.  Only inside
 * configure (EVH_ESTATE otherwise).  Since ABI 1.2.
 */
int evh_config_status(evh_instance *inst);

/* ---- logging and counters ------------------------------------------- */

/** Log through the host's one logging path, attributed to the instance.
 * Thread-safe: lines from several threads never interleave. */
void evh_log(const evh_instance *inst, evh_log_level level, const char *fmt,
             ...) __attribute__((format(printf, 3, 4)));
void evh_logv(const evh_instance *inst, evh_log_level level, const char *fmt,
              va_list ap) __attribute__((format(printf, 3, 0)));
/** Whether a line at `level` would be written (skip costly formatting). */
bool evh_log_enabled(const evh_instance *inst, evh_log_level level);
/**
 * Add `delta` to the instance counter `name` (created at 0 on first use)
 * shown by `evhost --stats`.  `name` must be a string that lives as long
 * as the plugin is loaded (a literal).  Thread-safe, lock-free when the
 * counter exists.
 */
void evh_counter_add(evh_instance *inst, const char *name, int64_t delta);

/* ---- messages (inside on_msg, or held) ------------------------------- */

const char *evh_msg_subject(const evh_msg *msg);
/** The payload and its length (not NUL-terminated). */
const void *evh_msg_data(const evh_msg *msg, size_t *len);
/** Reply subject of a request, or NULL. */
const char *evh_msg_reply(const evh_msg *msg);
/** First value of a NATS header, or NULL. */
const char *evh_msg_header(const evh_msg *msg, const char *name);
/** JetStream stream sequence (0 for core NATS): unique per stored message,
 * the same on every redelivery -- an idempotency key. */
uint64_t evh_msg_stream_seq(const evh_msg *msg);
/** How many times JetStream has delivered it (1 for core NATS). */
uint64_t evh_msg_deliveries(const evh_msg *msg);
bool evh_msg_is_jetstream(const evh_msg *msg);
/**
 * Keep the message after on_msg returns (e.g. until a batch is written);
 * the plugin must later settle it exactly once with ack, nak or term.
 * Only inside on_msg.  A held message not settled by the end of drain is
 * logged; JetStream redelivers it.  EVH_OK, or EVH_ESTATE outside on_msg
 * or for a message already settled.
 */
int evh_msg_hold(evh_msg *msg);
/* The three settlements free a held message.  Each returns EVH_OK,
 * EVH_ESTATE when the message was already settled (the second call does
 * nothing), or EVH_ECONN when the ack protocol message could not be sent
 * (not fatal: JetStream redelivers after ack_wait). */
/** Processed: JetStream will not redeliver it. */
int evh_msg_ack(evh_msg *msg);
/** Not processed: redeliver after `delay_ms` (core NATS: dropped, counted).
 * A plugin that naks itself chooses its own delay; the host's retry
 * settings apply only to error returns from on_msg. */
int evh_msg_nak(evh_msg *msg, int64_t delay_ms);
/** Never processable (poison): JetStream stops redelivering it. */
int evh_msg_term(evh_msg *msg);
/**
 * Say why on_msg fails, and return `status` for
 *     return evh_msg_fail(msg, EVH_EIO, "POST %s: HTTP %ld", url, code);
 * The text goes into the host's (rate-limited) failure line and the dead
 * letter's Evhost-Reason header; do not put secrets in it.  Only inside
 * on_msg (EVH_ESTATE otherwise, and EVH_EINVAL for a status of EVH_OK).
 * Since ABI 1.2.
 */
int evh_msg_fail(evh_msg *msg, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- publishing and requests ---------------------------------------- */

/**
 * Publish to `subject`, or to the instance's `publish` subject when NULL.
 * With `jetstream` configured, publishing to the instance's own `publish`
 * subject is confirmed by the server (retried until confirmed, de-duplicated
 * with Nats-Msg-Id); other subjects go out on core NATS.  While NATS is
 * reconnecting, core publishes are buffered up to reconnect_buffer_bytes,
 * then fail with EVH_ECONN.  Statuses: EVH_OK, EVH_EINVAL (no subject, or
 * an invalid one), EVH_ECONN, EVH_ETOOBIG (over max_payload), EVH_EPERM,
 * EVH_ENOMEM.  A JetStream publish that is not confirmed at once is queued
 * and retried (publish_retry_ms) and still returns EVH_OK.
 * Thread-safe: a plugin's own threads may publish (influx-query's
 * workers send their replies with it).
 */
int evh_publish(evh_instance *inst, const char *subject, const void *data,
                size_t len);
/**
 * Publish `n` messages (data[i], len[i]) and wait up to timeout_ms until
 * the server confirmed every one: with `jetstream` configured and the
 * instance's own `publish` subject, each is stored in the stream (PubAck);
 * otherwise (core NATS) the server has read them.  EVH_OK only when all n
 * were confirmed -- answer your client "accepted" then, not before.  While
 * NATS is reconnecting it fails at once with EVH_ECONN (nothing buffered);
 * EVH_ETIMEOUT when confirmations did not come in time, in which case some
 * of the messages may be stored.  `msgid` (may be NULL) makes a retry
 * harmless: message i carries Nats-Msg-Id "<msgid>-<i>", which the stream
 * de-duplicates within its duplicate_window (pass the client's idempotency
 * key).  Safe from any thread, e.g. a plugin's own server threads.  Blocks.
 * Statuses: EVH_OK, EVH_EINVAL, EVH_ECONN, EVH_ETIMEOUT, EVH_ETOOBIG
 * (before anything is sent), EVH_ECONFLICT (a msgid reused for other
 * data), EVH_EPERM, EVH_ENOMEM.  Since ABI 1.1.  The same as
 * evh_publish_confirmed_counted (below) with no counts.
 */
int evh_publish_confirmed(evh_instance *inst, const char *subject, size_t n,
                          const void *const data[], const size_t len[],
                          const char *msgid, int64_t timeout_ms);
/**
 * Send a request and wait up to timeout_ms for one reply, returned in
 * *reply (malloc'ed, NUL-terminated; free() it) and *reply_len (may be
 * NULL).  EVH_ENORESPONDERS when nobody listens, EVH_ETIMEOUT when nobody
 * answered in time; also EVH_EINVAL, EVH_ECONN, EVH_ENOMEM.  Blocks the
 * calling callback (the instance's other callbacks wait).
 */
int evh_request(evh_instance *inst, const char *subject, const void *data,
                size_t len, int64_t timeout_ms, char **reply,
                size_t *reply_len);
/** Reply to a request message: EVH_OK, EVH_EINVAL if it has no reply
 * subject (JetStream messages have none), EVH_ECONN, EVH_ETOOBIG. */
int evh_respond(evh_instance *inst, const evh_msg *msg, const void *data,
                size_t len);

/* ---- timers ------------------------------------------------------------ */

/** Timer callback; `now_ns` is CLOCK_MONOTONIC in nanoseconds. */
typedef void (*evh_timer_fn)(void *state, int64_t now_ns);

/**
 * Call fn(state, now) every period_ms on the instance's worker thread,
 * first after one period; missed beats are skipped, not bunched.  Period 0
 * runs fn on every round of the worker loop (an idle loop: a generator at
 * full speed).  *out (may be NULL) receives a handle for evh_timer_cancel.
 * Timers stop before drain; the host frees them.
 */
int evh_timer_add(evh_instance *inst, int64_t period_ms, evh_timer_fn fn,
                  evh_timer **out); /* EVH_OK, EVH_EINVAL, EVH_ENOMEM */
/** Cancel a timer: its callback does not start again after this returns,
 * and a run under way on another thread is waited for (see the table in
 * THREADING), so do not call it holding a lock that callback takes.  The
 * host frees the timer; do not use the handle again. */
void evh_timer_cancel(evh_instance *inst, evh_timer *timer);

/* ---- since ABI 1.2 --------------------------------------------------- */

/** What evh_publish_confirmed_counted found out, message by message. */
typedef struct evh_confirm {
    size_t stored;     /**< confirmed and newly stored (or read, core NATS) */
    size_t duplicates; /**< confirmed as already stored under their msgid */
} evh_confirm;

/**
 * evh_publish_confirmed, telling the caller in *out (may be NULL) how many
 * messages were confirmed, whatever the status: after EVH_ETIMEOUT or a
 * refusal part-way, out->stored + out->duplicates of the n are in the
 * stream, so the caller can tell its client that a retry (with the same
 * `msgid`) is needed and harmless.
 *
 * Nothing is published unless every message fits the connected server's
 * max_payload with the headers the host adds: EVH_ETOOBIG, none sent.
 * With `msgid` and JetStream, message 0 also carries a digest of all n
 * messages (header Evhost-Batch) and is published first, alone: when the
 * stream already holds a message 0 under that msgid with another digest
 * (the key was reused for different data) the call returns EVH_ECONFLICT
 * and stores nothing; with the same digest it is a retry, and the call
 * completes what an earlier, interrupted call started (each message
 * stored once; out->duplicates counts those stored before).  The stream's
 * duplicate_window bounds how long a msgid is remembered.
 * Thread-safe; blocks up to timeout_ms.  Since ABI 1.2.
 */
int evh_publish_confirmed_counted(evh_instance *inst, const char *subject,
                                  size_t n, const void *const data[],
                                  const size_t len[], const char *msgid,
                                  int64_t timeout_ms, evh_confirm *out);

/**
 * The connected NATS server's max_payload in bytes: the largest message
 * (headers included) evh_publish or evh_respond can send; a reply built
 * larger is refused with EVH_ETOOBIG and never arrives.  0 while not
 * connected.  Thread-safe.  Since ABI 1.2.
 */
int64_t evh_max_payload(const evh_instance *inst);

/**
 * evh_publish to `subject` (not NULL) on core NATS, with `nhdr` headers
 * names[i]: values[i] (a value must not hold CR or LF: EVH_EINVAL).  For
 * messages that carry facts beside their payload: a dead letter's reason
 * and original subject, say.  A stream whose subjects capture `subject`
 * stores it.  Thread-safe.  Since ABI 1.2.
 */
int evh_publish_headers(evh_instance *inst, const char *subject,
                        const void *data, size_t len, size_t nhdr,
                        const char *const names[], const char *const values[]);

/* ---- key-value state (since ABI 1.3) --------------------------------
 * A JetStream key-value bucket on the host's connection, for state that
 * must survive a restart or a move to another host (an alert that fires,
 * when a source was last seen).  The plugin never touches the NATS client.
 * Keys are what JetStream allows: letters, digits and - _ = . / (a plugin
 * encodes anything else); values are bytes.  Each call is one round trip
 * to the server and blocks up to the handle's timeout; none is allowed in
 * configure (which does no I/O).  A handle may be used from several
 * threads at once (callbacks and own threads), and is closed once, by the
 * plugin, before its stop returns.  While NATS is reconnecting calls fail
 * with EVH_ECONN or EVH_ETIMEOUT: keep the state in memory and write it
 * again later. */

typedef struct evh_kv evh_kv; /**< one bucket, opened by a plugin */

/**
 * Open `bucket` ([A-Za-z0-9_-], at most 64 characters), creating it
 * (file storage, one revision per key) when it does not exist; an existing
 * bucket is used as it is.  Every later call on the handle waits up to
 * timeout_ms.  Statuses: EVH_OK with *out set; EVH_EINVAL (bad name or
 * timeout), EVH_ECONN, EVH_ETIMEOUT, EVH_EPERM, EVH_ENOMEM, EVH_ERR (the
 * server has no JetStream).  Since ABI 1.3.
 */
int evh_kv_open(evh_instance *inst, const char *bucket, int64_t timeout_ms,
                evh_kv **out);
/** Store `len` bytes under `key`, replacing what was there.  EVH_OK once
 * the server stored it; EVH_EINVAL (bad key), EVH_ECONN, EVH_ETIMEOUT,
 * EVH_ETOOBIG, EVH_EPERM.  Since ABI 1.3. */
int evh_kv_put(evh_kv *kv, const char *key, const void *data, size_t len);
/** The value under `key` in *data (malloc'ed and NUL-terminated beyond
 * *len, which may be NULL; free() it).  EVH_ENOTFOUND when the key does
 * not exist or was deleted; else as evh_kv_put.  Since ABI 1.3. */
int evh_kv_get(evh_kv *kv, const char *key, char **data, size_t *len);
/** Delete `key` (deleting a missing key is EVH_OK).  Since ABI 1.3. */
int evh_kv_delete(evh_kv *kv, const char *key);
/** The bucket's live keys: *keys is a malloc'ed array of *n malloc'ed
 * strings (free each, then the array; NULL and 0 for an empty bucket).
 * Statuses as evh_kv_put.  Since ABI 1.3. */
int evh_kv_keys(evh_kv *kv, char ***keys, size_t *n);
/** Release the handle (the bucket and its contents stay).  NULL is a
 * no-op.  No other call on the handle may run or follow.  Since 1.3. */
void evh_kv_close(evh_kv *kv);

#ifdef __cplusplus
}
#endif

#endif /* EVHOST_PLUGIN_H */
