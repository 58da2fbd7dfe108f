"""Uploaded images: verified, bounded, re-encoded without metadata, renamed."""

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
DISPLAY_SIZE = (1280, 1280)
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP"}


def _read(uploaded):
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, 2)
        size = uploaded.tell()
    if size > MAX_BYTES:
        raise ValidationError(_("The image is larger than 5 MB."), code="too_large")
    uploaded.seek(0)
    data = uploaded.read()
    uploaded.seek(0)
    return data


def _check_header(data):
    """Format and pixel count from the file's bytes, without decoding the pixels."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except Image.DecompressionBombError:
        raise ValidationError(_("The image has more than 40 megapixels."), code="too_many_pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The file is not an image (or it is damaged)."), code="not_image")
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(_("Use a JPEG, PNG, GIF, WebP or BMP image."), code="format")
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The image has more than 40 megapixels."), code="too_many_pixels")


def check_image(uploaded):
    """Cheap checks for forms (size, real image format, pixel count); raises ValidationError.

    `process_image` runs them again and also decodes the pixels, so a file that
    passes here can still be refused there (a truncated body).
    """
    _check_header(_read(uploaded))


def process_image(uploaded):
    """Return a ContentFile ready to save, or raise ValidationError.

    The check reads the file's bytes, never trusts its name or content type.
    """
    data = _read(uploaded)
    _check_header(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # keep the visible orientation, then drop EXIF
            image.thumbnail(DISPLAY_SIZE)
            has_alpha = image.mode in ("RGBA", "LA", "P") and (
                image.mode != "P" or "transparency" in image.info
            )
            clean = image.convert("RGBA" if has_alpha else "RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        # verify() does not decode pixels: a truncated or corrupt body fails only here.
        raise ValidationError(_("The file is not an image (or it is damaged)."), code="not_image")
    # convert() copies `info` (JPEG comments, XMP, ICC, PNG text…); saving must carry none of it.
    clean.info = {}
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        ext = "png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")
