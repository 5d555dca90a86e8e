#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 sequence; returns its length, 0 when invalid. */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, min = 0x80, c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, min = 0x800, c &= 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, min = 0x10000, c &= 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool utf8_validate(const char *s, size_t len, size_t *bad_offset)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		/* ASCII fast path, 8 bytes at a time */
		while (i + 8 <= len) {
			uint64_t word;
			memcpy(&word, u + i, 8);
			if (word & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		unsigned cp;
		size_t n = utf8_decode(u + i, len - i, &cp);
		if (n == 0) {
			if (bad_offset)
				*bad_offset = i;
			return false;
		}
		i += n;
	}
	return true;
}


void utf8_append_visible(StrBuf *sb, const char *s, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len && i < max) {
		unsigned cp;
		size_t n = u[i] < 0x80 ? 1 : utf8_decode(u + i, len - i, &cp);
		if (n > 1) {
			sb_append(sb, s + i, n);
			i += n;
		} else if (n == 1 && u[i] >= 0x20 && u[i] != 0x7f && u[i] != '\\') {
			sb_putc(sb, s[i++]);
		} else {
			char esc[4] = {'\\', 'x', hex[u[i] >> 4], hex[u[i] & 15]};
			sb_append(sb, esc, 4);
			i++;
		}
	}
	if (i < len)
		sb_puts(sb, "...");
}

size_t utf8_length(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80; /* every byte but continuation bytes */
	return n;
}
