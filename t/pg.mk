# PostgreSQL: pg-sink, pg-query and http-ingest's accounts against a real
# nats-server and a throwaway PostgreSQL cluster (8xxx).
PG_TESTS = t/8001-pg-store.t t/8002-pg-outage.t t/8003-pg-writer-kill.t t/8004-pg-hostile.t t/8005-pg-accounts.t
TESTS += $(PG_TESTS)
EXTRA_DIST += $(PG_TESTS) t/pg.mk
# pg-sink's rows and pg-query's statements, pure functions.
check_PROGRAMS += t/unit/test-pg
t_unit_test_pg_SOURCES = t/unit/test-pg.c t/unit/tap.h \
	plugins/pg-sink/rows.c plugins/pg-query/sql.c
t_unit_test_pg_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/pg-sink \
	-I$(top_srcdir)/plugins/pg-query
t_unit_test_pg_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(PQ_CFLAGS)
t_unit_test_pg_LDADD = plugins/lib/libevl-pg.la $(JSONC_LIBS) $(PQ_LIBS)
TESTS += t/unit/test-pg
