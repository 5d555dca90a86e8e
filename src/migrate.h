/*
 * The migrate job: export and import in one process, with no file between
 * them. A second thread runs the export of v3 (its one snapshot) into an
 * in-memory channel as the JSON the file would hold; the calling thread
 * runs the import of that stream into v4 (its one transaction). Both halves
 * are the export's and the import's own code, so migrate gives the v4 that
 * export then import give, while reading v3 and writing v4 overlap. Then,
 * unless told not to, verify proves v4 against v3.
 */
#ifndef PODMIGRATE_MIGRATE_H
#define PODMIGRATE_MIGRATE_H

#include "db.h"
#include "import.h"
#include "verify.h"

typedef struct MigrateSettings {
	const char *keep_file;  /* also write the export file there (atomically), or NULL */
	ImportSettings import;  /* its input is the stream's name, for messages */
	bool verify;            /* after the commit, verify v4 against v3 */
	VerifyOptions verify_options;
} MigrateSettings;

typedef enum {
	MIGRATE_FAILED,    /* logged; v4 is as it was */
	MIGRATE_DONE,
	MIGRATE_REJECTED,  /* done, rows were left out (the reject file) */
	MIGRATE_DIFFERENT, /* done, but verify found differences or could not finish */
} MigrateOutcome;

/*
 * v3 into v4, whose tables are target_tables (as listed before). The two
 * connections are the caller's; v3 is read only.
 */
MigrateOutcome migrate_run(Db *v3, Db *v4, const StrList *target_tables, const MigrateSettings *settings);

#endif
