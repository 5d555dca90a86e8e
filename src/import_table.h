/*
 * One table of the import file, from its name to its last row: the import's
 * JSON handler (import_table_handler) picks the table's kind and hands it
 * each row. A kind is an operation table, as DbOps is for engines:
 *   skipped  not in the target, or --onlytags: rows counted, not loaded
 *   tags     a tag pseudo-table: converted to tagulous (pod_tag_import.h)
 *   loaded   a table of the target: emptied, then bulk-loaded (import_load.c)
 * Private to the import family (import*.c).
 */
#ifndef PODMIGRATE_IMPORT_TABLE_H
#define PODMIGRATE_IMPORT_TABLE_H

#include "db.h"
#include "import.h"
#include "json_reader.h"
#include "log.h"
#include "pod_repairs.h"
#include "pod_v4_rows.h"
#include "reject_log.h"
#include "strmap.h"
#include "summary.h"

typedef struct ImportTable ImportTable;

/* The state of one import, shared by its tables; set up and freed by import_run. */
typedef struct ImportRun {
	Db *db;                         /* borrowed from import_run's caller, like settings */
	const ImportSettings *settings;
	StrMap target_index;    /* the target's tables, to look them up in constant time */
	StrList written_tables; /* what the import replaced: checked before commit */
	Summary summary;
	PodRepairs repairs;
	RejectLog rejects;
	PodV4Rows v4_rows;      /* createDB's content types and permissions, before the import */
	ImportTable *table;     /* the table being read; NULL between tables */
} ImportRun;

typedef struct TableKind {
	/* Sets up the kind's state (t->state); false (logged) stops the import. */
	bool (*begin)(ImportRun *run, ImportTable *t);
	/* One row of the table, numbered from 1. */
	bool (*row)(ImportRun *run, ImportTable *t, const JsonField *fields, size_t count, uint64_t row);
	/* After the last row (rows: the objects the file's table held): finish the writes, report. */
	bool (*end)(ImportRun *run, ImportTable *t, uint64_t rows);
	/* Frees the kind's state, after end or instead of it (a failure): must accept what begin left. */
	void (*free)(ImportTable *t);
} TableKind;

struct ImportTable {
	const TableKind *kind;
	const char *name;       /* as in the file (the summary's copy) */
	TableSummary *summary;  /* owned by the run's summary */
	TableProgress progress; /* since the table began */
	void *state;            /* the kind's own */
};

extern const TableKind import_loaded_table;

/* The handler json_read_tables is given; its ctx is the ImportRun. */
extern const JsonTableHandler import_table_handler;

/* Frees the table being read, if any (after a read that stopped inside one). */
void import_table_abandon(ImportRun *run);

#endif
