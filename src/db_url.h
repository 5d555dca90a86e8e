/* Parsing of the --db connection strings (mysql://, postgresql://, sqlite:PATH). */
#ifndef PODMIGRATE_DB_URL_H
#define PODMIGRATE_DB_URL_H

#include <stdbool.h>

typedef enum {
	DB_ENGINE_SQLITE,
	DB_ENGINE_PGSQL,
	DB_ENGINE_MYSQL,
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
	char *redacted; /* the URL with any password replaced, safe for messages */
} DbUrl;

/* Fills url; on error logs why (never echoing a password) and returns false. */
bool db_url_parse(const char *text, DbUrl *url);
void db_url_free(DbUrl *url);

#endif
