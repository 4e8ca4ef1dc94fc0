# generator, query-client and the whole system end to end (3xxx).
check_PROGRAMS += t/unit/test-render
t_unit_test_render_SOURCES = t/unit/test-render.c t/unit/tap.h \
	plugins/query-client/render.c
t_unit_test_render_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/query-client
t_unit_test_render_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_render_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-render
check_PROGRAMS += t/unit/test-tail-filter
t_unit_test_tail_filter_SOURCES = t/unit/test-tail-filter.c t/unit/tap.h
t_unit_test_tail_filter_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_tail_filter_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-tail-filter

SERVICE_TESTS = t/3001-generator.t t/3002-client.t t/3003-system.t \
	t/3004-tail.t
TESTS += $(SERVICE_TESTS)
EXTRA_DIST += $(SERVICE_TESTS)

# Delivery and fault tests (4xxx): exact counts through outages and crashes.
FAULT_TESTS = t/4001-influx-outage.t t/4002-writer-kill.t \
	t/4003-nats-restart.t t/4004-influx-unreachable.t t/4005-poison.t \
	t/4006-core-slow.t t/4007-dead-letter.t
TESTS += $(FAULT_TESTS)
EXTRA_DIST += $(FAULT_TESTS) t/lib/pipeline.sh
