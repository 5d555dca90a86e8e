#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p) {
		fputs("podmigrate: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q) {
		fputs("podmigrate: out of memory\n", stderr);
		abort();
	}
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

void xfree_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void *xgrow(void *items, size_t count, size_t *cap, size_t size)
{
	if (count < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 16;
	return xrealloc(items, *cap * size);
}

void sb_reserve(StrBuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->data = xrealloc(sb->data, cap);
	sb->cap = cap;
}

void sb_append(StrBuf *sb, const char *data, size_t len)
{
	sb_reserve(sb, len);
	if (len)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void sb_puts(StrBuf *sb, const char *s) { sb_append(sb, s, strlen(s)); }

void sb_putc(StrBuf *sb, char c) { sb_append(sb, &c, 1); }

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_append_int64(StrBuf *sb, long long v)
{
	char digits[24];
	size_t pos = sizeof(digits);
	/* work on the unsigned magnitude so that LLONG_MIN is fine */
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		digits[--pos] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[--pos] = '-';
	sb_append(sb, digits + pos, sizeof(digits) - pos);
}

void sb_reset(StrBuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

void sb_free(StrBuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

char *sb_steal(StrBuf *sb)
{
	char *s = sb->data ? sb->data : xstrdup("");
	sb->data = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void strlist_add(StrList *list, const char *s)
{
	list->items = xgrow(list->items, list->count, &list->cap, sizeof(char *));
	list->items[list->count++] = xstrdup(s);
}

bool strlist_contains(const StrList *list, const char *s)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], s) == 0)
			return true;
	return false;
}

void strlist_free(StrList *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = list->cap = 0;
}

void sb_append_double(StrBuf *sb, double value)
{
	char buf[40];
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(buf, sizeof(buf), "%.*g", precision, value);
		if (strtod(buf, NULL) == value)
			break;
	}
	sb_puts(sb, buf);
}
