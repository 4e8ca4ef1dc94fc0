# Unit tests of plugins/lib (1xxx): pure functions, exact expected output.
check_PROGRAMS += t/unit/test-event t/unit/test-lineproto
t_unit_test_event_SOURCES = t/unit/test-event.c t/unit/tap.h
t_unit_test_event_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_event_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
t_unit_test_lineproto_SOURCES = t/unit/test-lineproto.c t/unit/tap.h
t_unit_test_lineproto_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_lineproto_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-event t/unit/test-lineproto
check_PROGRAMS += t/unit/test-event-scan
t_unit_test_event_scan_SOURCES = t/unit/test-event-scan.c t/unit/tap.h
t_unit_test_event_scan_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_event_scan_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-event-scan

# The reader's reply trimming (plugins/influx-query/fit.c), on its own.
check_PROGRAMS += t/unit/test-reply-fit
t_unit_test_reply_fit_SOURCES = t/unit/test-reply-fit.c t/unit/tap.h \
	plugins/influx-query/fit.c plugins/influx-query/request.c
t_unit_test_reply_fit_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/influx-query
t_unit_test_reply_fit_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_reply_fit_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-reply-fit

# The query request contract (plugins/lib/query.c).
check_PROGRAMS += t/unit/test-query
t_unit_test_query_SOURCES = t/unit/test-query.c t/unit/tap.h
t_unit_test_query_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_query_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-query
