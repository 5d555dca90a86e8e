/*
 * The verify job: proves that a Pod v4 database holds what the v3 database
 * (or an export file) gives, table by table and row by row by primary key,
 * both sides read in the same key order and merged (nothing held but the
 * row in hand), values compared in their canonical forms (text byte for
 * byte, JSON parsed). What v4 holds by a documented rule (repairs, merges,
 * rows left out for a dangling reference, v4-only content types and
 * permissions, model defaults, dropped columns) is counted as accounted for,
 * anything else is a difference. Then the tags, link by link, and every
 * sequence. Only reads: each side in one snapshot.
 */
#ifndef PODMIGRATE_VERIFY_H
#define PODMIGRATE_VERIFY_H

#include "db.h"

#include <stdio.h>

typedef struct VerifyOptions {
	size_t max_diffs;    /* differences shown (and reported) per table */
	const char *rejects; /* the import's reject file, or NULL */
	const char *report;  /* the JSON report to write, or NULL */
	bool force;          /* go on when a side does not look like Pod v3 / v4 */
} VerifyOptions;

typedef enum {
	VERIFY_EQUAL,     /* everything equal or accounted for */
	VERIFY_DIFFERENT, /* differences found (printed, and in the report) */
	VERIFY_FAILED,    /* could not compare (logged) */
} VerifyOutcome;

/* v3 against v4 (both connections the caller's, read only in snapshots begun here). */
VerifyOutcome verify_databases(Db *v3, Db *v4, const VerifyOptions *options);
/* The export file in (named path for messages) against v4. */
VerifyOutcome verify_file(FILE *in, const char *path, Db *v4, const VerifyOptions *options);

#endif
