#include "values.h"

#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

#include <yajl/yajl_tree.h>

static bool digits_at(const char *s, size_t len, size_t pos, size_t count, int *value)
{
	if (pos + count > len)
		return false;
	int v = 0;
	for (size_t i = pos; i < pos + count; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

/* ".f" up to 9 digits at *pos; sets microseconds (truncated past 6 digits). */
static bool parse_fraction(const char *s, size_t len, size_t *pos, int *micros)
{
	*micros = 0;
	if (*pos >= len || s[*pos] != '.')
		return true;
	size_t i = *pos + 1, ndigits = 0;
	int v = 0;
	while (i < len && isdigit((unsigned char)s[i])) {
		if (ndigits < 6)
			v = v * 10 + (s[i] - '0');
		ndigits++;
		i++;
	}
	if (ndigits == 0 || ndigits > 9)
		return false;
	for (size_t k = ndigits; k < 6; k++)
		v *= 10;
	*micros = v;
	*pos = i;
	return true;
}

/* Appends value as exactly width digits (printf is too slow for millions of values). */
static void append_digits(StrBuf *out, int value, int width)
{
	char digits[10];
	for (int i = width - 1; i >= 0; i--) {
		digits[i] = (char)('0' + value % 10);
		value /= 10;
	}
	sb_append(out, digits, (size_t)width);
}

static void append_hms(StrBuf *out, int h, int m, int sec, int micros)
{
	append_digits(out, h, 2);
	sb_putc(out, ':');
	append_digits(out, m, 2);
	sb_putc(out, ':');
	append_digits(out, sec, 2);
	if (micros) {
		sb_putc(out, '.');
		append_digits(out, micros, 6);
	}
}

static bool valid_date(int y, int mo, int d)
{
	static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1])
		return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

bool value_normalize_date(const char *s, size_t len, StrBuf *out)
{
	int y, mo, d;
	if (len != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, len, 0, 4, &y) ||
	    !digits_at(s, len, 5, 2, &mo) || !digits_at(s, len, 8, 2, &d) || !valid_date(y, mo, d))
		return false;
	sb_append(out, s, 10);
	return true;
}

bool value_normalize_time(const char *s, size_t len, StrBuf *out)
{
	int h, m, sec, micros;
	size_t pos = 8;
	if (len < 8 || s[2] != ':' || s[5] != ':' || !digits_at(s, len, 0, 2, &h) ||
	    !digits_at(s, len, 3, 2, &m) || !digits_at(s, len, 6, 2, &sec) || h > 23 || m > 59 ||
	    sec > 59 || !parse_fraction(s, len, &pos, &micros) || pos != len)
		return false;
	append_hms(out, h, m, sec, micros);
	return true;
}

/*
 * Accepts "YYYY-MM-DD HH:MM[:SS[.f]]" with ' ' or 'T', and an optional UTC
 * offset ("Z", "+HH", "+HH:MM", "+HHMM"); writes the UTC datetime.
 */
bool value_normalize_datetime(const char *s, size_t len, StrBuf *out)
{
	int y, mo, d, h, mi, sec = 0, micros = 0;
	if (len < 16 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
	    !digits_at(s, len, 0, 4, &y) || !digits_at(s, len, 5, 2, &mo) ||
	    !digits_at(s, len, 8, 2, &d) || !digits_at(s, len, 11, 2, &h) ||
	    !digits_at(s, len, 14, 2, &mi) || !valid_date(y, mo, d) || h > 23 || mi > 59)
		return false;
	size_t pos = 16;
	if (pos < len && s[pos] == ':') {
		if (!digits_at(s, len, pos + 1, 2, &sec) || sec > 59)
			return false;
		pos += 3;
		if (!parse_fraction(s, len, &pos, &micros))
			return false;
	}
	int offset_minutes = 0;
	if (pos < len && (s[pos] == 'Z' || s[pos] == 'z')) {
		pos++;
	} else if (pos < len && (s[pos] == '+' || s[pos] == '-')) {
		int sign = s[pos] == '-' ? -1 : 1, oh, om = 0;
		if (!digits_at(s, len, pos + 1, 2, &oh))
			return false;
		pos += 3;
		if (pos < len && s[pos] == ':')
			pos++;
		if (pos < len) {
			if (!digits_at(s, len, pos, 2, &om))
				return false;
			pos += 2;
		}
		offset_minutes = sign * (oh * 60 + om);
	}
	if (pos != len)
		return false;
	if (offset_minutes) {
		struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
		                .tm_hour = h, .tm_min = mi, .tm_sec = sec};
		time_t t = timegm(&tm) - (time_t)offset_minutes * 60;
		gmtime_r(&t, &tm);
		y = tm.tm_year + 1900, mo = tm.tm_mon + 1, d = tm.tm_mday;
		h = tm.tm_hour, mi = tm.tm_min, sec = tm.tm_sec;
		if (y < 1 || y > 9999) /* the offset moved it out of the 4-digit years */
			return false;
	}
	append_digits(out, y, 4);
	sb_putc(out, '-');
	append_digits(out, mo, 2);
	sb_putc(out, '-');
	append_digits(out, d, 2);
	sb_putc(out, ' ');
	append_hms(out, h, mi, sec, micros);
	return true;
}

bool value_normalize_uuid(const char *s, size_t len, StrBuf *out)
{
	char hex[32];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '-' || (i == 0 && c == '{') || (i == len - 1 && c == '}'))
			continue;
		if (!isxdigit((unsigned char)c) || n == 32)
			return false;
		hex[n++] = (char)tolower((unsigned char)c);
	}
	if (n != 32)
		return false;
	sb_append(out, hex, 32);
	return true;
}

/* A whole number (checked by value_normalize_integer) without leading zeros or "-0". */
static void append_canonical_integer(StrBuf *out, const char *s, size_t len)
{
	bool negative = s[0] == '-';
	size_t i = negative;
	while (i + 1 < len && s[i] == '0')
		i++;
	if (negative && !(len - i == 1 && s[i] == '0'))
		sb_putc(out, '-');
	sb_append(out, s + i, len - i);
}

bool value_normalize_integer(const char *s, size_t len)
{
	size_t i = 0;
	if (len && s[0] == '-')
		i++;
	if (i == len || len - i > 20)
		return false;
	for (; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int value_parse_bool(const char *s, size_t len)
{
	if ((len == 1 && s[0] == '1') || (len == 1 && s[0] == 't') || (len == 4 && !strncmp(s, "true", 4)))
		return 1;
	if ((len == 1 && s[0] == '0') || (len == 1 && s[0] == 'f') || (len == 5 && !strncmp(s, "false", 5)))
		return 0;
	return -1;
}

/* A decimal number in JSON syntax (no leading '+', no bare '.5'). */
static bool json_number_syntax(const char *s, size_t len)
{
	size_t i = 0;
	if (i < len && s[i] == '-')
		i++;
	size_t start = i;
	while (i < len && isdigit((unsigned char)s[i]))
		i++;
	if (i == start || (s[start] == '0' && i - start > 1))
		return false;
	if (i < len && s[i] == '.') {
		size_t f = ++i;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
		if (i == f)
			return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = i;
		while (i < len && isdigit((unsigned char)s[i]))
			i++;
		if (i == e)
			return false;
	}
	return i == len;
}

/* The text kinds with one canonical form: how to reach it, and what a value that has none is not. */
typedef struct Normalizer {
	bool (*normalize)(const char *s, size_t len, StrBuf *out);
	const char *why;
} Normalizer;

static const Normalizer *normalizer_of(ColumnKind kind)
{
	static const Normalizer datetime = {value_normalize_datetime,
	                                    "not a datetime (YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM])"};
	static const Normalizer date = {value_normalize_date, "not a date (YYYY-MM-DD)"};
	static const Normalizer time = {value_normalize_time, "not a time (HH:MM:SS[.ffffff])"};
	static const Normalizer uuid = {value_normalize_uuid, "not a UUID"};
	return kind == COL_DATETIME ? &datetime : kind == COL_DATE ? &date : kind == COL_TIME ? &time : &uuid;
}

bool value_json_token(ColumnKind kind, const DbValue *value, StrBuf *canon, JsonToken *token, const char **why)
{
	*why = NULL;
	if (!value->data) {
		*token = (JsonToken){JSON_NULL, NULL, 0};
		return true;
	}
	const char *s = value->data;
	size_t len = value->len;
	sb_reset(canon);

	switch (kind) {
	case COL_INT:
	case COL_DURATION:
		if (!value_normalize_integer(s, len)) {
			*why = "not an integer";
			return false;
		}
		append_canonical_integer(canon, s, len); /* JSON allows no leading zeros */
		*token = (JsonToken){JSON_NUMBER, canon->data, canon->len};
		return true;
	case COL_BOOL: {
		int b = value_parse_bool(s, len);
		if (b < 0) {
			*why = "not a boolean";
			return false;
		}
		*token = b ? (JsonToken){JSON_BOOL, "true", 4} : (JsonToken){JSON_BOOL, "false", 5};
		return true;
	}
	case COL_FLOAT: {
		char *end;
		char *copy = xstrndup(s, len);
		errno = 0;
		double d = strtod(copy, &end);
		bool parsed = *end == '\0' && end != copy && isfinite(d);
		free(copy);
		if (!parsed) {
			*why = "not a finite number (JSON has no NaN or Infinity)";
			return false;
		}
		sb_append_double(canon, d);
		/* like Python, keep a float recognisable as one */
		if (!strpbrk(canon->data, ".eEn"))
			sb_puts(canon, ".0");
		*token = (JsonToken){JSON_NUMBER, canon->data, canon->len};
		return true;
	}
	case COL_DECIMAL:
		if (!json_number_syntax(s, len)) {
			*why = "not a decimal number";
			return false;
		}
		*token = (JsonToken){JSON_NUMBER, s, len};
		return true;
	case COL_DATETIME:
	case COL_DATE:
	case COL_TIME:
	case COL_UUID:
		if (!normalizer_of(kind)->normalize(s, len, canon)) {
			*why = normalizer_of(kind)->why;
			return false;
		}
		*token = (JsonToken){JSON_STRING, canon->data, canon->len};
		return true;
	default:
		*token = (JsonToken){JSON_STRING, s, len};
		return true;
	}
}

bool value_write_json(JsonWriter *w, ColumnKind kind, const DbValue *value, StrBuf *canon, const char **why)
{
	JsonToken token;
	if (!value_json_token(kind, value, canon, &token, why))
		return false;
	switch (token.type) {
	case JSON_NULL: json_null(w); return true;
	case JSON_BOOL: json_bool(w, token.text[0] == 't'); return true;
	case JSON_NUMBER: json_number(w, token.text, token.len); return true;
	default:
		if (!json_string(w, token.text, token.len)) {
			*why = "invalid UTF-8";
			return false;
		}
		return true;
	}
}

/* Whole number within what the column's type holds (SQLite would store any). */
static bool integer_fits(const DbColumn *column, const char *s, size_t len, const char **why)
{
	if (!value_normalize_integer(s, len)) {
		*why = "not a whole number";
		return false;
	}
	char digits[24];
	memcpy(digits, s, len);
	digits[len] = '\0';
	bool negative = digits[0] == '-';
	if (negative && column->is_unsigned) {
		*why = "a negative number in an unsigned column";
		return false;
	}
	int bits = column->int_bits ? column->int_bits : 64;
	errno = 0;
	/* magnitudes: a negative bound is one more than the positive one */
	unsigned long long magnitude = strtoull(negative ? digits + 1 : digits, NULL, 10);
	unsigned long long limit = column->is_unsigned ? (bits == 64 ? ULLONG_MAX : (1ULL << bits) - 1)
	                           : negative         ? 1ULL << (bits - 1)
	                                              : (1ULL << (bits - 1)) - 1;
	if (errno == ERANGE || magnitude > limit) {
		static const char *const out_of_range[] = {
			"a number out of the range of an 8-bit integer column",
			"a number out of the range of a 16-bit integer column (smallint)",
			"a number out of the range of a 24-bit integer column (mediumint)",
			"a number out of the range of a 32-bit integer column",
			"a number out of the 64-bit range",
		};
		*why = out_of_range[bits <= 8 ? 0 : bits <= 16 ? 1 : bits <= 24 ? 2 : bits <= 32 ? 3 : 4];
		return false;
	}
	return true;
}

bool value_from_json(const DbColumn *column, JsonValueType kind, const char *text, size_t len,
                     StrBuf *out, bool *is_null, const char **why)
{
	sb_reset(out);
	*is_null = kind == JSON_NULL;
	*why = NULL;
	if (*is_null)
		return true;
	switch (column->kind) {
	case COL_BOOL: {
		int b = (kind == JSON_BOOL || kind == JSON_NUMBER || kind == JSON_STRING)
		        ? value_parse_bool(text, len) : -1;
		if (b < 0) {
			*why = "not a boolean (true, false, 1 or 0)";
			return false;
		}
		sb_putc(out, b ? '1' : '0');
		return true;
	}
	case COL_INT:
	case COL_DURATION:
		if (kind == JSON_BOOL) { /* a boolean kept in an integer column */
			sb_putc(out, text[0] == 't' ? '1' : '0');
			return true;
		}
		if (kind != JSON_NUMBER && kind != JSON_STRING) {
			*why = "not a whole number";
			return false;
		}
		if (!integer_fits(column, text, len, why))
			return false;
		append_canonical_integer(out, text, len);
		return true;
	case COL_FLOAT:
	case COL_DECIMAL:
		if ((kind != JSON_NUMBER && kind != JSON_STRING) || !json_number_syntax(text, len)) {
			*why = "not a number";
			return false;
		}
		sb_append(out, text, len);
		return true;
	case COL_DATETIME:
	case COL_DATE:
	case COL_TIME:
	case COL_UUID:
		if (kind != JSON_STRING || !normalizer_of(column->kind)->normalize(text, len, out)) {
			*why = normalizer_of(column->kind)->why;
			return false;
		}
		return true;
	case COL_JSON:
		/* text, or nested JSON as upstream writes PostgreSQL's jsonb */
		sb_append(out, text, len);
		return true;
	default:
		if (kind == JSON_BOOL) {
			*why = "not a text value";
			return false;
		}
		if (kind == JSON_RAW) {
			*why = "a JSON object or array, in a column that is not JSON";
			return false;
		}
		/*
		 * Django keeps a UUIDField as char(32) hex outside PostgreSQL, where
		 * upstream's export writes the dashed form: 36 characters that would
		 * not fit.
		 */
		if (kind == JSON_STRING && len == 36 && text[8] == '-' && text[13] == '-' &&
		    strcmp(column->type, "char(32)") == 0 && value_normalize_uuid(text, len, out))
			return true;
		sb_reset(out);
		/* strings, and numbers kept as text by some exports */
		if (column->max_chars && len > column->max_chars && utf8_length(text, len) > column->max_chars) {
			*why = "longer than the column's length";
			return false;
		}
		sb_append(out, text, len);
		return true;
	}
}

/* A JSON number's exact value as sign, significant digits and exponent (12345678901234567890 stays exact). */
static void number_value(const char *r, StrBuf *digits, long *exponent, bool *negative)
{
	sb_reset(digits);
	*negative = *r == '-';
	r += *negative;
	long exp = 0;
	bool fraction = false;
	for (; *r && *r != 'e' && *r != 'E'; r++) {
		if (*r == '.') {
			fraction = true;
			continue;
		}
		if (digits->len == 0 && *r == '0') { /* leading zeros carry nothing */
			exp -= fraction;
			continue;
		}
		sb_putc(digits, *r);
		exp -= fraction;
	}
	if (*r)
		exp += strtol(r + 1, NULL, 10);
	while (digits->len && digits->data[digits->len - 1] == '0') { /* trailing zeros: into the exponent */
		digits->data[--digits->len] = '\0';
		exp++;
	}
	*exponent = digits->len ? exp : 0;
	*negative = *negative && digits->len; /* -0 is 0 */
}

/* As Python (Django's JSONField) reads them: integers exactly, whatever their size; others as doubles. */
static bool numbers_equal(const char *a, const char *b)
{
	if (strpbrk(a, ".eE") || strpbrk(b, ".eE"))
		return strtod(a, NULL) == strtod(b, NULL);
	StrBuf da = STRBUF_INIT, db = STRBUF_INIT;
	long ea, eb;
	bool na, nb;
	number_value(a, &da, &ea, &na);
	number_value(b, &db, &eb, &nb);
	bool equal = na == nb && ea == eb && da.len == db.len && memcmp(da.data ? da.data : "", db.data ? db.data : "",
	                                                                 da.len) == 0;
	sb_free(&da);
	sb_free(&db);
	return equal;
}

/* Every key of a is in b with an equal value (keys compared whole: see value_json_equal for NULs). */
static bool object_within(const yajl_val a, const yajl_val b);

static bool json_tree_equal(const yajl_val a, const yajl_val b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case yajl_t_string: return strcmp(a->u.string, b->u.string) == 0;
	case yajl_t_number: return numbers_equal(a->u.number.r, b->u.number.r);
	case yajl_t_array:
		if (a->u.array.len != b->u.array.len)
			return false;
		for (size_t i = 0; i < a->u.array.len; i++)
			if (!json_tree_equal(a->u.array.values[i], b->u.array.values[i]))
				return false;
		return true;
	case yajl_t_object:
		/* both ways: {"a":1,"a":1} is not {"a":1,"b":2} */
		return a->u.object.len == b->u.object.len && object_within(a, b) && object_within(b, a);
	default: return true; /* true, false, null: the type says it all */
	}
}

static bool object_within(const yajl_val a, const yajl_val b)
{
	for (size_t i = 0; i < a->u.object.len; i++) {
		size_t j = 0;
		while (j < b->u.object.len && strcmp(a->u.object.keys[i], b->u.object.keys[j]) != 0)
			j++;
		if (j == b->u.object.len || !json_tree_equal(a->u.object.values[i], b->u.object.values[j]))
			return false;
	}
	return true;
}

bool value_json_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	/* yajl_tree_parse wants NUL-terminated text; a NUL inside is not JSON anyway */
	if (memchr(a, '\0', alen) || memchr(b, '\0', blen))
		return false;
	/* yajl's tree ends its strings at an escaped NUL: such texts are only equal as written */
	if (memmem(a, alen, "\\u0000", 6) || memmem(b, blen, "\\u0000", 6))
		return alen == blen && memcmp(a, b, alen) == 0;
	char *ta = xstrndup(a, alen), *tb = xstrndup(b, blen);
	yajl_val va = yajl_tree_parse(ta, NULL, 0), vb = va ? yajl_tree_parse(tb, NULL, 0) : NULL;
	bool equal = va && vb && json_tree_equal(va, vb);
	yajl_tree_free(va);
	yajl_tree_free(vb);
	free(ta);
	free(tb);
	return equal;
}

bool value_int64(const DbValue *value, int64_t *out)
{
	*out = 0;
	if (!value->data)
		return true;
	char digits[24];
	if (!value_normalize_integer(value->data, value->len))
		return false;
	memcpy(digits, value->data, value->len);
	digits[value->len] = '\0';
	errno = 0;
	long long v = strtoll(digits, NULL, 10);
	*out = v;
	return errno == 0;
}
