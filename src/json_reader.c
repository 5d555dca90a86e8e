#include "json_reader.h"

#include "log.h"
#include "strbuf.h"
#include "strmap.h"
#include "utf8.h"

#include <yajl/yajl_parse.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK_SIZE ((size_t)64 << 10)

/*
 * Checks on the raw bytes, just ahead of yajl, for what yajl lets through:
 * it accepts overlong UTF-8 and encoded surrogates, turns a lone high
 * surrogate escape into "?" and pairs one with whatever \u escape follows.
 * Working on the bytes rather than on yajl's decoded strings gives exact
 * positions, for NUL bytes and control characters in strings too.
 */
typedef enum {
	RAW_OUT,           /* between strings */
	RAW_STRING,
	RAW_ESCAPE,        /* after a backslash */
	RAW_HEX,           /* in the 4 digits of a \u escape */
	RAW_LOW_BACKSLASH, /* after a high surrogate: its low half must follow */
	RAW_LOW_U,
} RawState;

typedef struct RawCheck {
	RawState state;
	int hex_digits;
	unsigned hex_value;
	bool want_low;         /* the \u escape being read must be a low surrogate */
	unsigned high;         /* the high surrogate waiting for it */
	uint64_t escape_start; /* offset of the \u escape (of the high half in a pair) */
	int utf8_need;         /* continuation bytes still expected */
	unsigned utf8_lo, utf8_hi; /* range of the next one (excludes overlong forms...) */
	uint64_t utf8_start;
	unsigned utf8_first; /* its first byte, for the message */
	char problem[96]; /* set (non-empty) when raw_check found a problem */
	uint64_t problem_pos;
} RawCheck;

static size_t raw_fail(RawCheck *rc, uint64_t pos, size_t stop, const char *what, unsigned value)
{
	snprintf(rc->problem, sizeof(rc->problem), what, value);
	rc->problem_pos = pos;
	return stop;
}

/* Starts a UTF-8 sequence at its first byte; false when c cannot start one. */
static bool utf8_lead(RawCheck *rc, unsigned c, uint64_t pos)
{
	rc->utf8_lo = 0x80, rc->utf8_hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		rc->utf8_need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		rc->utf8_need = 2;
		if (c == 0xE0)
			rc->utf8_lo = 0xA0; /* overlong */
		else if (c == 0xED)
			rc->utf8_hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		rc->utf8_need = 3;
		if (c == 0xF0)
			rc->utf8_lo = 0x90; /* overlong */
		else if (c == 0xF4)
			rc->utf8_hi = 0x8F; /* above U+10FFFF */
	} else {
		return false;
	}
	rc->utf8_start = pos;
	rc->utf8_first = c;
	return true;
}

static int hex_digit(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10) : -1;
}

/*
 * Word-at-a-time tests: bit 7 is set in the bytes that match, exactly up to
 * the first match (a borrow may flag bytes after it, which are not looked at).
 */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

static uint64_t bytes_below(uint64_t w, unsigned n) { return (w - ONES * n) & ~w & HIGHS; }
static uint64_t bytes_equal(uint64_t w, unsigned c) { return bytes_below(w ^ (ONES * c), 1); }

#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED(m) ((size_t)__builtin_ctzll(m) / 8)
#endif

/*
 * The bytes to look at: between strings '"', NUL and non-ASCII; inside a
 * string '"', '\\', control characters and non-ASCII.
 */
static inline uint64_t attention(uint64_t w, bool in_string)
{
	if (in_string)
		return (w & HIGHS) | bytes_below(w, 0x20) | bytes_equal(w, '"') | bytes_equal(w, '\\');
	return (w & HIGHS) | bytes_below(w, 1) | bytes_equal(w, '"');
}

/*
 * Skips whole words with no byte to look at; true when *i is then at the
 * first such byte, false when the bytes from *i are still to be looked at.
 */
static inline bool skip_words(const unsigned char *s, size_t *i, size_t n, bool in_string)
{
	for (uint64_t w; *i + 8 <= n; *i += 8) {
		memcpy(&w, s + *i, 8);
		uint64_t m = attention(w, in_string);
		if (m) {
#ifdef FIRST_FLAGGED
			*i += FIRST_FLAGGED(m);
			return true;
#else
			return false; /* the word holds it */
#endif
		}
	}
	return false;
}

/* Skips the bytes that need no attention between strings. */
static size_t skip_plain_out(const unsigned char *s, size_t i, size_t n)
{
	if (skip_words(s, &i, n, false))
		return i;
	while (i < n && s[i] != '"' && s[i] != 0 && s[i] < 0x80)
		i++;
	return i;
}

/* The same inside a string. */
static size_t skip_plain_string(const unsigned char *s, size_t i, size_t n)
{
	if (skip_words(s, &i, n, true))
		return i;
	while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

static int hex4(const unsigned char *p)
{
	int v = 0;
	for (int k = 0; k < 4; k++) {
		int d = hex_digit(p[k]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Length of a complete escape at p that is surely fine ("\n", "\u00e9", a surrogate pair), else 0. */
static size_t escape_length(const unsigned char *p, size_t avail)
{
	if (avail < 2)
		return 0;
	if (p[1] != 'u') /* a bad one is yajl's to report */
		return p[1] >= 0x20 && p[1] < 0x7f ? 2 : 0;
	int v = avail >= 6 ? hex4(p + 2) : -1;
	if (v < 0)
		return 0;
	if (v < 0xD800 || v > 0xDFFF)
		return 6;
	if (v > 0xDBFF || avail < 12 || p[6] != '\\' || p[7] != 'u')
		return 0;
	int low = hex4(p + 8);
	return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
}

/*
 * Skips string content that is surely fine and whole within the chunk, at
 * word speed where it can; stops at the rest (the string's end, a chunk
 * boundary inside an escape or a UTF-8 sequence, a fault) for the states.
 */
static size_t skip_string(const unsigned char *s, size_t i, size_t n)
{
	for (;;) {
		i = skip_plain_string(s, i, n);
		if (i == n)
			return n;
		size_t len = 0;
		unsigned cp;
		if (s[i] == '\\')
			len = escape_length(s + i, n - i);
		else if (s[i] >= 0xC2 && s[i] <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80)
			len = 2; /* accented Latin letters: the common case */
		else if (s[i] >= 0x80)
			len = utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			return i;
		i += len;
	}
}

#define BAD_BYTE "invalid UTF-8 (byte 0x%02x)"
#define BAD_SEQUENCE "invalid UTF-8 (a sequence starting with byte 0x%02x)"
#define LONE_SURROGATE "lone surrogate \\u%04x in a string (not a Unicode character)"

/*
 * Scans s (at file offset base); returns how many bytes are fine to parse,
 * all unless rc->problem was set (the bytes may include the end of the
 * faulty escape). Malformed JSON is left to yajl, which gets those bytes
 * first so that an earlier syntax error is the one reported.
 */
static size_t raw_check(RawCheck *rc, const unsigned char *s, size_t n, uint64_t base)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (rc->utf8_need > 0) {
			if (c < rc->utf8_lo || c > rc->utf8_hi)
				return raw_fail(rc, rc->utf8_start, i, BAD_SEQUENCE, rc->utf8_first);
			rc->utf8_lo = 0x80, rc->utf8_hi = 0xBF;
			rc->utf8_need--;
			i++;
			continue;
		}
		switch (rc->state) {
		case RAW_OUT:
			i = skip_plain_out(s, i, n);
			if (i == n)
				return n;
			c = s[i];
			if (c == '"')
				rc->state = RAW_STRING;
			else if (c == 0)
				return raw_fail(rc, base + i, i, "NUL byte (not a JSON text file?)", 0);
			else if (!utf8_lead(rc, c, base + i))
				return raw_fail(rc, base + i, i, BAD_BYTE, c);
			i++;
			break;
		case RAW_STRING:
			i = skip_string(s, i, n);
			if (i == n)
				return n;
			c = s[i];
			if (c == '"') {
				rc->state = RAW_OUT;
			} else if (c == '\\') {
				rc->state = RAW_ESCAPE;
				rc->escape_start = base + i;
			} else if (c == 0) {
				return raw_fail(rc, base + i, i, "NUL byte (not a JSON text file?)", 0);
			} else if (c < 0x20) {
				return raw_fail(rc, base + i, i,
				                "control character 0x%02x in a string (must be escaped)", c);
			} else if (!utf8_lead(rc, c, base + i)) {
				return raw_fail(rc, base + i, i, BAD_BYTE, c);
			}
			i++;
			break;
		case RAW_ESCAPE:
			rc->state = RAW_STRING;
			if (c == 'u') {
				rc->state = RAW_HEX;
				rc->hex_digits = 0;
				rc->hex_value = 0;
				rc->want_low = false;
			}
			/* a control or non-ASCII byte is looked at again as string content */
			if (c >= 0x20 && c < 0x80)
				i++;
			break;
		case RAW_HEX: {
			int d = hex_digit(c);
			if (d < 0) { /* yajl reports the bad escape */
				rc->state = RAW_STRING;
				break;
			}
			rc->hex_value = rc->hex_value * 16 + (unsigned)d;
			i++;
			if (++rc->hex_digits < 4)
				break;
			unsigned v = rc->hex_value;
			rc->state = RAW_STRING;
			if (rc->want_low) {
				if (v < 0xDC00 || v > 0xDFFF)
					return raw_fail(rc, rc->escape_start, i, LONE_SURROGATE, rc->high);
			} else if (v >= 0xD800 && v <= 0xDBFF) {
				rc->state = RAW_LOW_BACKSLASH;
				rc->high = v;
			} else if (v >= 0xDC00 && v <= 0xDFFF) {
				return raw_fail(rc, rc->escape_start, i, LONE_SURROGATE, v);
			}
			break;
		}
		case RAW_LOW_BACKSLASH:
			if (c != '\\')
				return raw_fail(rc, rc->escape_start, i, LONE_SURROGATE, rc->high);
			rc->state = RAW_LOW_U;
			i++;
			break;
		case RAW_LOW_U:
			if (c != 'u')
				return raw_fail(rc, rc->escape_start, i, LONE_SURROGATE, rc->high);
			rc->state = RAW_HEX;
			rc->hex_digits = 0;
			rc->hex_value = 0;
			rc->want_low = true;
			i++;
			break;
		}
	}
	return n;
}

/* A column of the current row, by offsets into Reader.data (which moves as it grows). */
typedef struct FieldSlot {
	size_t key_off, key_len;
	JsonValueType type;
	size_t text_off, len;
} FieldSlot;

/* A table the handler skips: only its brackets are followed, strings aside. */
typedef struct Skip {
	bool active;
	bool in_string, escape;
	uint64_t depth; /* brackets open, the table's own '[' included */
} Skip;

typedef struct Reader {
	const char *filename;
	const JsonTableHandler *handler;
	void *ctx;
	size_t max_row_bytes;
	yajl_handle yajl;
	int depth; /* 0 outside, 1 top object, 2 a table, 3 a row, 4+ a column's nested value */
	bool done; /* the top-level object was closed */
	bool failed;
	JsonPosition error_pos;

	StrMap tables; /* the names seen, to refuse a duplicate */
	StrBuf table;  /* the current one */
	uint64_t rows; /* of the current table so far */

	StrBuf data; /* the current row's keys and values, each followed by a NUL */
	FieldSlot *slots;
	size_t nfields, slots_cap;
	JsonField *fields; /* the slots as handed to the row callback */
	size_t fields_cap;
	StrMap keys; /* of the current row, to refuse a duplicate */

	/* Where we are: the chunk yajl is parsing and the line at its start. */
	const unsigned char *chunk;
	size_t chunk_len;
	uint64_t chunk_base;
	uint64_t parse_base; /* file offset of the bytes of the current yajl_parse call */
	Skip skip;
	bool muted; /* yajl is being fed the stand-in for a skipped table */
	uint64_t line, line_start;
	uint64_t last_token_end;
	RawCheck raw;
} Reader;

/* File offset just after the token yajl is reporting (or stopped at). */
static uint64_t token_end(const Reader *r)
{
	size_t consumed = yajl_get_bytes_consumed(r->yajl);
	uint64_t left = r->chunk_base + r->chunk_len - r->parse_base;
	return r->parse_base + (consumed < left ? consumed : left);
}

/* Line and column of an offset in the current chunk, or earlier on its first line. */
static JsonPosition locate(const Reader *r, uint64_t pos)
{
	JsonPosition p = {r->line, 1, pos};
	uint64_t start = r->line_start;
	if (r->chunk && pos > r->chunk_base) {
		const unsigned char *c = r->chunk, *end = r->chunk + (pos - r->chunk_base);
		while ((c = memchr(c, '\n', (size_t)(end - c))) != NULL) {
			p.line++;
			c++;
			start = r->chunk_base + (uint64_t)(c - r->chunk);
		}
	}
	if (pos >= start)
		p.column = pos - start + 1;
	return p;
}

/* Logs "FILE: line L, column C (byte B): what" (only the first error counts). */
static void fail_at(Reader *r, uint64_t pos, const char *what)
{
	if (r->failed)
		return;
	JsonPosition p = locate(r, pos);
	log_error("%s: line %llu, column %llu (byte %llu): %s", r->filename,
	          (unsigned long long)p.line, (unsigned long long)p.column,
	          (unsigned long long)p.byte, what);
	r->error_pos = p;
	r->failed = true;
}

/* Fails at the last byte of the current token, with sb's message; returns 0 for yajl. */
static int fail_token(Reader *r, StrBuf *sb)
{
	uint64_t end = token_end(r);
	fail_at(r, end ? end - 1 : 0, sb->data);
	sb_free(sb);
	return 0;
}

/* A handler callback returned false, having logged why. */
static int stopped(Reader *r)
{
	if (!r->failed) {
		r->error_pos = locate(r, token_end(r));
		r->failed = true;
	}
	return 0;
}

static const char *current_table(const Reader *r) { return r->table.data; }

/* "table "t": " or "table "t", row N: " for messages. */
static void describe_place(StrBuf *sb, const Reader *r, bool in_row)
{
	const char *table = current_table(r);
	sb_puts(sb, "table \"");
	utf8_append_visible(sb, table, strlen(table), 100);
	sb_putc(sb, '"');
	if (in_row)
		sb_printf(sb, ", row %llu", (unsigned long long)r->rows);
	sb_puts(sb, ": ");
}

/* A value of the wrong kind where a table, a row or the top-level object goes. */
static int bad_value(Reader *r, const char *found)
{
	StrBuf sb = STRBUF_INIT;
	if (r->depth == 0) {
		sb_printf(&sb, "the top level is %s, not an object of tables", found);
	} else {
		if (r->depth == 2)
			r->rows++; /* it stands where that row should be */
		describe_place(&sb, r, r->depth == 2);
		sb_printf(&sb, "%s, not %s", found, r->depth == 1 ? "an array of rows" : "an object");
	}
	return fail_token(r, &sb);
}

static size_t row_bytes(const Reader *r) { return r->data.len + r->nfields * sizeof(FieldSlot); }

/* The current row (plus pending bytes of a token yajl holds) must fit the limit. */
static bool row_fits(Reader *r, uint64_t pending)
{
	if (row_bytes(r) + pending <= r->max_row_bytes)
		return true;
	StrBuf sb = STRBUF_INIT;
	describe_place(&sb, r, true);
	sb_printf(&sb, "row larger than the limit of %zu bytes", r->max_row_bytes);
	fail_token(r, &sb);
	return false;
}

/* Appends a key or a value and the NUL that ends it (one call: the hot path of every row). */
static void append_item(StrBuf *sb, const char *s, size_t len)
{
	sb_reserve(sb, len + 1);
	memcpy(sb->data + sb->len, s, len);
	sb->data[sb->len + len] = '\0';
	sb->len += len + 1;
	sb->data[sb->len] = '\0'; /* a StrBuf stays NUL-terminated */
}

/* JSON string syntax for a nested value's strings and keys; the text is valid UTF-8 already. */
static void append_json_string(StrBuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	sb_putc(sb, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_append(sb, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sb_append(sb, "\\\"", 2); break;
		case '\\': sb_append(sb, "\\\\", 2); break;
		case '\n': sb_append(sb, "\\n", 2); break;
		case '\r': sb_append(sb, "\\r", 2); break;
		case '\t': sb_append(sb, "\\t", 2); break;
		case '\b': sb_append(sb, "\\b", 2); break;
		case '\f': sb_append(sb, "\\f", 2); break;
		default: {
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sb_append(sb, esc, 6);
		}
		}
	}
	sb_append(sb, s + run, len - run);
	sb_putc(sb, '"');
}

/* Inside a nested value: a comma unless this item opens its container or follows a key. */
static void raw_separator(Reader *r)
{
	char last = r->data.data[r->data.len - 1];
	if (last != '[' && last != '{' && last != ':')
		sb_putc(&r->data, ',');
}

static int on_scalar(Reader *r, JsonValueType type, const char *text, size_t len)
{
	if (r->muted)
		return 1;
	r->last_token_end = token_end(r);
	if (r->depth == 3) {
		FieldSlot *f = &r->slots[r->nfields - 1];
		f->type = type;
		if (type != JSON_NULL) {
			f->text_off = r->data.len;
			f->len = len;
			append_item(&r->data, text, len);
		}
		return row_fits(r, 0);
	}
	if (r->depth > 3) {
		raw_separator(r);
		if (type == JSON_STRING)
			append_json_string(&r->data, text, len);
		else if (type == JSON_NULL)
			sb_append(&r->data, "null", 4);
		else
			sb_append(&r->data, text, len);
		return row_fits(r, 0);
	}
	static const char *const found[] = {
		[JSON_NULL] = "null", [JSON_BOOL] = "a boolean", [JSON_NUMBER] = "a number",
		[JSON_STRING] = "a string", [JSON_RAW] = "a nested value",
	};
	return bad_value(r, found[type]);
}

static int on_null(void *ctx) { return on_scalar(ctx, JSON_NULL, NULL, 0); }

static int on_boolean(void *ctx, int value)
{
	return value ? on_scalar(ctx, JSON_BOOL, "true", 4) : on_scalar(ctx, JSON_BOOL, "false", 5);
}

static int on_number(void *ctx, const char *text, size_t len)
{
	return on_scalar(ctx, JSON_NUMBER, text, len);
}

static int on_string(void *ctx, const unsigned char *text, size_t len)
{
	return on_scalar(ctx, JSON_STRING, (const char *)text, len);
}

static int table_key(Reader *r, const char *name, size_t len)
{
	StrBuf sb = STRBUF_INIT;
	if (memchr(name, '\0', len)) {
		sb_puts(&sb, "a table name holds a NUL character");
		return fail_token(r, &sb);
	}
	if (r->tables.count >= JSON_READER_MAX_TABLES) {
		sb_printf(&sb, "more than %d tables", JSON_READER_MAX_TABLES);
		return fail_token(r, &sb);
	}
	if (!strmap_add(&r->tables, name, len, 0)) {
		sb_puts(&sb, "duplicate table \"");
		utf8_append_visible(&sb, name, len, 100);
		sb_putc(&sb, '"');
		return fail_token(r, &sb);
	}
	sb_reset(&r->table);
	sb_append(&r->table, name, len);
	r->rows = 0;
	return 1;
}

static int row_key(Reader *r, const char *key, size_t len)
{
	if (!strmap_add(&r->keys, key, len, 0)) {
		StrBuf sb = STRBUF_INIT;
		describe_place(&sb, r, true);
		sb_puts(&sb, "duplicate key \"");
		utf8_append_visible(&sb, key, len, 100);
		sb_putc(&sb, '"');
		return fail_token(r, &sb);
	}
	r->slots = xgrow(r->slots, r->nfields, &r->slots_cap, sizeof(*r->slots));
	FieldSlot *f = &r->slots[r->nfields++];
	*f = (FieldSlot){r->data.len, len, JSON_NULL, 0, 0};
	append_item(&r->data, key, len);
	return row_fits(r, 0);
}

static int on_map_key(void *ctx, const unsigned char *key, size_t len)
{
	Reader *r = ctx;
	if (r->muted)
		return 1;
	r->last_token_end = token_end(r);
	if (r->depth == 1)
		return table_key(r, (const char *)key, len);
	if (r->depth == 3)
		return row_key(r, (const char *)key, len);
	raw_separator(r);
	append_json_string(&r->data, (const char *)key, len);
	sb_putc(&r->data, ':');
	return row_fits(r, 0);
}

static int on_open(Reader *r, char bracket)
{
	if (r->muted)
		return 1;
	r->last_token_end = token_end(r);
	const char *found = bracket == '{' ? "an object" : "an array";
	switch (r->depth) {
	case 0:
		if (bracket != '{')
			return bad_value(r, found);
		break;
	case 1:
		if (bracket != '[')
			return bad_value(r, found);
		bool skip = r->handler->skip_table && r->handler->skip_table(r->ctx, current_table(r));
		if (r->handler->table_begin && !r->handler->table_begin(r->ctx, current_table(r)))
			return stopped(r);
		if (skip) { /* stop yajl here: read_stream scans to the table's end */
			r->skip = (Skip){.active = true, .depth = 1};
			return 0;
		}
		break;
	case 2:
		if (bracket != '{')
			return bad_value(r, found);
		r->rows++;
		sb_reset(&r->data);
		r->nfields = 0;
		strmap_clear(&r->keys);
		break;
	case 3:
		r->slots[r->nfields - 1].type = JSON_RAW;
		r->slots[r->nfields - 1].text_off = r->data.len;
		sb_putc(&r->data, bracket);
		break;
	default:
		if (r->depth - 2 > JSON_READER_MAX_NESTING) {
			StrBuf sb = STRBUF_INIT;
			const FieldSlot *column = &r->slots[r->nfields - 1];
			describe_place(&sb, r, true);
			sb_puts(&sb, "column \"");
			utf8_append_visible(&sb, r->data.data + column->key_off, column->key_len, 100);
			sb_printf(&sb, "\": value nested deeper than %d levels", JSON_READER_MAX_NESTING);
			return fail_token(r, &sb);
		}
		raw_separator(r);
		sb_putc(&r->data, bracket);
		break;
	}
	r->depth++;
	return r->depth <= 3 || row_fits(r, 0);
}

static int emit_row(Reader *r)
{
	if (!r->handler->row)
		return 1;
	if (r->fields_cap < r->nfields) { /* to the slots' capacity: grown as rarely as they are */
		r->fields_cap = r->slots_cap;
		r->fields = xrealloc(r->fields, r->fields_cap * sizeof(*r->fields));
	}
	for (size_t i = 0; i < r->nfields; i++) {
		const FieldSlot *f = &r->slots[i];
		r->fields[i] = (JsonField){
			r->data.data + f->key_off, f->key_len, f->type,
			f->type == JSON_NULL ? NULL : r->data.data + f->text_off, f->len,
		};
	}
	if (!r->handler->row(r->ctx, r->fields, r->nfields))
		return stopped(r);
	return 1;
}

static int on_close(Reader *r, char bracket)
{
	if (r->muted)
		return 1;
	r->last_token_end = token_end(r);
	int depth = r->depth--;
	switch (depth) {
	case 1:
		r->done = true;
		return 1;
	case 2:
		if (r->handler->table_end && !r->handler->table_end(r->ctx, current_table(r), r->rows))
			return stopped(r);
		return 1;
	case 3:
		return emit_row(r);
	default:
		sb_putc(&r->data, bracket);
		if (depth == 4) { /* the column's value is complete */
			FieldSlot *f = &r->slots[r->nfields - 1];
			f->len = r->data.len - f->text_off;
			sb_append(&r->data, "", 1);
		}
		return row_fits(r, 0);
	}
}

static int on_start_map(void *ctx) { return on_open(ctx, '{'); }
static int on_end_map(void *ctx) { return on_close(ctx, '}'); }
static int on_start_array(void *ctx) { return on_open(ctx, '['); }
static int on_end_array(void *ctx) { return on_close(ctx, ']'); }

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number, /* raw text: big integers and decimals stay exact */
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

/* yajl's allocations abort on exhaustion like ours (yajl only asserts). */
static void *yajl_malloc_fn(void *ctx, size_t size)
{
	(void)ctx;
	return xmalloc(size);
}

static void *yajl_realloc_fn(void *ctx, void *p, size_t size)
{
	(void)ctx;
	return xrealloc(p, size);
}

static void yajl_free_fn(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static bool parse(Reader *r, const unsigned char *s, size_t n)
{
	r->parse_base = r->chunk_base + (uint64_t)(s - r->chunk);
	yajl_status status = yajl_parse(r->yajl, s, n);
	if (status == yajl_status_ok || (status == yajl_status_client_canceled && r->skip.active))
		return true;
	if (status == yajl_status_error) {
		unsigned char *msg = yajl_get_error(r->yajl, 0, s, n);
		size_t len = strlen((char *)msg);
		if (len > 0 && msg[len - 1] == '\n')
			msg[len - 1] = '\0';
		/*
		 * yajl stops just after the offending byte, or at the start of the
		 * offending token for some syntax errors: never before the end of
		 * the last token it accepted.
		 */
		uint64_t end = token_end(r);
		uint64_t pos = end ? end - 1 : 0;
		fail_at(r, pos > r->last_token_end ? pos : r->last_token_end, (char *)msg);
		yajl_free_error(r->yajl, msg);
	}
	return false; /* cancelled: the callback logged */
}

/* After a chunk: the next one starts where this one ends. */
static void advance(Reader *r)
{
	JsonPosition end = locate(r, r->chunk_base + r->chunk_len);
	r->line = end.line;
	r->line_start = end.byte - (end.column - 1);
	r->chunk_base = end.byte;
	r->chunk = NULL;
	r->chunk_len = 0;
}

static yajl_handle new_parser(Reader *r)
{
	yajl_alloc_funcs funcs = {yajl_malloc_fn, yajl_realloc_fn, yajl_free_fn, NULL};
	return yajl_alloc(&callbacks, &funcs, r);
}

/*
 * In a skipped table: returns the index just after the ']' closing it (and
 * ends the skip, counting its rows), or n. The raw check still sees these
 * bytes: strings stay checked for UTF-8, NUL and control characters.
 */
static size_t skip_scan(Reader *r, const unsigned char *s, size_t i, size_t n)
{
	Skip *k = &r->skip;
	while (i < n) {
		unsigned c = s[i++];
		if (k->in_string) {
			if (k->escape)
				k->escape = false;
			else if (c == '\\')
				k->escape = true;
			else if (c == '"')
				k->in_string = false;
			else
				i = skip_plain_string(s, i, n);
			continue;
		}
		if (c == '"') {
			k->in_string = true;
		} else if (c == '[' || c == '{') {
			if (k->depth == 1)
				r->rows++;
			k->depth++;
		} else if ((c == ']' || c == '}') && --k->depth == 0) {
			k->active = false;
			return i;
		}
	}
	return n;
}

/*
 * After a skipped table: a new yajl handle is put in the state the skipped
 * table left (inside the top-level object, after a value) by parsing a
 * stand-in with the callbacks muted, then the table is ended.
 */
static bool resume_after_skip(Reader *r, uint64_t table_end_pos)
{
	static const char stand_in[] = "{\"\":[]";
	yajl_free(r->yajl);
	r->yajl = new_parser(r);
	r->muted = true;
	yajl_status status = yajl_parse(r->yajl, (const unsigned char *)stand_in, sizeof(stand_in) - 1);
	r->muted = false;
	r->last_token_end = table_end_pos;
	if (status != yajl_status_ok) {
		fail_at(r, table_end_pos, "internal error: cannot resume parsing after a skipped table");
		return false;
	}
	if (r->handler->table_end && !r->handler->table_end(r->ctx, current_table(r), r->rows)) {
		r->error_pos = locate(r, table_end_pos);
		r->failed = true;
		return false;
	}
	return true;
}

/* Parses the checked bytes of a chunk, scanning over skipped tables. */
static bool parse_chunk(Reader *r, const unsigned char *buf, size_t good)
{
	size_t pos = 0;
	while (pos < good) {
		if (r->skip.active) {
			pos = skip_scan(r, buf, pos, good);
			if (r->skip.active) {
				r->last_token_end = r->chunk_base + good;
				return true;
			}
			if (!resume_after_skip(r, r->chunk_base + pos))
				return false;
			continue;
		}
		if (!parse(r, buf + pos, good - pos))
			return false;
		if (!r->skip.active)
			return true;
		pos += yajl_get_bytes_consumed(r->yajl);
	}
	return true;
}

static bool read_stream(Reader *r, FILE *in, unsigned char *buf, size_t size)
{
	size_t n;
	while ((n = fread(buf, 1, size, in)) > 0) {
		r->chunk = buf;
		r->chunk_len = n;
		/* a BOM would only get a lexical error: say what it is (export and json.dump never write one) */
		if (r->chunk_base == 0 && n >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
			fail_at(r, 0, "the file starts with a UTF-8 byte order mark, which JSON does not allow: remove it");
			return false;
		}
		size_t good = raw_check(&r->raw, buf, n, r->chunk_base);
		if (good > 0 && !parse_chunk(r, buf, good))
			return false;
		if (r->raw.problem[0]) {
			fail_at(r, r->raw.problem_pos, r->raw.problem);
			return false;
		}
		/* yajl holds an unfinished token whole: bound it like the row */
		uint64_t pending = r->chunk_base + n - r->last_token_end;
		if (r->depth >= 3 && !row_fits(r, pending))
			return false;
		if (r->depth < 3 && pending > r->max_row_bytes) {
			StrBuf sb = STRBUF_INIT;
			sb_printf(&sb, "a token larger than the limit of %zu bytes", r->max_row_bytes);
			fail_at(r, r->chunk_base + n - 1, sb.data);
			sb_free(&sb);
			return false;
		}
		advance(r);
	}
	if (ferror(in)) {
		if (errno != ECANCELED) /* else the writer failed, and said why */
			log_error("%s: read error: %s", r->filename, strerror(errno));
		r->error_pos = locate(r, r->chunk_base);
		return false;
	}
	if (r->chunk_base == 0) {
		log_error("%s: empty file", r->filename);
		r->error_pos = (JsonPosition){1, 1, 0};
		return false;
	}
	if (r->skip.active) {
		fail_at(r, r->chunk_base, "unexpected end of file (truncated file?)");
		return false;
	}
	r->parse_base = r->chunk_base;
	yajl_status status = yajl_complete_parse(r->yajl);
	if (status == yajl_status_client_canceled)
		return false;
	if (status != yajl_status_ok || !r->done) {
		fail_at(r, r->chunk_base, "unexpected end of file (truncated file?)");
		return false;
	}
	return true;
}

bool json_read_tables(FILE *in, const char *filename, const JsonTableHandler *handler, void *ctx,
                      const JsonReaderOptions *options, JsonPosition *error_pos)
{
	static const JsonTableHandler no_handler;
	size_t chunk_size = options && options->chunk_size ? options->chunk_size : DEFAULT_CHUNK_SIZE;
	Reader r;
	memset(&r, 0, sizeof(r));
	r.filename = filename;
	r.handler = handler ? handler : &no_handler;
	r.ctx = ctx;
	r.max_row_bytes = options && options->max_row_bytes ? options->max_row_bytes : JSON_READER_MAX_ROW_BYTES;
	r.line = 1;
	r.yajl = new_parser(&r);
	unsigned char *buf = xmalloc(chunk_size);
	bool ok = read_stream(&r, in, buf, chunk_size);
	if (!ok && error_pos)
		*error_pos = r.error_pos;
	free(buf);
	yajl_free(r.yajl);
	strmap_free(&r.tables);
	sb_free(&r.table);
	strmap_free(&r.keys);
	sb_free(&r.data);
	free(r.slots);
	free(r.fields);
	return ok;
}
