#include "atomic_file.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool make_parent_dirs(const char *path)
{
	char *copy = xstrdup(path);
	char *slash = strrchr(copy, '/');
	if (!slash || slash == copy) {
		free(copy);
		return true;
	}
	*slash = '\0';
	for (char *p = copy + 1; ; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
			log_error("cannot create directory %s: %s", copy, strerror(errno));
			free(copy);
			return false;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return true;
}

static char *dir_of(const char *path)
{
	char *copy = xstrdup(path);
	char *dir = xstrdup(dirname(copy));
	free(copy);
	return dir;
}

bool atomic_file_open(AtomicFile *af, const char *path, int mode)
{
	memset(af, 0, sizeof(*af));
	if (!make_parent_dirs(path))
		return false;
	char *dir = dir_of(path);
	char *copy = xstrdup(path);
	StrBuf temp = STRBUF_INIT;
	/* hidden, in the same directory (same file system) so that rename is atomic */
	sb_printf(&temp, "%s/.%s.partial-XXXXXX", dir, basename(copy));
	free(copy);
	free(dir);
	int fd = mkstemp(temp.data);
	if (fd < 0) {
		log_error("cannot create a temporary file next to %s: %s", path, strerror(errno));
		sb_free(&temp);
		return false;
	}
	af->temp_path = sb_steal(&temp);
	af->path = xstrdup(path);
	if (fchmod(fd, (mode_t)mode) != 0) {
		log_error("cannot set the mode of %s: %s", af->temp_path, strerror(errno));
		close(fd);
		atomic_file_abort(af);
		return false;
	}
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		close(fd);
		atomic_file_abort(af);
		return false;
	}
	static char buffer[1 << 20];
	setvbuf(af->fp, buffer, _IOFBF, sizeof(buffer));
	return true;
}

bool atomic_file_commit(AtomicFile *af)
{
	bool ok = true;
	if (fflush(af->fp) != 0 || ferror(af->fp)) {
		log_error("cannot write %s: %s", af->temp_path, strerror(errno));
		ok = false;
	} else if (fsync(fileno(af->fp)) != 0) {
		log_error("cannot sync %s: %s", af->temp_path, strerror(errno));
		ok = false;
	}
	if (fclose(af->fp) != 0 && ok) {
		log_error("cannot close %s: %s", af->temp_path, strerror(errno));
		ok = false;
	}
	af->fp = NULL;
	if (ok && rename(af->temp_path, af->path) != 0) {
		log_error("cannot rename %s to %s: %s", af->temp_path, af->path, strerror(errno));
		ok = false;
	}
	if (!ok) {
		atomic_file_abort(af);
		return false;
	}
	/* make the rename itself durable */
	char *dir = dir_of(af->path);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	free(af->temp_path);
	free(af->path);
	memset(af, 0, sizeof(*af));
	return true;
}

void atomic_file_abort(AtomicFile *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->temp_path)
		unlink(af->temp_path);
	free(af->temp_path);
	free(af->path);
	memset(af, 0, sizeof(*af));
}
