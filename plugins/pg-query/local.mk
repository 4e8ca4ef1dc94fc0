# pg-query reuses influx-query's request queue, PostgreSQL health and reply
# trimming (store-independent), compiled in from its directory.
pkglib_LTLIBRARIES += plugins/pg-query/pg-query.la
plugins_pg_query_pg_query_la_SOURCES = plugins/pg-query/pg-query.c \
	plugins/pg-query/sql.c plugins/pg-query/sql.h \
	plugins/pg-query/reply.c plugins/pg-query/reply.h \
	plugins/influx-query/workq.c plugins/influx-query/health.c \
	plugins/influx-query/fit.c plugins/influx-query/send.c
plugins_pg_query_pg_query_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/influx-query
plugins_pg_query_pg_query_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(PQ_CFLAGS)
plugins_pg_query_pg_query_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_pg_query_pg_query_la_LIBADD = plugins/lib/libevl-pg.la $(JSONC_LIBS) $(PQ_LIBS) $(PTHREAD_LIBS)
