#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_common.h"

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

static void append_hms(StrBuf *out, int h, int m, int sec, int micros)
{
	sb_printf(out, "%02d:%02d:%02d", h, m, sec);
	if (micros)
		sb_printf(out, ".%06d", micros);
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
	}
	sb_printf(out, "%04d-%02d-%02d ", y, mo, d);
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

bool value_write_json(JsonWriter *w, ColumnKind kind, const DbValue *value, const char **why)
{
	if (!value->data) {
		json_null(w);
		return true;
	}
	const char *s = value->data;
	size_t len = value->len;
	static StrBuf canon; /* reused: one allocation for the whole export */
	sb_reset(&canon);
	bool ok = true;
	*why = NULL;

	switch (kind) {
	case COL_INT:
	case COL_DURATION:
		if (!value_normalize_integer(s, len)) {
			*why = "not an integer";
			return false;
		}
		json_number(w, s, len);
		return true;
	case COL_BOOL: {
		int b = value_parse_bool(s, len);
		if (b < 0) {
			*why = "not a boolean";
			return false;
		}
		json_bool(w, b == 1);
		return true;
	}
	case COL_FLOAT: {
		char *end;
		char *copy = strndup(s, len);
		errno = 0;
		double d = strtod(copy, &end);
		bool parsed = copy && *end == '\0' && end != copy && isfinite(d);
		free(copy);
		if (!parsed) {
			*why = "not a finite number (JSON has no NaN or Infinity)";
			return false;
		}
		format_double_shortest(&canon, d);
		/* like Python, keep a float recognisable as one */
		if (!strpbrk(canon.data, ".eEn"))
			sb_puts(&canon, ".0");
		json_number(w, canon.data, canon.len);
		return true;
	}
	case COL_DECIMAL:
		if (!json_number_syntax(s, len)) {
			*why = "not a decimal number";
			return false;
		}
		json_number(w, s, len);
		return true;
	case COL_DATETIME:
		ok = value_normalize_datetime(s, len, &canon);
		*why = "not a datetime (YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM])";
		break;
	case COL_DATE:
		ok = value_normalize_date(s, len, &canon);
		*why = "not a date (YYYY-MM-DD)";
		break;
	case COL_TIME:
		ok = value_normalize_time(s, len, &canon);
		*why = "not a time (HH:MM:SS[.ffffff])";
		break;
	case COL_UUID:
		ok = value_normalize_uuid(s, len, &canon);
		*why = "not a UUID";
		break;
	default:
		if (!json_string(w, s, len)) {
			*why = "invalid UTF-8";
			return false;
		}
		return true;
	}
	if (ok) {
		json_string(w, canon.data, canon.len);
		*why = NULL;
	}
	return ok;
}
