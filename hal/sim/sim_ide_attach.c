/*
 * sim_ide_attach.c - putting a drive on a channel: its backing store, its
 * identity (model, serial, default CHS geometry, multiple count) and its
 * power-on state, which posts the reset signature (ATA8-ACS 9.12).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ide_priv.h"

void sim_ide_detach(struct sim_ide_dev *d)
{
	sim_disk_close(&d->disk);
	free(d->buf);
	d->buf = NULL;
	d->present = false;
}

/* Default CHS geometry: 16 heads, 63 sectors a track, at most 16383 cylinders. */
static void sim_ide_geometry(struct sim_ide_dev *d, const struct sim_disk_config *cfg)
{
	uint64_t cyls = cfg->cyls;

	d->def_heads = cfg->heads ? cfg->heads : 16;
	d->def_spt = cfg->spt ? cfg->spt : 63;
	if (!cyls) {
		cyls = cfg->sectors / ((uint64_t)d->def_heads * d->def_spt);
		if (cyls > 16383)
			cyls = 16383;
		if (!cyls)
			cyls = 1;
	}
	d->def_cyls = (uint16_t)cyls;
	d->cur_cyls = d->def_cyls;
	d->cur_heads = d->def_heads;
	d->cur_spt = d->def_spt;
}

static void sim_ide_power_on(struct sim_ide_dev *d, const struct sim_disk_config *cfg)
{
	const char *model = cfg->model ? cfg->model :
			    cfg->atapi ? "PARAPASS SIM CD-ROM" : "PARAPASS SIM DISK";

	d->atapi = cfg->atapi;
	d->lba48 = !cfg->no_lba48;
	d->max_mult = cfg->max_multiple == SIM_NO_MULTIPLE ? 0 :
		      cfg->max_multiple ? cfg->max_multiple : 16;
	d->busy_polls = cfg->busy_polls;
	d->no_hob_readback = cfg->no_hob_readback;
	snprintf(d->model, sizeof(d->model), "%s", model);
	snprintf(d->serial, sizeof(d->serial), "PPSIM%u%u%08llX", d->chan, d->unit,
		 (unsigned long long)cfg->sectors & 0xFFFFFFFFull);
	d->mult = 0;
	d->wcache = d->lookahead = true;
	d->mwdma_sel = d->udma_sel = 0;
	memset(d->tf, 0, sizeof(d->tf));
	memset(d->hob, 0, sizeof(d->hob));
	sim_ide_power_on_reset(d);
	d->present = true;
}

int sim_ide_attach(unsigned channel, unsigned drive, const struct sim_disk_config *cfg)
{
	struct sim_ide_dev *d;
	struct sim_disk disk = { .fd = -1 };
	uint8_t *buf;
	int rc;

	if (!sim_ide_ready() || channel >= SIM_CHANNELS || drive >= SIM_DRIVES || !cfg)
		return PP_EINVAL;
	d = &sim_ide_chan(channel)->dev[drive];
	if (cfg->heads > 16 || cfg->spt > 255)
		return PP_EINVAL;
	rc = sim_disk_open(&disk, cfg);
	if (rc)
		return rc;
	buf = calloc(1, SIM_IDE_BUF);
	if (!buf) {
		sim_disk_close(&disk);
		return PP_ENOMEM;
	}
	sim_ide_detach(d);
	d->disk = disk;
	d->buf = buf;
	sim_ide_geometry(d, cfg);
	sim_ide_power_on(d, cfg);
	sim_ide_irq_update();
	return PP_OK;
}

static struct sim_ide_dev *sim_ide_attached(unsigned channel, unsigned drive)
{
	struct sim_ide_dev *d;

	if (!sim_ide_ready() || channel >= SIM_CHANNELS || drive >= SIM_DRIVES)
		return NULL;
	d = &sim_ide_chan(channel)->dev[drive];
	return d->present ? d : NULL;
}

uint8_t *sim_ide_disk_data(unsigned channel, unsigned drive)
{
	const struct sim_ide_dev *d = sim_ide_attached(channel, drive);

	return d ? d->disk.data : NULL;
}

uint64_t sim_ide_disk_sectors(unsigned channel, unsigned drive)
{
	const struct sim_ide_dev *d = sim_ide_attached(channel, drive);

	return d ? d->disk.sectors : 0;
}

int sim_disk_set_busy_polls(unsigned channel, unsigned drive, uint32_t polls)
{
	struct sim_ide_dev *d = sim_ide_attached(channel, drive);

	if (!d)
		return PP_EINVAL;
	d->busy_polls = polls;
	return PP_OK;
}
