pkglib_LTLIBRARIES += plugins/tail/tail.la
plugins_tail_tail_la_SOURCES = plugins/tail/tail.c plugins/lib/querycfg.c
plugins_tail_tail_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_tail_tail_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_tail_tail_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS)
