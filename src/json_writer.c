#include "json_writer.h"

#include "log.h"
#include "utf8.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void json_writer_init(JsonWriter *w, FILE *out, bool ascii_only, int indent)
{
	*w = (JsonWriter){0};
	w->out = out;
	w->buf = xmalloc(JSON_WRITER_BUFFER);
	w->ascii_only = ascii_only;
	w->indent = indent;
	w->first[0] = true;
}

void json_writer_free(JsonWriter *w)
{
	free(w->buf);
	w->buf = NULL;
	w->used = 0;
}

/* fwrite that remembers the first failure (disk full), so that long writes can stop early. */
static void write_out(JsonWriter *w, const char *p, size_t n)
{
	if (fwrite(p, 1, n, w->out) != n && !w->error)
		w->error = errno ? errno : EIO;
}

void json_writer_flush(JsonWriter *w)
{
	if (w->used)
		write_out(w, w->buf, w->used);
	w->used = 0;
}

static inline void put(JsonWriter *w, const char *p, size_t n)
{
	if (n > JSON_WRITER_BUFFER - w->used) {
		json_writer_flush(w);
		if (n > JSON_WRITER_BUFFER) {
			write_out(w, p, n);
			return;
		}
	}
	memcpy(w->buf + w->used, p, n);
	w->used += n;
}

static inline void put_char(JsonWriter *w, char c)
{
	if (w->used == JSON_WRITER_BUFFER)
		json_writer_flush(w);
	w->buf[w->used++] = c;
}

static inline void put_str(JsonWriter *w, const char *s) { put(w, s, strlen(s)); }

static void newline_indent(JsonWriter *w, int depth)
{
	put_char(w, '\n');
	for (int i = 0; i < depth * w->indent; i++)
		put_char(w, ' ');
}

/* Items of the top-level object and of its arrays go one per line even when compact. */
static bool breaks_lines(const JsonWriter *w, int depth)
{
	return w->indent > 0 || (w->indent == 0 && depth <= 2);
}

/* Separator and line break before a value (or key) at the current depth. */
static void before_item(JsonWriter *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth])
		put_char(w, ',');
	if (breaks_lines(w, w->depth))
		newline_indent(w, w->depth);
	w->first[w->depth] = false;
}

static void begin_container(JsonWriter *w, char open)
{
	before_item(w);
	put_char(w, open);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void end_container(JsonWriter *w, char close)
{
	bool empty = w->first[w->depth];
	if (!empty && breaks_lines(w, w->depth))
		newline_indent(w, w->depth - 1);
	put_char(w, close);
	if (w->depth > 0)
		w->depth--;
}

void json_begin_object(JsonWriter *w) { begin_container(w, '{'); }
void json_end_object(JsonWriter *w) { end_container(w, '}'); }
void json_begin_array(JsonWriter *w) { begin_container(w, '['); }
void json_end_array(JsonWriter *w) { end_container(w, ']'); }

/* Bytes that cannot be copied as they are into a JSON string (non-ASCII: only with ascii_only). */
static bool plain_byte(unsigned char c, bool ascii_only)
{
	return c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || !ascii_only);
}

static void write_escaped(JsonWriter *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	bool ascii_only = w->ascii_only;
	put_char(w, '"');
	size_t i = 0;
	while (i < len) {
		/* copy the longest run that needs no escaping in one call */
		size_t run = i;
		while (run < len && plain_byte(u[run], ascii_only))
			run++;
		if (run > i) {
			put(w, s + i, run - i);
			i = run;
			continue;
		}
		unsigned c = u[i];
		const char *short_escape = NULL;
		switch (c) {
		case '"': short_escape = "\\\""; break;
		case '\\': short_escape = "\\\\"; break;
		case '\n': short_escape = "\\n"; break;
		case '\r': short_escape = "\\r"; break;
		case '\t': short_escape = "\\t"; break;
		case '\b': short_escape = "\\b"; break;
		case '\f': short_escape = "\\f"; break;
		default: break;
		}
		if (short_escape) {
			put(w, short_escape, 2);
			i++;
			continue;
		}
		unsigned cp = c;
		size_t n = c < 0x80 ? 1 : utf8_decode(u + i, len - i, &cp);
		i += n; /* validated before: n > 0 */
		unsigned units[2] = {cp, 0};
		int count = 1;
		if (cp > 0xFFFF) {
			cp -= 0x10000;
			units[0] = 0xD800 | (cp >> 10);
			units[1] = 0xDC00 | (cp & 0x3FF);
			count = 2;
		}
		for (int k = 0; k < count; k++) {
			char esc[6] = {'\\', 'u', hex[(units[k] >> 12) & 15], hex[(units[k] >> 8) & 15],
			               hex[(units[k] >> 4) & 15], hex[units[k] & 15]};
			put(w, esc, sizeof(esc));
		}
	}
	put_char(w, '"');
}

bool json_prepare_key(const JsonWriter *w, const char *key, size_t len, StrBuf *out)
{
	if (!utf8_validate(key, len, NULL))
		return false;
	/* render through a scratch writer so the escaping is the same */
	JsonWriter scratch;
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	if (!mem)
		return false;
	json_writer_init(&scratch, mem, w->ascii_only, w->indent);
	write_escaped(&scratch, key, len);
	put_str(&scratch, w->indent > 0 ? ": " : ":");
	json_writer_flush(&scratch);
	json_writer_free(&scratch);
	fclose(mem);
	sb_append(out, text, size);
	free(text);
	return true;
}

void json_key_prepared(JsonWriter *w, const char *rendered, size_t len)
{
	before_item(w);
	put(w, rendered, len);
	w->after_key = true;
}

bool json_key(JsonWriter *w, const char *key, size_t len)
{
	if (!utf8_validate(key, len, NULL))
		return false;
	before_item(w);
	write_escaped(w, key, len);
	put_str(w, w->indent > 0 ? ": " : ":");
	w->after_key = true;
	return true;
}

bool json_string(JsonWriter *w, const char *s, size_t len)
{
	if (!utf8_validate(s, len, NULL))
		return false;
	before_item(w);
	write_escaped(w, s, len);
	return true;
}

void json_number(JsonWriter *w, const char *digits, size_t len)
{
	before_item(w);
	put(w, digits, len);
}

void json_bool(JsonWriter *w, bool value)
{
	before_item(w);
	put_str(w, value ? "true" : "false");
}

void json_null(JsonWriter *w)
{
	before_item(w);
	put_str(w, "null");
}

void json_finish(JsonWriter *w)
{
	put_char(w, '\n');
	json_writer_flush(w);
}

bool json_writer_ok(const JsonWriter *w)
{
	if (!w->error)
		return true;
	if (json_writer_cancelled(w))
		return false;
	log_error("cannot write the output: %s", strerror(w->error));
	return false;
}

bool json_writer_cancelled(const JsonWriter *w)
{
	return w->error == ECANCELED;
}
