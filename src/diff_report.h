/*
 * What verify found: per table, the rows compared, equal, accounted for by a
 * documented rule, missing, extra and different, with the first differences
 * themselves (key, column, both values); printed as one line per table and a
 * summary, and written as JSON for scripts.
 */
#ifndef PODMIGRATE_DIFF_REPORT_H
#define PODMIGRATE_DIFF_REPORT_H

#include "db.h"

#include <stdint.h>

/* Why a row differs from what v3 gives, and is still right. */
typedef enum {
	ACCOUNT_REPAIRED, /* meeting: recurring_until before the start date, moved to it */
	ACCOUNT_MERGED,   /* video_videotodelete rows of one date merged, their links re-pointed */
	ACCOUNT_REJECTED, /* left out: a reference pointed nowhere (or at a row left out) */
	ACCOUNT_V4_ONLY,  /* content types and permissions only v4's models have */
	ACCOUNT_SKIPPED,  /* tags of objects that v4 does not have */
	ACCOUNT_RULES
} AccountRule;

/* "repaired", "merged", ...: static. */
const char *account_rule_name(AccountRule rule);

typedef enum { DIFF_MISSING, DIFF_EXTRA, DIFF_DIFFERENT } DiffKind;

/* One difference as shown: every string owned, already made printable and cut. */
typedef struct Difference {
	DiffKind kind;
	char *key;
	char *column;   /* NULL for a missing or extra row */
	char *expected; /* NULL: SQL NULL, or not given */
	char *actual;
	char *detail;   /* lengths and first differing byte of long values, or a reason; may be NULL */
} Difference;

typedef struct TableCheck {
	char *table;
	const char *note; /* static: why the table was not compared, or NULL */
	uint64_t compared, equal, missing, extra, different;
	uint64_t accounted[ACCOUNT_RULES];
	StrList accounted_keys[ACCOUNT_RULES]; /* the first max_diffs rows of each rule, for the report */
	StrList dropped_columns; /* v3's columns v4 lacks: not compared */
	StrList default_columns; /* v4's columns v3 lacks: expected at the model default or NULL */
	Difference *diffs;       /* the first max_diffs */
	size_t diff_count, diff_cap;
	size_t max_diffs;
	double seconds;
} TableCheck;

typedef struct DiffReport {
	TableCheck **items; /* each at its address until diff_report_free */
	size_t count, cap;
	size_t max_diffs;
} DiffReport;

/* Adds a check for table (counts zero) and returns it. */
TableCheck *diff_report_table(DiffReport *report, const char *table);
/*
 * Keeps one difference if fewer than max_diffs are kept (the caller counts
 * it in missing, extra or different). Values may be NULL (SQL NULL) or not
 * text; long ones are cut around their first differing byte.
 */
void table_check_note(TableCheck *t, DiffKind kind, const char *key, const char *column, const DbValue *expected,
                      const DbValue *actual, const char *detail);
/* Counts one row accounted for by rule (its key kept among the first max_diffs). */
void table_check_account(TableCheck *t, AccountRule rule, const char *key);
uint64_t table_check_problems(const TableCheck *t);
uint64_t diff_report_problems(const DiffReport *report);

/* The table's line and its kept differences, on stderr (as the other commands' summaries). */
void diff_report_print_table(const TableCheck *t);
/* The totals and the verdict; source: what v4 was compared with ("v3", "the file"). */
void diff_report_print_summary(const DiffReport *report, const char *source, double seconds);
/* The whole report as JSON, written whole or not at all ("-": standard output); false (logged) on failure. */
bool diff_report_write(const DiffReport *report, const char *path, const char *from, const char *to,
                       double seconds);
void diff_report_free(DiffReport *report);

#endif
