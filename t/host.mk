# Host tests (0xxx) and the test plugins they load.
TESTPLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += t/plugins/testplug.la t/plugins/badabi.la \
	t/plugins/nodesc.la t/plugins/missingsym.la t/plugins/cfgfail.la \
	t/plugins/startfail.la t/plugins/stophang.la
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

# host tests
HOST_TESTS = t/0001-cli.t t/0002-abi.t t/0003-config.t t/0010-core.t \
	t/0011-jetstream.t t/0012-lifecycle.t t/0013-drain.t \
	t/0020-nats-auth.t t/0021-nats-nkey.t t/0022-nats-creds.t t/0026-test-nats-files.t \
	t/0040-install.t \
	t/0041-plugin-tutorial.t \
	t/0050-man.t
TESTS += $(HOST_TESTS)
EXTRA_DIST += $(HOST_TESTS) t/tools/nats-creds.py
