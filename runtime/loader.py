"""Loading guest kernels: the arm64 Image format (Linux
Documentation/arch/arm64/booting.rst), raw or gzip-compressed as Debian
ships ``vmlinuz``; ELF executables (pyelftools); flat binaries.

``parse_image`` only reads and validates: where a kernel goes is the boot
loader's choice (a64jit/boot.py), from ``Image.placement(ram_base)``.
Every problem is an ``ImageError`` with a one-line message.
"""
from __future__ import annotations

import io
import struct
import zlib

IMAGE_MAGIC = 0x644D5241          # "ARM\x64" at offset 0x38
IMAGE_HEADER_SIZE = 64
KERNEL_BASE_OFFSET = 2 << 20      # an Image goes at RAM + 2 MB + text_offset (QEMU's loader)
FLAT_OFFSET = 0x80000             # a flat binary goes at RAM + 0x80000 (QEMU's KERNEL64_LOAD_ADDR)
MAX_KERNEL = 1 << 30              # a decompressed kernel larger than this is refused
FLAG_PAGE_SIZE = {0: "unspecified", 1: "4K", 2: "16K", 3: "64K"}


class ImageError(Exception):
    """A guest image that cannot be loaded (one-line message for the user)."""


class Image:
    """A kernel to load.  ``kind``: "Image" (arm64 header), "ELF" or "flat".
    ``segments``: [(offset or physical address, bytes, memsz)]: offsets from
    the load address for Image/flat, physical addresses for ELF."""

    def __init__(self, kind: str, data: bytes, *, text_offset: int = 0, image_size: int = 0, flags: int = 0,
                 entry: int | None = None, segments=None, compressed: bool = False):
        self.kind, self.data = kind, data
        self.text_offset, self.image_size, self.flags = text_offset, image_size, flags
        self.entry, self.compressed = entry, compressed
        self.segments = segments if segments is not None else [(0, data, max(image_size, len(data)))]

    @property
    def is_arm64_image(self) -> bool:
        return self.kind == "Image"

    def placement(self, ram_base: int) -> int:
        """The physical address of the first byte (Image, flat) or the
        lowest segment (ELF)."""
        if self.kind == "Image":
            return ram_base + KERNEL_BASE_OFFSET + self.text_offset
        if self.kind == "flat":
            return ram_base + FLAT_OFFSET
        return min(addr for addr, _, _ in self.segments)

    def extent(self, ram_base: int) -> tuple[int, int]:
        """[lo, hi) of physical memory the kernel occupies (image_size for an Image)."""
        if self.kind == "ELF":
            return (min(a for a, _, _ in self.segments), max(a + m for a, _, m in self.segments))
        base = self.placement(ram_base)
        return base, base + max(self.image_size, len(self.data))


def _gunzip(data: bytes, name: str) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)          # gzip framing
    try:
        out = d.decompress(data, MAX_KERNEL + 1)
    except zlib.error as e:
        raise ImageError(f"{name}: corrupt gzip data ({e})") from None
    if len(out) > MAX_KERNEL:
        raise ImageError(f"{name}: decompressed kernel larger than {MAX_KERNEL >> 20} MiB")
    if not d.eof:
        raise ImageError(f"{name}: corrupt gzip data (truncated)")
    return out


def _parse_elf(data: bytes, name: str) -> Image:
    from elftools.elf.elffile import ELFFile
    from elftools.common.exceptions import ELFError
    try:
        elf = ELFFile(io.BytesIO(data))
        if elf.get_machine_arch() != "AArch64":
            raise ImageError(f"{name}: ELF for {elf.get_machine_arch()}, not AArch64")
        if elf.little_endian is False or elf.elfclass != 64:
            raise ImageError(f"{name}: not a little-endian ELF64 file")
        segs = []
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                continue
            body = seg.data()
            if len(body) < seg["p_filesz"]:
                raise ImageError(f"{name}: truncated ELF segment at {seg['p_paddr']:#x}")
            segs.append((seg["p_paddr"], body, seg["p_memsz"]))
        entry = elf.header["e_entry"]
    except ImageError:
        raise
    except (ELFError, struct.error, ValueError, OSError) as e:
        raise ImageError(f"{name}: corrupt ELF file ({e})") from None
    if not segs:
        raise ImageError(f"{name}: ELF file with no loadable segment")
    return Image("ELF", data, entry=entry, segments=segs)


def _check_pe_sections(data: bytes, name: str) -> None:
    """A kernel with an EFI stub (Debian's) carries a PE/COFF header whose
    section table says how many bytes of file the kernel has: a shorter file
    is a truncated download.  (Without one, a short file cannot be told from
    a kernel whose BSS is not in the file.)"""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if not pe or data[pe:pe + 4] != b"PE\0\0" or len(data) < pe + 24:
        return
    nsec, opt_size = struct.unpack_from("<H", data, pe + 6)[0], struct.unpack_from("<H", data, pe + 20)[0]
    table = pe + 24 + opt_size
    need = 0
    for i in range(min(nsec, 96)):
        off = table + 40 * i
        if off + 40 > len(data):
            need = max(need, off + 40)
            break
        raw_size, raw_ptr = struct.unpack_from("<II", data, off + 16)
        need = max(need, raw_ptr + raw_size)
    if need > len(data):
        raise ImageError(f"{name}: truncated Image ({len(data):#x} bytes; its PE/COFF header says {need:#x})")


def _looks_like_header(data: bytes) -> bool:
    """An Image header with a wrong magic (a corrupt file), rather than a
    flat binary: text_offset, image_size and flags plausible and the
    reserved words zero (in a flat binary those 24 bytes would be six
    UDF #0 instructions)."""
    if len(data) < IMAGE_HEADER_SIZE:
        return False
    text_offset, image_size, flags, r2, r3, r4 = struct.unpack_from("<QQQQQQ", data, 8)
    return (text_offset & 0xFFF == 0 and text_offset < KERNEL_BASE_OFFSET and len(data) <= image_size <= MAX_KERNEL
            and flags < 16 and r2 == r3 == r4 == 0)


def parse_image(data: bytes, name: str = "image") -> Image:
    if not data:
        raise ImageError(f"{name}: empty file")
    compressed = False
    if data[:2] == b"\x1f\x8b":
        data, compressed = _gunzip(data, name), True
    if data[:4] == b"\x7fELF":
        return _parse_elf(data, name)
    if len(data) >= IMAGE_HEADER_SIZE and struct.unpack_from("<I", data, 0x38)[0] == IMAGE_MAGIC:
        text_offset, image_size, flags = struct.unpack_from("<QQQ", data, 8)
        if flags & 1:
            raise ImageError(f"{name}: big-endian Image not supported")
        if image_size == 0:             # pre-3.17 kernel (booting.rst)
            text_offset = 0x80000
        elif image_size < len(data):
            raise ImageError(f"{name}: corrupt Image header (image_size {image_size:#x} < file size {len(data):#x})")
        if text_offset & 0xFFF or text_offset >= KERNEL_BASE_OFFSET:
            raise ImageError(f"{name}: corrupt Image header (text_offset {text_offset:#x})")
        if image_size > MAX_KERNEL:
            raise ImageError(f"{name}: corrupt Image header (image_size {image_size:#x})")
        _check_pe_sections(data, name)
        return Image("Image", data, text_offset=text_offset, image_size=max(image_size, len(data)), flags=flags,
                     compressed=compressed)
    if data[:2] == b"MZ" or _looks_like_header(data):
        raise ImageError(f"{name}: not an arm64 Image (bad magic {data[0x38:0x3C].hex()} at 0x38)")
    if len(data) & 3:
        raise ImageError(f"{name}: not an arm64 Image (bad magic) and not a whole number of instructions "
                         f"({len(data)} bytes)")
    return Image("flat", data, image_size=len(data), compressed=compressed)


def read_file(path: str, what: str = "file") -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise ImageError(f"{path}: {e.strerror}") from None


def load_file(path: str) -> Image:
    return parse_image(read_file(path), path)
