#include "migrate.h"

#include "atomic_file.h"
#include "byte_channel.h"
#include "export.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The export half: its thread owns v3 and everything here but the channel until it is joined. */
typedef struct ExportHalf {
	Db *v3;
	StrList present; /* v3's tables */
	ByteChannel *channel;
	AtomicFile keep; /* the --keep-file copy, when keep.fp */
	const char *keep_path;
	bool ok;
	ExportTotals totals;
} ExportHalf;

/* The JSON writer's output: the channel, and the kept file first when there is one. */
static ssize_t tee_write(void *cookie, const char *data, size_t n)
{
	ExportHalf *half = cookie;
	if (half->keep.fp && fwrite(data, 1, n, half->keep.fp) != n) {
		log_error("cannot write --keep-file %s: %s", half->keep_path, strerror(errno));
		errno = ECANCELED; /* said here: the writer stops without a second message */
		return -1;
	}
	return byte_channel_write(half->channel, data, n) ? (ssize_t)n : -1;
}

static void *export_thread(void *arg)
{
	ExportHalf *half = arg;
	FILE *out = fopencookie(half, "w", (cookie_io_functions_t){.write = tee_write});
	if (!out) {
		log_error("cannot open the stream to the import: %s", strerror(errno));
	} else {
		setvbuf(out, NULL, _IONBF, 0); /* the JSON writer buffers already */
		JsonWriter w;
		json_writer_init(&w, out, true, 0);
		half->ok = export_run(half->v3, &w, &half->present, false, &half->totals);
		json_writer_flush(&w);
		half->ok = half->ok && json_writer_ok(&w);
		json_writer_free(&w);
		fclose(out);
	}
	/* the kept file is in place before the import sees the end, so before it commits */
	if (half->keep.fp) {
		if (half->ok)
			half->ok = atomic_file_commit(&half->keep);
		else
			atomic_file_abort(&half->keep);
	}
	byte_channel_close_writer(half->channel, half->ok);
	return NULL;
}

/* Starts the export half, in its snapshot of v3; false (logged) when it cannot. */
static bool start_export(ExportHalf *half, pthread_t *thread, bool force)
{
	if (!export_begin(half->v3, force, &half->present))
		return false;
	if (half->keep_path && !atomic_file_open(&half->keep, half->keep_path, S_IRUSR | S_IWUSR))
		return false;
	int err = pthread_create(thread, NULL, export_thread, half);
	if (err) {
		log_error("cannot start the export thread: %s", strerror(err));
		atomic_file_abort(&half->keep);
		return false;
	}
	return true;
}

static MigrateOutcome verify_after(Db *v3, Db *v4, const MigrateSettings *s)
{
	log_info("Verifying the Pod v4 database against Pod v3 ...");
	VerifyOptions options = s->verify_options;
	if (s->import.write_rejects && access(s->import.rejects_path, F_OK) == 0)
		options.rejects = s->import.rejects_path;
	VerifyOutcome outcome = verify_databases(v3, v4, &options);
	if (outcome != VERIFY_EQUAL)
		log_error("migrate: the import is committed, but %s", outcome == VERIFY_DIFFERENT
		          ? "the v4 database does not hold what v3 gives (see above)" : "verify could not finish");
	return outcome == VERIFY_EQUAL ? MIGRATE_DONE : MIGRATE_DIFFERENT;
}

MigrateOutcome migrate_run(Db *v3, Db *v4, const StrList *target_tables, const MigrateSettings *s)
{
	ExportHalf half = {.v3 = v3, .keep_path = s->keep_file, .channel = byte_channel_new()};
	pthread_t thread;
	ImportOutcome imported = IMPORT_FAILED;
	if (start_export(&half, &thread, s->import.force)) {
		FILE *in = byte_channel_reader_file(half.channel);
		if (in) {
			imported = import_run(v4, in, target_tables, &s->import);
			fclose(in);
		}
		byte_channel_close_reader(half.channel); /* a failed import stops the export */
		pthread_join(thread, NULL);
		if (half.ok) /* as the export says it: the tables v3 does not have */
			export_report_absent(&half.totals);
		if (half.ok && s->keep_file)
			log_info("The export file was kept: %s", s->keep_file);
	}
	export_end(v3);
	strlist_free(&half.present);
	export_totals_free(&half.totals);
	byte_channel_free(half.channel);
	/* the import ends well only on the end of a whole stream: then the export did too */
	if (imported == IMPORT_FAILED)
		return MIGRATE_FAILED;
	MigrateOutcome outcome = imported == IMPORT_REJECTED ? MIGRATE_REJECTED : MIGRATE_DONE;
	if (s->verify && !s->import.dry) {
		MigrateOutcome verified = verify_after(v3, v4, s);
		if (verified != MIGRATE_DONE)
			outcome = verified;
	}
	return outcome;
}
