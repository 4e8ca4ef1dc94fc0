# plugins/lib: code shared by plugins, linked into each (PIC convenience
# libs).  libevl is what every plugin may use (events, buffers, line
# protocol, table rows); libevl-influx is the InfluxDB client, apart so that
# only the plugins that talk to InfluxDB load libcurl and its TLS stack.
noinst_LTLIBRARIES += plugins/lib/libevl.la plugins/lib/libevl-influx.la
plugins_lib_libevl_la_SOURCES = \
	plugins/lib/event.c plugins/lib/event.h plugins/lib/event_scan.c \
	plugins/lib/buf.c plugins/lib/buf.h \
	plugins/lib/table.c plugins/lib/table.h \
	plugins/lib/lineproto.c plugins/lib/lineproto.h \
	plugins/lib/deadletter.c plugins/lib/deadletter.h \
	plugins/lib/filter.c plugins/lib/filter.h \
	plugins/lib/query.c plugins/lib/query.h plugins/lib/querycfg.h \
	common/rfc3339.c common/rfc3339.h common/wipe.h
plugins_lib_libevl_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_lib_libevl_la_LIBADD = $(JSONC_LIBS)
plugins_lib_libevl_influx_la_SOURCES = \
	plugins/lib/influx.c plugins/lib/influx.h plugins/lib/influx_conf.c
plugins_lib_libevl_influx_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_lib_libevl_influx_la_LIBADD = plugins/lib/libevl.la $(CURL_LIBS)
# libevl-pg: PostgreSQL connections (libpq), for pg-sink, pg-query and
# http-ingest's accounts.
noinst_LTLIBRARIES += plugins/lib/libevl-pg.la
plugins_lib_libevl_pg_la_SOURCES = plugins/lib/pg.c plugins/lib/pg.h
plugins_lib_libevl_pg_la_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS)
plugins_lib_libevl_pg_la_LIBADD = plugins/lib/libevl.la $(PQ_LIBS)
