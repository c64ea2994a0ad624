/*
 * vtx_console.c - the console and the recorder's stream, by polling.
 *
 * Log lines go to COM1 (115200 8N1) and to port 0xE9 (Bochs' and QEMU's
 * debug console; nothing decodes it on a real board). The recorder's
 * trace goes to COM2 so that it never interleaves with the log. A UART
 * that is absent (its line status reads 0xFF) is skipped rather than
 * waited on. 16550 registers: THR/DLL 0, IER/DLM 1, FCR 2, LCR 3, MCR 4,
 * LSR 5 (bit 5 = transmit holding register empty).
 */
#include "vtx_priv.h"

#define COM1 0x3F8
#define COM2 0x2F8
#define E9_PORT 0xE9
#define UART_LSR 5
#define UART_THRE 0x20
/* Polls before a byte is given up: a wedged UART must not hang the exit path. */
#define UART_SPIN 100000

struct vtx_uart {
	uint16_t base;
	bool present;
};

static struct vtx_uart uart_log = { .base = COM1 };
static struct vtx_uart uart_rec = { .base = COM2 };
static bool e9_on = true;

static void uart_init(struct vtx_uart *u)
{
	if (hal_inb(u->base + UART_LSR) == 0xFF)
		return;
	hal_outb(u->base + 1, 0x00);   /* no interrupts */
	hal_outb(u->base + 3, 0x80);   /* DLAB */
	hal_outb(u->base + 0, 0x01);   /* divisor 1: 115200 baud */
	hal_outb(u->base + 1, 0x00);
	hal_outb(u->base + 3, 0x03);   /* 8N1 */
	hal_outb(u->base + 2, 0x07);   /* FIFO on, cleared */
	hal_outb(u->base + 4, 0x03);   /* DTR, RTS */
	u->present = true;
}

static void uart_put(const struct vtx_uart *u, uint8_t c)
{
	for (int i = 0; i < UART_SPIN; i++)
		if (hal_inb(u->base + UART_LSR) & UART_THRE)
			break;
	hal_outb(u->base, c);
}

/* Wait until both UARTs have sent every byte (LSR bit 6, TEMT): a power-off follows. */
void vtx_console_flush(void)
{
	const struct vtx_uart *u[] = { &uart_log, &uart_rec };

	for (unsigned i = 0; i < 2; i++)
		for (int n = 0; u[i]->present && n < UART_SPIN * 16; n++)
			if (hal_inb(u[i]->base + UART_LSR) & 0x40)
				break;
}

void vtx_console_init(void)
{
	uart_init(&uart_log);
	uart_init(&uart_rec);
}

/*
 * A port parapass writes must not be where a device the guest controls
 * decodes (vtx_port.c); if the IDE controller holds it already, parapass
 * stops writing there. The log's UART is the guest's console too, so it is
 * only reserved; the trace's is parapass's alone: the guest finds nothing
 * there, so a driver probing it cannot change its settings mid-trace.
 */
static void console_own(struct vtx_uart *u, vtx_port_fn guest_view, const char *what)
{
	if (u->present && vtx_port_own(u->base, 8, guest_view, what))
		u->present = false;
}

void vtx_console_claim(void)
{
	console_own(&uart_log, NULL, "COM1, the log");
	if (vtx_port_own(E9_PORT, 1, NULL, "port 0xE9, the log"))
		e9_on = false;
}

void vtx_console_claim_rec(void)
{
	console_own(&uart_rec, vtx_port_absent, "COM2, the trace");
}

void hal_console_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n' && uart_log.present)
			uart_put(&uart_log, '\r');
		if (uart_log.present)
			uart_put(&uart_log, (uint8_t)s[i]);
		if (e9_on)
			hal_outb(E9_PORT, (uint8_t)s[i]);
	}
}

/* PS/2 scancode set 1 (the i8042 translates), US layout, make codes 0x00-0x39. */
static const char kbd_plain[] = "\0\0" "1234567890-=" "\b\t" "qwertyuiop[]" "\n\0"
				"asdfghjkl;'`" "\0\\" "zxcvbnm,./" "\0*\0 ";
static const char kbd_shift[] = "\0\0" "!@#$%^&*()_+" "\b\t" "QWERTYUIOP{}" "\n\0"
				"ASDFGHJKL:\"~" "\0|" "ZXCVBNM<>?" "\0*\0 ";
static bool kbd_shifted;

static char kbd_getc(void)
{
	uint8_t st = hal_inb(0x64), sc;

	if (st == 0xFF || !(st & 1) || (st & 0x20))   /* no controller, empty, mouse byte */
		return 0;
	sc = hal_inb(0x60);
	if (sc == 0x2A || sc == 0x36 || sc == 0xAA || sc == 0xB6) {
		kbd_shifted = !(sc & 0x80);
		return 0;
	}
	if (sc & 0x80 || sc >= sizeof(kbd_plain) - 1)
		return 0;
	return (kbd_shifted ? kbd_shift : kbd_plain)[sc];
}

char vtx_console_getc(void)
{
	for (;;) {
		char c = kbd_getc();

		if (c)
			return c;
		if (uart_log.present && (hal_inb(uart_log.base + UART_LSR) & 1))
			return (char)hal_inb(uart_log.base);
		__asm__ volatile("pause");
	}
}

void vtx_console_screen(const char *s)
{
	/* VGA text mode, 80x25 at 0xB8000: the last line, grey on black. */
	volatile uint16_t *line = (volatile uint16_t *)vtx_phys(0xB8000 + 24 * 80 * 2);

	for (unsigned i = 0; i < 80; i++)
		line[i] = (uint16_t)(0x0700 | (uint8_t)(*s ? *s++ : ' '));
}

void hal_record_write(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!uart_rec.present)
		return;
	for (size_t i = 0; i < len; i++)
		uart_put(&uart_rec, p[i]);
}

void hal_panic(void)
{
	if (vtx_prof.guest_started) {
		vtx_prof_print("panic");
		vtx_rec_stop();
	}
	hal_console_write("parapass vtx: halted\n", 21);
	vtx_console_flush();
	vtx_halt_forever();
	__builtin_unreachable();
}

/* ---- device port I/O: straight to the hardware ---- */
uint8_t hal_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint16_t hal_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint32_t hal_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void hal_outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

void hal_outw(uint16_t port, uint16_t val)
{
	__asm__ volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

void hal_outl(uint16_t port, uint32_t val)
{
	__asm__ volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

void hal_ins(uint16_t port, unsigned width, void *buf, uint32_t count)
{
	void *d = buf;
	uint64_t n = count;

	switch (width) {
	case 1:
		__asm__ volatile("rep insb" : "+D"(d), "+c"(n) : "d"(port) : "memory");
		break;
	case 2:
		__asm__ volatile("rep insw" : "+D"(d), "+c"(n) : "d"(port) : "memory");
		break;
	case 4:
		__asm__ volatile("rep insl" : "+D"(d), "+c"(n) : "d"(port) : "memory");
		break;
	default:
		VMM_ASSERT(!"hal_ins width");
	}
}

void hal_outs(uint16_t port, unsigned width, const void *buf, uint32_t count)
{
	const void *s = buf;
	uint64_t n = count;

	switch (width) {
	case 1:
		__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(port) : "memory");
		break;
	case 2:
		__asm__ volatile("rep outsw" : "+S"(s), "+c"(n) : "d"(port) : "memory");
		break;
	case 4:
		__asm__ volatile("rep outsl" : "+S"(s), "+c"(n) : "d"(port) : "memory");
		break;
	default:
		VMM_ASSERT(!"hal_outs width");
	}
}

uint64_t hal_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}
