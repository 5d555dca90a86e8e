#include "unit.h"

#include "json_reader.h"
#include "strbuf.h"

#include <stdlib.h>

/* Every call as a line of text (bytes outside printable ASCII as \xNN), to compare reads whole. */
typedef struct Trace {
	StrBuf sb;
	uint64_t stop_at_row; /* the row callback returns false on this row (0: never) */
	uint64_t rows;
	bool stop_at_begin;
} Trace;

static void visible(StrBuf *sb, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			sb_putc(sb, (char)c);
		else
			sb_printf(sb, "\\x%02x", c);
	}
}

static bool on_begin(void *ctx, const char *table)
{
	Trace *t = ctx;
	sb_printf(&t->sb, "begin %s\n", table);
	return !t->stop_at_begin;
}

static bool on_row(void *ctx, const JsonField *fields, size_t count)
{
	static const char type_letter[] = {[JSON_NULL] = 'Z', [JSON_BOOL] = 'B', [JSON_NUMBER] = 'N',
	                                   [JSON_STRING] = 'S', [JSON_RAW] = 'R'};
	Trace *t = ctx;
	sb_puts(&t->sb, "row");
	for (size_t i = 0; i < count; i++) {
		const JsonField *f = &fields[i];
		sb_putc(&t->sb, ' ');
		visible(&t->sb, f->key, f->key_len);
		sb_printf(&t->sb, "=%c", type_letter[f->type]);
		CHECK(f->key[f->key_len] == '\0');
		if (f->type == JSON_NULL) {
			CHECK(f->text == NULL && f->len == 0);
			continue;
		}
		CHECK(f->text[f->len] == '\0');
		sb_putc(&t->sb, ':');
		visible(&t->sb, f->text, f->len);
	}
	sb_putc(&t->sb, '\n');
	return ++t->rows != t->stop_at_row;
}

static bool on_end(void *ctx, const char *table, uint64_t rows)
{
	Trace *t = ctx;
	sb_printf(&t->sb, "end %s %llu\n", table, (unsigned long long)rows);
	return true;
}

static const JsonTableHandler tracer = {on_begin, on_row, on_end, NULL};

/* opts: the chunk size and row limit (NULL: the defaults). */
static bool read_with(const JsonTableHandler *handler, const JsonReaderOptions *opts, const char *doc, size_t len,
                      Trace *t, JsonPosition *pos)
{
	FILE *f = fmemopen((void *)doc, len, "r");
	if (!f)
		return false;
	bool ok = json_read_tables(f, "test.json", handler, t, opts, pos);
	fclose(f);
	return ok;
}

static bool read_doc(const JsonReaderOptions *opts, const char *doc, size_t len, Trace *t, JsonPosition *pos)
{
	return read_with(&tracer, opts, doc, len, t, pos);
}

/* The calls a read makes, or "FAILED" (with the calls before) when it fails. */
static char *trace_with(const JsonTableHandler *handler, const JsonReaderOptions *opts, const char *doc, size_t len)
{
	Trace t = {STRBUF_INIT, 0, 0, false};
	if (!read_with(handler, opts, doc, len, &t, NULL))
		sb_puts(&t.sb, "FAILED\n");
	return sb_steal(&t.sb);
}

static char *trace_doc(const JsonReaderOptions *opts, const char *doc, size_t len)
{
	return trace_with(&tracer, opts, doc, len);
}

static const size_t chunk_sizes[] = {1, 2, 3, 7, 0};
#define NCHUNKS (sizeof(chunk_sizes) / sizeof(chunk_sizes[0]))

/* Ours: compact, one row per line, raw UTF-8 (--utf8). */
static const char compact_doc[] =
	"{\n"
	"\"t1\":[\n"
	"{\"id\":1,\"name\":\"caf\xc3\xa9 \\\"q\\\" \\\\ \\n\",\"big\":12345678901234567890,"
	"\"f\":-0.5e-3,\"ok\":true,\"no\":false,\"x\":null,\"emoji\":\"\xf0\x9f\x98\x80\","
	"\"nul\":\"a\\u0000b\",\"j\":{\"a\":[1,2.5,{\"b\":null}],\"c\":\"d\\\"e\\u0001\xc3\xa9\","
	"\"e\":{}}},\n"
	"{\"id\":2,\"caf\xc3\xa9\":\"/x\",\"tags\":[],\"deep\":[[[]]],\"neg\":-0}\n"
	"],\n"
	"\"empty\":[],\n"
	"\"t3\":[\n"
	"{\"a\":1.0}\n"
	"]\n"
	"}\n";

/* Upstream's: Python's json.dump(data, f, indent=4), ASCII with \u escapes, no final newline. */
static const char upstream_doc[] =
	"{\n"
	"    \"t1\": [\n"
	"        {\n"
	"            \"id\": 1,\n"
	"            \"name\": \"caf\\u00e9 \\\"q\\\" \\\\ \\n\",\n"
	"            \"big\": 12345678901234567890,\n"
	"            \"f\": -0.5e-3,\n"
	"            \"ok\": true,\n"
	"            \"no\": false,\n"
	"            \"x\": null,\n"
	"            \"emoji\": \"\\ud83d\\ude00\",\n"
	"            \"nul\": \"a\\u0000b\",\n"
	"            \"j\": {\n"
	"                \"a\": [\n"
	"                    1,\n"
	"                    2.5,\n"
	"                    {\n"
	"                        \"b\": null\n"
	"                    }\n"
	"                ],\n"
	"                \"c\": \"d\\\"e\\u0001\\u00e9\",\n"
	"                \"e\": {}\n"
	"            }\n"
	"        },\n"
	"        {\n"
	"            \"id\": 2,\n"
	"            \"caf\\u00e9\": \"\\/x\",\n"
	"            \"tags\": [],\n"
	"            \"deep\": [\n"
	"                [\n"
	"                    []\n"
	"                ]\n"
	"            ],\n"
	"            \"neg\": -0\n"
	"        }\n"
	"    ],\n"
	"    \"empty\": [],\n"
	"    \"t3\": [\n"
	"        {\n"
	"            \"a\": 1.0\n"
	"        }\n"
	"    ]\n"
	"}";

static const char expected_calls[] =
	"begin t1\n"
	"row id=N:1 name=S:caf\\xc3\\xa9 \"q\" \\ \\x0a big=N:12345678901234567890 f=N:-0.5e-3"
	" ok=B:true no=B:false x=Z emoji=S:\\xf0\\x9f\\x98\\x80 nul=S:a\\x00b"
	" j=R:{\"a\":[1,2.5,{\"b\":null}],\"c\":\"d\\\"e\\u0001\\xc3\\xa9\",\"e\":{}}\n"
	"row id=N:2 caf\\xc3\\xa9=S:/x tags=R:[] deep=R:[[[]]] neg=N:-0\n"
	"end t1 2\n"
	"begin empty\n"
	"end empty 0\n"
	"begin t3\n"
	"row a=N:1.0\n"
	"end t3 1\n";

static char *with_crlf(const char *s)
{
	StrBuf sb = STRBUF_INIT;
	for (; *s; s++)
		sb_puts(&sb, *s == '\n' ? "\r\n" : (char[]){*s, 0});
	return sb_steal(&sb);
}

/* Ours and upstream's give the same calls, whatever the chunk boundaries. */
static void test_same_calls(void)
{
	char *crlf = with_crlf(upstream_doc);
	for (size_t c = 0; c < NCHUNKS; c++) {
		JsonReaderOptions opts = {.chunk_size = chunk_sizes[c]};
		const char *docs[] = {compact_doc, upstream_doc, crlf};
		for (size_t d = 0; d < 3; d++) {
			char *calls = trace_doc(&opts, docs[d], strlen(docs[d]));
			CHECK_STR(calls, expected_calls);
			free(calls);
		}
	}
	free(crlf);
}

typedef struct Captured {
	char text[16], key[16];
	size_t len, key_len;
} Captured;

static bool capture_first(void *ctx, const JsonField *fields, size_t count)
{
	Captured *c = ctx;
	if (count >= 1 && fields[0].len <= sizeof(c->text) && fields[0].key_len <= sizeof(c->key)) {
		memcpy(c->text, fields[0].text, fields[0].len);
		c->len = fields[0].len;
		memcpy(c->key, fields[0].key, fields[0].key_len);
		c->key_len = fields[0].key_len;
	}
	return true;
}

/* \u0000 is a NUL inside the text, counted in its length; the surrogate pair is one character. */
static void test_nul_and_pairs(void)
{
	static const char doc[] = "{\"t\":[{\"k\\u0000\":\"a\\u0000b\\ud83d\\ude00\"}]}";
	JsonTableHandler h = {NULL, capture_first, NULL, NULL};
	Captured c = {{0}, {0}, 0, 0};
	FILE *f = fmemopen((void *)doc, strlen(doc), "r");
	CHECK(json_read_tables(f, "nul.json", &h, &c, NULL, NULL));
	fclose(f);
	CHECK(c.len == 7 && memcmp(c.text, "a\0b\xf0\x9f\x98\x80", 7) == 0);
	CHECK(c.key_len == 2 && memcmp(c.key, "k\0", 2) == 0);
}

static void test_empty_ones(void)
{
	static const struct {
		const char *doc, *calls;
	} cases[] = {
		{"{}", ""},
		{" \n{ }\n\n", ""},
		{"{\"t\": []}", "begin t\nend t 0\n"},
		{"{\"t\":[{}],\"u\":[]}", "begin t\nrow\nend t 1\nbegin u\nend u 0\n"},
		{"{\"\":[{\"\":\"\"}]}", "begin \nrow =S:\nend  1\n"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *calls = trace_doc(NULL, cases[i].doc, strlen(cases[i].doc));
		CHECK_STR(calls, cases[i].calls);
		free(calls);
	}
}

/* Cut anywhere, each document must fail (and not crash), whatever the chunk size; whole, it passes. */
static void check_cuts(const JsonTableHandler *handler, const char *const *docs, size_t count)
{
	const size_t sizes[] = {1, 3, 0};
	for (size_t z = 0; z < 3; z++) {
		JsonReaderOptions opts = {.chunk_size = sizes[z]};
		for (size_t d = 0; d < count; d++) {
			size_t len = strlen(docs[d]);
			/* a doc ending with "}\n": cutting the newline leaves it whole */
			size_t whole = docs[d][len - 1] == '\n' ? len - 1 : len;
			int passed = 0;
			for (size_t cut = 0; cut < whole; cut++) {
				Trace t = {STRBUF_INIT, 0, 0, false};
				if (read_with(handler, &opts, docs[d], cut, &t, NULL))
					passed++;
				sb_free(&t.sb);
			}
			CHECK(passed == 0);
			Trace t = {STRBUF_INIT, 0, 0, false};
			CHECK(read_with(handler, &opts, docs[d], whole, &t, NULL));
			sb_free(&t.sb);
		}
	}
}

/* The whole one plus whitespace passes too. */
static void test_truncated(void)
{
	const char *const docs[] = {compact_doc, upstream_doc};
	check_cuts(&tracer, docs, 2);
	char *padded = xmalloc(sizeof(upstream_doc) + 8);
	strcpy(padded, upstream_doc);
	strcat(padded, " \r\n\t\n");
	char *calls = trace_doc(NULL, padded, strlen(padded));
	CHECK_STR(calls, expected_calls);
	free(calls);
	free(padded);
}

/* Bad input: fails, at this line, column and byte, whatever the chunk size. */
static void test_errors(void)
{
	static const struct {
		const char *doc;
		size_t len; /* 0: strlen */
		unsigned line, column;
	} cases[] = {
		{"{\"t\":[]} x", 0, 1, 10},              /* trailing garbage */
		{"{} {}", 0, 1, 4},                      /* a second document */
		{"[{\"t\":[]}]", 0, 1, 1},               /* top level an array */
		{"5", 0, 1, 1},                          /* top level a number */
		{"\"x\"", 0, 1, 3},                      /* top level a string */
		{"{\"t\": {}}", 0, 1, 7},                /* a table not an array */
		{"{\"t\": 12}", 0, 1, 8},
		{"{\"t\": [1]}", 0, 1, 8},               /* a row that is a number */
		{"{\"t\": [{}, []]}", 0, 1, 12},         /* a row that is an array */
		{"{\"t\": [null]}", 0, 1, 11},
		{"{\"t\": [], \"t\": []}", 0, 1, 13},    /* duplicate table */
		{"{\"t\": [{\"a\": 1, \"a\": 2}]}", 0, 1, 19}, /* duplicate key */
		{"{\"t\": [{\"a\": \"x\xff\"}]}", 0, 1, 16},      /* invalid UTF-8 */
		{"{\"t\": [{\"a\": \"x\xc0\x80\"}]}", 0, 1, 16},  /* overlong NUL */
		{"{\"t\": [{\"a\": \"x\xed\xa0\x80\"}]}", 0, 1, 16}, /* an encoded surrogate */
		{"{\"t\": [{\"a\": \"x\xf4\x90\x80\x80\"}]}", 0, 1, 16}, /* above U+10FFFF */
		{"{\"t\": [{\"a\": \"x\xc3\"}]}", 0, 1, 16},      /* cut sequence */
		{"{\"t\": [{\"a\": \"\xe2\x82\xac\xe2\x82\"}]}", 0, 1, 18},
		{"{\"t\": []}\xff", 0, 1, 10},
		{"\xef\xbb\xbf{\"t\": []}", 0, 1, 1},     /* a byte order mark */
		{"{\"t\": [\0]}", 10, 1, 8},              /* NUL bytes */
		{"{\"t\": [{\"a\": \"x\0\"}]}", 19, 1, 16},
		{"{\"t\": [{\"a\": \"x\ty\"}]}", 0, 1, 16},  /* raw control character */
		{"{\"t\": [{\"a\": \"x\\ud800\"}]}", 0, 1, 16},       /* lone high surrogate */
		{"{\"t\": [{\"a\": \"x\\ud800y\"}]}", 0, 1, 16},
		{"{\"t\": [{\"a\": \"x\\ud800\\n\"}]}", 0, 1, 16},
		{"{\"t\": [{\"a\": \"x\\ud800\\u0041\"}]}", 0, 1, 16},
		{"{\"t\": [{\"a\": \"x\\ud800\\ud800\"}]}", 0, 1, 16},
		{"{\"t\": [{\"a\": \"x\\udc00\"}]}", 0, 1, 16},       /* lone low surrogate */
		{"{\"t\": [{\"a\\uDBFF\": 1}]}", 0, 1, 11},           /* in a key */
		{"{\"t\": [{\"a\": \"\\x\"}]}", 0, 1, 15},            /* bad escape */
		{"{\"t\": [{\"a\": 01}]}", 0, 1, 15},                 /* bad numbers */
		{"{\"t\": [{\"a\": 1.}]}", 0, 1, 15},
		{"{\"t\": [{\"a\": NaN}]}", 0, 1, 14},
		{"{\"t\": [{\"a\": tru}]}", 0, 1, 16},
		{"{\"t\": [{\"a\": 1,}]}", 0, 1, 16},                 /* trailing comma */
		{"{\"t\": [{a: 1}]}", 0, 1, 9},                       /* unquoted key */
		{"{\n    \"t\": [\n        {\n            \"a\": 1,\n            \"b\": x\n", 0, 5, 18},
		{"{\n    \"t\": [\n        {\n            \"a\": 1\n            \"b\": 2\n", 0, 5, 14},
		{"{\n  \"t\": [\n    {\"s\": \"\xc3\xa9\\ud800\"}\n", 0, 3, 14},
		{"{\"t\": [", 0, 1, 8},                              /* truncated: at the end */
		{"{\"t\": []\n  \n", 0, 3, 1},
		{"  \n", 0, 2, 1},                                   /* only whitespace */
		{"", 0, 1, 1},                                       /* empty */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *doc = cases[i].doc;
		size_t len = cases[i].len ? cases[i].len : strlen(doc);
		for (size_t c = 0; c < NCHUNKS; c++) {
			JsonReaderOptions opts = {.chunk_size = chunk_sizes[c]};
			Trace t = {STRBUF_INIT, 0, 0, false};
			JsonPosition pos = {0, 0, 0};
			bool ok = read_doc(&opts, doc, len, &t, &pos);
			CHECK(!ok);
			if (ok || pos.line != cases[i].line || pos.column != cases[i].column) {
				unit_failed++;
				fprintf(stderr, "FAIL case %zu, chunk %zu: line %llu, column %llu, expected %u, %u\n",
				        i, chunk_sizes[c], (unsigned long long)pos.line,
				        (unsigned long long)pos.column, cases[i].line, cases[i].column);
			}
			sb_free(&t.sb);
		}
	}
	/* the byte offset counts from 0, on every line */
	JsonPosition pos = {0, 0, 0};
	Trace t = {STRBUF_INIT, 0, 0, false};
	CHECK(!read_doc(NULL, "{\n \"t\": [\n  x", 13, &t, &pos));
	CHECK(pos.line == 3 && pos.column == 3 && pos.byte == 12);
	sb_free(&t.sb);
}

/* Tables whose name starts with 's', "t1" and "empty" are skipped. */
static bool skip_some(void *ctx, const char *table)
{
	(void)ctx;
	return table[0] == 's' || strcmp(table, "t1") == 0 || strcmp(table, "empty") == 0;
}

static const JsonTableHandler skipper = {on_begin, on_row, on_end, skip_some};

static bool read_doc_skipping(const JsonReaderOptions *opts, const char *doc, size_t len, Trace *t,
                              JsonPosition *pos)
{
	return read_with(&skipper, opts, doc, len, t, pos);
}

static char *trace_skipping(const JsonReaderOptions *opts, const char *doc, size_t len)
{
	return trace_with(&skipper, opts, doc, len);
}

/*
 * Skipped tables: begin and end are called (with the rows counted), rows
 * are not; brackets inside strings and escaped quotes do not end them; the
 * tables after them read as usual, whatever the chunk boundaries.
 */
static void test_skipped_tables(void)
{
	static const char tricky[] = "{\"s\":[{\"a\":\"]}\\\"[{\",\"b\":[1,{\"c\":\"\\\\\"}],\"d\":{}},{}],"
	                             "\"t\":[{\"x\":\"}\"}],\"s2\":[]}";
	char *crlf = with_crlf(upstream_doc);
	for (size_t c = 0; c < NCHUNKS; c++) {
		JsonReaderOptions opts = {.chunk_size = chunk_sizes[c]};
		const char *docs[] = {compact_doc, upstream_doc, crlf};
		for (size_t d = 0; d < 3; d++) {
			char *calls = trace_skipping(&opts, docs[d], strlen(docs[d]));
			CHECK_STR(calls, "begin t1\nend t1 2\nbegin empty\nend empty 0\nbegin t3\nrow a=N:1.0\nend t3 1\n");
			free(calls);
		}
		char *calls = trace_skipping(&opts, tricky, strlen(tricky));
		CHECK_STR(calls, "begin s\nend s 2\nbegin t\nrow x=S:}\nend t 1\nbegin s2\nend s2 0\n");
		free(calls);
	}
	free(crlf);

	const char *const docs[] = {compact_doc, upstream_doc, tricky};
	check_cuts(&skipper, docs, 3);

	/* encoding errors inside a skipped table are found; errors after one are placed as without skipping */
	static const struct {
		const char *doc;
		size_t len;
	} bad[] = {
		{"{\"s\": [{\"a\": \"x\xff\"}], \"t\": []}", 0},
		{"{\"s\": [{\"a\": \"x\xc0\x80\"}]}", 0},
		{"{\"s\": [{\"a\": \"x\0\"}]}", 19},
		{"{\"s\": [{\"a\": \"x\ty\"}]}", 0},
		{"{\"s\": [{\"a\": \"x\\ud800\"}]}", 0},
		{"{\"s\": [{\"a\": 1}],\n \"t\": [{\"x\": tru}]}", 0},
		{"{\"s\": [{\"a\": 1}],\n \"s\": []}", 0},
		{"{\"s\": [{\"a\": 1}]\n \"t\": []}", 0},
		{"{\"s\": [{\"a\": 1}]}\n x", 0},
		{"{\"s\": [{\"a\": 1}]]}", 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].doc);
		for (size_t c = 0; c < NCHUNKS; c++) {
			JsonReaderOptions opts = {.chunk_size = chunk_sizes[c]};
			Trace a = {STRBUF_INIT, 0, 0, false}, b = {STRBUF_INIT, 0, 0, false};
			JsonPosition skipping = {0, 0, 0}, reading = {0, 0, 0};
			CHECK(!read_doc_skipping(&opts, bad[i].doc, len, &a, &skipping));
			CHECK(!read_doc(&opts, bad[i].doc, len, &b, &reading));
			if (skipping.line != reading.line || skipping.column != reading.column ||
			    skipping.byte != reading.byte) {
				unit_failed++;
				fprintf(stderr, "FAIL skipped case %zu, chunk %zu: line %llu, column %llu, expected %llu, %llu\n",
				        i, chunk_sizes[c], (unsigned long long)skipping.line,
				        (unsigned long long)skipping.column, (unsigned long long)reading.line,
				        (unsigned long long)reading.column);
			}
			sb_free(&a.sb);
			sb_free(&b.sb);
		}
	}
}

/* A callback's false stops the read at once. */
static void test_stops(void)
{
	Trace t = {STRBUF_INIT, 2, 0, false};
	CHECK(!read_doc(NULL, compact_doc, strlen(compact_doc), &t, NULL));
	CHECK(t.rows == 2 && strstr(t.sb.data, "end t1") == NULL);
	sb_free(&t.sb);
	Trace b = {STRBUF_INIT, 0, 0, true};
	CHECK(!read_doc(NULL, compact_doc, strlen(compact_doc), &b, NULL));
	CHECK_STR(b.sb.data, "begin t1\n");
	sb_free(&b.sb);
	/* without a handler, the file is only checked */
	FILE *f = fmemopen((void *)upstream_doc, strlen(upstream_doc), "r");
	CHECK(json_read_tables(f, "check.json", NULL, NULL, NULL, NULL));
	fclose(f);
}

/* A document of one table holding one row made by fill(). */
static char *one_row_doc(void (*fill)(StrBuf *, size_t), size_t n)
{
	StrBuf sb = STRBUF_INIT;
	sb_puts(&sb, "{\"t\": [{\"id\": 1}, {");
	fill(&sb, n);
	sb_puts(&sb, "}, {\"id\": 3}]}");
	return sb_steal(&sb);
}

static void long_text(StrBuf *sb, size_t n)
{
	sb_puts(sb, "\"text\": \"");
	for (size_t i = 0; i < n; i++)
		sb_putc(sb, (char)('a' + i % 26));
	sb_putc(sb, '"');
}

static void many_keys(StrBuf *sb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_printf(sb, "%s\"k%zu\": %zu", i ? ", " : "", i, i);
}

static void many_keys_dup(StrBuf *sb, size_t n)
{
	many_keys(sb, n);
	sb_puts(sb, ", \"k7\": 0");
}

static void nested(StrBuf *sb, size_t levels)
{
	sb_puts(sb, "\"j\": ");
	for (size_t i = 0; i < levels; i++)
		sb_puts(sb, i % 2 ? "{\"a\":" : "[");
	sb_putc(sb, '0');
	for (size_t i = levels; i-- > 0;)
		sb_putc(sb, i % 2 ? '}' : ']');
}

static bool read_string(const JsonReaderOptions *opts, const char *doc, uint64_t *rows)
{
	Trace t = {STRBUF_INIT, 0, 0, false};
	bool ok = read_doc(opts, doc, strlen(doc), &t, NULL);
	*rows = t.rows;
	sb_free(&t.sb);
	return ok;
}

static void test_limits(void)
{
	uint64_t rows;
	char *doc = one_row_doc(long_text, 100000); /* a 100 kB text is fine */
	CHECK(read_string(NULL, doc, &rows) && rows == 3);
	for (size_t c = 0; c < NCHUNKS; c++) { /* over the limit, delivered whole or still pending */
		JsonReaderOptions opts = {.chunk_size = chunk_sizes[c] * 1000, .max_row_bytes = 50000};
		CHECK(!read_string(&opts, doc, &rows) && rows == 1);
	}
	free(doc);

	doc = one_row_doc(many_keys, 20000); /* duplicates found fast in a wide row */
	CHECK(read_string(NULL, doc, &rows) && rows == 3);
	free(doc);
	doc = one_row_doc(many_keys_dup, 20000);
	CHECK(!read_string(NULL, doc, &rows) && rows == 1);
	free(doc);

	doc = one_row_doc(nested, JSON_READER_MAX_NESTING);
	CHECK(read_string(NULL, doc, &rows) && rows == 3);
	free(doc);
	doc = one_row_doc(nested, JSON_READER_MAX_NESTING + 1);
	CHECK(!read_string(NULL, doc, &rows) && rows == 1);
	free(doc);

	StrBuf sb = STRBUF_INIT;
	sb_putc(&sb, '{');
	for (int i = 0; i < JSON_READER_MAX_TABLES; i++)
		sb_printf(&sb, "%s\"t%d\":[]", i ? "," : "", i);
	sb_putc(&sb, '}');
	CHECK(read_string(NULL, sb.data, &rows));
	sb.len--;
	sb_puts(&sb, ",\"one more\":[]}");
	CHECK(!read_string(NULL, sb.data, &rows));
	sb_free(&sb);
}

void test_json_reader(void)
{
	test_same_calls();
	test_nul_and_pairs();
	test_empty_ones();
	test_truncated();
	test_errors();
	test_stops();
	test_skipped_tables();
	test_limits();
}
