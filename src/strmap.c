#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/*
 * FNV-1a, 64 bits: simple, and good enough for names, keys and slugs. Folded
 * to 32 bits, as the slots store it: the low bits, which index the slots,
 * would otherwise depend only on the low bits of the bytes.
 */
static uint32_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
	return (uint32_t)(h ^ (h >> 32));
}

/* The slot holding key, or the empty one where it would go. */
static inline StrMapSlot *find_slot(const StrMap *map, const char *key, size_t len, uint32_t hash)
{
	size_t mask = map->capacity - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		StrMapSlot *s = &map->slots[i];
		if (s->gen != map->gen)
			return s;
		if (s->hash == hash && s->key_len == len &&
		    memcmp(map->keys.data + s->key_off, key, len) == 0)
			return s;
	}
}

bool strmap_get(const StrMap *map, const char *key, size_t len, size_t *value)
{
	if (!map->count)
		return false;
	const StrMapSlot *s = find_slot(map, key, len, hash_bytes(key, len));
	if (s->gen != map->gen)
		return false;
	*value = s->value;
	return true;
}

/* Doubles the slots, moving the keys in use (their stored hash places them). */
static void grow(StrMap *map)
{
	size_t capacity = map->capacity ? map->capacity * 2 : 16;
	StrMapSlot *slots = xmalloc(capacity * sizeof(*slots));
	memset(slots, 0, capacity * sizeof(*slots));
	size_t mask = capacity - 1;
	for (size_t i = 0; i < map->capacity; i++) {
		const StrMapSlot *s = &map->slots[i];
		if (s->gen != map->gen)
			continue;
		size_t j = s->hash & mask;
		while (slots[j].gen)
			j = (j + 1) & mask;
		slots[j] = *s;
		slots[j].gen = 1;
	}
	free(map->slots);
	map->slots = slots;
	map->capacity = capacity;
	map->gen = 1;
}

/* The slot for key, made room for; a new key's slot is not yet marked in use. */
static StrMapSlot *slot_for_insert(StrMap *map, const char *key, size_t len, uint32_t *hash)
{
	if ((map->count + 1) * 2 > map->capacity) /* a load under 1/2 keeps probes short */
		grow(map);
	*hash = hash_bytes(key, len);
	return find_slot(map, key, len, *hash);
}

static void fill(StrMap *map, StrMapSlot *s, const char *key, size_t len, uint32_t hash, size_t value)
{
	StrBuf *keys = &map->keys;
	*s = (StrMapSlot){keys->len, len, value, map->gen, hash};
	if (keys->len + len >= keys->cap) /* sb_append inlined: this is the hot path of the JSON reader */
		sb_reserve(keys, len);
	if (len) /* key may be NULL then (an empty StrBuf's data) */
		memcpy(keys->data + keys->len, key, len);
	keys->len += len;
	keys->data[keys->len] = '\0';
	map->count++;
}

void strmap_put(StrMap *map, const char *key, size_t len, size_t value)
{
	uint32_t hash;
	StrMapSlot *s = slot_for_insert(map, key, len, &hash);
	if (s->gen == map->gen)
		s->value = value;
	else
		fill(map, s, key, len, hash, value);
}

bool strmap_add(StrMap *map, const char *key, size_t len, size_t value)
{
	uint32_t hash;
	StrMapSlot *s = slot_for_insert(map, key, len, &hash);
	if (s->gen == map->gen)
		return false;
	fill(map, s, key, len, hash, value);
	return true;
}

void strmap_clear(StrMap *map)
{
	map->count = 0;
	sb_reset(&map->keys);
	if (!map->slots)
		return;
	if (++map->gen == 0) { /* wrapped: old stamps would look current */
		memset(map->slots, 0, map->capacity * sizeof(*map->slots));
		map->gen = 1;
	}
}

void strmap_free(StrMap *map)
{
	free(map->slots);
	sb_free(&map->keys);
	memset(map, 0, sizeof(*map));
}
