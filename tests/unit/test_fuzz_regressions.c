/* Bugs the fuzzers found (tests/fuzz/), one check each, beside their inputs in tests/fuzz/regressions/. */
#include "unit.h"

#include "db_url.h"
#include "pod_tags.h"
#include "values.h"

#include <stdlib.h>

/* The names of a tag string, joined by '|' for comparison. */
static const char *parsed(const char *s, size_t len)
{
	static StrBuf sb;
	StrList names = STRLIST_INIT;
	pod_tags_parse(s, len, &names);
	sb_reset(&sb);
	for (size_t i = 0; i < names.count; i++) {
		if (i)
			sb_putc(&sb, '|');
		sb_puts(&sb, names.items[i]);
	}
	strlist_free(&names);
	return sb.data ? sb.data : "";
}

static const char *quoted(const char *name)
{
	static StrBuf sb;
	sb_reset(&sb);
	pod_tags_append_name(&sb, name, strlen(name));
	return sb.data;
}

/* What value_write_json writes for an integer, or "(refused)". */
static const char *written_integer(const char *digits)
{
	static char result[64];
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	JsonWriter w;
	json_writer_init(&w, mem, true, -1);
	StrBuf scratch = STRBUF_INIT;
	const char *why;
	DbValue v = {digits, strlen(digits)};
	bool ok = value_write_json(&w, COL_INT, &v, &scratch, &why);
	json_writer_flush(&w);
	json_writer_free(&w);
	fclose(mem);
	snprintf(result, sizeof(result), "%s", ok ? text : "(refused)");
	free(text);
	sb_free(&scratch);
	return result;
}

static bool datetime_accepted(const char *s)
{
	StrBuf out = STRBUF_INIT;
	bool ok = value_normalize_datetime(s, strlen(s), &out);
	sb_free(&out);
	return ok;
}

/* The redacted form of a connection string, "(refused)" when it does not parse. */
static const char *redacted(const char *text)
{
	static char result[256];
	DbUrl u;
	bool ok = db_url_parse(text, &u);
	snprintf(result, sizeof(result), "%s", ok && u.redacted ? u.redacted : "(refused)");
	db_url_free(&u);
	return result;
}

void test_fuzz_regressions(void)
{
	/* tags/nul-gives-empty-name: "\0:\0:" gave one empty name (a NUL ended it) */
	CHECK_STR(parsed("\0:\0:", 4), "::");
	CHECK_STR(parsed("a\0b, \0 c", 8), "ab|c");
	CHECK_STR(parsed("\0\0", 2), "");

	/* tags/leading-blank-lost: a name with a leading tab or newline lost it when quoted and parsed again */
	CHECK_STR(parsed("\"\ta\",b", 6), "\ta|b");
	CHECK_STR(quoted("\ta"), "\"\ta\"");
	CHECK_STR(quoted("a\nb"), "\"a\nb\"");
	CHECK_STR(parsed(quoted("\ta"), strlen(quoted("\ta"))), "\ta");
	/* "\0\0\n\v": the blank after the NULs is leading, the vertical tab is not a blank */
	CHECK_STR(parsed("\0\0\n\v", 4), "\v");

	/* Found by fuzz_values and fuzz_db_url, fixed in the lead's src (inputs in tests/fuzz/regressions/). */
	/* values/integer-leading-zeros: "007" was written as is, which no JSON reader accepts */
	CHECK_STR(written_integer("007"), "7");
	CHECK_STR(written_integer("-00"), "0");
	/* values/datetime-offset-to-year-0 and -10000: an offset took the UTC year out of 1..9999 */
	CHECK(!datetime_accepted("0001-01-01 00:00+01:00"));
	CHECK(!datetime_accepted("9999-12-31 23:59-01:00"));
	CHECK(datetime_accepted("0001-01-01 01:00+01:00"));
	/* db_url/at-in-password: the mask stopped at the first '@', the parser reads to the last */
	CHECK(!strstr(redacted("mysql://u:pa@ss@host/db"), "ss@host"));
	/* db_url/keyword-tab-before-equals: libpq takes any blank around '=' */
	CHECK(!strstr(redacted("password\t=secret dbname=x"), "secret"));
	/* db_url/password-parameter-before-last-at-short */
	CHECK(!strstr(redacted("postgresql://u@h/db?password=se/cret:x@y"), "se/cret"));
	/* db_url/socket-twice-leaks: the first socket= leaked (LeakSanitizer, in the ASan build) */
	redacted("mysql://u@h/db?socket=/a&socket=/b");
}
