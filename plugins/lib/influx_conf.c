/* The InfluxDB connection keys that influx-sink and influx-query share. */
#include <string.h>

#include "evhost/plugin.h"
#include "influx.h"

void evl_influx_conf_read(evh_instance *inst, evl_influx_conf *c,
                          char **password, char **token)
{
    const char *api = NULL, *pwfile = NULL;
    evh_config_string(inst, "url", "http://127.0.0.1:8086", &c->url);
    evh_config_string(inst, "api", "v1", &api);
    evh_config_string(inst, "database", "events", &c->database);
    evh_config_string(inst, "retention_policy", NULL, &c->retention_policy);
    evh_config_string(inst, "org", NULL, &c->org);
    evh_config_string(inst, "bucket", NULL, &c->bucket);
    evh_config_string(inst, "user", NULL, &c->user);
    evh_config_string(inst, "password_file", NULL, &pwfile);
    evh_config_secret_file(inst, "password_file", password);
    evh_config_secret_file(inst, "token_file", token);
    evh_config_int(inst, "timeout_ms", c->timeout_ms, 100, 600000,
                   &c->timeout_ms);
    evh_config_int(inst, "connect_timeout_ms", c->connect_timeout_ms, 100,
                   600000, &c->connect_timeout_ms);
    c->password = *password;
    c->token = *token;
    if (api && evl_influx_api_parse(api, &c->api) != 0)
        evh_config_error(inst, "api",
                         "expected \"v1\", \"v2\" or \"v3\", got \"%s\"", api);
    if (pwfile && !c->user)
        evh_config_error(inst, "user", "required with password_file");
    if (strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8))
        evh_config_error(inst, "url",
                         "expected an http:// or https:// URL, got \"%s\"",
                         c->url);
}
