/* A minimal test harness: CHECK records a failure with its location and goes on. */
#ifndef PODMIGRATE_UNIT_H
#define PODMIGRATE_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_passed, unit_failed;

#define CHECK(cond)                                                                   \
	do {                                                                              \
		if (cond) {                                                                   \
			unit_passed++;                                                            \
		} else {                                                                      \
			unit_failed++;                                                            \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
		}                                                                             \
	} while (0)

#define CHECK_STR(actual, expected)                                                   \
	do {                                                                              \
		const char *a_ = (actual), *e_ = (expected);                                  \
		if (a_ && e_ && strcmp(a_, e_) == 0) {                                        \
			unit_passed++;                                                            \
		} else {                                                                      \
			unit_failed++;                                                            \
			fprintf(stderr, "FAIL %s:%d: %s\n  got:      %s\n  expected: %s\n",       \
			        __FILE__, __LINE__, #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)"); \
		}                                                                             \
	} while (0)

void test_json_writer(void);
void test_values(void);
void test_tags(void);
void test_db_url(void);
void test_json_reader(void);
void test_init(void);
void test_strmap(void);
void test_fuzz_regressions(void);
void test_row_stream(void);
void test_byte_channel(void);
void test_spill(void);

#endif
