/*
 * The InfluxQL influx-query sends for a request, for the bench's raw rows:
 *   query-sql REQUEST_JSON < band-listing-answer
 * prints the band listing, then the statements that follow it (events: the
 * SELECT; counts: the outer bands' SELECT when any, the COUNT), one per
 * line, from the reader's own builders.  Data-dependent extra statements
 * (the boundary millisecond, a cursor's millisecond) are not included;
 * the bench says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counts.h"
#include "request.h"

int main(int argc, char **argv)
{
    static char body[1 << 20];
    char err[512], bands[EVL_CRIT_BAND_TOP + 2][EVL_CRIT_BAND_LEN];
    query_store st = {"event", "crit_band", "key"};
    struct evl_query q;
    struct timespec ts;
    if (argc != 2)
        return fprintf(stderr, "usage: query-sql REQUEST_JSON <listing\n"), 2;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (evl_query_parse(argv[1], strlen(argv[1]), 1000000,
                        (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, &q, err,
                        sizeof err) != 0)
        return fprintf(stderr, "query-sql: %s\n", err), 1;
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = '\0';
    int nb = query_bands_from_influx(body, &q, bands, err, sizeof err);
    char *l = query_build_band_listing(st.measurement, st.band_tag);
    printf("%s\n", l);
    free(l);
    if (nb <= 0)
        return nb < 0 ? 1 : 0;
    if (!q.counts) {
        char *s = query_build_influxql(&st, bands, (size_t)nb, &q);
        printf("%s\n", s);
        free(s);
        return 0;
    }
    bool none = true;
    char *o = q.count_by_criticality
                  ? query_build_outer(&st, bands, (size_t)nb, &q, &none)
                  : NULL;
    if (o)
        printf("%s\n", o);
    free(o);
    size_t ni = q.count_by_criticality ? query_inner_bands(bands, (size_t)nb)
                                       : (size_t)nb;
    if (ni) {
        char *c = query_build_counts(&st, bands, ni, &q);
        printf("%s\n", c);
        free(c);
    }
    return 0;
}
