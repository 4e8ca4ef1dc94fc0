/*
 * The alert plugin's rules: what each `rules` entry of its config says,
 * read with the evh_config_* getters so that `evhost -t` reports every
 * problem with file:line and key path.  Conditions use the tail's `where`
 * language (plugins/lib/filter.h).
 */
#ifndef EVH_ALERT_RULES_H
#define EVH_ALERT_RULES_H

#include <evhost/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

struct json_object;

typedef enum rule_kind { RULE_THRESHOLD, RULE_RATE, RULE_DEADMAN } rule_kind;

typedef struct rule {
    const char *name; /* config strings: valid until destroy */
    rule_kind kind;
    const char *severity;
    const char *group_by; /* a top-level field; NULL: one group */
    const char *contains; /* substring of eventMessage; NULL: any */
    const char *summary;
    tail_filter filter;
    char **label_names, **label_values; /* malloc'ed, nlabels each */
    size_t nlabels;
    const char **groups; /* deadman: groups watched from the start */
    size_t ngroups;
    int64_t count;       /* rate: fires above this many ... */
    int64_t window_ns;   /* ... within this window */
    int64_t duration_ns; /* deadman: silence that fires */
    int64_t resolve_ns;  /* threshold: no match for this long resolves */
} rule;

typedef struct rule_set {
    rule *rules;
    size_t n;
} rule_set;

/** Read `rules`; every problem is reported.  EVH_OK or EVH_ECONFIG. */
int rules_read(evh_instance *inst, rule_set *rs);
void rules_free(rule_set *rs);

/** Does the event match the rule's conditions; *group (borrowed from the
 *  event, valid while it lives) is its group, "" without group_by.  An
 *  event lacking the group_by field matches no grouped rule. */
bool rule_match(const rule *r, struct json_object *ev, const char *message,
                const char **group);

/** A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
bool rule_label_name_ok(const char *s);

#endif
