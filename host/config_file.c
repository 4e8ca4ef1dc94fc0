#include "config_file.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rfc3339.h"
#include "settings.h"

#define I64MAX INT64_MAX

/* host.metrics_listen: "ADDRESS:PORT", a numeric IPv4 address or a
 * bracketed IPv6 one ("[::1]:9464"); never a name to resolve, so checking
 * a config needs no DNS and the listener binds exactly what was written. */
static void parse_metrics_listen(cfg_ctx *cx, host_conf *c, config_setting_t *h)
{
    const char *v = c->metrics_listen;
    const char *colon = strrchr(v, ':');
    char addr[64];
    size_t alen = colon ? (size_t)(colon - v) : 0;
    if (alen >= 2 && v[0] == '[' && v[alen - 1] == ']') {
        v++;
        alen -= 2;
    }
    if (!colon || !alen || alen >= sizeof addr || !colon[1] ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        strlen(colon + 1) > 5 || atoi(colon + 1) > 65535) {
        cfg_error(cx, h, "metrics_listen",
                  "expected \"ADDRESS:PORT\" (for example \"127.0.0.1:9464\" "
                  "or \"[::1]:9464\"), got \"%s\"",
                  c->metrics_listen);
        return;
    }
    memcpy(addr, v, alen);
    addr[alen] = '\0';
    struct addrinfo hints = {.ai_flags =
                                 AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(addr, colon + 1, &hints, &ai);
    if (rc != 0 || !ai || ai->ai_addrlen > sizeof c->metrics_addr) {
        cfg_error(cx, h, "metrics_listen",
                  "\"%s\" is not a numeric address and port: %s",
                  c->metrics_listen, rc ? gai_strerror(rc) : "too long");
    } else {
        memcpy(&c->metrics_addr, ai->ai_addr, ai->ai_addrlen);
        c->metrics_addrlen = ai->ai_addrlen;
#ifndef HAVE_MHD
        cfg_error(cx, h, "metrics_listen",
                  "this evhost was built without libmicrohttpd "
                  "(configure --disable-http-ingest): no /metrics listener");
#endif
    }
    if (ai)
        freeaddrinfo(ai);
}

static void parse_host(cfg_ctx *cx, host_conf *c, config_setting_t *root)
{
    config_setting_t *h = cfg_group(cx, root, "host");
    const char *level = NULL, *stats = NULL;
    bool debug = false;

    cfg_string(cx, h, "name", "evhost", &c->name);
    cfg_string(cx, h, "plugin_dir", EVH_PKGLIBDIR, &c->plugin_dir);
    cfg_string(cx, h, "log_level", "info", &level);
    cfg_bool(cx, h, "debug", false, &debug);
    cfg_int(cx, h, "stop_timeout_ms", 10000, 100, 3600000, &c->stop_timeout_ms);
    cfg_string(cx, h, "stats_subject", NULL, &stats);
    cfg_string(cx, h, "metrics_listen", NULL, &c->metrics_listen);
    if (c->metrics_listen)
        parse_metrics_listen(cx, c, h);

    c->log_level = log_level_parse(level);
    if (c->log_level < 0) {
        cfg_error(cx, h, "log_level",
                  "expected one of error, warn, info, debug; got \"%s\"",
                  level);
        c->log_level = EVH_LOG_INFO;
    }
    if (debug)
        c->log_level = EVH_LOG_DEBUG;
    if (strpbrk(c->name, " \t\r\n.*>") || !c->name[0])
        cfg_error(cx, h, "name",
                  "expected a name usable in a NATS subject (no spaces, '.', "
                  "'*' or '>'), got \"%s\"",
                  c->name);
    if (stats)
        c->stats_subject = strdup(stats);
    else if (asprintf(&c->stats_subject, "evhost.%s.stats", c->name) < 0)
        c->stats_subject = NULL;
}

static void parse_nats(cfg_ctx *cx, host_conf *c, config_setting_t *root)
{
    nats_conf *n = &c->nats;
    config_setting_t *g = cfg_group(cx, root, "nats");

    cfg_strings(cx, g, "servers", &n->servers, &n->nservers);
    cfg_string(cx, g, "name", c->name, &n->conn_name);
    cfg_string(cx, g, "user", NULL, &n->user);
    cfg_string(cx, g, "password_file", NULL, &n->password_file);
    cfg_string(cx, g, "token_file", NULL, &n->token_file);
    cfg_string(cx, g, "creds_file", NULL, &n->creds_file);
    cfg_string(cx, g, "nkey", NULL, &n->nkey);
    cfg_string(cx, g, "nkey_seed_file", NULL, &n->nkey_seed_file);
    cfg_int(cx, g, "reconnect_wait_ms", 1000, 10, 600000,
            &n->reconnect_wait_ms);
    cfg_int(cx, g, "reconnect_jitter_ms", 500, 0, 600000,
            &n->reconnect_jitter_ms);
    cfg_int(cx, g, "max_reconnect", -1, -1, INT_MAX, &n->max_reconnect);
    cfg_bool(cx, g, "randomize", true, &n->randomize);
    cfg_int(cx, g, "reconnect_buffer_bytes", 64 << 20, 0, INT_MAX,
            &n->reconnect_buffer_bytes);
    cfg_int(cx, g, "connect_timeout_ms", 2000, 10, 600000,
            &n->connect_timeout_ms);
    cfg_int(cx, g, "ping_interval_ms", 20000, 100, 3600000,
            &n->ping_interval_ms);
    cfg_int(cx, g, "max_pings_out", 3, 1, 1000, &n->max_pings_out);
    n->send_asap = -1;
    if (g && config_setting_get_member(g, "send_asap")) {
        bool asap = false;
        cfg_bool(cx, g, "send_asap", false, &asap);
        n->send_asap = asap;
    }

    config_setting_t *tls = cfg_group(cx, g, "tls");
    if (tls) {
        n->tls = true;
        cfg_string(cx, tls, "ca_file", NULL, &n->tls_ca_file);
        cfg_string(cx, tls, "cert_file", NULL, &n->tls_cert_file);
        cfg_string(cx, tls, "key_file", NULL, &n->tls_key_file);
        cfg_string(cx, tls, "hostname", NULL, &n->tls_hostname);
        cfg_bool(cx, tls, "skip_verify", false, &n->tls_skip_verify);
        if (!n->tls_cert_file != !n->tls_key_file)
            cfg_error(cx, tls, NULL, "cert_file and key_file go together");
    }
    if (n->password_file && !n->user)
        cfg_error(cx, g, "password_file", "needs `user`");
    if (n->nkey_seed_file && !n->nkey)
        cfg_error(cx, g, "nkey_seed_file",
                  "needs `nkey` (the public user key)");

    /* nats.c takes any scheme and fails only when it connects, so -t
     * would pass an http:// URL. */
    for (int i = 0; i < n->nservers; i++) {
        const char *u = n->servers[i];
        const char *sep = u ? strstr(u, "://") : NULL;
        if (sep && strncmp(u, "nats://", 7) != 0 &&
            strncmp(u, "tls://", 6) != 0)
            cfg_error(cx, g, "servers",
                      "\"%.*s\" is not a NATS URL: use nats://host:port "
                      "(or tls://host:port)",
                      (int)(sep - u + 3), u);
    }
    n->env_url = getenv("EVHOST_NATS_URL");
    if (n->env_url && !n->env_url[0])
        n->env_url = NULL;
    if (!n->env_url && n->nservers == 0) {
        static const char *def[] = {"nats://127.0.0.1:4222"};
        free(n->servers);
        n->servers = malloc(sizeof def);
        if (n->servers) {
            memcpy(n->servers, def, sizeof def);
            n->nservers = 1;
        }
    }
    c->nats_fingerprint = cfg_fingerprint(g);
}

/* "5m", "90s", "2h", "1d" -> ms; -1 when it is not such a duration. */
static int64_t duration_ms(const char *s)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno || end == s || n < 0 || !end[0] || end[1])
        return -1;
    int64_t unit = end[0] == 's'   ? 1000
                   : end[0] == 'm' ? 60000
                   : end[0] == 'h' ? 3600000
                   : end[0] == 'd' ? 86400000
                                   : 0;
    if (!unit || n > I64MAX / 1000000 / unit)
        return -1;
    return n * unit;
}

/* Where a created consumer starts: "all", "new", "last", "since 5m",
 * "since 2026-11-23T10:00:00Z", "seq 1234".  0, or -1 when unreadable. */
static int parse_deliver(js_conf *js)
{
    const char *d = js->deliver;
    if (strcmp(d, "all") == 0)
        js->deliver_policy = JS_DELIVER_ALL;
    else if (strcmp(d, "new") == 0)
        js->deliver_policy = JS_DELIVER_NEW;
    else if (strcmp(d, "last") == 0)
        js->deliver_policy = JS_DELIVER_LAST;
    else if (strncmp(d, "since ", 6) == 0) {
        js->deliver_policy = JS_DELIVER_SINCE;
        js->deliver_since_ms = duration_ms(d + 6);
        if (js->deliver_since_ms < 0 &&
            rfc3339_parse(d + 6, strlen(d + 6), &js->deliver_start_ns) != 0)
            return -1;
    } else if (strncmp(d, "seq ", 4) == 0) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(d + 4, &end, 10);
        if (errno || end == d + 4 || *end || n == 0 || d[4] == '-')
            return -1;
        js->deliver_policy = JS_DELIVER_SEQ;
        js->deliver_start_seq = n;
    } else
        return -1;
    return 0;
}

static void parse_js(cfg_ctx *cx, inst_conf *ic, config_setting_t *g)
{
    js_conf *js = &ic->js;
    const char *def_subjects[1];

    js->enabled = true;
    if (cfg_string(cx, g, "stream", NULL, &js->stream) == 0 && !js->stream)
        cfg_error(cx, g, "stream", "required: the JetStream stream name");
    cfg_strings(cx, g, "subjects", &js->subjects, &js->nsubjects);
    cfg_bool(cx, g, "create", true, &js->create);
    cfg_string(cx, g, "storage", "file", &js->storage);
    cfg_int(cx, g, "max_age_ms", 0, 0, I64MAX / 1000000, &js->max_age_ms);
    cfg_int(cx, g, "max_bytes", -1, -1, I64MAX, &js->max_bytes);
    cfg_int(cx, g, "max_msgs", -1, -1, I64MAX, &js->max_msgs);
    cfg_int(cx, g, "replicas", 1, 1, 5, &js->replicas);
    cfg_int(cx, g, "duplicate_window_ms", 120000, 0, I64MAX / 1000000,
            &js->duplicate_window_ms);
    cfg_string(cx, g, "durable", NULL, &js->durable);
    cfg_string(cx, g, "deliver", "all", &js->deliver);
    cfg_int(cx, g, "ack_wait_ms", 30000, 100, 86400000, &js->ack_wait_ms);
    cfg_int(cx, g, "max_ack_pending", 20000, 1, 10000000, &js->max_ack_pending);
    cfg_int(cx, g, "max_deliver", -1, -1, INT_MAX, &js->max_deliver);
    cfg_int(cx, g, "fetch_batch", 1000, 1, 100000, &js->fetch_batch);
    cfg_int(cx, g, "retry_delay_ms", 1000, 0, 86400000, &js->retry_delay_ms);
    cfg_int(cx, g, "retry_max_delay_ms", 60000, 0, 86400000,
            &js->retry_max_delay_ms);
    if (js->retry_max_delay_ms < js->retry_delay_ms)
        cfg_error(cx, g, "retry_max_delay_ms",
                  "must not be less than retry_delay_ms (%lld)",
                  (long long)js->retry_delay_ms);
    cfg_int(cx, g, "retry_max_deliver", 10, -1, INT_MAX,
            &js->retry_max_deliver);
    if (js->retry_max_deliver == 0)
        cfg_error(cx, g, "retry_max_deliver",
                  "expected an integer in -1..2147483647 except 0 (-1: "
                  "redeliver for ever), got 0");
    cfg_string(cx, g, "dead_letter", NULL, &js->dead_letter);
    cfg_int(cx, g, "publish_max_pending", 4000, 1, 1000000,
            &js->publish_max_pending);
    cfg_int(cx, g, "publish_retry_ms", 1000, 10, 600000, &js->publish_retry_ms);

    if (js->storage && strcmp(js->storage, "file") != 0 &&
        strcmp(js->storage, "memory") != 0)
        cfg_error(cx, g, "storage",
                  "expected \"file\" or \"memory\", got \"%s\"", js->storage);
    cfg_bool(cx, g, "reset_consumer", false, &js->reset_consumer);
    if (js->deliver && parse_deliver(js) != 0)
        cfg_error(cx, g, "deliver",
                  "expected \"all\", \"new\", \"last\", \"since 5m\" "
                  "(s, m, h or d), \"since <RFC 3339 time>\" or \"seq <N>\", "
                  "got \"%s\"",
                  js->deliver);
    if (ic->nsubscribe > 0 && !js->durable)
        cfg_error(cx, g, "durable",
                  "required for a subscribing instance: the durable consumer "
                  "name");
    if (ic->nsubscribe > 1)
        cfg_error(cx, ic->setting, "subscribe",
                  "a JetStream consumer takes one subject (use a wildcard)");
    if (js->nsubjects == 0) {
        /* The stream captures what the instance reads or writes. */
        def_subjects[0] = ic->nsubscribe ? ic->subscribe[0] : ic->publish;
        if (def_subjects[0]) {
            js->subjects = malloc(sizeof def_subjects);
            if (js->subjects) {
                js->subjects[0] = def_subjects[0];
                js->nsubjects = 1;
            }
        }
    }
}

static void parse_instance(cfg_ctx *cx, host_conf *c, inst_conf *ic,
                           config_setting_t *g, int idx)
{
    ic->setting = g;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
        cfg_error(cx, config_setting_parent(g), NULL,
                  "element %d: expected a group { plugin = \"...\"; ... }",
                  idx);
        snprintf(ic->name_buf, sizeof ic->name_buf, "instance-%d", idx + 1);
        ic->name = ic->name_buf;
        return;
    }
    config_setting_set_hook(g, NULL);
    if (cfg_string(cx, g, "plugin", NULL, &ic->plugin) == 0 && !ic->plugin)
        cfg_error(cx, g, "plugin", "required: a plugin name or .so path");
    cfg_string(cx, g, "name", NULL, &ic->name);
    cfg_strings(cx, g, "subscribe", &ic->subscribe, &ic->nsubscribe);
    cfg_string(cx, g, "queue", NULL, &ic->queue);
    cfg_string(cx, g, "publish", NULL, &ic->publish);
    cfg_int(cx, g, "pending_msgs", 65536, -1, INT_MAX, &ic->pending_msgs);
    cfg_int(cx, g, "pending_bytes", 64 << 20, -1, INT_MAX, &ic->pending_bytes);
    ic->config = cfg_group(cx, g, "config");
    config_setting_t *js = cfg_group(cx, g, "jetstream");
    if (js)
        parse_js(cx, ic, js);
    if (!ic->name && ic->plugin) {
        /* Default name: the plugin's base name, "-2", "-3"... for repeats. */
        const char *base = strrchr(ic->plugin, '/');
        base = base ? base + 1 : ic->plugin;
        int n = (int)strcspn(base, "."), dups = 0;
        for (inst_conf *o = c->insts; o < ic; o++)
            if (o->plugin && strcmp(o->plugin, ic->plugin) == 0)
                dups++;
        if (dups)
            snprintf(ic->name_buf, sizeof ic->name_buf, "%.*s-%d", n, base,
                     dups + 1);
        else
            snprintf(ic->name_buf, sizeof ic->name_buf, "%.*s", n, base);
        ic->name = ic->name_buf;
    }
    if (!ic->name) {
        snprintf(ic->name_buf, sizeof ic->name_buf, "instance-%d", idx + 1);
        ic->name = ic->name_buf;
    }
    for (inst_conf *o = c->insts; ic->name && o < ic; o++)
        if (o->name && strcmp(o->name, ic->name) == 0)
            cfg_error(cx, g, "name", "duplicate instance name \"%s\"",
                      ic->name);
    /* The `config` block is checked by the plugin itself: unmark it so the
     * plugin's getters start from a clean slate. */
    if (ic->config)
        config_setting_set_hook(ic->config, NULL);
    ic->fingerprint = cfg_fingerprint(g);
}

/* Past a string's closing quote; returns it (or EOF). */
static int skip_string(FILE *f, int *line)
{
    int c;
    while ((c = getc(f)) != EOF && c != '"') {
        if (c == '\\')
            c = getc(f);
        if (c == '\n')
            (*line)++;
    }
    return c;
}

/* Past the end of a line comment and its newline. */
static int skip_line(FILE *f, int *line)
{
    int c;
    while ((c = getc(f)) != EOF && c != '\n')
        ;
    (*line)++;
    return c;
}

/* Past the closing of a block comment; returns a blank. */
static int skip_block(FILE *f, int *line)
{
    int c, p2 = 0;
    while ((c = getc(f)) != EOF && !(p2 == '*' && c == '/')) {
        if (c == '\n')
            (*line)++;
        p2 = c;
    }
    return ' ';
}

/* c begins a number, not part of a name or of another number. */
static bool number_start(int c, int prev)
{
    bool word = prev == '_' || prev == '.' ||
                ((prev | 0x20) >= 'a' && (prev | 0x20) <= 'z');
    return c >= '0' && c <= '9' && !word && !(prev >= '0' && prev <= '9');
}

static bool beyond_32_bits(const char *tok, bool neg, bool hex)
{
    errno = 0;
    unsigned long long v = strtoull(tok, NULL, 0);
    return errno == ERANGE || (hex ? v > 0xffffffffULL
                                   : v > (neg ? 2147483648ULL : 2147483647ULL));
}

/* The number that begins with c: an integer literal libconfig would
 * truncate is reported.  Returns the character after it. */
static int check_number(FILE *f, int c, int prev, const char *path, int *line,
                        int *errors)
{
    char tok[64];
    size_t n = 0;
    bool neg = prev == '-', hex = false;
    do {
        if (n < sizeof tok - 1)
            tok[n++] = (char)c;
        c = getc(f);
        if (n == 1 && tok[0] == '0' && (c | 0x20) == 'x')
            hex = true;
        else if (!(c >= '0' && c <= '9') &&
                 !(hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
            break;
    } while (c != EOF);
    tok[n] = '\0';
    bool is_float = c == '.' || (c | 0x20) == 'e';
    if (!is_float && c != 'L' && beyond_32_bits(tok, neg, hex)) {
        LOG_ERROR("%s:%d: integer %s%s does not fit 32 bits and libconfig "
                  "would truncate it: write it with an L suffix (%s%sL)",
                  path, *line, neg ? "-" : "", tok, neg ? "-" : "", tok);
        (*errors)++;
    }
    if (c == '\n')
        (*line)++;
    return c;
}

/*
 * libconfig 1.5 stores a plain integer literal that does not fit 32 bits
 * truncated (3000000000 reads as -1294967296) without a word; only the L
 * suffix makes it 64-bit.  Scan the text for such literals and refuse them
 * with the fix, instead of running with a value nobody wrote.  Skips
 * strings and comments; returns the number of problems reported.
 */
static int check_int_literals(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int errors = 0, line = 1, c, prev = ' ';
    while ((c = getc(f)) != EOF) {
        if (c == '\n')
            line++;
        else if (c == '"')
            c = skip_string(f, &line);
        else if (c == '#' || (c == '/' && prev == '/'))
            c = skip_line(f, &line);
        else if (c == '*' && prev == '/')
            c = skip_block(f, &line);
        else if (number_start(c, prev))
            c = check_number(f, c, prev, path, &line, &errors);
        prev = c;
    }
    fclose(f);
    return errors;
}

/* libconfig with our options, reading path: false (logged) when the file
 * cannot be read or parsed. */
static bool read_file(host_conf *c, const char *path)
{
    config_init(&c->cfg);
    config_set_options(&c->cfg, CONFIG_OPTION_AUTOCONVERT |
                                    CONFIG_OPTION_SEMICOLON_SEPARATORS |
                                    CONFIG_OPTION_COLON_ASSIGNMENT_FOR_GROUPS |
                                    CONFIG_OPTION_OPEN_BRACE_ON_SEPARATE_LINE);
    /* Relative @include paths resolve against the including file's dir. */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            config_set_include_dir(&c->cfg, dir[0] ? dir : "/");
        }
        free(dir);
    }
    struct stat st;
    if (access(path, R_OK) != 0) {
        LOG_ERROR("%s: cannot read config file: %m", path);
        return false;
    }
    /* libconfig calls a directory a "syntax error: file I/O error". */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        LOG_ERROR("%s: cannot read config file: %s", path,
                  S_ISDIR(st.st_mode) ? "it is a directory"
                                      : "not a regular file");
        return false;
    }
    if (!config_read_file(&c->cfg, path)) {
        const char *f = config_error_file(&c->cfg);
        LOG_ERROR("%s:%d: syntax error: %s", f ? f : path,
                  config_error_line(&c->cfg), config_error_text(&c->cfg));
        return false;
    }
    return true;
}

/* The `plugins` list; returns it (NULL when absent). */
static config_setting_t *parse_plugins(cfg_ctx *cx, host_conf *c,
                                       config_setting_t *root)
{
    config_setting_t *pl = cfg_lookup(root, "plugins");
    if (!pl) {
        cfg_error(cx, root, "plugins",
                  "required: a list of plugin instances ( { plugin = ...; } )");
        return NULL;
    }
    if (config_setting_type(pl) != CONFIG_TYPE_LIST &&
        config_setting_type(pl) != CONFIG_TYPE_ARRAY) {
        cfg_error(cx, root, "plugins", "expected a list ( {...}, {...} )");
        return pl;
    }
    int n = config_setting_length(pl);
    c->insts = calloc((size_t)(n ? n : 1), sizeof *c->insts);
    if (!c->insts) {
        cfg_error(cx, root, "plugins", "out of memory");
        return pl;
    }
    for (int i = 0; i < n; i++) {
        c->ninsts = i + 1;
        parse_instance(cx, c, &c->insts[i],
                       config_setting_get_elem(pl, (unsigned)i), i);
    }
    for (int i = 0; i < n; i++)
        cfg_check_unknown(cx, config_setting_get_elem(pl, (unsigned)i),
                          c->insts[i].config);
    return pl;
}

host_conf *conf_load(const char *path)
{
    host_conf *c = calloc(1, sizeof *c);
    cfg_ctx cx = {.who = "host"};

    if (!c)
        return NULL;
    c->refs = 1;
    c->path = strdup(path);
    if (!read_file(c, path)) {
        conf_unref(c);
        return NULL;
    }
    cx.errors += check_int_literals(path);
    config_setting_t *root = config_root_setting(&c->cfg);
    parse_host(&cx, c, root);
    parse_nats(&cx, c, root);
    config_setting_t *pl = parse_plugins(&cx, c, root);
    /* Top-level groups other than the instances' `config` blocks. */
    int len = config_setting_length(root);
    for (int i = 0; i < len; i++) {
        config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        if (s == pl)
            continue;
        if (config_setting_get_hook(s) == NULL)
            cfg_error(&cx, root, config_setting_name(s), "unknown key");
        else
            cfg_check_unknown(&cx, s, NULL);
    }
    c->errors = cx.errors;
    return c;
}

void conf_ref(host_conf *c) { c->refs++; }

void conf_unref(host_conf *c)
{
    if (!c || --c->refs > 0)
        return;
    for (int i = 0; i < c->ninsts; i++) {
        free(c->insts[i].subscribe);
        free(c->insts[i].js.subjects);
        free(c->insts[i].fingerprint);
    }
    free(c->insts);
    free(c->nats.servers);
    free(c->nats_fingerprint);
    free(c->stats_subject);
    free(c->path);
    config_destroy(&c->cfg);
    free(c);
}
