/* UTF-8 checks shared by the JSON writer, the value checks and the messages. */
#ifndef PODMIGRATE_UTF8_H
#define PODMIGRATE_UTF8_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* Decodes one UTF-8 sequence into *cp; returns its length, 0 when invalid. */
size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp);

/*
 * Validates UTF-8; on failure returns false and sets *bad_offset to the
 * offset of the first invalid byte. NUL bytes are valid.
 */
bool utf8_validate(const char *s, size_t len, size_t *bad_offset);

/* Characters (code points) of valid UTF-8 text: what varchar(N) counts. */
size_t utf8_length(const char *s, size_t len);

/*
 * Appends at most max bytes of s for a message: invalid bytes, control
 * characters and backslashes as \xNN, so a message is always clean text.
 */
void utf8_append_visible(StrBuf *sb, const char *s, size_t len, size_t max);

#endif
