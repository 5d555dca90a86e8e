#include "spill.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPILL_BUFFER (256 * 1024)

static void fail(Spill *s, const char *doing, int err)
{
	if (!s->failed)
		log_error("temporary file for %s (in %s): %s: %s", s->purpose, s->dir, doing, strerror(err));
	s->failed = true;
}

/* An unnamed file (O_TMPFILE); else a named one, unlinked at once. */
static int open_unnamed(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	StrBuf path = STRBUF_INIT;
	sb_printf(&path, "%s/podmigrate-spill-XXXXXX", dir);
	fd = mkostemp(path.data, O_CLOEXEC);
	int err = errno;
	if (fd >= 0)
		unlink(path.data);
	sb_free(&path);
	errno = err;
	return fd;
}

bool spill_open(Spill *s, const char *purpose)
{
	const char *dir = getenv("TMPDIR");
	*s = (Spill){.purpose = xstrdup(purpose), .dir = xstrdup(dir && *dir ? dir : "/tmp")};
	int fd = open_unnamed(s->dir);
	if (fd < 0 || !(s->fp = fdopen(fd, "w+b"))) {
		fail(s, "cannot create it", errno);
		if (fd >= 0)
			close(fd);
		spill_close(s);
		return false;
	}
	setvbuf(s->fp, NULL, _IOFBF, SPILL_BUFFER);
	return true;
}

bool spill_write(Spill *s, const void *data, size_t len)
{
	if (s->failed)
		return false;
	if (len && fwrite(data, 1, len, s->fp) != len) {
		fail(s, "write failed", errno);
		return false;
	}
	s->size += len;
	return true;
}

bool spill_seek(Spill *s, uint64_t offset)
{
	if (s->failed)
		return false;
	if (fflush(s->fp) != 0) {
		fail(s, "write failed", errno);
		return false;
	}
	if (fseeko(s->fp, (off_t)offset, SEEK_SET) != 0) {
		fail(s, "seek failed", errno);
		return false;
	}
	return true;
}

bool spill_read(Spill *s, void *data, size_t len, bool *end)
{
	if (end)
		*end = false;
	if (s->failed)
		return false;
	size_t got = len ? fread(data, 1, len, s->fp) : 0;
	if (got == len)
		return true;
	if (ferror(s->fp))
		fail(s, "read failed", errno);
	else if (got || !end)
		fail(s, "cut short", EIO); /* the file is ours: it was damaged */
	else
		*end = true;
	return false;
}

bool spill_read_at(Spill *s, uint64_t offset, void *data, size_t len)
{
	if (s->failed)
		return false;
	for (size_t done = 0; done < len;) {
		ssize_t n = pread(fileno(s->fp), (char *)data + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(s, "read failed", n < 0 ? errno : EIO);
			return false;
		}
		done += (size_t)n;
	}
	return true;
}

void spill_close(Spill *s)
{
	if (s->fp)
		fclose(s->fp);
	free(s->purpose);
	free(s->dir);
	*s = (Spill){0};
}
