/*
 * hal.h - the contract between the parapass core (vmm/, ata/, crypto/) and
 * one machine backend: hal/vtx (bare metal, VT-x) or hal/sim (hosted
 * simulator). Exactly one backend is linked into a binary; a missing
 * function is a link error, and no call through here is indirect.
 *
 * Only C types live here: this header includes nothing but the compiler's
 * freestanding headers, so it compiles in the hypervisor image unchanged.
 *
 * Terms: "device" is the real hardware (or its simulation); "guest" is the
 * one OS that drives it; "VMM memory" is what parapass reserved for itself
 * and hid from the guest.
 */
#ifndef HAL_H
#define HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Error codes shared by every module (no errno in the freestanding build) ---- */
enum {
	PP_OK = 0,
	PP_EINVAL = -1,   /* argument out of range */
	PP_EFAULT = -2,   /* guest physical address outside guest RAM */
	PP_EACCES = -3,   /* address inside VMM memory: never guest-reachable */
	PP_ENOMEM = -4,   /* VMM memory exhausted */
	PP_EIO = -5,      /* device error */
	PP_EBUSY = -6,    /* resource busy or in the wrong state */
	PP_ENOSPC = -7,   /* table full */
	PP_ENOTSUP = -8,  /* feature absent on this machine */
	PP_EKEY = -9,     /* key rejected (weak, wrong, corrupt) */
};

/* ---- Upwards: one trapped guest access, built by the backend ---- */
enum hal_io_dir { HAL_IO_IN = 0, HAL_IO_OUT = 1 };

/*
 * A trapped port access as the backend hands it to vmm_io(). A single
 * IN/OUT has count 1; REP INS/OUTS has count = repetitions the backend
 * decoded (it may split a long REP into several requests). data holds
 * count * width bytes in VMM memory: filled by the core for HAL_IO_IN,
 * provided by the backend for HAL_IO_OUT. The backend copies between data
 * and the guest (registers or linear addresses), so the core never sees a
 * VMCS field, segment or page table.
 */
struct hal_io_req {
	uint16_t port;
	uint8_t width;     /* 1, 2 or 4 bytes */
	uint8_t dir;       /* enum hal_io_dir */
	uint32_t count;    /* repetitions, >= 1 */
	void *data;        /* count * width bytes */
};

/*
 * Implemented by the core (vmm/vmm_io.c), called by the backend for every
 * trapped access. Always completes the request: an access nobody owns reads
 * all-ones and writes are dropped, as on an ISA bus with nothing decoding.
 */
void vmm_io(struct hal_io_req *req);

/* ---- Downwards: device port I/O (straight to the hardware, never trapped) ---- */
uint8_t hal_inb(uint16_t port);
uint16_t hal_inw(uint16_t port);
uint32_t hal_inl(uint16_t port);
void hal_outb(uint16_t port, uint8_t val);
void hal_outw(uint16_t port, uint16_t val);
void hal_outl(uint16_t port, uint32_t val);
/* String forms (REP INS/OUTS): count items of width 1, 2 or 4 bytes to/from buf. */
void hal_ins(uint16_t port, unsigned width, void *buf, uint32_t count);
void hal_outs(uint16_t port, unsigned width, const void *buf, uint32_t count);

/* ---- Guest physical memory ---- */
/*
 * Copy len bytes from/to guest physical address gpa. Returns PP_OK,
 * PP_EFAULT if any byte lies outside guest RAM, PP_EACCES if any byte lies
 * in VMM memory; on error nothing is copied.
 */
int hal_gpa_read(uint64_t gpa, void *buf, size_t len);
int hal_gpa_write(uint64_t gpa, const void *buf, size_t len);
/*
 * A pointer through which the core may access [gpa, gpa+len) directly, so
 * that a bounce copy and the cipher are one pass. Same errors as above;
 * *out is set only on PP_OK. len must not cross a 4 KiB boundary unless the
 * backend maps guest RAM contiguously (both backends do for one PRD entry:
 * callers never ask for more than 64 KiB inside one 64 KiB-aligned block).
 */
int hal_gpa_map(uint64_t gpa, size_t len, void **out);

/* ---- VMM memory a device may DMA into ---- */
/*
 * Allocate size bytes of VMM memory, aligned to align (a power of two,
 * <= 64 KiB), whose physical address (as a bus master sees it) is below
 * 4 GiB; *phys receives it. Returns NULL when exhausted. Used at start-up
 * for shadow PRD tables and bounce buffers; there is no free.
 */
void *hal_dma_alloc(size_t size, size_t align, uint32_t *phys);

/* ---- Trapping ---- */
/*
 * Make guest accesses to ports [base, base+count) trap (on) or go straight
 * to the device (off). PP_EINVAL if the range wraps past 0xFFFF.
 */
int hal_trap_ports(uint16_t base, uint32_t count, bool on);

/* ---- Extended state ---- */
/*
 * Bracket every call into crypto/: the SIMD registers belong to the guest,
 * so on vtx hal_simd_begin() saves the guest's extended state (XSAVE, once
 * per exit however often it is called) and hal_simd_end() is where the
 * core stops using SIMD; the state is restored before the next VM entry.
 * No-ops on sim.
 */
void hal_simd_begin(void);
void hal_simd_end(void);

/* ---- Time, console, recorder ---- */
/* A monotonic cycle counter (TSC on vtx; host cycles on sim). */
uint64_t hal_cycles(void);
/* Write len bytes of text to the console (serial/0xE9 on vtx, stderr on sim). */
void hal_console_write(const char *s, size_t len);
/*
 * Append len bytes to the recorder's output stream (serial on vtx, a file
 * on sim). A no-op when recording is off.
 */
void hal_record_write(const void *buf, size_t len);

/*
 * Stop the machine after a fatal error (broken hardware or a broken
 * invariant). Never returns. The guest is never resumed unprotected.
 */
__attribute__((noreturn)) void hal_panic(void);

#endif /* HAL_H */
