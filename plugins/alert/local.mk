pkglib_LTLIBRARIES += plugins/alert/alert.la
plugins_alert_alert_la_SOURCES = plugins/alert/alert.c \
	plugins/alert/rules.c plugins/alert/rules.h \
	plugins/alert/state.c plugins/alert/state.h \
	plugins/alert/eval.c plugins/alert/eval.h \
	plugins/alert/body.c plugins/alert/body.h \
	plugins/alert/sender.c plugins/alert/sender.h
plugins_alert_alert_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_alert_alert_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_alert_alert_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS)
