/*
 * A hash map from byte strings to size_t (open addressing), for the tag
 * conversion, the import's indexes and the JSON reader's duplicate checks.
 * The map owns copies of its keys, kept end to end in one buffer. A
 * zero-initialised StrMap is an empty map; strmap_free releases it.
 */
#ifndef PODMIGRATE_STRMAP_H
#define PODMIGRATE_STRMAP_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Private to strmap.c: the map is only used through the functions below. */
typedef struct StrMapSlot {
	size_t key_off; /* the key is keys.data[key_off .. key_off + key_len) */
	size_t key_len;
	size_t value;
	uint32_t gen;  /* the slot is in use when it equals the map's gen */
	uint32_t hash; /* the key's: most mismatches are found without reading the key */
} StrMapSlot;

typedef struct StrMap {
	StrMapSlot *slots;
	size_t capacity; /* a power of two, or 0 */
	size_t count;
	uint32_t gen;    /* 0 until the first key: never that of a slot in use */
	StrBuf keys;
} StrMap;

/* Returns true and sets *value when key is present. */
bool strmap_get(const StrMap *map, const char *key, size_t len, size_t *value);
/* Inserts or replaces; the key is copied. */
void strmap_put(StrMap *map, const char *key, size_t len, size_t value);
/* Inserts and returns true, or returns false (the map unchanged) when key is present. */
bool strmap_add(StrMap *map, const char *key, size_t len, size_t value);
/* Empties the map in O(1), keeping its memory for the keys to come. */
void strmap_clear(StrMap *map);
void strmap_free(StrMap *map);

#endif
