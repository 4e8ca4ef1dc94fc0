/* The built-in catalog of security event messages (generator default). */
#ifndef EVH_GEN_CATALOG_H
#define EVH_GEN_CATALOG_H
#include <stddef.h>
extern const char *const gen_catalog[];
extern const size_t gen_catalog_len;
#endif
