pkglib_LTLIBRARIES += plugins/generator/generator.la
plugins_generator_generator_la_SOURCES = plugins/generator/generator.c \
	plugins/generator/catalog.c plugins/generator/catalog.h
plugins_generator_generator_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
plugins_generator_generator_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_generator_generator_la_LIBADD = plugins/lib/libevl.la $(JSONC_LIBS)
