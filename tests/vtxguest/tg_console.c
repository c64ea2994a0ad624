/*
 * tg_console.c - COM1 (16550, 115200 8N1) and port 0xE9 output, a small
 * printf, and the mem* functions gcc may call. The guest's report is the
 * COM1 log; 0xE9 mirrors it to Bochs' stdout for a person watching.
 */
#include "tg.h"

#define TG_COM1 0x3F8
#define TG_UART_LSR 5
#define TG_LSR_THRE 0x20  /* transmit holding register empty */
#define TG_LSR_TEMT 0x40  /* transmitter completely idle */
#define TG_E9 0xE9
/* Bounded waits: with no UART the LSR reads 0xFF, so this only guards odd hardware. */
#define TG_UART_SPIN 100000

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p < *q ? -1 : 1;
	return 0;
}

void tg_console_init(void)
{
	tg_outb(TG_COM1 + 1, 0x00);  /* no UART interrupts */
	tg_outb(TG_COM1 + 3, 0x80);  /* DLAB: divisor follows */
	tg_outb(TG_COM1 + 0, 0x01);  /* 115200 baud */
	tg_outb(TG_COM1 + 1, 0x00);
	tg_outb(TG_COM1 + 3, 0x03);  /* 8N1 */
	tg_outb(TG_COM1 + 2, 0xC7);  /* FIFOs on and cleared */
	tg_outb(TG_COM1 + 4, 0x03);  /* DTR, RTS */
}

static void tg_putc(char c)
{
	for (int i = 0; i < TG_UART_SPIN; i++)
		if (tg_inb(TG_COM1 + TG_UART_LSR) & TG_LSR_THRE)
			break;
	tg_outb(TG_COM1, (uint8_t)c);
	tg_outb(TG_E9, (uint8_t)c);
}

void tg_console_flush(void)
{
	for (int i = 0; i < TG_UART_SPIN; i++)
		if (tg_inb(TG_COM1 + TG_UART_LSR) & TG_LSR_TEMT)
			break;
}

static void tg_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			tg_putc('\r');
		tg_putc(*s++);
	}
}

/* Digits of v in base (10 or 16), padded to width with pad; 64-bit hex needs no division. */
static void tg_putnum(uint64_t v, unsigned base, int width, char pad, bool neg)
{
	char buf[24];
	int n = 0;

	do {
		unsigned d;

		if (base == 16) {
			d = (unsigned)(v & 15);
			v >>= 4;
		} else { /* decimal: callers pass 32-bit values only */
			d = (unsigned)((uint32_t)v % 10);
			v = (uint32_t)v / 10;
		}
		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	} while (v && n < (int)sizeof(buf));
	if (neg)
		buf[n++] = '-';
	while (width-- > n)
		tg_putc(pad);
	while (n)
		tg_putc(buf[--n]);
}

/* %s %c %d %u %x with width and 0 flag; l is ignored, ll means 64-bit (hex only for > 32 bits). */
void tg_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, longs = 0;
		char pad = ' ';

		if (*fmt != '%') {
			if (*fmt == '\n')
				tg_putc('\r');
			tg_putc(*fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 's': tg_puts(va_arg(ap, const char *)); break;
		case 'c': tg_putc((char)va_arg(ap, int)); break;
		case 'd': {
			int32_t v = va_arg(ap, int32_t);

			tg_putnum(v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, width, pad, v < 0);
			break;
		}
		case 'u': tg_putnum(longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 10, width, pad, false); break;
		case 'x': tg_putnum(longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t), 16, width, pad, false); break;
		case '%': tg_putc('%'); break;
		default: tg_puts("<bad format>"); return;
		}
	}
}

void tg_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_vprintf(fmt, ap);
	va_end(ap);
}
