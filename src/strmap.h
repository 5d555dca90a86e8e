/* A hash map from byte strings to size_t, for the tag conversion (open addressing). */
#ifndef PODMIGRATE_STRMAP_H
#define PODMIGRATE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct StrMapEntry {
	char *key; /* NULL: empty slot */
	size_t len;
	size_t value;
} StrMapEntry;

typedef struct StrMap {
	StrMapEntry *slots;
	size_t capacity; /* a power of two */
	size_t count;
} StrMap;

/* Returns true and sets *value when key is present. */
bool strmap_get(const StrMap *map, const char *key, size_t len, size_t *value);
/* Inserts or replaces; the key is copied. */
void strmap_put(StrMap *map, const char *key, size_t len, size_t value);
void strmap_free(StrMap *map);

#endif
