"""Loading guest images: the arm64 Image format (Linux
Documentation/arch/arm64/booting.rst) or a flat binary."""
from __future__ import annotations

import struct

IMAGE_MAGIC = 0x644D5241          # "ARM\x64" at offset 0x38
IMAGE_HEADER_SIZE = 64
KERNEL_BASE_OFFSET = 2 << 20      # from the RAM base, as QEMU's loader


class ImageError(Exception):
    """A guest image that cannot be loaded (one-line message for the user)."""


class Image:
    def __init__(self, data: bytes, text_offset: int, image_size: int, flags: int, is_arm64_image: bool):
        self.data, self.text_offset, self.image_size, self.flags = data, text_offset, image_size, flags
        self.is_arm64_image = is_arm64_image


def parse_image(data: bytes, name: str = "image") -> Image:
    if not data:
        raise ImageError(f"{name}: empty file")
    if len(data) >= IMAGE_HEADER_SIZE and struct.unpack_from("<I", data, 0x38)[0] == IMAGE_MAGIC:
        text_offset, image_size, flags = struct.unpack_from("<QQQ", data, 8)
        if flags & 1:
            raise ImageError(f"{name}: big-endian Image not supported")
        if image_size == 0:             # pre-3.17 kernel (booting.rst)
            text_offset = 0x80000
        if image_size and image_size < len(data):
            raise ImageError(f"{name}: corrupt Image header (image_size {image_size:#x} < file size {len(data):#x})")
        return Image(data, text_offset, max(image_size, len(data)), flags, True)
    if data[:2] == b"\x1f\x8b":
        raise ImageError(f"{name}: gzip-compressed image; decompress it first (gunzip)")
    if len(data) & 3:
        raise ImageError(f"{name}: not an arm64 Image and not a whole number of instructions ({len(data)} bytes)")
    return Image(data, 0, len(data), 0, False)


def load_file(path: str) -> Image:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise ImageError(f"{path}: {e.strerror}") from None
    return parse_image(data, path)
