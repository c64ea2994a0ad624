/*
 * 15-vtx-mbr.S - a boot sector for the hal/vtx system tests (GNU as,
 * .code16; assembled by 15-vtx-lib.inc). Booted by parapass's loader
 * from an encrypted disk, it reports on COM1 and port 0xE9, one
 * "PPVTX <what> <result>" line per check:
 *   - its own sectors 1-3 read through INT 13h (so through the mediator);
 *   - a pattern written to LBA 8 and read back through INT 13h;
 *   - the INT 15h E820 map, and the first reserved range above 1 MiB
 *     (parapass's hidden memory), which it then reads and writes in unreal
 *     mode: reads must give all-ones and the write must not stick;
 * then asks parapass for its exit profile (VMCALL) and ends Bochs ('D'
 * to port 0x8900).
 */
	.code16
	.globl _start
_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	sti
	mov %dl, drive
	/* the rest of this program: LBA 1-3 (CHS 0/0/2) -> 0x7e00 */
	mov $0x0203, %ax
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

stage2:	mov $m_hello, %si
	call puts

	/* a 512-byte pattern -> LBA 2 (CHS 0/0/3), read back to 0x8400 */
	mov $0x8200, %di
	mov $512, %cx
	mov $'P', %al
1:	stosb
	inc %al
	and $0x3f, %al
	or $0x40, %al
	loop 1b
	mov $0x8200, %si
	movl $0x58565050, (%si)         /* "PPVX": a marker the test searches for */
	mov $0x0301, %ax
	mov $0x0009, %cx
	mov $0x8200, %bx
	call disk
	mov $0x0201, %ax
	mov $0x0009, %cx
	mov $0x8400, %bx
	call disk
	mov $0x8200, %si
	mov $0x8400, %di
	mov $256, %cx
	repe cmpsw
	mov $m_rb_ok, %si
	je 2f
	mov $m_rb_bad, %si
2:	call puts

	/* E820: count entries, remember the first reserved range in 1 MiB..4 GiB */
	xor %ebx, %ebx
	xor %bp, %bp
3:	mov $0xE820, %eax
	mov $0x534D4150, %edx
	mov $20, %ecx
	mov $0x9000, %di
	int $0x15
	jc 4f
	inc %bp
	cmpl $2, 0x9010                 /* type reserved */
	jne 5f
	cmpl $0, 0x9004                 /* base below 4 GiB */
	jne 5f
	cmpl $0x100000, 0x9000
	jb 5f
	cmpl $0, hidden
	jne 5f
	mov 0x9000, %eax
	mov %eax, hidden
5:	test %ebx, %ebx
	jnz 3b
4:	mov $m_e820, %si
	call puts
	movzx %bp, %eax
	call puthex
	mov $m_hidden, %si
	call puts
	mov hidden, %eax
	call puthex

	/* unreal mode: FS with a 4 GiB limit, then touch the hidden range */
	cli
	lgdtl gdtr
	mov %cr0, %eax
	or $1, %al
	mov %eax, %cr0
	jmp 6f
6:	mov $8, %bx
	mov %bx, %fs
	and $0xfe, %al
	mov %eax, %cr0
	jmp 7f
7:	xor %ax, %ax
	mov %ax, %fs
	sti
	mov hidden, %esi                /* read, write, read again; print afterwards */
	add $0x1000, %esi
	addr32 mov %fs:(%esi), %eax
	addr32 movl $0x12345678, %fs:(%esi)
	addr32 mov %fs:(%esi), %ebx
	push %ebx
	push %eax
	mov $m_hread, %si
	call puts
	pop %eax
	call puthex
	mov $m_hwrite, %si
	call puts
	pop %eax
	call puthex
	mov $m_done, %si
	call puts

	mov $0x50505046, %eax           /* parapass: print the exit profile */
	vmcall
	mov $0x8900, %dx
	mov $'D', %al
	out %al, %dx
	jmp 8b

puthex:	mov $8, %cx                     /* EAX as 8 hex digits, then CR LF */
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
	mov $m_nl, %si
	jmp puts

	.balign 8
gdt:	.quad 0, 0x00CF92000000FFFF
gdtr:	.short 15
	.long gdt
hidden:	.long 0
m_hello: .asciz "PPVTX hello: stage 2 read through INT 13h\r\n"
m_rb_ok: .asciz "PPVTX write-readback OK\r\n"
m_rb_bad: .asciz "PPVTX write-readback MISMATCH\r\n"
m_e820:	.asciz "PPVTX e820 "
m_hidden: .asciz "PPVTX hidden "
m_hread: .asciz "PPVTX hidden-read "
m_hwrite: .asciz "PPVTX hidden-after-write "
m_done:	.asciz "PPVTX done\r\n"
m_nl:	.asciz "\r\n"
	.org 2048
