/*
 * 15-vtx-hostile.S - a boot sector that attacks parapass from the guest,
 * for tests/system/15-vtx-hostile.sh (GNU as, .code16). One attack per
 * image, chosen with --defsym CASE=n (the script's table names them).
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
#if CASE == CASE_BAR8900
/*
 * The IDE controller's bus-master block (BAR4 of 00:01.1, PIIX3 under
 * Bochs) moved onto port 0x8900, a port parapass owns: ata/ cannot trap it
 * there and must switch the controller off (command register: I/O and bus
 * master clear). Then the block goes back and the disk works again.
 */
pci_rd:	mov $0xcf8, %dx                 /* EAX = address -> EAX = dword */
	out %eax, %dx
	mov $0xcfc, %dx
	in %dx, %eax
	ret
pci_wr:	mov $0xcf8, %dx                 /* EAX = address, EBX = dword */
	out %eax, %dx
	mov $0xcfc, %dx
	mov %ebx, %eax
	out %eax, %dx
	ret
case_main:
	mov $0x80000920, %eax
	call pci_rd
	mov %eax, old_bar
	mov $0x80000920, %eax
	mov $0x8901, %ebx
	call pci_wr
	mov $0x80000904, %eax
	call pci_rd
	and $0xffff, %eax
	mov $m_cmd, %si
	call report
	mov $0x80000920, %eax
	mov old_bar, %ebx
	call pci_wr
	mov $0x80000904, %eax
	call pci_rd
	mov %eax, %ebx
	or $5, %bx
	mov $0x80000904, %eax
	call pci_wr
	mov $0x0201, %ax                /* LBA 0 again, through the mediator */
	mov $0x0001, %cx
	mov $0x600, %bx
	call disk
	movzwl 0x7fe, %eax
	mov $m_back, %si
	jmp report
old_bar: .long 0
m_cmd:	.asciz "bar8900 command "
m_back:	.asciz "bar8900 restored-signature "
#endif

#if CASE == CASE_SMP
/*
 * INIT-SIPI-SIPI to every other processor, through the xAPIC's ICR (MMIO)
 * and then the x2APIC's (WRMSR 0x830, shorthand "all excluding self" with
 * the BSP as destination). A started AP would run ap_code from 0x3000 and
 * set the flag at 0x3f00; parapass parked every AP in VMX root operation.
 */
case_main:
	mov $ap_code, %si
	mov $0x3000, %di
	mov $(ap_end - ap_code), %cx
	cld
	rep movsb
	movw $0, 0x3f00
	mov $0x1b, %ecx
	rdmsr
	and $0xfffff000, %eax
	mov %eax, %esi
	addr32 movl $0, %fs:0x310(%esi)
	addr32 movl $0x000C4500, %fs:0x300(%esi)
	mov $2, %cx
	call delay
	addr32 movl $0x000C4603, %fs:0x300(%esi)
	mov $1, %cx
	call delay
	addr32 movl $0x000C4603, %fs:0x300(%esi)
	mov $4, %cx
	call delay
	movzwl 0x3f00, %eax
	mov $m_xapic, %si
	call report
	mov $0x1b, %ecx                 /* x2APIC mode */
	rdmsr
	or $0xc00, %eax
	wrmsr
	mov $0x830, %ecx
	xor %edx, %edx                  /* destination: APIC 0, the BSP */
	mov $0x000C4500, %eax
	wrmsr
	mov $2, %cx
	call delay
	mov $0x830, %ecx
	xor %edx, %edx
	mov $0x000C4603, %eax
	wrmsr
	wrmsr
	mov $4, %cx
	call delay
	movzwl 0x3f00, %eax
	mov $m_x2apic, %si
	jmp report
ap_code:
	cli
	xor %ax, %ax
	mov %ax, %ds
	movw $0x1234, 0x3f00
	mov $'A', %al
	out %al, $0xe9
1:	hlt
	jmp 1b
ap_end:
m_xapic: .asciz "smp xapic-flag "
m_x2apic: .asciz "smp x2apic-flag "
#endif

#if CASE == CASE_S3
/*
 * ACPI S3 (Bochs' DSDT: \_S3 SLP_TYP 1) through PM1a_CNT at 0xb004: Bochs
 * would reset the processors and resume the guest without parapass.
 * parapass refuses it, and PM1a_STS shows WAK_STS until it is cleared, so
 * the suspend returns. Then S5 (SLP_TYP 0), which must go through.
 */
case_main:
	mov $0xb004, %dx
	in %dx, %ax
	and $0xc3ff, %ax
	or $0x2400, %ax                 /* SLP_EN | SLP_TYP 1 */
	out %ax, %dx
	mov $2, %cx
	call delay
	mov $0xb000, %dx
	in %dx, %ax
	movzwl %ax, %eax
	mov $m_sts, %si
	call report
	mov $0xb000, %dx
	mov $0x8000, %ax                /* WAK_STS is write-1-to-clear */
	out %ax, %dx
	in %dx, %ax
	movzwl %ax, %eax
	mov $m_sts2, %si
	call report
	mov $0x50505046, %eax
	vmcall
	mov $0xb004, %dx
	in %dx, %ax
	and $0xc3ff, %ax
	or $0x2000, %ax                 /* SLP_EN | SLP_TYP 0: S5 */
	out %ax, %dx
	jmp 8b
m_sts:	.asciz "s3 pm1-status "
m_sts2:	.asciz "s3 pm1-status-cleared "
#endif

#if CASE == CASE_MSR
/*
 * MSRs that keep acting in VMX root operation: each WRMSR below must give
 * #GP (counted by the handler), except the harmless ones. Bochs ignores
 * MSRs it does not model (ignore_bad_msrs), so without parapass's policy
 * there is no #GP at all. Then what the guest reads: MISC_ENABLE with BTS
 * and PEBS unavailable, CPUID without DS and PT.
 */
	.macro WRMSR_CASE label, msr, lo, hi
	mov $\msr, %ecx
	mov $\lo, %eax
	mov $\hi, %edx
	call try_wrmsr
	mov $\label, %si
	call report
	.endm
try_wrmsr:                              /* WRMSR ECX <- EDX:EAX; EAX = the #GPs it caused */
	movw $1f, resume_ip
	wrmsr
1:	mov $13, %al
	jmp take_count
case_main:
	cli
	mov $13, %al
	mov $exc13, %bx
	call set_vec
	WRMSR_CASE m_rtit, 0x570, 1, 0               /* RTIT_CTL.TraceEn */
	WRMSR_CASE m_rtitout, 0x560, 0x100000, 0     /* RTIT_OUTPUT_BASE */
	WRMSR_CASE m_ds, 0x600, 0x100000, 0          /* DS_AREA */
	WRMSR_CASE m_pebs, 0x3f1, 1, 0               /* PEBS_ENABLE */
	WRMSR_CASE m_bts, 0x1d9, 0xc0, 0             /* DEBUGCTL.TR|BTS */
	WRMSR_CASE m_lbrctl, 0x14ce, 1, 0            /* arch LBR_CTL */
	WRMSR_CASE m_unknown, 0x12345, 1, 0
	WRMSR_CASE m_high, 0x40000001, 1, 0           /* outside the bitmap's ranges */
	mov $0x1b, %ecx                 /* APIC_BASE: the same base is fine... */
	rdmsr
	mov %eax, apic_lo
	mov %edx, apic_hi
	call try_wrmsr
	mov $m_apicsame, %si
	call report
	mov hidden, %eax                /* ... over parapass's memory it is not */
	add $0x1000, %eax
	or $0x900, %eax
	xor %edx, %edx
	mov $0x1b, %ecx
	call try_wrmsr
	mov $m_apichid, %si
	call report
	mov $0x1b, %ecx
	rdmsr
	mov $m_apicnow, %si
	call report
	mov $0x1a0, %ecx
	rdmsr
	and $0x1800, %eax
	mov $m_misc, %si
	call report
	mov $1, %eax
	cpuid
	and $0x00200000, %edx           /* DS */
	mov %edx, %eax
	mov $m_cpuid_ds, %si
	call report
	sti
	ret
apic_lo: .long 0
apic_hi: .long 0
m_rtit:	.asciz "msr rtit-ctl-gp "
m_rtitout: .asciz "msr rtit-output-base-gp "
m_ds:	.asciz "msr ds-area-gp "
m_pebs:	.asciz "msr pebs-enable-gp "
m_bts:	.asciz "msr debugctl-bts-gp "
m_lbrctl: .asciz "msr lbr-ctl-gp "
m_unknown: .asciz "msr unknown-gp "
m_high:	.asciz "msr outside-bitmap-gp "
m_apicsame: .asciz "msr apic-base-same-gp "
m_apichid: .asciz "msr apic-base-hidden-gp "
m_apicnow: .asciz "msr apic-base-now "
m_misc:	.asciz "msr misc-enable-bts-pebs-unavailable "
m_cpuid_ds: .asciz "msr cpuid-ds "
#endif

#if CASE == CASE_REPINS_PT
/*
 * REP INSW whose destination starts in the guest's own page table: 32-bit
 * paging, PT at 0x21000 mapped at linear 0x3fe000 (PTE 1022), linear
 * 0x3ff000 -> 0x22000 (PTE 1023). One sector (LBA 40: 256 zero bytes,
 * then 256 bytes of a5) read by PIO to linear 0x3fef00: its first half
 * zeroes PTEs 960-1023, including the one of the second half's page. The
 * second half must still land at 0x22000, where the translation pointed
 * when the instruction began.
 */
case_main:
	cli
	xor %edi, %edi                  /* PD 0x20000, PT 0x21000, target 0x22000: zero */
	mov $0x20000, %edi
	mov $(3 * 1024), %ecx
	xor %eax, %eax
1:	addr32 mov %eax, %fs:(%edi)
	add $4, %edi
	loop 1b
	addr32 movl $0x21003, %fs:0x20000
	mov $0x21000, %edi              /* identity 0-4 MiB */
	mov $3, %eax
	mov $1024, %ecx
2:	addr32 mov %eax, %fs:(%edi)
	add $0x1000, %eax
	add $4, %edi
	loop 2b
	addr32 movl $0x21003, %fs:0x21ff8    /* PTE 1022: the PT itself */
	addr32 movl $0x22003, %fs:0x21ffc    /* PTE 1023: the target page */
	mov $0x1f6, %dx                 /* READ SECTORS, LBA 40, one sector */
	mov $0xe0, %al
	out %al, %dx
	mov $0x1f2, %dx
	mov $1, %al
	out %al, %dx
	inc %dx
	mov $40, %al
	out %al, %dx
	inc %dx
	xor %al, %al
	out %al, %dx
	inc %dx
	out %al, %dx
	mov $0x1f7, %dx
	mov $0x20, %al
	out %al, %dx
	mov $0x100000, %ecx
3:	in %dx, %al
	test $0x80, %al
	jnz 4f
	test $0x08, %al
	jnz 5f
4:	addr32 loop 3b
5:	lgdtl gdtr
	mov $0x20000, %eax
	mov %eax, %cr3
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	ljmp $0x08, $6f
6:	mov $0x10, %ax
	mov %ax, %es
	mov $0x3fef00, %edi
	mov $256, %ecx
	mov $0x1f0, %dx
	cld
	addr32 rep insw
	mov %cr0, %eax
	and $0x7ffffffe, %eax
	mov %eax, %cr0
	ljmp $0, $7f
7:	xor %ax, %ax
	mov %ax, %es
	mov $0x1f7, %dx
	in %dx, %al
	sti
	xor %ebx, %ebx                  /* 0x22000: 256 bytes of a5, then zeros */
	mov $0x22000, %esi
	mov $256, %ecx
8:	addr32 cmpb $0xa5, %fs:(%esi)
	jne 9f
	inc %esi
	loop 8b
	addr32 cmpb $0, %fs:(%esi)
	jne 9f
	addr32 cmpl $0, %fs:0x21ffc     /* PTE 1023 was overwritten */
	jne 9f
	mov $1, %ebx
9:	mov %ebx, %eax
	mov $m_pt, %si
	jmp report
m_pt:	.asciz "repins-pt landed "
#endif

#if CASE == CASE_TASK
/*
 * A hardware task switch: JMP to a TSS descriptor in 16-bit protected
 * mode. Every task switch exits; parapass answers #GP(selector), caught
 * here by a 16-bit interrupt gate that records the error code and resumes
 * after the JMP. Then back to real mode.
 */
case_main:
	cli
	mov $tss, %eax                  /* GDT 0x18: 32-bit available TSS, base tss, limit 0x67 */
	shl $16, %eax
	or $0x67, %eax
	mov %eax, gdt + 0x18
	movl $0x00008900, gdt + 0x1c
	lgdtl gdtr
	lidtl pm_idtr
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmp $0x08, $1f
1:	movw $2f, pm_resume
	ljmp $0x18, $0
2:	mov %cr0, %eax
	and $0xfffffffe, %eax
	mov %eax, %cr0
	ljmp $0, $3f
3:	lidtl rm_idtr
	sti
	movzwl gp_count, %eax
	mov $m_gpc, %si
	call report
	movzwl gp_err, %eax
	mov $m_gpe, %si
	jmp report
gp16:	push %bp                        /* 16-bit gate: error code, IP, CS, FLAGS (words) */
	mov %sp, %bp
	push %ax
	mov 2(%bp), %ax
	mov %ax, gp_err
	incw gp_count
	mov pm_resume, %ax
	mov %ax, 4(%bp)
	pop %ax
	pop %bp
	add $2, %sp
	iret
	.balign 8
pm_idt:	.fill 13, 8, 0
	.short gp16, 0x08               /* vector 13: 16-bit interrupt gate */
	.byte 0, 0x86
	.short 0
pm_idt_end:
pm_idtr: .short pm_idt_end - pm_idt - 1
	.long pm_idt
rm_idtr: .short 0x3ff
	.long 0
pm_resume: .short 0
gp_count: .short 0
gp_err:	.short 0
	.balign 16
tss:	.fill 104, 1, 0
m_gpc:	.asciz "task-switch gp-count "
m_gpe:	.asciz "task-switch gp-error "
#endif

#if CASE == CASE_VMCALL
/*
 * The loader stub's VMCALLs stay in guest memory (the segment at the top
 * of base memory, 0x413). Jumping to its boot_fail and nosig VMCALLs
 * (offsets from parapass's ELF, -DBOOT_FAIL_OFF, -DBOOT_NOSIG_OFF) once the
 * boot sector runs must give #UD, as any unknown VMCALL does, not halt.
 */
case_main:
	mov $6, %al
	mov $exc6, %bx
	call set_vec
	mov 0x413, %ax
	shl $6, %ax
	mov %ax, far_seg
	movw $BOOT_FAIL_OFF, far_off
	movw $1f, resume_ip
	ljmp *far_off
1:	mov $6, %al
	call take_count
	mov $m_fail, %si
	call report
	movw $BOOT_NOSIG_OFF, far_off
	movw $2f, resume_ip
	ljmp *far_off
2:	mov $6, %al
	call take_count
	mov $m_nosig, %si
	jmp report
far_off: .short 0
far_seg: .short 0
m_fail:	.asciz "vmcall-stub boot-fail-ud "
m_nosig: .asciz "vmcall-stub nosig-ud "
#endif

#if CASE == CASE_TF
/*
 * Hidden-memory accesses stepped with RFLAGS.TF (Bochs has no monitor
 * trap flag) by instructions that fault: BOUND reads its bounds from
 * twelve different hidden pages, gets all-ones (-1, -1) and raises #BR.
 * The handler clears TF in the frame it returns to, as an OS resuming
 * elsewhere would. Every page opened for one step must be closed again;
 * none may be left open to run out of room (the machine halted), and no
 * #DB of parapass's may reach the guest.
 */
case_main:
	mov $5, %al
	mov $exc5, %bx
	call set_vec
	mov $1, %al
	mov $exc1, %bx
	call set_vec
	mov $12, %cx
	mov hidden, %esi
1:	add $0x1000, %esi
	xor %ax, %ax
	movw $2f, resume_ip
	addr32 bound %ax, %fs:(%esi)
2:	loop 1b
	mov $5, %al
	call take_count
	mov $m_br, %si
	call report
	mov $1, %al
	call take_count
	mov $m_db, %si
	jmp report
m_br:	.asciz "tf-window br "
m_db:	.asciz "tf-window db "
#endif

#if CASE == CASE_IOSTR
/*
 * REP INSD from a trapped port (PCI data, 0xcfc) with DI = 0xfffe: the
 * first dword crosses ES's 64 KiB limit, which is #GP in real mode; the
 * 16-bit index must not wrap into an unbounded copy. DI = 0xfffc is fine:
 * one item, then DI wraps to 0 for the second.
 */
case_main:
	cli
	mov $13, %al
	mov $exc13, %bx
	call set_vec
	mov $0x3000, %ax
	mov %ax, %es
	mov $0xcfc, %dx
	mov $0xfffe, %di
	mov $2, %cx
	cld
	movw $1f, resume_ip
	rep insl
1:	mov $13, %al
	call take_count
	mov $m_gp1, %si
	call report
	mov $0xfffc, %di
	mov $2, %cx
	movw $2f, resume_ip
	rep insl
2:	movzwl %di, %eax
	push %eax
	mov $13, %al
	call take_count
	mov $m_gp2, %si
	call report
	pop %eax
	mov $m_di, %si
	call report
	xor %ax, %ax
	mov %ax, %es
	sti
	ret
m_gp1:	.asciz "iostr wrap-gp "
m_gp2:	.asciz "iostr fit-gp "
m_di:	.asciz "iostr fit-di "
#endif

#if CASE == CASE_RESIDUE
/*
 * No copy of the key left where the guest can read it: every byte offset
 * of every E820 range below 4 GiB but the hidden one (parapass's memory)
 * is compared with the key's first 16 bytes (-DKEY0..KEY3, little-endian
 * dwords of the CI test key). GRUB read the key file through its caches
 * and the BIOS; parapass wipes the module's pages, the boot information
 * and all usable RAM.
 */
case_main:
	xor %ebx, %ebx
	movl $0, matches
	movl $0, scanned
1:	mov $0xE820, %eax
	mov $0x534D4150, %edx
	mov $20, %ecx
	mov $0x500, %di
	push %ebx
	int $0x15
	pop %ecx                        /* the index of this entry */
	jc 6f
	push %ebx
	cmpl $0, 0x504                  /* below 4 GiB only */
	jne 5f
	mov 0x500, %esi
	cmp hidden, %esi                /* not parapass's own */
	je 5f
	cmp $0x500, %esi
	jae 2f
	mov $0x500, %esi                /* the IVT and BDA hold no key */
2:	mov 0x500, %edi
	add 0x508, %edi
	jc 7f
	cmpl $0, 0x50c
	je 8f
7:	mov $0xfffffff0, %edi           /* the range reaches 4 GiB */
8:	sub $16, %edi
	cli
3:	cmp %edi, %esi
	jae 4f
	addr32 cmpl $KEY0, %fs:(%esi)
	jne 9f
	addr32 cmpl $KEY1, %fs:4(%esi)
	jne 9f
	addr32 cmpl $KEY2, %fs:8(%esi)
	jne 9f
	addr32 cmpl $KEY3, %fs:12(%esi)
	jne 9f
	incl matches
9:	inc %esi
	incl scanned
	jmp 3b
4:	sti
5:	pop %ebx
	test %ebx, %ebx
	jnz 1b
6:	mov matches, %eax
	mov $m_match, %si
	call report
	mov scanned, %eax
	mov $m_scan, %si
	jmp report
matches: .long 0
scanned: .long 0
m_match: .asciz "residue key-matches "
m_scan:	.asciz "residue bytes-scanned "
#endif

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
