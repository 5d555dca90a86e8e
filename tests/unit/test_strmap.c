#include "unit.h"

#include "strmap.h"

#include <stdio.h>

static void test_basics(void)
{
	StrMap m = {0}; /* a zero map is an empty map */
	size_t v = 7;
	CHECK(!strmap_get(&m, "a", 1, &v) && v == 7);
	strmap_clear(&m); /* clearing or freeing an unused map is fine */
	strmap_free(&m);

	strmap_put(&m, "a", 1, 1);
	strmap_put(&m, "", 0, 2); /* the empty key is a key */
	strmap_put(&m, "a\0b", 3, 3); /* keys are bytes, NULs included */
	CHECK(m.count == 3);
	CHECK(strmap_get(&m, "a", 1, &v) && v == 1);
	CHECK(strmap_get(&m, "", 0, &v) && v == 2);
	CHECK(strmap_get(&m, "a\0b", 3, &v) && v == 3);
	CHECK(!strmap_get(&m, "a\0c", 3, &v));
	CHECK(!strmap_get(&m, "ab", 2, &v));

	strmap_put(&m, "a", 1, 10); /* replaces */
	CHECK(m.count == 3 && strmap_get(&m, "a", 1, &v) && v == 10);
	CHECK(!strmap_add(&m, "a", 1, 11)); /* present: unchanged */
	CHECK(strmap_get(&m, "a", 1, &v) && v == 10);
	CHECK(strmap_add(&m, "b", 1, 12) && m.count == 4);
	CHECK(strmap_get(&m, "b", 1, &v) && v == 12);

	char key[] = "c";
	strmap_put(&m, key, 1, 13);
	key[0] = 'd'; /* the map has its own copy */
	CHECK(strmap_get(&m, "c", 1, &v) && v == 13 && !strmap_get(&m, "d", 1, &v));
	strmap_free(&m);
	CHECK(m.count == 0 && !strmap_get(&m, "a", 1, &v));
}

/* Many keys (several growths), then clears: each empties the map, which stays usable. */
static void test_growth_and_clear(void)
{
	StrMap m = {0};
	char key[32];
	for (int round = 0; round < 3; round++) {
		int n = round == 1 ? 10 : 5000;
		bool ok = true;
		for (int i = 0; i < n; i++) {
			int len = snprintf(key, sizeof(key), "key %d/%d", round, i);
			ok &= strmap_add(&m, key, (size_t)len, (size_t)i);
		}
		CHECK(ok && m.count == (size_t)n);
		for (int i = 0; i < n; i++) {
			size_t v;
			int len = snprintf(key, sizeof(key), "key %d/%d", round, i);
			ok &= strmap_get(&m, key, (size_t)len, &v) && v == (size_t)i;
			ok &= !strmap_add(&m, key, (size_t)len, 0);
			len = snprintf(key, sizeof(key), "key %d/%d", round - 1, i); /* the last round's */
			ok &= !strmap_get(&m, key, (size_t)len, &v);
		}
		CHECK(ok);
		strmap_clear(&m);
		size_t v;
		CHECK(m.count == 0 && !strmap_get(&m, "key 0/0", 7, &v));
	}
	strmap_free(&m);
}

/*
 * The generation stamp wraps after 2^32 - 1 clears: a slot stamped long ago
 * must not come back (here it would, with its old value, once the same key
 * is at the same place in the keys again).
 */
static void test_generation_wrap(void)
{
	StrMap m = {0};
	size_t v;
	strmap_put(&m, "abc", 3, 1); /* stamped 1 */
	strmap_clear(&m);
	m.gen = UINT32_MAX; /* as after that many clears */
	strmap_clear(&m);
	CHECK(strmap_add(&m, "abc", 3, 2));
	CHECK(strmap_get(&m, "abc", 3, &v) && v == 2);
	strmap_free(&m);
}

void test_strmap(void)
{
	test_basics();
	test_growth_and_clear();
	test_generation_wrap();
}
