/*
 * ata_policy.c - what each of the 256 ATA opcodes may do. Deny by default:
 * an opcode without an entry is ATA_P_DENY (the zero value) and never
 * reaches a device; the guest sees ERR with ABRT. Every entry that passes
 * says why it is safe; named denials say why not. Opcodes and protocols
 * from ATA8-ACS (T13/1699-D) chapter 7 and its command matrix (annex B).
 */
#include "ata_priv.h"

#define RW ATA_F_RW
#define EXT ATA_F_EXT
#define MULTI ATA_F_MULTI

const struct ata_cmd_info ata_cmds[256] = {
	/* User data: every sector is ciphertext on an encrypted disk. */
	[0x20] = { ATA_P_PIO_IN, RW, "READ SECTORS", "user data, decrypted per block" },
	[0x21] = { ATA_P_PIO_IN, RW, "READ SECTORS (no retry)", "obsolete alias of 0x20" },
	[0x24] = { ATA_P_PIO_IN, RW | EXT, "READ SECTORS EXT", "user data, decrypted per block" },
	[0x29] = { ATA_P_PIO_IN, RW | EXT | MULTI, "READ MULTIPLE EXT", "user data, decrypted per block" },
	[0xC4] = { ATA_P_PIO_IN, RW | MULTI, "READ MULTIPLE", "user data, decrypted per block" },
	[0x30] = { ATA_P_PIO_OUT, RW, "WRITE SECTORS", "user data, encrypted per block" },
	[0x31] = { ATA_P_PIO_OUT, RW, "WRITE SECTORS (no retry)", "obsolete alias of 0x30" },
	[0x34] = { ATA_P_PIO_OUT, RW | EXT, "WRITE SECTORS EXT", "user data, encrypted per block" },
	[0x39] = { ATA_P_PIO_OUT, RW | EXT | MULTI, "WRITE MULTIPLE EXT", "user data, encrypted per block" },
	[0xC5] = { ATA_P_PIO_OUT, RW | MULTI, "WRITE MULTIPLE", "user data, encrypted per block" },
	[0xCE] = { ATA_P_PIO_OUT, RW | EXT | MULTI, "WRITE MULTIPLE FUA EXT", "user data, encrypted per block" },
	[0xC8] = { ATA_P_DMA_IN, RW, "READ DMA", "user data via the bounce buffer" },
	[0xC9] = { ATA_P_DMA_IN, RW, "READ DMA (no retry)", "obsolete alias of 0xC8" },
	[0x25] = { ATA_P_DMA_IN, RW | EXT, "READ DMA EXT", "user data via the bounce buffer" },
	[0xCA] = { ATA_P_DMA_OUT, RW, "WRITE DMA", "user data via the bounce buffer" },
	[0xCB] = { ATA_P_DMA_OUT, RW, "WRITE DMA (no retry)", "obsolete alias of 0xCA" },
	[0x35] = { ATA_P_DMA_OUT, RW | EXT, "WRITE DMA EXT", "user data via the bounce buffer" },
	[0x3D] = { ATA_P_DMA_OUT, RW | EXT, "WRITE DMA FUA EXT", "user data via the bounce buffer" },

	/* Identity and state: no user data. */
	[0xEC] = { ATA_P_PIO_IN, ATA_F_IDENTIFY | ATA_F_ONE, "IDENTIFY DEVICE",
		   "identity; snooped for geometry and block size, unsafe features hidden" },
	[0xA1] = { ATA_P_PIO_IN, ATA_F_IDENTIFY | ATA_F_ONE, "IDENTIFY PACKET DEVICE",
		   "identity of an ATAPI device; an ATA disk aborts it" },
	[0x2F] = { ATA_P_PIO_IN, EXT, "READ LOG EXT", "device logs (error, statistics), no user data" },
	[0xB0] = { ATA_P_SMART, 0, "SMART", "health data; only the read and no-data subcommands" },
	[0xEF] = { ATA_P_NODATA, 0, "SET FEATURES", "transfer mode, caches: no data moves" },
	[0xC6] = { ATA_P_NODATA, ATA_F_SETMULT, "SET MULTIPLE MODE", "tracked: sets the PIO block size" },
	[0x91] = { ATA_P_NODATA, ATA_F_INITPARAM, "INITIALIZE DEVICE PARAMETERS",
		   "tracked: sets the CHS translation" },
	[0xE7] = { ATA_P_NODATA, 0, "FLUSH CACHE", "writes back what is already ciphertext" },
	[0xEA] = { ATA_P_NODATA, EXT, "FLUSH CACHE EXT", "writes back what is already ciphertext" },
	[0x40] = { ATA_P_NODATA, 0, "READ VERIFY SECTORS", "reads the medium, returns no data" },
	[0x41] = { ATA_P_NODATA, 0, "READ VERIFY SECTORS (no retry)", "returns no data" },
	[0x42] = { ATA_P_NODATA, EXT, "READ VERIFY SECTORS EXT", "reads the medium, returns no data" },
	[0xF8] = { ATA_P_NODATA, 0, "READ NATIVE MAX ADDRESS", "reports the capacity" },
	[0x27] = { ATA_P_NODATA, EXT, "READ NATIVE MAX ADDRESS EXT", "reports the capacity" },
	[0x10] = { ATA_P_NODATA, 0, "RECALIBRATE", "moves the heads, no data" },
	[0x70] = { ATA_P_NODATA, 0, "SEEK", "moves the heads, no data" },
	[0x90] = { ATA_P_NODATA, ATA_F_FORGET, "EXECUTE DEVICE DIAGNOSTIC",
		   "self-test, no data; resets both devices" },
	[0x08] = { ATA_P_NODATA, ATA_F_RESET | ATA_F_ATAPI, "DEVICE RESET", "resets an ATAPI device" },
	[0xE0] = { ATA_P_NODATA, 0, "STANDBY IMMEDIATE", "power management" },
	[0xE1] = { ATA_P_NODATA, 0, "IDLE IMMEDIATE", "power management" },
	[0xE2] = { ATA_P_NODATA, 0, "STANDBY", "power management" },
	[0xE3] = { ATA_P_NODATA, 0, "IDLE", "power management" },
	[0xE5] = { ATA_P_NODATA, 0, "CHECK POWER MODE", "power management" },
	[0xE6] = { ATA_P_NODATA, 0, "SLEEP", "power management" },
	[0xDA] = { ATA_P_NODATA, 0, "GET MEDIA STATUS", "removable media state" },
	[0xDE] = { ATA_P_NODATA, 0, "MEDIA LOCK", "removable media" },
	[0xDF] = { ATA_P_NODATA, 0, "MEDIA UNLOCK", "removable media" },
	[0xED] = { ATA_P_NODATA, 0, "MEDIA EJECT", "removable media" },
	[0x0B] = { ATA_P_NODATA, EXT, "REQUEST SENSE DATA EXT", "error details, no data" },

	/* ATAPI: only to a pass-through device, never to an encrypted disk. */
	[0xA0] = { ATA_P_PACKET, ATA_F_ATAPI, "PACKET", "ATAPI device, not encrypted" },

	/* TRIM: only where the configuration allows it, plaintext range list. */
	[0x06] = { ATA_P_DMA_OUT, EXT | ATA_F_TRIM, "DATA SET MANAGEMENT",
		   "TRIM reveals which blocks are free: per-disk opt-in" },

	/* Named denials (any opcode not above is denied as well). */
	[0x00] = { ATA_P_DENY, 0, "NOP", "aborts by definition; parapass uses it to abort" },
	[0x22] = { ATA_P_DENY, 0, "READ LONG", "raw sector plus ECC bytes" },
	[0x23] = { ATA_P_DENY, 0, "READ LONG (no retry)", "raw sector plus ECC bytes" },
	[0x32] = { ATA_P_DENY, 0, "WRITE LONG", "raw sector write past the encryption" },
	[0x33] = { ATA_P_DENY, 0, "WRITE LONG (no retry)", "raw sector write past the encryption" },
	[0x26] = { ATA_P_DENY, 0, "READ DMA QUEUED EXT", "queued DMA is not mediated" },
	[0x36] = { ATA_P_DENY, 0, "WRITE DMA QUEUED EXT", "queued DMA is not mediated" },
	[0x3E] = { ATA_P_DENY, 0, "WRITE DMA QUEUED FUA EXT", "queued DMA is not mediated" },
	[0xC7] = { ATA_P_DENY, 0, "READ DMA QUEUED", "queued DMA is not mediated" },
	[0xCC] = { ATA_P_DENY, 0, "WRITE DMA QUEUED", "queued DMA is not mediated" },
	[0xA2] = { ATA_P_DENY, 0, "SERVICE", "queued DMA is not mediated" },
	[0x60] = { ATA_P_DENY, 0, "READ FPDMA QUEUED", "NCQ is not mediated" },
	[0x61] = { ATA_P_DENY, 0, "WRITE FPDMA QUEUED", "NCQ is not mediated" },
	[0x2A] = { ATA_P_DENY, 0, "READ STREAM DMA EXT", "streaming is not mediated" },
	[0x2B] = { ATA_P_DENY, 0, "READ STREAM EXT", "streaming is not mediated" },
	[0x3A] = { ATA_P_DENY, 0, "WRITE STREAM DMA EXT", "streaming is not mediated" },
	[0x3B] = { ATA_P_DENY, 0, "WRITE STREAM EXT", "streaming is not mediated" },
	[0x3F] = { ATA_P_DENY, 0, "WRITE LOG EXT", "not needed; host logs could carry anything" },
	[0x45] = { ATA_P_DENY, 0, "WRITE UNCORRECTABLE EXT", "destroys sectors" },
	[0x47] = { ATA_P_DENY, 0, "READ LOG DMA EXT", "Linux falls back to READ LOG EXT" },
	[0x57] = { ATA_P_DENY, 0, "WRITE LOG DMA EXT", "not needed" },
	[0x5B] = { ATA_P_DENY, 0, "TRUSTED NON-DATA", "trusted computing: opaque to the mediator" },
	[0x5C] = { ATA_P_DENY, 0, "TRUSTED RECEIVE", "trusted computing: opaque to the mediator" },
	[0x5D] = { ATA_P_DENY, 0, "TRUSTED RECEIVE DMA", "trusted computing: opaque to the mediator" },
	[0x5E] = { ATA_P_DENY, 0, "TRUSTED SEND", "trusted computing: opaque to the mediator" },
	[0x5F] = { ATA_P_DENY, 0, "TRUSTED SEND DMA", "trusted computing: opaque to the mediator" },
	[0x92] = { ATA_P_DENY, 0, "DOWNLOAD MICROCODE", "replaces the firmware that sees every sector" },
	[0x93] = { ATA_P_DENY, 0, "DOWNLOAD MICROCODE DMA", "replaces the firmware" },
	[0xB1] = { ATA_P_DENY, 0, "DEVICE CONFIGURATION OVERLAY", "changes capacity and features" },
	[0xB4] = { ATA_P_DENY, 0, "SANITIZE", "destroys the disk" },
	[0xF1] = { ATA_P_DENY, 0, "SECURITY SET PASSWORD", "can lock the owner out of the disk" },
	[0xF2] = { ATA_P_DENY, 0, "SECURITY UNLOCK", "security feature set" },
	[0xF3] = { ATA_P_DENY, 0, "SECURITY ERASE PREPARE", "security feature set" },
	[0xF4] = { ATA_P_DENY, 0, "SECURITY ERASE UNIT", "destroys the disk" },
	[0xF5] = { ATA_P_DENY, 0, "SECURITY FREEZE LOCK", "security feature set" },
	[0xF6] = { ATA_P_DENY, 0, "SECURITY DISABLE PASSWORD", "security feature set" },
	[0xF9] = { ATA_P_DENY, 0, "SET MAX ADDRESS", "hides or exposes sectors (HPA)" },
	[0x37] = { ATA_P_DENY, 0, "SET MAX ADDRESS EXT", "hides or exposes sectors (HPA)" },
	[0xE4] = { ATA_P_DENY, 0, "READ BUFFER", "not needed" },
	[0xE8] = { ATA_P_DENY, 0, "WRITE BUFFER", "not needed" },
	[0x38] = { ATA_P_DENY, 0, "CFA WRITE SECTORS WITHOUT ERASE", "CFA" },
	[0xCD] = { ATA_P_DENY, 0, "CFA WRITE MULTIPLE WITHOUT ERASE", "CFA" },
	[0x87] = { ATA_P_DENY, 0, "CFA TRANSLATE SECTOR", "CFA" },
	[0xC0] = { ATA_P_DENY, 0, "CFA ERASE SECTORS", "CFA" },
	[0xB6] = { ATA_P_DENY, 0, "NV CACHE", "not mediated" },
};

const char *ata_cmd_name(uint8_t op)
{
	return ata_cmds[op].name;
}
