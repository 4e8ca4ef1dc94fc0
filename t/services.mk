# generator, query-client and the whole system end to end (3xxx).
check_PROGRAMS += t/unit/test-render
t_unit_test_render_SOURCES = t/unit/test-render.c t/unit/tap.h \
	plugins/query-client/render.c
t_unit_test_render_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/query-client
t_unit_test_render_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
t_unit_test_render_LDADD = plugins/lib/libevl.la $(JSONC_LIBS)
TESTS += t/unit/test-render

SERVICE_TESTS = t/3001-generator.t t/3002-client.t t/3003-system.t
TESTS += $(SERVICE_TESTS)
EXTRA_DIST += $(SERVICE_TESTS)
