/*
 * vmm_lib.c - the few libc functions the core needs, freestanding.
 *
 * In hosted builds the copies go to the compiler's builtins (so ASan sees
 * every byte the mediator touches); in the hypervisor they are REP MOVSB /
 * STOSB, which are fast on every CPU with ERMS (Intel SDM vol. 1, 7.3.9.3).
 */
#include "vmm.h"

void *vmm_memcpy(void *dst, const void *src, size_t n)
{
#if __STDC_HOSTED__
	return __builtin_memcpy(dst, src, n);
#else
	void *d = dst;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
#endif
}

void *vmm_memset(void *dst, int c, size_t n)
{
#if __STDC_HOSTED__
	return __builtin_memset(dst, c, n);
#else
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
#endif
}

int vmm_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t vmm_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int vmm_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void vmm_wipe(void *p, size_t n)
{
	vmm_memset(p, 0, n);
	/* The asm claims to read the memory at p: the stores cannot be dropped. */
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- vsnprintf ---- */

struct fmt_out {
	char *buf;
	size_t size, len;
};

static void fmt_putc(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		fmt_putc(o, c);
}

static void fmt_str(struct fmt_out *o, const char *s, int width, bool left)
{
	int len = (int)vmm_strlen(s);

	if (!left)
		fmt_pad(o, ' ', width - len);
	while (*s)
		fmt_putc(o, *s++);
	if (left)
		fmt_pad(o, ' ', width - len);
}

static void fmt_num(struct fmt_out *o, uint64_t v, bool neg, unsigned base, bool upper,
		    int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = width - n - (neg ? 1 : 0);
	if (neg && zero)
		fmt_putc(o, '-');
	if (!left)
		fmt_pad(o, zero ? '0' : ' ', pad);
	if (neg && !zero)
		fmt_putc(o, '-');
	while (n)
		fmt_putc(o, tmp[--n]);
	if (left)
		fmt_pad(o, ' ', pad);
}

static uint64_t fmt_arg_u(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, unsigned long long);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t fmt_arg_s(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, long long);
	if (lng == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

int vmm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap0)
{
	struct fmt_out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap0);
	for (; *fmt; fmt++) {
		bool left = false, zero = false;
		int width = 0, lng = 0;

		if (*fmt != '%') {
			fmt_putc(&o, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = true) : (zero = true);
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++; /* size_t is unsigned long on x86-64 */
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = fmt_arg_s(&ap, lng);
			fmt_num(&o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10, false, width,
				zero, left);
			break;
		}
		case 'u':
			fmt_num(&o, fmt_arg_u(&ap, lng), false, 10, false, width, zero, left);
			break;
		case 'x':
		case 'X':
			fmt_num(&o, fmt_arg_u(&ap, lng), false, 16, *fmt == 'X', width, zero, left);
			break;
		case 'p':
			fmt_str(&o, "0x", 0, false);
			fmt_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, width, zero, left);
			break;
		case 'c':
			fmt_putc(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			fmt_str(&o, s ? s : "(null)", width, left);
			break;
		}
		case '%':
			fmt_putc(&o, '%');
			break;
		case '\0':
			fmt--; /* a lone '%' at the end: stop at the terminator */
			break;
		default:
			fmt_putc(&o, '%');
			fmt_putc(&o, *fmt);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int vmm_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vmm_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
