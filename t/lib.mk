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
