/*
 * cli_crypt_io.c - the conversion engine's files on a real system: pread/
 * pwrite/fdatasync on file descriptors, the journal as a file whose
 * creation and removal are made durable by syncing its directory, and the
 * test hook that kills the process at a chosen point.
 *
 * PARAPASS_CRYPT_KILL=bytes:N sends SIGKILL to the process once N bytes
 * have been written in all (journal and target; the write that crosses N
 * is cut there, so a chunk can be left half written; other threads die
 * wherever they are), and sync:N right after the N-th sync. tests/system/30-crypt-resume.sh uses it to stop a
 * conversion at exactly chosen points; a real kill -9 at a random moment
 * is exercised there too. The hook only ever makes the tool die, which
 * the journal is there to survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_crypt.h"

#define KILL_ENV "PARAPASS_CRYPT_KILL"

static struct {
	enum { HOOK_OFF, HOOK_BYTES, HOOK_SYNC } mode;
	uint64_t at, bytes, syncs;
} hook;

void crypt_kill_hook_init(void)
{
	const char *v = getenv(KILL_ENV);
	unsigned long long n;
	char kind[8];

	hook.mode = HOOK_OFF;
	if (!v || sscanf(v, "%7[a-z]:%llu", kind, &n) != 2)
		return;
	if (!strcmp(kind, "bytes"))
		hook.mode = HOOK_BYTES;
	else if (!strcmp(kind, "sync"))
		hook.mode = HOOK_SYNC;
	hook.at = n;
}

static void hook_die(void)
{
	raise(SIGKILL);
	abort(); /* not reached */
}

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n, len -= (size_t)n, off += (uint64_t)n;
	}
	return 0;
}

/* Writes come from several threads: each takes its byte range of the count atomically. */
static int hooked_write(int fd, const void *buf, size_t len, uint64_t off)
{
	uint64_t before;

	if (hook.mode != HOOK_BYTES)
		return write_all(fd, buf, len, off);
	before = __atomic_fetch_add(&hook.bytes, len, __ATOMIC_SEQ_CST);
	if (before < hook.at && before + len >= hook.at) {
		write_all(fd, buf, (size_t)(hook.at - before), off);
		hook_die();
	}
	return write_all(fd, buf, len, off);
}

static int fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;  /* end of file: short */
		p += n, len -= (size_t)n, off += (uint64_t)n;
	}
	return 0;
}

static int fd_write(void *ctx, const void *buf, size_t len, uint64_t off)
{
	return hooked_write(*(int *)ctx, buf, len, off);
}

static int fd_sync(void *ctx)
{
	int err = fdatasync(*(int *)ctx) ? -errno : 0;

	if (hook.mode == HOOK_SYNC && ++hook.syncs >= hook.at)
		hook_die();
	return err;
}

static void fd_close(void *ctx)
{
	close(*(int *)ctx);
	free(ctx);
}

static const struct crypt_file_ops fd_ops = {
	.read = fd_read, .write = fd_write, .sync = fd_sync, .close = fd_close,
};

int crypt_file_fd(struct crypt_file *f, int fd)
{
	int *ctx = malloc(sizeof(*ctx));

	if (!ctx)
		return -ENOMEM;
	*ctx = fd;
	f->ops = &fd_ops;
	f->ctx = ctx;
	return 0;
}

/* ---- The journal as a file at a path ---- */
struct path_store {
	char *path, *tmp, *dir;
};

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) && errno != EINVAL)  /* some filesystems cannot sync a directory */
		err = -errno;
	close(fd);
	return err;
}

/* Build the whole file under a temporary name, make it durable, then give it its name. */
static int ps_create(void *ctx, const void *head, size_t len, uint64_t size, struct crypt_file *out)
{
	struct path_store *ps = ctx;
	int fd = open(ps->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err = 0;

	if (fd < 0)
		return -errno;
	err = hooked_write(fd, head, len, 0);
	if (!err && (ftruncate(fd, (off_t)size) || fsync(fd)))
		err = -errno;
	/* link() will not replace an existing journal; rename() where links do not exist (FAT). */
	if (!err && link(ps->tmp, ps->path)) {
		err = -errno;
		if ((err == -EPERM || err == -ENOTSUP) && access(ps->path, F_OK))
			err = rename(ps->tmp, ps->path) ? -errno : 0;
	}
	unlink(ps->tmp);
	if (!err)
		err = sync_dir(ps->dir);
	if (!err)
		err = crypt_file_fd(out, fd);
	if (err)
		close(fd);
	return err;
}

static int ps_open(void *ctx, struct crypt_file *out, uint64_t *size)
{
	struct path_store *ps = ctx;
	int fd = open(ps->path, O_RDWR | O_CLOEXEC), err;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	*size = (uint64_t)st.st_size;
	err = crypt_file_fd(out, fd);
	if (err)
		close(fd);
	return err;
}

static int ps_remove(void *ctx)
{
	struct path_store *ps = ctx;

	if (unlink(ps->path))
		return -errno;
	return sync_dir(ps->dir);
}

static const struct crypt_store_ops path_store_ops = {
	.create = ps_create, .open = ps_open, .remove = ps_remove,
};

int crypt_store_path(struct crypt_store *s, const char *path)
{
	struct path_store *ps = calloc(1, sizeof(*ps));
	char *copy = strdup(path);

	if (ps && copy) {
		ps->path = strdup(path);
		ps->dir = strdup(dirname(copy));
		ps->tmp = malloc(strlen(path) + 5);
		if (ps->tmp)
			sprintf(ps->tmp, "%s.tmp", path);
	}
	free(copy);
	if (!ps || !ps->path || !ps->dir || !ps->tmp) {
		s->ctx = ps;
		crypt_store_free(s);
		return -ENOMEM;
	}
	s->ops = &path_store_ops;
	s->ctx = ps;
	return 0;
}

void crypt_store_free(struct crypt_store *s)
{
	struct path_store *ps = s->ctx;

	if (ps) {
		free(ps->path);
		free(ps->tmp);
		free(ps->dir);
		free(ps);
	}
	s->ctx = NULL;
}
