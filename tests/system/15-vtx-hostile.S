/*
 * 15-vtx-hostile.S - a boot sector that attacks parapass from the guest,
 * for tests/system/15-vtx-hostile.sh (GNU as through cpp, .code16). One
 * attack per image, chosen with -DCASE=n (the script names them); the
 * attacks are in 15-vtx-hostile-dev.S and 15-vtx-hostile-cpu.S.
 * Booted by parapass from an encrypted disk, it loads the rest of itself
 * through INT 13h, runs the attack and reports "PPVTX <case> <what>
 * <value>" lines on COM1 and port 0xE9; the script judges them together
 * with parapass's log. Then it asks for the exit profile (VMCALL) and
 * ends Bochs ('D' to port 0x8900), unless the case ends otherwise.
 *
 * Helpers: unreal mode (FS with a 4 GiB limit), the first reserved E820
 * range above 1 MiB (parapass's hidden memory), real-mode exception
 * handlers that count by vector and resume at resume_ip, a delay in BIOS
 * timer ticks.
 */
	.code16
	.globl _start
#define CASE_BAR8900 1
#define CASE_SMP 2
#define CASE_S3 3
#define CASE_MSR 4
#define CASE_REPINS_PT 5
#define CASE_TASK 6
#define CASE_VMCALL 7
#define CASE_TF 8
#define CASE_IOSTR 9
#define CASE_RESIDUE 10

_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	sti
	mov %dl, drive
	mov $0x0210, %ax                /* the rest: LBA 1-16 (CHS 0/0/2) -> 0x7e00 */
	mov $0x0002, %cx
	mov $0x7e00, %bx
	call disk
	jmp stage2

/* INT 13h with AX, CX, BX set; DH = 0, DL = drive; halts on error */
disk:	mov drive, %dl
	xor %dh, %dh
	int $0x13
	jc 9f
	ret
9:	mov $m_ioerr, %si
	call puts
8:	hlt
	jmp 8b

putc:	push %dx
	push %ax
	out %al, $0xe9
	mov $0x3fd, %dx
10:	in %dx, %al
	test $0x20, %al
	jz 10b
	pop %ax
	mov $0x3f8, %dx
	out %al, %dx
	pop %dx
	ret
puts:	lodsb
	test %al, %al
	jz 11f
	call putc
	jmp puts
11:	ret
drive:	.byte 0
m_ioerr: .asciz "PPVTX int13 ERROR\r\n"
	.org 510
	.byte 0x55, 0xaa

/* ---------------- stage 2 ---------------- */
stage2:	mov $m_start, %si
	call puts
	call unreal
	call find_hidden
	call case_main
	mov $m_end, %si
	call puts
	mov $0x50505046, %eax           /* parapass: print the exit profile */
	vmcall
	mov $0x8900, %dx
	mov $'D', %al
	out %al, %dx
	jmp 8b

/* EAX as 8 hex digits, then CR LF */
puthex:	push %cx
	mov $8, %cx
12:	rol $4, %eax
	push %eax
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 13f
	add $7, %al
13:	call putc
	pop %eax
	loop 12b
	pop %cx
	mov $m_nl, %si
	jmp puts

/* SI = label, EAX = value: "PPVTX <label> XXXXXXXX" */
report:	push %eax
	push %si
	mov $m_pp, %si
	call puts
	pop %si
	call puts
	pop %eax
	jmp puthex

/* FS with base 0 and a 4 GiB limit, back in real mode (unreal mode) */
unreal:	cli
	lgdtl gdtr
	mov %cr0, %eax
	or $1, %al
	mov %eax, %cr0
	jmp 1f
1:	mov $0x10, %bx
	mov %bx, %fs
	and $0xfe, %al
	mov %eax, %cr0
	jmp 2f
2:	xor %ax, %ax
	mov %ax, %fs
	sti
	ret

/* hidden = base of the first reserved E820 range in 1 MiB..4 GiB */
find_hidden:
	xor %ebx, %ebx
3:	mov $0xE820, %eax
	mov $0x534D4150, %edx
	mov $20, %ecx
	mov $0x500, %di                 /* below the program (0x7c00-0x9e00) */
	int $0x15
	jc 4f
	cmpl $2, 0x510
	jne 5f
	cmpl $0, 0x504
	jne 5f
	cmpl $0x100000, 0x500
	jb 5f
	cmpl $0, hidden
	jne 5f
	mov 0x500, %eax
	mov %eax, hidden
5:	test %ebx, %ebx
	jnz 3b
4:	ret

/* wait CX BIOS timer ticks (55 ms each) with interrupts on */
delay:	sti
	push %eax
1:	mov 0x46c, %eax
2:	hlt
	cmp 0x46c, %eax
	je 2b
	loop 1b
	pop %eax
	ret

/* IVT[AL] = 0:BX */
set_vec:
	push %di
	movzbw %al, %di
	shl $2, %di
	mov %bx, (%di)
	movw $0, 2(%di)
	pop %di
	ret

/*
 * Real-mode exception handlers: count the vector, resume at resume_ip
 * with TF clear in the saved FLAGS (as an OS that decides where the
 * interrupted code goes on would).
 */
	.irp v, 1, 5, 6, 13
exc\v:	movb $\v, %cs:exc_vec
	jmp exc_common
	.endr
exc_common:
	push %bp
	mov %sp, %bp
	push %bx
	movzbw %cs:exc_vec, %bx
	shl %bx
	incw %cs:exc_count(%bx)
	mov %cs:resume_ip, %bx
	mov %bx, 2(%bp)
	movw $0, 4(%bp)
	andw $0xfeff, 6(%bp)
	pop %bx
	pop %bp
	iret

/* exc_count[AL] -> EAX, and clear it */
take_count:
	push %bx
	movzbw %al, %bx
	shl %bx
	movzwl %cs:exc_count(%bx), %eax
	movw $0, %cs:exc_count(%bx)
	pop %bx
	ret

/* ---------------- the cases ---------------- */
#include "15-vtx-hostile-dev.S"
#include "15-vtx-hostile-cpu.S"

gdt:	.quad 0
	.quad 0x00009A000000FFFF        /* 0x08: 16-bit code, base 0 */
	.quad 0x00CF92000000FFFF        /* 0x10: flat data, 4 GiB */
	.quad 0                         /* 0x18: a TSS (case task) */
gdt_end:
gdtr:	.short gdt_end - gdt - 1
	.long gdt
hidden:	.long 0
resume_ip: .short 0
exc_vec: .byte 0
	.balign 2
exc_count: .fill 32, 2, 0
m_start: .asciz "PPVTX start\r\n"
m_end:	.asciz "PPVTX end\r\n"
m_pp:	.asciz "PPVTX "
m_nl:	.asciz "\r\n"
	.org 17 * 512
