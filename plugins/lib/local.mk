# plugins/lib: code shared by plugins, linked into each (PIC convenience lib).
noinst_LTLIBRARIES += plugins/lib/libevl.la
plugins_lib_libevl_la_SOURCES = \
	plugins/lib/event.c plugins/lib/event.h \
	plugins/lib/buf.c plugins/lib/buf.h \
	plugins/lib/table.c plugins/lib/table.h \
	plugins/lib/lineproto.c plugins/lib/lineproto.h \
	plugins/lib/influx.c plugins/lib/influx.h
plugins_lib_libevl_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_lib_libevl_la_LIBADD = $(JSONC_LIBS) $(CURL_LIBS)
