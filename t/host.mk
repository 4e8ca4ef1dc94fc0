# Host tests (0xxx) and the test plugins they load.
TESTPLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += t/plugins/testplug.la t/plugins/badabi.la \
	t/plugins/nodesc.la t/plugins/missingsym.la t/plugins/cfgfail.la \
	t/plugins/startfail.la t/plugins/stophang.la t/plugins/newminor.la \
	t/plugins/badflags.la t/plugins/badsize.la t/plugins/noname.la \
	t/plugins/abi10.la t/plugins/abi11.la t/plugins/wired.la \
	t/plugins/initfail.la
t_plugins_testplug_la_SOURCES = t/plugins/testplug.c
t_plugins_testplug_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_badabi_la_SOURCES = t/plugins/broken.c
t_plugins_badabi_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_ABI
t_plugins_badabi_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_nodesc_la_SOURCES = t/plugins/broken.c
t_plugins_nodesc_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_NO_DESCRIPTOR
t_plugins_nodesc_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_missingsym_la_SOURCES = t/plugins/broken.c
t_plugins_missingsym_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_MISSING_SYMBOL
t_plugins_missingsym_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_cfgfail_la_SOURCES = t/plugins/broken.c
t_plugins_cfgfail_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_CONFIGURE
t_plugins_cfgfail_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_startfail_la_SOURCES = t/plugins/broken.c
t_plugins_startfail_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_START
t_plugins_startfail_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_stophang_la_SOURCES = t/plugins/broken.c
t_plugins_stophang_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_STOP_HANGS
t_plugins_stophang_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)

t_plugins_newminor_la_SOURCES = t/plugins/broken.c
t_plugins_newminor_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_MINOR
t_plugins_newminor_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_badflags_la_SOURCES = t/plugins/broken.c
t_plugins_badflags_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_FLAGS
t_plugins_badflags_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_badsize_la_SOURCES = t/plugins/broken.c
t_plugins_badsize_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_SIZE
t_plugins_badsize_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_noname_la_SOURCES = t/plugins/broken.c
t_plugins_noname_la_CPPFLAGS = $(AM_CPPFLAGS) -DBROKEN_NO_NAME
t_plugins_noname_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_abi10_la_SOURCES = t/plugins/broken.c
t_plugins_abi10_la_CPPFLAGS = $(AM_CPPFLAGS) -DOLD_ABI_MINOR=0
t_plugins_abi10_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_abi11_la_SOURCES = t/plugins/broken.c
t_plugins_abi11_la_CPPFLAGS = $(AM_CPPFLAGS) -DOLD_ABI_MINOR=1
t_plugins_abi11_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_wired_la_SOURCES = t/plugins/wired.c
t_plugins_wired_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
t_plugins_wired_la_LIBADD = $(PTHREAD_LIBS)
t_plugins_initfail_la_SOURCES = t/plugins/wired.c
t_plugins_initfail_la_CPPFLAGS = $(AM_CPPFLAGS) -DWIRED_INIT_FAILS
t_plugins_initfail_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)

# host tests
HOST_TESTS = t/0001-cli.t t/0002-abi.t t/0003-config.t t/0010-core.t \
	t/0011-jetstream.t t/0012-lifecycle.t t/0013-drain.t t/0014-notify.t t/0015-metrics.t \
	t/0016-systemd.t t/0017-error-backoff.t t/0018-plugin-api.t t/0060-deb.t \
	t/0020-nats-auth.t t/0021-nats-nkey.t t/0022-nats-creds.t t/0023-secret-files.t \
	t/0025-secret-fifo.t t/0026-test-nats-files.t \
	t/0040-install.t \
	t/0041-plugin-tutorial.t \
	t/0050-man.t
TESTS += $(HOST_TESTS)
EXTRA_DIST += $(HOST_TESTS) t/tools/nats-creds.py t/tools/notify-reader.py
