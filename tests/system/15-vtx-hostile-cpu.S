/*
 * 15-vtx-hostile-cpu.S - the attacks of 15-vtx-hostile.S on the processor
 * and memory: INIT/SIPI to the parked processors, MSRs that act in root
 * mode, a hardware task switch, the loader stub's VMCALLs, faulting steps
 * over hidden memory, key residue. Included by 15-vtx-hostile.S (its
 * helpers and data), one case per image.
 */

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
