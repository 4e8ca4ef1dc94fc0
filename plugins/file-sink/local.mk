pkglib_LTLIBRARIES += plugins/file-sink/file-sink.la
plugins_file_sink_file_sink_la_SOURCES = plugins/file-sink/file-sink.c
plugins_file_sink_file_sink_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_file_sink_file_sink_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_file_sink_file_sink_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS)
