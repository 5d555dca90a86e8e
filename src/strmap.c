#include "strmap.h"

#include "strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: simple, and good enough for tag names and slugs. */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static StrMapEntry *find_slot(StrMapEntry *slots, size_t capacity, const char *key, size_t len)
{
	size_t i = (size_t)hash_bytes(key, len) & (capacity - 1);
	while (slots[i].key && (slots[i].len != len || memcmp(slots[i].key, key, len) != 0))
		i = (i + 1) & (capacity - 1);
	return &slots[i];
}

bool strmap_get(const StrMap *map, const char *key, size_t len, size_t *value)
{
	if (!map->capacity)
		return false;
	StrMapEntry *e = find_slot(map->slots, map->capacity, key, len);
	if (!e->key)
		return false;
	*value = e->value;
	return true;
}

static void grow(StrMap *map)
{
	size_t capacity = map->capacity ? map->capacity * 2 : 64;
	StrMapEntry *slots = xmalloc(capacity * sizeof(StrMapEntry));
	memset(slots, 0, capacity * sizeof(StrMapEntry));
	for (size_t i = 0; i < map->capacity; i++)
		if (map->slots[i].key)
			*find_slot(slots, capacity, map->slots[i].key, map->slots[i].len) = map->slots[i];
	free(map->slots);
	map->slots = slots;
	map->capacity = capacity;
}

void strmap_put(StrMap *map, const char *key, size_t len, size_t value)
{
	if ((map->count + 1) * 4 > map->capacity * 3) /* keep the load under 3/4 */
		grow(map);
	StrMapEntry *e = find_slot(map->slots, map->capacity, key, len);
	if (!e->key) {
		e->key = xstrndup(key, len);
		e->len = len;
		map->count++;
	}
	e->value = value;
}

void strmap_free(StrMap *map)
{
	for (size_t i = 0; i < map->capacity; i++)
		free(map->slots[i].key);
	free(map->slots);
	memset(map, 0, sizeof(*map));
}
