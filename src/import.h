/*
 * The import's work: the JSON file into a Pod v4 database in ONE
 * transaction. Every table of the file that the target has is emptied and
 * loaded; the tag pseudo-tables become tagulous tags; dangling rows are left
 * out (written to the reject file); then commit, or roll back for a dry run
 * or on any failure, so the target is never left half-written.
 *
 * The steps, in order (import.c):
 *   check the target is Pod v4 -> BEGIN -> defer the foreign keys ->
 *   read the file, table by table (import_table.h) -> put back v4-only rows ->
 *   leave out dangling rows (integrity.h) -> recount tags whose links went ->
 *   restore the suspended foreign keys -> close the reject file -> COMMIT
 */
#ifndef PODMIGRATE_IMPORT_H
#define PODMIGRATE_IMPORT_H

#include "db.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct ImportSettings {
	const char *input;        /* the file's name, for messages ("-": standard input) */
	const char *rejects_path; /* where rows left out are written */
	bool write_rejects;       /* false: they are only counted (a dry run the user gave no file) */
	bool dry;                 /* roll back at the end */
	bool only_tags;           /* only the tag pseudo-tables; the others are scanned over */
	bool strict;              /* a dangling row fails the import instead of being left out */
	bool force;               /* import even into a target that does not look like Pod v4 */
} ImportSettings;

typedef enum {
	IMPORT_FAILED,   /* logged; the target is as it was */
	IMPORT_DONE,
	IMPORT_REJECTED, /* done, but rows were left out (see the reject file) */
} ImportOutcome;

/*
 * Reads in into db, whose tables are target_tables (as listed before), and
 * prints the per-table summary and what to do next.
 */
ImportOutcome import_run(Db *db, FILE *in, const StrList *target_tables, const ImportSettings *settings);

#endif
