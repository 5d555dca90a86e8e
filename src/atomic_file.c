#include "atomic_file.h"

#include "log.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STDIO_BUFFER (1 << 20)

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

static char *base_of(const char *path)
{
	char *copy = xstrdup(path);
	char *base = xstrdup(basename(copy));
	free(copy);
	return base;
}

/* The target must be absent or a regular file: a link is refused, never followed. */
static bool check_target(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return true;
		log_error("cannot look at %s: %s", path, strerror(errno));
		return false;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		log_error("%s is a symbolic link (to %s): podmigrate does not write through links; give the path "
		          "of the file itself", path, n > 0 ? target : "?");
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("%s exists and is not a regular file (use '-' for standard output)", path);
		return false;
	}
	return true;
}

/*
 * Hidden partial files of this target whose writer is gone (their lock is
 * free): left by a run killed before its end, or between link and rename.
 */
static void remove_stale_partials(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	StrBuf prefix = STRBUF_INIT, full = STRBUF_INIT;
	sb_printf(&prefix, ".%s.partial-", base);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix.data, prefix.len) != 0)
			continue;
		sb_reset(&full);
		sb_printf(&full, "%s/%s", dir, e->d_name);
		int fd = open(full.data, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		    unlink(full.data) == 0)
			log_info("removed %s, a partial file left by an interrupted run", full.data);
		close(fd);
	}
	closedir(d);
	sb_free(&prefix);
	sb_free(&full);
}

bool atomic_file_open(AtomicFile *af, const char *path, int mode)
{
	*af = (AtomicFile){0};
	if (!check_target(path) || !make_parent_dirs(path))
		return false;
	char *dir = dir_of(path), *base = base_of(path);
	remove_stale_partials(dir, base);
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* no unnamed files on this file system: a hidden name, locked while in use */
		StrBuf temp = STRBUF_INIT;
		sb_printf(&temp, "%s/.%s.partial-XXXXXX", dir, base);
		fd = mkostemp(temp.data, O_CLOEXEC);
		af->temp_path = fd >= 0 ? sb_steal(&temp) : NULL;
		sb_free(&temp);
	}
	int err = errno;
	free(dir);
	free(base);
	if (fd < 0) {
		log_error("cannot create %s: %s", path, strerror(err));
		return false;
	}
	af->path = xstrdup(path);
	/* the lock tells the stale-file cleanup of another run that this one is alive */
	if (flock(fd, LOCK_EX) != 0 || fchmod(fd, (mode_t)mode) != 0 || !(af->fp = fdopen(fd, "w"))) {
		log_error("cannot set up %s: %s", path, strerror(errno));
		close(fd);
		atomic_file_abort(af);
		return false;
	}
	af->buffer = xmalloc(STDIO_BUFFER);
	setvbuf(af->fp, af->buffer, _IOFBF, STDIO_BUFFER);
	return true;
}

/* Gives the unnamed file a hidden name next to the target, to be renamed over it. */
static bool link_unnamed(AtomicFile *af, int fd)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	char *dir = dir_of(af->path), *base = base_of(af->path);
	StrBuf name = STRBUF_INIT;
	bool ok = false;
	unsigned seed = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	for (unsigned attempt = 0; attempt < 100 && !ok; attempt++) {
		sb_reset(&name);
		sb_printf(&name, "%s/.%s.partial-%08x", dir, base, seed + attempt * 40503u);
		ok = linkat(AT_FDCWD, proc, AT_FDCWD, name.data, AT_SYMLINK_FOLLOW) == 0 ||
		     (errno == ENOENT && linkat(fd, "", AT_FDCWD, name.data, AT_EMPTY_PATH) == 0); /* no /proc */
		if (!ok && errno != EEXIST)
			break;
	}
	if (ok)
		af->temp_path = sb_steal(&name);
	else
		log_error("cannot create %s in %s: %s", af->path, dir, strerror(errno));
	sb_free(&name);
	free(dir);
	free(base);
	return ok;
}

bool atomic_file_commit(AtomicFile *af)
{
	int fd = fileno(af->fp);
	int err = fflush(af->fp) != 0 ? errno : ferror(af->fp) ? EIO : 0;
	bool ok = err == 0;
	if (!ok)
		log_error("cannot write %s: %s", af->path, strerror(err));
	else if (fsync(fd) != 0) {
		log_error("cannot sync %s: %s", af->path, strerror(errno));
		ok = false;
	}
	bool unnamed = !af->temp_path;
	ok = ok && (!unnamed || link_unnamed(af, fd)) && check_target(af->path);
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
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	fclose(af->fp); /* releases the lock only now: the file has its name */
	free(af->buffer);
	free(af->temp_path);
	free(af->path);
	*af = (AtomicFile){0};
	return true;
}

void atomic_file_abort(AtomicFile *af)
{
	if (af->fp)
		fclose(af->fp); /* an unnamed file vanishes with it */
	if (af->temp_path)
		unlink(af->temp_path);
	free(af->buffer);
	free(af->temp_path);
	free(af->path);
	*af = (AtomicFile){0};
}

bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
