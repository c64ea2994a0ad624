/*
 * sim_disk.c - a simulated drive's backing store: an image file mapped
 * shared, so that the file holds every sector written once the machine is
 * torn down, or zeroed memory when no file is named.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_ide_priv.h"

static int sim_disk_map(struct sim_disk *disk, const char *path, uint64_t bytes)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return PP_EINVAL;
	/* An image of another size is a configuration error, never resized. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != bytes) {
		close(fd);
		return PP_EINVAL;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return PP_ENOMEM;
	}
	disk->data = p;
	disk->fd = fd;
	return PP_OK;
}

int sim_disk_open(struct sim_disk *disk, const struct sim_disk_config *cfg)
{
	uint64_t bytes;
	int rc = PP_OK;

	/* 48-bit LBA is the widest address a command can carry. */
	if (!cfg->sectors || cfg->sectors > (1ull << 48) || cfg->sectors > SIZE_MAX / SIM_SECTOR)
		return PP_EINVAL;
	bytes = cfg->sectors * SIM_SECTOR;
	disk->fd = -1;
	if (cfg->path) {
		rc = sim_disk_map(disk, cfg->path, bytes);
	} else {
		disk->data = calloc(1, bytes);
		if (!disk->data)
			rc = PP_ENOMEM;
	}
	if (rc == PP_OK)
		disk->sectors = cfg->sectors;
	return rc;
}

void sim_disk_close(struct sim_disk *disk)
{
	if (!disk->data)
		return;
	if (disk->fd >= 0) {
		munmap(disk->data, disk->sectors * SIM_SECTOR);
		close(disk->fd);
	} else {
		free(disk->data);
	}
	disk->data = NULL;
	disk->sectors = 0;
	disk->fd = -1;
}

void sim_disk_sync(struct sim_disk *disk, uint64_t sector, uint64_t count)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start, end;

	if (disk->fd < 0 || !count || page <= 0)
		return;
	/* msync wants a page-aligned start; the range is clipped to the image. */
	start = sector * SIM_SECTOR / (uint64_t)page * (uint64_t)page;
	end = (sector + count) * SIM_SECTOR;
	if (end > disk->sectors * SIM_SECTOR)
		end = disk->sectors * SIM_SECTOR;
	if (start < end)
		msync(disk->data + start, end - start, MS_SYNC);
}
