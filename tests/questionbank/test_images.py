"""Uploaded images: real images only, bounded, re-encoded without metadata."""

import io
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, PngImagePlugin

from questionbank import images
from tests.questionbank.conftest import png_bytes, upload


def reopen(content):
    content.seek(0)
    return Image.open(io.BytesIO(content.read()))


def huge_png(width, height):
    """A valid single-colour PNG of width×height built by hand: a few kB on disk,
    a huge pixel count (the check must refuse it before decoding anything)."""

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])  # 1-bit grey
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_it_reencodes_a_real_image_under_a_random_name():
    out = images.process_image(upload("Ảnh của tôi.png", size=(40, 30)))
    assert out.name.endswith(".jpg") and len(out.name) == 36  # 32 hex digits + ".jpg"
    assert "tôi" not in out.name
    image = reopen(out)
    assert (image.format, image.size) == ("JPEG", (40, 30))
    assert images.process_image(upload("x.png")).name != images.process_image(upload("x.png")).name


def test_it_refuses_a_text_file_renamed_png():
    with pytest.raises(ValidationError) as caught:
        images.process_image(upload("virus.png", b"MZ\x90\x00 this is not an image at all"))
    assert caught.value.code == "not_image"
    with pytest.raises(ValidationError):
        images.check_image(upload("virus.png", b"GIF89a but then nothing"))


def test_it_refuses_a_truncated_image_instead_of_crashing():
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(buffer, format="JPEG")
    truncated = buffer.getvalue()[: len(buffer.getvalue()) // 2]
    with pytest.raises(ValidationError) as caught:
        images.process_image(upload("half.jpg", truncated))
    assert caught.value.code == "not_image"


def test_it_refuses_more_than_40_megapixels_without_decoding():
    content = huge_png(8000, 6000)  # 48 MP
    assert len(content) < 100_000
    with pytest.raises(ValidationError) as caught:
        images.check_image(upload("big.png", content))
    assert caught.value.code == "too_many_pixels"
    with pytest.raises(ValidationError):
        images.process_image(upload("big.png", content))


def test_it_refuses_a_decompression_bomb():
    with pytest.raises(ValidationError) as caught:
        images.process_image(upload("bomb.png", huge_png(20000, 20000)))  # 400 MP
    assert caught.value.code == "too_many_pixels"


def test_it_accepts_exactly_the_limit_sizes():
    image = reopen(images.process_image(upload("wide.png", huge_png(8000, 5000))))  # 40 MP exactly
    assert max(image.size) == images.DISPLAY_SIZE[0]


def test_it_refuses_files_over_5_mb():
    too_big = ContentFile(b"\x89PNG" + b"0" * images.MAX_BYTES, name="big.png")
    with pytest.raises(ValidationError) as caught:
        images.process_image(too_big)
    assert caught.value.code == "too_large"


def test_it_refuses_formats_outside_the_list():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="TIFF")
    with pytest.raises(ValidationError) as caught:
        images.process_image(upload("scan.tiff", buffer.getvalue()))
    assert caught.value.code == "format"


def test_it_strips_exif_and_comments():
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x013B] = "Nguyễn Văn A"  # Artist
    exif[0x8825] = {2: (10.0, 45.0, 3.0)}  # GPS latitude
    content = png_bytes(size=(60, 40), fmt="JPEG", exif=exif.tobytes(), comment=b"toa do nha rieng")
    source = Image.open(io.BytesIO(content))
    assert source.getexif() and source.info.get("comment")
    image = reopen(images.process_image(upload("photo.jpg", content)))
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "comment" not in image.info


def test_it_applies_the_exif_orientation_before_dropping_it():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise
    content = png_bytes(size=(60, 40), fmt="JPEG", exif=exif.tobytes())
    image = reopen(images.process_image(upload("phone.jpg", content)))
    assert image.size == (40, 60)


def test_it_strips_png_text_chunks_and_keeps_transparency():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Nguyễn Văn A")
    content = png_bytes(size=(30, 30), mode="RGBA", color=(0, 0, 255, 100), pnginfo=info)
    out = images.process_image(upload("logo.png", content))
    image = reopen(out)
    assert out.name.endswith(".png") and image.mode == "RGBA"
    assert "Author" not in image.info


def test_it_shrinks_to_the_display_size():
    image = reopen(images.process_image(upload("wide.png", size=(3000, 1000))))
    assert image.size == (1280, 427)
