# Static analysis (make analyze): cppcheck and clang-tidy (.clang-tidy at
# the top) over host/ and plugins/; any finding fails the target.
ANALYZE_SRC = $(wildcard $(top_srcdir)/host/*.c $(top_srcdir)/plugins/*/*.c \
	$(top_srcdir)/common/*.c)
ANALYZE_CPPFLAGS = -D_GNU_SOURCE -include $(top_builddir)/config.h \
	-DEVH_PKGLIBDIR='"/x"' -DEVH_SYSCONFDIR='"/x"' -I$(top_srcdir)/host \
	-I$(top_srcdir)/include -I$(top_srcdir)/common \
	-I$(top_srcdir)/plugins/lib -I$(top_srcdir)/plugins/influx-query \
	-I$(top_srcdir)/plugins/query-client $(PQ_CFLAGS)
EXTRA_DIST += .clang-tidy .clang-format

analyze:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --inline-suppr --std=c11 --suppress=missingIncludeSystem \
	  -D_GNU_SOURCE -I$(top_srcdir)/host -I$(top_srcdir)/include \
	  -I$(top_srcdir)/common -I$(top_srcdir)/plugins/lib \
	  $(top_srcdir)/host $(top_srcdir)/plugins $(top_srcdir)/common
	@fail=0; for f in $(ANALYZE_SRC); do \
	  out=$$(clang-tidy --quiet $$f -- $(ANALYZE_CPPFLAGS) 2>/dev/null | grep -E 'warning:|error:'); \
	  if [ -n "$$out" ]; then echo "$$out"; fail=1; fi; \
	done; \
	if [ $$fail = 0 ]; then echo "analyze: cppcheck and clang-tidy clean"; fi; exit $$fail
.PHONY: analyze
