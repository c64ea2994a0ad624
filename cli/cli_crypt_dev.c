/*
 * cli_crypt_dev.c - what "parapass crypt" refuses to convert, and opening
 * the target when it is acceptable.
 *
 * A device in use is looked for in three places, for the disk and each
 * of its partitions (sysfs lists them: /sys/dev/block/MAJ:MIN/<part>/
 * with a "partition" file): /proc/self/mounts (sources compared by
 * device number, not name), /proc/swaps, and sysfs "holders" (device-
 * mapper, md, LVM built on it). On top of that a writable device is
 * opened O_EXCL, which the kernel refuses while anything holds it. An
 * image file is refused while a loop device is attached to it.
 *
 * Read-only: a device whose BLKROGET says so, a read-only mount (EROFS),
 * a permission error, and a file whose mode grants no write permission
 * to anybody: root could write such a file, but its owner said no, and a
 * conversion is not the moment to overrule that (chmod u+w first).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli_crypt.h"

#define DEVSET_MAX 256
#define FS_TMPFS 0x01021994  /* statfs f_type of tmpfs, ramfs: 0x858458f6 */
#define FS_RAMFS 0x858458f6

const struct crypt_sys crypt_sys_default = {
	.mounts = "/proc/self/mounts",
	.swaps = "/proc/swaps",
	.sysfs = "/sys",
};

/* A disk and its partitions, by device number, with their sysfs names. */
struct devset {
	unsigned n;
	dev_t dev[DEVSET_MAX];
	char name[DEVSET_MAX][64];
};

__attribute__((format(printf, 3, 4))) static int say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return 1;
}

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok ? 0 : -1;
}

static void devset_add(struct devset *s, dev_t d, const char *name)
{
	if (s->n >= DEVSET_MAX)
		return;
	s->dev[s->n] = d;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%.63s", name);
	s->n++;
}

static int devset_has(const struct devset *s, dev_t d)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->dev[i] == d)
			return 1;
	return 0;
}

static void devset_collect(const struct crypt_sys *sys, unsigned maj, unsigned min,
			   struct devset *s)
{
	char dir[512], path[1024], line[64];
	struct dirent *e;
	DIR *d;
	unsigned pm, pn;

	s->n = 0;
	devset_add(s, makedev(maj, min), "the disk");
	snprintf(dir, sizeof(dir), "%s/dev/block/%u:%u", sys->sysfs, maj, min);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/partition", dir, e->d_name);
		if (access(path, F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s/dev", dir, e->d_name);
		if (!read_line(path, line, sizeof(line)) && sscanf(line, "%u:%u", &pm, &pn) == 2)
			devset_add(s, makedev(pm, pn), e->d_name);
	}
	closedir(d);
}

/* Mount sources and swap files that are one of the set's devices. */
static int in_table(const char *table, int swaps, const struct devset *s, char *why, size_t len)
{
	FILE *f = fopen(table, "re");
	char line[4096], src[2048], where[2048];
	struct stat st;
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%2047s %2047s", src, where) != 2 || src[0] != '/')
			continue;
		if (stat(src, &st) || !S_ISBLK(st.st_mode) || !devset_has(s, st.st_rdev))
			continue;
		if (swaps)
			found = say(why, len, "in use as swap (%s): swapoff it first", src);
		else
			found = say(why, len, "mounted (%s on %s): unmount it first", src, where);
	}
	fclose(f);
	return found;
}

/* sysfs holders: device-mapper, md or LVM built on the disk or a partition. */
static int held(const struct crypt_sys *sys, const struct devset *s, char *why, size_t len)
{
	char dir[512];
	struct dirent *e;
	int found = 0;

	for (unsigned i = 0; i < s->n && !found; i++) {
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/dev/block/%u:%u/holders", sys->sysfs,
			 major(s->dev[i]), minor(s->dev[i]));
		d = opendir(dir);
		if (!d)
			continue;
		while (!found && (e = readdir(d)))
			if (e->d_name[0] != '.')
				found = say(why, len, "%s is held by %s (device-mapper, md or LVM): "
					    "close that first", s->name[i], e->d_name);
		closedir(d);
	}
	return found;
}

int crypt_dev_in_use(const struct crypt_sys *sys, unsigned maj, unsigned min, char *why,
		     size_t whylen)
{
	struct devset *s = malloc(sizeof(*s));
	int used;

	if (!s)
		return say(why, whylen, "out of memory");
	devset_collect(sys, maj, min, s);
	used = in_table(sys->mounts, 0, s, why, whylen) || in_table(sys->swaps, 1, s, why, whylen) ||
	       held(sys, s, why, whylen);
	free(s);
	return used;
}

/* A loop device whose backing file is this file (same device and inode). */
static int loop_attached(const struct crypt_sys *sys, const struct stat *img, char *why,
			 size_t len)
{
	char dir[512], path[1024], back[1024];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int found = 0;

	snprintf(dir, sizeof(dir), "%s/block", sys->sysfs);
	d = opendir(dir);
	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		if (strncmp(e->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s/loop/backing_file", dir, e->d_name);
		if (read_line(path, back, sizeof(back)) || stat(back, &st))
			continue;
		if (st.st_dev == img->st_dev && st.st_ino == img->st_ino)
			found = say(why, len, "attached to /dev/%s: detach it (losetup -d) first",
				    e->d_name);
	}
	closedir(d);
	return found;
}

static int open_file(const struct crypt_sys *sys, const char *path, const struct stat *st,
		     int writable, struct crypt_target *t, char *why, size_t len)
{
	if (writable && !(st->st_mode & 0222))
		return -say(why, len, "read-only: its mode %04o grants nobody write access (root "
			    "could write it anyway; parapass will not): chmod u+w it to convert it",
			    (unsigned)(st->st_mode & 07777));
	if (writable && loop_attached(sys, st, why, len))
		return -1;
	t->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (t->fd < 0)
		return -say(why, len, "%s%s", strerror(errno),
			    errno == EROFS ? " (a read-only file system)" : "");
	t->is_blk = 0;
	t->bytes = (uint64_t)st->st_size;
	t->id[0] = st->st_dev;
	t->id[1] = st->st_ino;
	return 0;
}

static int open_blk(const struct crypt_sys *sys, const char *path, const struct stat *st,
		    int writable, struct crypt_target *t, char *why, size_t len)
{
	char part[512];
	int ro = 0;

	snprintf(part, sizeof(part), "%s/dev/block/%u:%u/partition", sys->sysfs,
		 major(st->st_rdev), minor(st->st_rdev));
	if (!access(part, F_OK))
		return -say(why, len, "a partition: parapass encrypts whole disks (the tweak is the "
			    "LBA on the disk); give the disk with --first-lba START --sectors N");
	if (writable && crypt_dev_in_use(sys, major(st->st_rdev), minor(st->st_rdev), why, len))
		return -1;
	/* O_EXCL on a block device: the kernel refuses it while anything holds the device. */
	t->fd = open(path, writable ? O_RDWR | O_EXCL | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
	if (t->fd < 0)
		return -say(why, len, "%s%s", strerror(errno),
			    errno == EBUSY ? " (in use: mounted or held by the kernel)" : "");
	if (writable && (ioctl(t->fd, BLKROGET, &ro) || ro)) {
		close(t->fd);
		return -say(why, len, "a read-only block device (blockdev --setrw to change that)");
	}
	if (ioctl(t->fd, BLKGETSIZE64, &t->bytes)) {
		close(t->fd);
		return -say(why, len, "cannot get its size: %s", strerror(errno));
	}
	t->is_blk = 1;
	t->id[0] = st->st_rdev;
	t->id[1] = 0;
	return 0;
}

int crypt_target_open(const struct crypt_sys *sys, const char *path, int writable,
		      struct crypt_target *t, char *why, size_t whylen)
{
	struct stat st;

	t->fd = -1;
	if (stat(path, &st))
		return -say(why, whylen, "%s", strerror(errno));
	if (S_ISREG(st.st_mode))
		return open_file(sys, path, &st, writable, t, why, whylen);
	if (S_ISBLK(st.st_mode))
		return open_blk(sys, path, &st, writable, t, why, whylen);
	return -say(why, whylen, "not a regular file or a block device");
}

static int in_memory(const struct statfs *fs)
{
	return fs->f_type == FS_TMPFS || fs->f_type == FS_RAMFS;
}

uint32_t crypt_chunk_default(int target_fd, const char *journal)
{
	char dir[4096];
	struct statfs tf, jf;
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", journal);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	if (!fstat(target_fd, &st) && S_ISREG(st.st_mode) && !fstatfs(target_fd, &tf) &&
	    in_memory(&tf) && !statfs(dir, &jf) && in_memory(&jf))
		return CRYPT_CHUNK_MEMORY;
	return CRYPT_CHUNK_DEFAULT;
}
