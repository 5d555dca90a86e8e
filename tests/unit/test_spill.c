/*
 * spill.c: what is written is read back whole, from the start as often as
 * wanted and at any offset; the end is told apart from a record cut short;
 * the file has no name (nothing appears in its directory); a directory that
 * does not exist is an error, not a crash.
 */
#include "unit.h"

#include "spill.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

void test_spill(void)
{
	char dir[] = "/tmp/podmigrate-unit-spill-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	setenv("TMPDIR", dir, 1);
	Spill s = {0};
	CHECK(spill_open(&s, "unit test"));
	CHECK(entries(dir) == 0);
	/* records of 12 bytes, more than the stdio buffer in all */
	enum { N = 100000 };
	bool written = true;
	for (uint32_t i = 0; i < N && written; i++) {
		uint64_t v = (uint64_t)i * 2654435761u;
		written = spill_write(&s, &i, sizeof(i)) && spill_write(&s, &v, sizeof(v));
	}
	CHECK(written);
	CHECK(s.size == (uint64_t)N * 12);
	for (int pass = 0; pass < 2; pass++) {
		CHECK(spill_seek(&s, 0));
		bool ok = true, end = false;
		for (uint32_t i = 0; i < N && ok; i++) {
			uint32_t k = 0;
			uint64_t v = 0;
			ok = spill_read(&s, &k, sizeof(k), &end) && spill_read(&s, &v, sizeof(v), NULL) && k == i &&
			     v == (uint64_t)i * 2654435761u;
		}
		CHECK(ok);
		uint32_t k;
		CHECK(!spill_read(&s, &k, sizeof(k), &end) && end && !s.failed);
	}
	uint32_t k = 0;
	uint64_t v = 0;
	CHECK(spill_read_at(&s, 12 * 777, &k, sizeof(k)) && k == 777);
	CHECK(spill_read_at(&s, 12 * 777 + 4, &v, sizeof(v)) && v == (uint64_t)777 * 2654435761u);
	CHECK(spill_seek(&s, (uint64_t)N * 12 - 2));
	CHECK(!spill_read(&s, &k, sizeof(k), NULL) && s.failed); /* cut short: an error */
	spill_close(&s);
	CHECK(entries(dir) == 0);
	CHECK(rmdir(dir) == 0);
	/* the directory is gone now */
	CHECK(!spill_open(&s, "unit test") && s.fp == NULL);
	unsetenv("TMPDIR");
}
