#include "pod_createdb.h"

#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs the command in pod_dir and waits; false (logged) unless it exits 0. */
static bool run_command(const PodCreateDb *create)
{
	log_info("Running '%s' in %s ...", create->command, create->pod_dir);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		log_error("cannot start '%s': %s", create->command, strerror(errno));
		return false;
	}
	if (pid == 0) {
		if (chdir(create->pod_dir) != 0) {
			fprintf(stderr, "podmigrate: error: cannot enter %s: %s\n", create->pod_dir, strerror(errno));
			_exit(126);
		}
		execl("/bin/sh", "sh", "-c", create->command, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			log_error("cannot wait for '%s': %s", create->command, strerror(errno));
			return false;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		log_error("'%s' failed with exit status %d: nothing was imported", create->command, WEXITSTATUS(status));
	else
		log_error("'%s' was killed by signal %d: nothing was imported", create->command, WTERMSIG(status));
	return false;
}

bool pod_createdb_tables(Db *db, const PodCreateDb *create, StrList *tables)
{
	if (!db_list_tables(db, tables))
		return false;
	if (!create)
		return true;
	if (tables->count) {
		log_error("--createDB needs an empty database, and this one has %zu tables (%s, ...). Drop and "
		          "recreate it, or run without --createDB", tables->count, tables->items[0]);
		return false;
	}
	if (create->dry) {
		log_info("Dry run: would run '%s' in %s, then import into the new schema.", create->command,
		         create->pod_dir);
		return true;
	}
	if (!run_command(create))
		return false;
	strlist_free(tables);
	if (!db_list_tables(db, tables))
		return false;
	if (tables->count == 0) {
		log_error("'%s' succeeded but %s still has no tables: do Pod's settings point to it?", create->command,
		          db_display(db));
		return false;
	}
	return true;
}
