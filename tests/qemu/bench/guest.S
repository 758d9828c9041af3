/*
 * A boot sector that redraws a 1024x768x32 screen 25 times a second, for
 * tests/qemu/bench.sh: Bochs VBE (the -vga std device) set through its
 * index/data ports with the linear framebuffer on; every pixel written each
 * pass (colours that do not compress), in "unreal" mode (real mode with
 * 4 GiB data segments), then hlt until the next timer tick (the PIT set to
 * 25 Hz; the BIOS's own tick handler runs).
 * Build: as --32 guest.S -o guest.o && ld -m elf_i386 -Ttext 0x7c00
 *        --oformat binary guest.o -o guest.img
 */
    .code16
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    mov $0x0400, %bx    /* index 4: disable */
    xor %cx, %cx
    call vbe_set
    mov $0x0100, %bx    /* index 1: x resolution */
    mov $1024, %cx
    call vbe_set
    mov $0x0200, %bx    /* index 2: y resolution */
    mov $768, %cx
    call vbe_set
    mov $0x0300, %bx    /* index 3: bits per pixel */
    mov $32, %cx
    call vbe_set
    mov $0x0400, %bx    /* index 4: enable, linear framebuffer */
    mov $0x41, %cx
    call vbe_set
    mov $0x36, %al      /* PIT channel 0, mode 3: 1193182 / 47727 = 25 Hz */
    out %al, $0x43
    mov $(47727 & 0xff), %al
    out %al, $0x40
    mov $(47727 >> 8), %al
    out %al, $0x40
    xor %ebx, %ebx
pass:
    call unreal
    mov $0xfd000000, %edi   /* the device's BAR 0 as SeaBIOS places it */
    mov $(1024 * 768), %ecx
    mov %ebx, %eax
pixel:
    mov %eax, (%edi)
    add $0x9e3779b9, %eax
    add $4, %edi
    dec %ecx
    jnz pixel
    add $0x01020305, %ebx
    sti
    hlt
    jmp pass

/* vbe_set: Bochs VBE register bh := cx. */
vbe_set:
    mov $0x1ce, %dx
    movzbw %bh, %ax
    out %ax, %dx
    inc %dx
    mov %cx, %ax
    out %ax, %dx
    ret

/* unreal: ds and es with base 0 and a 4 GiB limit (again each pass: the
 * BIOS's interrupt handlers may have reloaded them). */
unreal:
    cli
    push %eax
    lgdt gdtr
    mov %cr0, %eax
    or $1, %al
    mov %eax, %cr0
    mov $0x08, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %cr0, %eax
    and $0xfe, %al
    mov %eax, %cr0
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    pop %eax
    ret

    .p2align 3
gdt:
    .quad 0
    .quad 0x00cf92000000ffff    /* data, flat 4 GiB */
gdtr:
    .word 15
    .long gdt

    . = _start + 510
    .byte 0x55, 0xaa
