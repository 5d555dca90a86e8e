/* Per-table counts of an import, printed as a table at the end. */
#ifndef PODMIGRATE_SUMMARY_H
#define PODMIGRATE_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct TableSummary {
	char *table;
	uint64_t read;     /* rows in the file */
	uint64_t inserted; /* rows written to the target */
	uint64_t repaired;
	uint64_t rejected;
	double seconds;
	const char *note; /* a static string, "skipped: not in the target", ...; NULL when loaded */
	bool folded;      /* shown in one line with the other folded tables, not alone */
} TableSummary;

/* Owns its rows; each stays at its address until summary_free. */
typedef struct Summary {
	TableSummary **items;
	size_t count, cap;
} Summary;

/* Adds a row for table and returns it. */
TableSummary *summary_add(Summary *summary, const char *table);
/* The row of table, or NULL. */
TableSummary *summary_find(const Summary *summary, const char *table);
void summary_print(const Summary *summary);
void summary_free(Summary *summary);

#endif
