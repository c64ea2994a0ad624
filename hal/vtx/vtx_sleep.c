/*
 * vtx_sleep.c - the ACPI registers that end a run, as parapass's own ports
 * (vtx_port.c), claimed once the mediator has started.
 *
 * PM1a_CNT / PM1b_CNT (ACPI 6.4, 4.8.3.2.1): SLP_EN with the SLP_TYP of
 * S4 or S5 powers the machine off and goes through (the exit profile is
 * printed and the UARTs drained first). Any other sleep type is refused:
 * in S1-S3 memory keeps power and the firmware resumes the guest through
 * its waking vector on processors reset out of VMX, with no parapass
 * between it and the disks (vtx_aml.c). The write is dropped and logged,
 * and the guest's next read of PM1a_STS shows WAK_STS, so an OS waiting
 * for its wake-up returns at once: its suspend fails, the machine runs on.
 *
 * SMI_CMD: the S4BIOS_REQ value asks the firmware to save memory to disk
 * itself (S4BIOS, 4.8.3.3), in SMM, unmediated and with VMM memory in the
 * image: refused the same way.
 *
 * Port 0x8900, the emulators' shutdown port: the profile, then through.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define SHUTDOWN_PORT 0x8900
#define PM1_SLP_EN (1u << 13)
#define PM1_WAK_STS (1u << 15)
#define LOG_MAX 8

static bool sleep_profile_done, sleep_fake_wake;
static unsigned sleep_refused;

static void sleep_power_off(const char *why)
{
	if (sleep_profile_done)
		return;
	sleep_profile_done = true;
	vtx_prof_print(why);
	vtx_rec_stop();
	vtx_console_flush();
}

static void sleep_out(uint16_t port, unsigned width, uint32_t v)
{
	if (width == 4)
		hal_outl(port, v);
	else if (width == 2)
		hal_outw(port, (uint16_t)v);
	else
		hal_outb(port, (uint8_t)v);
}

static void sleep_refuse(const char *what, uint16_t port, uint32_t v)
{
	sleep_fake_wake = true;
	if (sleep_refused++ < LOG_MAX)
		LOG_WARN("guest %s (port 0x%x value 0x%x) refused: the guest would resume without "
			 "parapass; its suspend fails", what, port, v);
}

static void sleep_pm1_cnt_io(struct hal_io_req *req)
{
	unsigned b = vtx_acpi.pm1_cnt[1] && (unsigned)(req->port - vtx_acpi.pm1_cnt[1]) < 2;
	unsigned off = (unsigned)(req->port - vtx_acpi.pm1_cnt[b]);
	const uint8_t *p = req->data;

	if (req->dir == HAL_IO_IN) {
		vtx_port_pass(req);
		return;
	}
	for (uint32_t i = 0; i < req->count; i++, p += req->width) {
		uint32_t v = 0;

		vmm_memcpy(&v, p, req->width);
		if (!vtx_pm1_cnt_write_ok(off, req->width, v, vtx_acpi.sleep_ok[b])) {
			sleep_refuse("ACPI sleep (SLP_EN with a type other than S4/S5)", req->port, v);
			continue;
		}
		if ((off == 0 && req->width >= 2 && (v & PM1_SLP_EN)) ||
		    (off == 1 && (v & (PM1_SLP_EN >> 8))))
			sleep_power_off("ACPI power-off");
		sleep_out(req->port, req->width, v);
	}
}

/* PM1a_STS: after a refused sleep, WAK_STS reads set until the guest clears it. */
static void sleep_pm1_sts_io(struct hal_io_req *req)
{
	uint32_t v = 0;

	vtx_port_pass(req);
	if (!sleep_fake_wake || req->count != 1)
		return;
	vmm_memcpy(&v, req->data, req->width);
	if (req->dir == HAL_IO_OUT) {
		if ((req->port == vtx_acpi.pm1a_sts && req->width >= 2 && (v & PM1_WAK_STS)) ||
		    (req->port == vtx_acpi.pm1a_sts + 1u && (v & (PM1_WAK_STS >> 8))))
			sleep_fake_wake = false;
		return;
	}
	v |= req->port == vtx_acpi.pm1a_sts ? (req->width >= 2 ? PM1_WAK_STS : 0) : PM1_WAK_STS >> 8;
	vmm_memcpy(req->data, &v, req->width);
}

static void sleep_smi_cmd_io(struct hal_io_req *req)
{
	const uint8_t *p = req->data;

	if (req->dir == HAL_IO_IN) {
		vtx_port_pass(req);
		return;
	}
	for (uint32_t i = 0; i < req->count; i++, p += req->width) {
		uint32_t v = 0;

		vmm_memcpy(&v, p, req->width);
		if ((v & 0xFF) == vtx_acpi.s4bios_req)
			sleep_refuse("S4BIOS request (the firmware would write memory to disk)",
				     req->port, v);
		else
			sleep_out(req->port, req->width, v);
	}
}

static void sleep_shutdown_port_io(struct hal_io_req *req)
{
	if (req->dir == HAL_IO_OUT)
		sleep_power_off("shutdown port");
	vtx_port_pass(req);
}

static void sleep_own(uint16_t port, uint8_t count, vtx_port_fn fn, const char *what)
{
	if (port && vtx_port_own(port, count, fn, what))
		vtx_fatal("ACPI %s at port 0x%x is taken by a device: sleep requests could not be "
			  "refused", what, port);
}

/*
 * Without these registers parapass could not refuse a sleep; 0x8900 is
 * only the emulators' shutdown port, so a real device decoding there keeps it.
 */
void vtx_acpi_start(void)
{
	sleep_own(vtx_acpi.pm1_cnt[0], 2, sleep_pm1_cnt_io, "PM1a_CNT");
	sleep_own(vtx_acpi.pm1_cnt[1], 2, sleep_pm1_cnt_io, "PM1b_CNT");
	sleep_own(vtx_acpi.pm1a_sts, 2, sleep_pm1_sts_io, "PM1a_STS");
	if (vtx_acpi.s4bios_req)
		sleep_own(vtx_acpi.smi_cmd, 1, sleep_smi_cmd_io, "SMI_CMD");
	vtx_port_own(SHUTDOWN_PORT, 1, sleep_shutdown_port_io, "emulator shutdown port");
}
