pkglib_LTLIBRARIES += plugins/pg-sink/pg-sink.la
plugins_pg_sink_pg_sink_la_SOURCES = plugins/pg-sink/pg-sink.c \
	plugins/pg-sink/batch.c plugins/pg-sink/batch.h \
	plugins/pg-sink/store.c plugins/pg-sink/store.h \
	plugins/pg-sink/schema.c plugins/pg-sink/schema.h \
	plugins/pg-sink/rows.c plugins/pg-sink/rows.h
plugins_pg_sink_pg_sink_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(PQ_CFLAGS)
plugins_pg_sink_pg_sink_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_pg_sink_pg_sink_la_LIBADD = plugins/lib/libevl-pg.la $(JSONC_LIBS) $(PQ_LIBS) $(PTHREAD_LIBS)
# The DDL pg-sink runs, for a DBA who creates the table first.
pgsqldir = $(pkgdatadir)/sql
dist_pgsql_DATA = plugins/pg-sink/schema.sql
