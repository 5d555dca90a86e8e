/* Parsing of the --db connection strings (mysql://, postgresql://, sqlite:PATH). */
#ifndef PODMIGRATE_DB_URL_H
#define PODMIGRATE_DB_URL_H

#include <stdbool.h>

typedef enum {
	DB_ENGINE_SQLITE,
	DB_ENGINE_PGSQL,
	DB_ENGINE_MYSQL,
	DB_ENGINE_COUNT /* not an engine: how many there are */
} DbEngine;

typedef struct DbUrl {
	DbEngine engine;
	char *conninfo; /* PostgreSQL: the string handed to libpq as is */
	char *path;     /* SQLite: file path */
	/* MariaDB/MySQL parts; NULL when not given */
	char *user;
	char *password;
	char *host;
	unsigned port;
	char *database;
	char *socket;
	char *defaults_file; /* ?read_default_file=PATH: an option file read instead of the default ones */
	char *redacted; /* the URL with any password replaced, safe for messages */
} DbUrl;

/*
 * Fills url; on error logs why (never echoing a password) and returns false.
 * In URLs the user-info runs up to the LAST '@' (a MariaDB password may hold
 * '@', '/', ':' or '?' as they are); libpq reads PostgreSQL URLs itself and
 * needs them percent-encoded (%40, %2F), so a raw one there is refused.
 * Percent-encoded parts may not decode to a NUL.
 */
bool db_url_parse(const char *text, DbUrl *url);
void db_url_free(DbUrl *url);

/* text with every password (user-info, password= parameters) shown as ***: safe for any message. */
char *db_url_redact(const char *text);
/*
 * Overwrites every password in text with 'x', in place and at the same
 * length: for argv, which /proc/PID/cmdline shows to every user.
 */
void db_url_hide_in_place(char *text);

#endif
