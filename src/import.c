#include "import.h"

#include "import_table.h"
#include "integrity.h"
#include "log.h"
#include "pod_schema.h"
#include "pod_tag_import.h"
#include "stop.h"

#include <inttypes.h>
#include <string.h>

/* The file, table by table; then the v4-only rows the file's tables replaced are added back. */
static bool read_file(ImportRun *run, FILE *in, const StrList *target_tables)
{
	bool has_v4_rows = strlist_contains(target_tables, "django_content_type") &&
	                   strlist_contains(target_tables, "auth_permission");
	bool ok = (!has_v4_rows || pod_v4_rows_snapshot(run->db, &run->v4_rows)) &&
	          json_read_tables(in, run->settings->input, &import_table_handler, run, NULL, NULL);
	import_table_abandon(run);
	if (ok && has_v4_rows && strlist_contains(&run->written_tables, "django_content_type") &&
	    strlist_contains(&run->written_tables, "auth_permission"))
		ok = pod_v4_rows_restore(run->db, &run->v4_rows, target_tables);
	return ok;
}

/* Tags whose links the integrity check left out get their counts right again. */
static bool recount_tags(ImportRun *run)
{
	for (size_t i = 0; i < pod_tag_source_count; i++) {
		const PodTagSource *source = &pod_tag_sources[i];
		const TableSummary *t = summary_find(&run->summary, source->relation_table);
		if (t && t->rejected && !pod_tag_import_recount(run->db, source))
			return false;
	}
	return true;
}

/* Everything up to the commit, in the one transaction (see import.h). */
static bool import_steps(ImportRun *run, FILE *in, const StrList *target_tables)
{
	const ImportSettings *s = run->settings;
	bool checked = false; /* every key of the written tables validated by the engine: nothing dangles */
	return pod_check_v4(target_tables, s->force) && db_begin(run->db) && db_defer_constraints(run->db) &&
	       read_file(run, in, target_tables) && db_resume_foreign_keys_checked(run->db, &checked) &&
	       (checked || (integrity_remove_dangling(run->db, &run->written_tables, target_tables, &run->rejects,
	                                              s->strict, &run->summary) &&
	                    recount_tags(run) && db_resume_foreign_keys(run->db))) &&
	       reject_log_finish(&run->rejects);
}

/* Commits, or rolls back a dry run or a failure; false when the target is unchanged by a failure. */
static bool finish(ImportRun *run, bool ok)
{
	/* a stop signal the last steps did not see (they do not all ask) still rolls back */
	if (ok && stop_requested())
		ok = false;
	if (ok && run->settings->dry) {
		ok = db_rollback(run->db);
		log_info("Dry run: everything was rolled back, the database is unchanged.");
	} else if (ok) {
		ok = db_commit(run->db);
		if (!ok)
			log_error("the commit failed (see above): the database is unchanged");
	} else {
		db_rollback(run->db);
	}
	return ok;
}

static ImportOutcome report(const ImportRun *run, double started)
{
	const ImportSettings *s = run->settings;
	log_info("Imported in %.2f s%s.", clock_now() - started, s->dry ? " (dry run: rolled back)" : "");
	if (!s->dry && !s->only_tags)
		log_info("Next steps: make Pod v3's MEDIA_ROOT reachable from Pod v4, then run "
		         "'python manage.py index_videos --all' in Pod v4.");
	if (run->rejects.count == 0)
		return IMPORT_DONE;
	if (run->rejects.write)
		log_warn("%" PRIu64 " rows were left out%s: they are in %s", run->rejects.count,
		         s->dry ? " (dry run)" : "", run->rejects.path);
	else
		log_warn("%" PRIu64 " rows would be left out (dry run: no reject file written; the import writes "
		         "them to %s, or use --rejects FILE)", run->rejects.count, run->rejects.path);
	return IMPORT_REJECTED;
}

ImportOutcome import_run(Db *db, FILE *in, const StrList *target_tables, const ImportSettings *settings)
{
	ImportRun run = {.db = db, .settings = settings};
	reject_log_init(&run.rejects, settings->rejects_path, settings->write_rejects);
	for (size_t i = 0; i < target_tables->count; i++)
		strmap_put(&run.target_index, target_tables->items[i], strlen(target_tables->items[i]), i);
	double started = clock_now();
	bool ok = finish(&run, import_steps(&run, in, target_tables));
	summary_print(&run.summary);
	ImportOutcome outcome = IMPORT_FAILED;
	if (ok)
		outcome = report(&run, started);
	else
		log_error("import failed (first error: %s); everything was rolled back, the database is unchanged",
		          log_first_error());
	summary_free(&run.summary);
	strmap_free(&run.target_index);
	strlist_free(&run.written_tables);
	pod_repairs_free(&run.repairs);
	pod_v4_rows_free(&run.v4_rows);
	reject_log_free(&run.rejects);
	return outcome;
}
