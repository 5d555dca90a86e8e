#include "json_writer.h"

#include "utf8.h"

#include <string.h>

void json_writer_init(JsonWriter *w, FILE *out, bool ascii_only, int indent)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->ascii_only = ascii_only;
	w->indent = indent;
	w->first[0] = true;
}

static void newline_indent(JsonWriter *w, int depth)
{
	putc('\n', w->out);
	for (int i = 0; i < depth * w->indent; i++)
		putc(' ', w->out);
}

/* Items of the top-level object and of its arrays go one per line even when compact. */
static bool breaks_lines(const JsonWriter *w, int depth)
{
	return w->indent > 0 || depth <= 2;
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
		putc(',', w->out);
	if (breaks_lines(w, w->depth))
		newline_indent(w, w->depth);
	w->first[w->depth] = false;
}

static void begin_container(JsonWriter *w, char open)
{
	before_item(w);
	putc(open, w->out);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void end_container(JsonWriter *w, char close)
{
	bool empty = w->first[w->depth];
	if (!empty && breaks_lines(w, w->depth))
		newline_indent(w, w->depth - 1);
	putc(close, w->out);
	if (w->depth > 0)
		w->depth--;
}

void json_begin_object(JsonWriter *w) { begin_container(w, '{'); }
void json_end_object(JsonWriter *w) { end_container(w, '}'); }
void json_begin_array(JsonWriter *w) { begin_container(w, '['); }
void json_end_array(JsonWriter *w) { end_container(w, ']'); }

static void write_escaped(JsonWriter *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	FILE *out = w->out;
	putc('"', out);
	size_t i = 0;
	while (i < len) {
		/* copy the longest run that needs no escaping in one call */
		size_t run = i;
		while (run < len && u[run] >= 0x20 && u[run] != '"' && u[run] != '\\' &&
		       (u[run] < 0x80 || !w->ascii_only))
			run++;
		if (run > i) {
			fwrite(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		unsigned c = u[i];
		switch (c) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		default: break;
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
			fwrite(esc, 1, sizeof(esc), out);
		}
	}
	putc('"', out);
}

bool json_key(JsonWriter *w, const char *key, size_t len)
{
	if (!utf8_validate(key, len, NULL))
		return false;
	before_item(w);
	write_escaped(w, key, len);
	fputs(w->indent > 0 ? ": " : ":", w->out);
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
	fwrite(digits, 1, len, w->out);
}

void json_bool(JsonWriter *w, bool value)
{
	before_item(w);
	fputs(value ? "true" : "false", w->out);
}

void json_null(JsonWriter *w)
{
	before_item(w);
	fputs("null", w->out);
}

void json_finish(JsonWriter *w) { putc('\n', w->out); }
