/*
 * Known v3 data that breaks Pod v4's constraints, repaired as rows stream by
 * (each repair is counted and reported):
 * - meeting: recurring_until before the start date violates the CHECK
 *   recurring_until_greater_than_start. The end of the recurrence is moved to
 *   the start date: the meeting and its recurrence settings are kept, and
 *   no occurrence is lost that Pod could show (upstream makes the same choice).
 * - video_videotodelete: several rows with the same date_deletion (unique in
 *   v4) are merged into the first one; video_videotodelete_video rows are
 *   re-pointed to it and their duplicates dropped.
 */
#ifndef PODMIGRATE_POD_REPAIRS_H
#define PODMIGRATE_POD_REPAIRS_H

#include "db.h"
#include "strmap.h"

#include <stdint.h>

typedef struct PodRepairs {
	StrMap date_to_id;   /* video_videotodelete: date_deletion -> index in kept_ids */
	StrList kept_ids;    /* ids of the rows kept */
	StrMap merged_ids;   /* id of a merged row -> index in kept_ids */
	StrMap links;        /* video_videotodelete_video: "todelete_id video_id" seen */
	StrBuf scratch;
	uint64_t meetings_shown, merges_shown; /* repairs logged one by one, then only counted */
	bool quiet; /* log none (verify applies the rules to derive what v4 must hold) */
} PodRepairs;

typedef enum {
	POD_REPAIR_NONE,    /* row as it was */
	POD_REPAIR_CHANGED, /* row changed, to be loaded */
	POD_REPAIR_DROPPED, /* row merged into another: not loaded */
} PodRepairResult;

/*
 * Looks at one row about to be loaded (values per load column, changed in
 * place: they may point into memory owned by repairs until the next call).
 * Logs what it did.
 */
PodRepairResult pod_repairs_apply(PodRepairs *repairs, const char *table, const DbColumns *columns, DbValue *values,
                           uint64_t row);
void pod_repairs_free(PodRepairs *repairs);

#endif
