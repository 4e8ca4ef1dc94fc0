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
	plugins/lib/cfgread.h
plugins_lib_libevl_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_lib_libevl_la_LIBADD = $(JSONC_LIBS)
plugins_lib_libevl_influx_la_SOURCES = \
	plugins/lib/influx.c plugins/lib/influx.h
plugins_lib_libevl_influx_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
plugins_lib_libevl_influx_la_LIBADD = plugins/lib/libevl.la $(CURL_LIBS)
