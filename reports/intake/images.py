"""The image sanitizer: what a tipster uploads is decoded, stripped and re-encoded before it
is stored (SECURITY.md 7, 23, 24).

A file is an image only if Pillow decodes it as JPEG, PNG or WebP; its name and declared
type are never trusted. Only its pixels survive: orientation is applied, then the pixels are
copied into a new image that has no metadata to carry (EXIF and its GPS position, XMP, ICC
profile, comments, PNG text chunks), scaled down if huge and encoded afresh. Anything Pillow
cannot read becomes ``ImageRejected`` with a message for the tipster, never a server error.

Decoding is the expensive part, and it is cheap to ask for: a flat 40-megapixel PNG is a
few hundred kilobytes to send and a second of work and 120 MB of memory to decode. So
decoding has a budget (SECURITY.md 41), checked from each file's header before any pixel
is decoded: per request, ``TIP_IMAGE_REQUEST_PIXELS`` in all and ``TIP_IMAGE_DECODE_SECONDS``
of decoding; per process, ``TIP_IMAGE_PROCESS_PIXELS`` decoding at once across its threads
(a request waits up to ``TIP_IMAGE_BUSY_SECONDS`` for room). A file past a budget is refused
with a message and the rest of the form is kept; the tipster can send it again or send
fewer.

No database. The intake form calls ``sanitize_all`` with the uploaded files.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from reports.intake.services import CleanImage

logger = logging.getLogger(__name__)

# Pillow's format name → what we write and its content type. MPO is how Pillow names a
# JPEG that carries extra pictures (phones write them); only the first is kept.
OUTPUT = {
    "JPEG": ("JPEG", "image/jpeg"),
    "MPO": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "WEBP": ("WEBP", "image/webp"),
}
# What Image.open may try; MPO is not among them, it comes through the JPEG opener.
ACCEPTED_FORMATS = ["JPEG", "PNG", "WEBP"]
JPEG_QUALITY = 85
PNG_END = b"IEND"


class ImageRejected(ValueError):
    """The upload is not an image we accept. The message is for the tipster and names the
    file."""


# --- The decoding budget (SECURITY.md 41) -----------------------------------------------

_clock = time.monotonic


class _PixelsInFlight:
    """Pixels being decoded at this moment by the threads of this process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.pixels = 0

    def acquire(self, pixels: int, *, limit: int, wait: float) -> bool:
        deadline = _clock() + wait
        with self._changed:
            while self.pixels and self.pixels + pixels > limit:
                remaining = deadline - _clock()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            self.pixels += pixels
            return True

    def release(self, pixels: int) -> None:
        with self._changed:
            self.pixels -= pixels
            self._changed.notify_all()


IN_FLIGHT = _PixelsInFlight()


class DecodeBudget:
    """What one request may still decode: pixels and seconds."""

    def __init__(self) -> None:
        self.pixels = settings.TIP_IMAGE_REQUEST_PIXELS
        self.seconds = float(settings.TIP_IMAGE_DECODE_SECONDS)

    @contextmanager
    def decoding(self, pixels: int, *, name: str) -> Iterator[None]:
        """Room for ``pixels`` in this request and in the process, or ``ImageRejected``
        before anything is decoded; the time taken is counted."""
        if pixels > self.pixels:
            raise _rejected("together", name, None)
        if self.seconds <= 0:
            raise _rejected("slow", name, None)
        limit, wait = settings.TIP_IMAGE_PROCESS_PIXELS, settings.TIP_IMAGE_BUSY_SECONDS
        if not IN_FLIGHT.acquire(pixels, limit=limit, wait=wait):
            raise _rejected("busy", name, None)
        started = _clock()
        try:
            yield
        finally:
            IN_FLIGHT.release(pixels)
            self.pixels -= pixels
            self.seconds -= _clock() - started


def sanitize(data: bytes, *, name: str, budget: DecodeBudget | None = None) -> CleanImage:
    """Decode ``data`` as JPEG, PNG or WebP and return only its pixels, re-encoded."""
    _check_size(data, name=name)
    image = _open(data, name=name)
    try:
        fmt, content_type = OUTPUT[image.format]
        _check_no_trailing_data(data, image.format, name=name)
        with (budget or DecodeBudget()).decoding(image.width * image.height, name=name):
            clean = _clean_pixels(image, fmt)
            content = _encode(clean, fmt)
    except ImageRejected:
        raise
    except Exception as exc:
        # Pillow's decoders fail in many ways (OSError for truncation, SyntaxError,
        # ValueError, struct.error, EOFError, MemoryError...); every one of them means
        # "cannot use this file", and none may reach the tipster as a server error.
        raise _rejected("damaged", name, exc) from None
    finally:
        image.close()
    return CleanImage(content=content, content_type=content_type, width=clean.width, height=clean.height)


def sanitize_all(files: Iterable[UploadedFile]) -> tuple[list[CleanImage], list[str]]:
    """Sanitize every upload of one form. Returns the clean images and one message per
    refused file, so the form can show every problem at once and keep the rest."""
    images: list[CleanImage] = []
    errors: list[str] = []
    budget = DecodeBudget()
    limit = settings.TIP_IMAGE_MAX_COUNT
    for index, upload in enumerate(files):
        name = upload.name or _("file")
        if index >= limit:
            errors.append(
                _("%(name)s was not added: at most %(count)d images can be sent.") % {"name": name, "count": limit}
            )
            continue
        try:
            # Refuse by the recorded size first, so an oversized file is not copied again.
            _check_size_number(upload.size or 0, name=name)
            images.append(sanitize(b"".join(upload.chunks()), name=name, budget=budget))
        except ImageRejected as exc:
            errors.append(str(exc))
    return images, errors


# --- Steps ------------------------------------------------------------------------------


def _check_size(data: bytes, *, name: str) -> None:
    if not data:
        raise ImageRejected(_("%(name)s is empty.") % {"name": name})
    _check_size_number(len(data), name=name)


def _check_size_number(size: int, *, name: str) -> None:
    limit = settings.TIP_IMAGE_MAX_BYTES
    if size > limit:
        raise ImageRejected(_("%(name)s is larger than %(limit)s.") % {"name": name, "limit": filesizeformat(limit)})


def _open(data: bytes, *, name: str) -> Image.Image:
    """Identify the image from its header only: nothing is decoded yet, so a file that
    declares too many pixels is refused before it costs memory or time."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse. Warning
            # filters are process-wide, so a thread could briefly miss this; the cap below
            # is lower and does not depend on them.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _rejected("pixels", name, exc) from None
    except UnidentifiedImageError as exc:
        raise _rejected("format", name, exc) from None
    except Exception as exc:
        # A header one of the openers recognised, then could not read (cut short, say).
        raise _rejected("damaged", name, exc) from None
    width, height = image.size
    if width * height > settings.TIP_IMAGE_MAX_PIXELS:
        image.close()
        raise _rejected("pixels", name, None)
    return image


def _clean_pixels(image: Image.Image, fmt: str) -> Image.Image:
    """The first frame's pixels, in a mode ``fmt`` takes, scaled down if huge, upright, in
    a new image that carries no metadata."""
    image.load()  # decodes the first frame only; a truncated file raises here
    pixels = _to_output_mode(image, fmt)
    limit = settings.TIP_IMAGE_MAX_DIMENSION
    # Scaling before turning keeps only one large copy in memory, and gives the same
    # picture: the bounding box is square, so the factor does not depend on orientation.
    pixels.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    # Reads the orientation from the EXIF (or XMP) still in ``info``, then drops it.
    ImageOps.exif_transpose(pixels, in_place=True)
    # A new image starts with an empty ``info``: no metadata can ride along to the encoder.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    return clean


def _to_output_mode(image: Image.Image, fmt: str) -> Image.Image:
    """``image`` itself when its mode already suits ``fmt`` (no copy), else a converted
    copy, which keeps ``info`` and so the orientation."""
    if image.mode.startswith("I"):
        # 16-bit grey: scale to 8 bits (a plain convert would clip everything above 255).
        scaled = image.convert("I").point(lambda value: value / 257).convert("L")
        scaled.info = image.info
        return scaled
    target = _output_mode(image, fmt)
    return image if image.mode == target else image.convert(target)


def _output_mode(image: Image.Image, fmt: str) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if has_alpha and fmt != "JPEG":
        return "RGBA"
    if image.mode in ("1", "L") and fmt != "WEBP":
        return "L"
    return "RGB"


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=False)
    else:
        image.save(out, "WEBP", quality=JPEG_QUALITY)
    return out.getvalue()


def _check_no_trailing_data(data: bytes, fmt: str, *, name: str) -> None:
    """Refuse a PNG or WebP with bytes after its end: a valid image with HTML or a script
    appended is a polyglot made on purpose (SECURITY.md 23). JPEGs are exempt because
    phones append legitimate data after the picture (motion photos, MPO); re-encoding
    drops it anyway."""
    if fmt == "PNG":
        end = _png_end(data)
        if end is None:
            raise _rejected("damaged", name, None)
    elif fmt == "WEBP":
        # RIFF: "RIFF", a little-endian payload size, then the payload, padded to even.
        end = int.from_bytes(data[4:8], "little") + 8
        end += end % 2
    else:
        return
    if len(data) > end:
        raise _rejected("trailing", name, None)


def _png_end(data: bytes) -> int | None:
    """Offset just past the IEND chunk, found by walking the chunk lengths (not by
    searching, which compressed data could fool); None if there is no IEND."""
    position = 8  # the signature
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_type = data[position + 4 : position + 8]
        position += 12 + length  # length, type, data, CRC
        if chunk_type == PNG_END:
            return position
    return None


def _rejected(reason: str, name: str, exc: BaseException | None) -> ImageRejected:
    if exc is not None:
        # The class only: Pillow's messages could quote bytes of the file.
        logger.info("image refused (%s): %s", reason, type(exc).__name__)
    messages = {
        "format": _("%(name)s is not a JPEG, PNG or WebP image."),
        "damaged": _("%(name)s is damaged or incomplete and could not be read."),
        "pixels": _("%(name)s has too many pixels (the limit is %(megapixels)d megapixels)."),
        "trailing": _("%(name)s has extra data hidden after the picture, so it was not accepted."),
        "together": _(
            "%(name)s was not added: together, the pictures are too large to process. Send fewer or smaller pictures."
        ),
        "slow": _("%(name)s was not added: the pictures took too long to process. Send fewer or smaller pictures."),
        "busy": _("%(name)s was not added because the site is busy. Send it again in a minute."),
    }
    megapixels = settings.TIP_IMAGE_MAX_PIXELS // 1_000_000
    return ImageRejected(messages[reason] % {"name": name, "megapixels": megapixels})
