pkglib_LTLIBRARIES += plugins/influx-sink/influx-sink.la
plugins_influx_sink_influx_sink_la_SOURCES = plugins/influx-sink/influx-sink.c \
	plugins/influx-sink/batch.c plugins/influx-sink/batch.h
plugins_influx_sink_influx_sink_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_influx_sink_influx_sink_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_influx_sink_influx_sink_la_LIBADD = plugins/lib/libevl-influx.la $(JSONC_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS)
