/*
 * Connection strings: db_url_parse on the input as a C string.
 *
 * - A password parsed is not in the redacted form, and redaction changes
 *   nothing else (but password= values anywhere): the redacted URL parses to
 *   the same parts with the password "***". (Not a search for the password's text: a password "6"
 *   may well be in a host "6".) No "password=" parameter is shown either.
 * - A decoded part never holds a NUL (%00 would cut a database name).
 * - db_url_free releases everything (LeakSanitizer checks).
 */
#include "db_url.h"
#include "log.h"

#include "fuzz.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

/*
 * Every password parameter shown has the mask for value: libpq's keyword
 * "password = x" (after a blank), "?password=x" or "&password=x" in a URL.
 */
static bool password_params_masked(const char *s)
{
	bool url = strstr(s, "://") != NULL;
	const char *at = strrchr(s, '@'); /* a URL's query is after the user-info, which may hold '?' */
	if (url && !(s = strchr(at ? at : s, '?')))
		return true; /* no query */
	for (const char *p = s; (p = strstr(p, "password")) != NULL; p += 8) {
		if (p > s && (url ? p != s + 1 && p[-1] != '&' : !isspace((unsigned char)p[-1])))
			continue;
		const char *q = p + 8;
		while (!url && isspace((unsigned char)*q))
			q++;
		if (*q != '=')
			continue;
		for (q++; !url && isspace((unsigned char)*q); q++)
			;
		if (strncmp(q, "***", 3) != 0)
			return false;
	}
	return true;
}

/* The database part of a mysql:// URL (after the host's first '/', up to '?') holds "%00". */
static bool database_has_encoded_nul(const char *text)
{
	const char *rest = strstr(text, "://");
	if (!rest)
		return false;
	rest += 3;
	const char *at = strrchr(rest, '@'); /* the user-info (which may hold '/') ends at the last one */
	if (at)
		rest = at + 1;
	const char *query = strchr(rest, '?');
	size_t n = query ? (size_t)(query - rest) : strlen(rest);
	const char *slash = memchr(rest, '/', n);
	if (!slash)
		return false;
	for (const char *p = slash; p + 3 <= rest + n; p++)
		if (p[0] == '%' && p[1] == '0' && p[2] == '0')
			return true;
	return false;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_level(LOG_SILENT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	DbUrl url;
	bool ok = db_url_parse(text, &url);
	if (url.redacted && url.engine != DB_ENGINE_SQLITE)
		FUZZ_ASSERT(password_params_masked(url.redacted));
	if (ok) {
		FUZZ_ASSERT(url.redacted);
		switch (url.engine) {
		case DB_ENGINE_SQLITE: FUZZ_ASSERT(url.path && url.path[0]); break;
		case DB_ENGINE_PGSQL: FUZZ_ASSERT(url.conninfo); break;
		case DB_ENGINE_MYSQL:
			FUZZ_ASSERT(url.database);
			FUZZ_ASSERT(!database_has_encoded_nul(text));
			break;
		case DB_ENGINE_COUNT: FUZZ_ASSERT(false); break; /* not an engine: never parsed */
		}
	}
	/* the mask errs on the safe side: a "password=" value is hidden anywhere, even in a host or a path */
	bool masked_elsewhere = strstr(text, "password=") != NULL;
	if (url.engine == DB_ENGINE_MYSQL && url.password && url.password[0] && url.redacted && !masked_elsewhere) {
		DbUrl shown;
		bool shown_ok = db_url_parse(url.redacted, &shown);
		/* (a URL refused for its password, a NUL in it say, may parse once it is masked) */
		FUZZ_ASSERT(shown_ok || !ok);
		if (ok) {
			FUZZ_ASSERT(same(shown.password, "***"));
			FUZZ_ASSERT(same(shown.user, url.user) && same(shown.host, url.host));
			FUZZ_ASSERT(same(shown.database, url.database) && same(shown.socket, url.socket));
			FUZZ_ASSERT(shown.port == url.port);
		}
		db_url_free(&shown);
	}
	db_url_free(&url);
	static const DbUrl zero;
	FUZZ_ASSERT(memcmp(&url, &zero, sizeof(url)) == 0);
	free(text);
	return 0;
}
