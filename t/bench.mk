# The benchmark (make bench): figures, not pass/fail; never part of make check.
check_PROGRAMS += t/bench/nats-bench t/bench/lp-lines
t_bench_nats_bench_SOURCES = t/bench/nats-bench.c
t_bench_nats_bench_CFLAGS = $(AM_CFLAGS) $(NATS_CFLAGS)
t_bench_nats_bench_LDADD = $(NATS_LIBS)
# The sink's exact lines for the raw InfluxDB rows, from libevl itself.
t_bench_lp_lines_SOURCES = t/bench/lp-lines.c
t_bench_lp_lines_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_bench_lp_lines_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
# The reader's InfluxQL for a request, for the raw rows of the query shapes.
check_PROGRAMS += t/bench/query-sql
t_bench_query_sql_SOURCES = t/bench/query-sql.c \
	plugins/influx-query/request.c plugins/influx-query/counts.c
t_bench_query_sql_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/influx-query
t_bench_query_sql_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_bench_query_sql_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
# The Node.js peer: its npm packages are installed by the bench (npm ci).
EXTRA_DIST += t/bench/run t/bench/capture-proxy.py t/bench/http-ingest.sh t/bench/pg.sh t/bench/query-shapes.sh \
	t/bench/peer/writer.js t/bench/peer/package.json \
	t/bench/peer/package-lock.json
CLEANFILES += bench-results.md

bench: all t/bench/nats-bench$(EXEEXT) t/bench/lp-lines$(EXEEXT) t/bench/query-sql$(EXEEXT) t/tools/evh-nats$(EXEEXT)
	@$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/t/bench/run
.PHONY: bench

# The PostgreSQL case alone (BENCH_N, default 100000; BENCH_Q, 1000).
bench-pg: all t/bench/nats-bench$(EXEEXT)
	@$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/t/bench/pg.sh
.PHONY: bench-pg

# Only the query shapes (issue 18), on BENCH_N events of their own:
#   make bench-query BENCH_N=1000000 BENCH_Q=1000
bench-query: all t/bench/nats-bench$(EXEEXT) t/bench/query-sql$(EXEEXT) t/tools/evh-nats$(EXEEXT)
	@$(AM_TESTS_ENVIRONMENT) $(SHELL) $(srcdir)/t/bench/query-shapes.sh
.PHONY: bench-query
