"""SECURITY.md 7, 23, 24: only re-encoded pixels are stored; anything that does not decode as
JPEG, PNG or WebP is refused with a message naming the file; bombs are refused from the
header. Every test file is made here, with Pillow or by hand: no binary fixtures."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from reports.intake.images import ImageRejected, sanitize, sanitize_all

RED = (255, 0, 0)
BLUE = (0, 0, 255)
MARKERS = {
    "make": b"MAKE-MARKER-3391",
    "gps": b"GPS-MARKER-3391",
    "comment": b"COMMENT-MARKER-3391",
    "icc": b"ICC-MARKER-3391",
    "xmp": b"XMP-MARKER-3391",
    "text": b"TEXT-MARKER-3391",
    "itxt": b"ITXT-MARKER-3391",
    "ztxt": b"ZTXT-MARKER-3391",
}
METADATA_KEYS = {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "dpi", "transparency"}


# --- Making test images -------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def picture(size: tuple[int, int] = (40, 20), mode: str = "RGB") -> Image.Image:
    """White, with a red 8×8 block in the top-left corner: shows where that corner ends up."""
    image = Image.new(mode, size, "white")
    image.paste(Image.new(mode, (8, 8), RED), (0, 0))
    return image


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = MARKERS["make"].decode()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (38.0, 38.0, 51.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (90.0, 20.0, 3.2)
    gps[ExifTags.GPS.GPSProcessingMethod] = b"ASCII\0\0\0" + MARKERS["gps"]
    return exif


def fake_icc() -> bytes:
    # Pillow carries an ICC profile as opaque bytes, so a marker inside shows if it survives.
    return b"\0" * 64 + MARKERS["icc"]


def xmp() -> bytes:
    return b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>' + MARKERS["xmp"] + b"</rdf:Description></x:xmpmeta>"


def png_chunk(chunk_type: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def png_declaring(width: int, height: int) -> bytes:
    """A few dozen bytes of PNG whose header declares ``width``×``height`` grey pixels, with
    one tiny IDAT: decoding it for real would need the declared size in memory."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + png_chunk(b"IEND", b"")
    )


def png_chunk_types(data: bytes) -> list[bytes]:
    types, position = [], 8
    while position + 8 <= len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        types.append(data[position + 4 : position + 8])
        position += 12 + length
    return types


def riff_chunk_types(data: bytes) -> list[bytes]:
    types, position = [], 12
    while position + 8 <= len(data):
        length = struct.unpack("<I", data[position + 4 : position + 8])[0]
        types.append(data[position : position + 4])
        position += 8 + length + length % 2
    return types


def opened(content: bytes) -> Image.Image:
    image = Image.open(BytesIO(content))
    image.load()
    return image


def assert_no_markers(content: bytes) -> None:
    for marker in MARKERS.values():
        assert marker not in content


def assert_refused(data: bytes, name: str, message_part: str) -> None:
    with pytest.raises(ImageRejected) as refused:
        sanitize(data, name=name)
    assert name in str(refused.value)
    assert message_part in str(refused.value)


# --- Metadata is gone, orientation applied ---------------------------------------------------


def test_jpeg_loses_exif_gps_comment_icc_and_xmp():
    data = encode(
        picture(), "JPEG", exif=exif_with_gps(), comment=MARKERS["comment"], icc_profile=fake_icc(), xmp=xmp()
    )
    source = Image.open(BytesIO(data))
    assert {"exif", "comment", "icc_profile", "xmp"} <= set(source.info)  # the test image has it all

    clean = sanitize(data, name="photo.jpg")

    out = opened(clean.content)
    assert out.format == "JPEG"
    assert clean.content_type == "image/jpeg"
    assert not METADATA_KEYS & set(out.info)
    assert dict(out.getexif()) == {}
    assert out.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert_no_markers(clean.content)
    assert b"Exif\0\0" not in clean.content and b"ICC_PROFILE" not in clean.content
    assert (clean.width, clean.height) == out.size == (40, 20)


def test_exif_orientation_6_is_applied_before_stripping():
    data = encode(picture((40, 20)), "JPEG", exif=exif_with_gps(orientation=6))

    clean = sanitize(data, name="sideways.jpg")

    out = opened(clean.content)
    # Orientation 6: the camera was turned; shown upright, width and height swap and the
    # top-left corner goes to the top right.
    assert (clean.width, clean.height) == out.size == (20, 40)
    red, green, blue = out.getpixel((16, 3))
    assert red > 200 and green < 60 and blue < 60
    assert out.getpixel((3, 3)) > (200, 200, 200)
    assert ExifTags.Base.Orientation not in out.getexif()


def test_png_loses_text_chunks_icc_and_exif():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARKERS["text"].decode())
    info.add_itxt("Description", MARKERS["itxt"].decode(), lang="en", tkey="Description")
    info.add_text("Author", MARKERS["ztxt"].decode(), zip=True)
    info.add_text("XML:com.adobe.xmp", xmp().decode())
    data = encode(picture(), "PNG", pnginfo=info, icc_profile=fake_icc(), exif=exif_with_gps())
    assert {b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"eXIf"} <= set(png_chunk_types(data))

    clean = sanitize(data, name="screenshot.png")

    out = opened(clean.content)
    assert out.format == "PNG" and clean.content_type == "image/png"
    assert not METADATA_KEYS & set(out.info)
    assert out.text == {}
    assert dict(out.getexif()) == {}
    assert set(png_chunk_types(clean.content)) == {b"IHDR", b"IDAT", b"IEND"}
    assert_no_markers(clean.content)


def test_webp_loses_exif_xmp_and_icc():
    data = encode(picture(), "WEBP", exif=exif_with_gps(), xmp=xmp(), icc_profile=fake_icc())
    assert {b"EXIF", b"XMP ", b"ICCP"} <= set(riff_chunk_types(data))

    clean = sanitize(data, name="photo.webp")

    out = opened(clean.content)
    assert out.format == "WEBP" and clean.content_type == "image/webp"
    assert not METADATA_KEYS & set(out.info)
    assert dict(out.getexif()) == {}
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(riff_chunk_types(clean.content))
    assert_no_markers(clean.content)


def test_png_orientation_from_exif_is_applied():
    data = encode(picture((40, 20)), "PNG", exif=exif_with_gps(orientation=6))

    out = opened(sanitize(data, name="turned.png").content)

    assert out.size == (20, 40)
    assert out.getpixel((16, 3)) == RED


# --- Modes, frames and size -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "fmt", "expected_mode"),
    [
        ("RGB", "JPEG", "RGB"),
        ("L", "JPEG", "L"),
        ("CMYK", "JPEG", "RGB"),
        ("P", "PNG", "RGB"),
        ("1", "PNG", "L"),
        ("LA", "PNG", "RGBA"),
        ("RGBA", "PNG", "RGBA"),
        ("RGBA", "WEBP", "RGBA"),
        ("RGB", "WEBP", "RGB"),
    ],
)
def test_modes_are_converted_to_what_the_format_takes(mode, fmt, expected_mode):
    out = opened(sanitize(encode(Image.new(mode, (12, 12)), fmt), name="x").content)
    assert out.mode == expected_mode
    assert out.format == fmt


def test_palette_transparency_becomes_alpha():
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    data = encode(image, "PNG", transparency=1)

    out = opened(sanitize(data, name="sticker.png").content)

    assert out.mode == "RGBA"
    assert out.getpixel((0, 0)) == (255, 0, 0, 0)
    assert "transparency" not in out.info


def test_16_bit_grey_is_scaled_to_8_bits_not_clipped():
    data = encode(Image.new("I;16", (4, 4), 40_000), "PNG")

    out = opened(sanitize(data, name="scan.png").content)

    assert out.mode == "L"
    assert out.getpixel((0, 0)) == 40_000 // 257


def test_animated_png_keeps_only_the_first_frame():
    data = encode(Image.new("RGB", (8, 8), RED), "PNG", save_all=True, append_images=[Image.new("RGB", (8, 8), BLUE)])
    assert Image.open(BytesIO(data)).n_frames == 2

    clean = sanitize(data, name="moving.png")

    out = opened(clean.content)
    assert getattr(out, "n_frames", 1) == 1
    assert b"acTL" not in clean.content
    assert out.getpixel((0, 0)) == RED


def test_animated_webp_keeps_only_the_first_frame():
    frames = [Image.new("RGB", (8, 8), RED), Image.new("RGB", (8, 8), BLUE)]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert Image.open(BytesIO(data)).n_frames == 2

    out = opened(sanitize(data, name="moving.webp").content)

    assert getattr(out, "n_frames", 1) == 1
    red, green, blue = out.getpixel((4, 4))
    assert red > 200 and blue < 60


def test_multi_picture_jpeg_becomes_a_plain_jpeg_of_the_first_picture():
    data = encode(
        Image.new("RGB", (16, 16), RED), "MPO", save_all=True, append_images=[Image.new("RGB", (16, 16), BLUE)]
    )
    assert Image.open(BytesIO(data)).format == "MPO"

    clean = sanitize(data, name="portrait.jpg")

    out = opened(clean.content)
    assert out.format == "JPEG" and clean.content_type == "image/jpeg"
    assert getattr(out, "n_frames", 1) == 1
    assert out.getpixel((8, 8))[0] > 200


def test_large_images_are_scaled_down_keeping_the_aspect_ratio(settings):
    settings.TIP_IMAGE_MAX_DIMENSION = 64
    clean = sanitize(encode(Image.new("RGB", (200, 100)), "PNG"), name="big.png")
    assert (clean.width, clean.height) == opened(clean.content).size == (64, 32)


def test_a_jpeg_with_html_appended_is_stored_without_it():
    # JPEGs may carry data after the picture legitimately (phones do); re-encoding drops it.
    data = encode(picture(), "JPEG") + b"<html><script>alert(1)</script></html>"
    clean = sanitize(data, name="photo.jpg")
    assert b"<script" not in clean.content
    assert opened(clean.content).size == (40, 20)


# --- Refused, with a message naming the file -----------------------------------------------


NOT_AN_IMAGE = "is not a JPEG, PNG or WebP image"
DAMAGED = "is damaged or incomplete"
TOO_MANY_PIXELS = "has too many pixels"


def test_png_with_html_appended_is_refused():
    data = encode(picture(), "PNG") + b"<html><script>alert(document.cookie)</script></html>"
    assert_refused(data, "cute-cat.png", "extra data")


def test_html_file_behind_a_png_signature_is_refused():
    data = b"\x89PNG\r\n\x1a\n<html><body><script>alert(1)</script></body></html>"
    assert_refused(data, "cute-cat.png", NOT_AN_IMAGE)


def test_webp_with_html_appended_is_refused():
    data = encode(picture(), "WEBP") + b"<html><script>alert(1)</script></html>"
    assert_refused(data, "photo.webp", "extra data")


def test_svg_is_refused():
    data = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9" height="9"/></svg>'
    assert_refused(data, "photo.svg", NOT_AN_IMAGE)


@pytest.mark.parametrize("header", [b"\x7fELF\x02\x01\x01\x00", b"MZ\x90\x00\x03\x00\x00\x00"])
def test_renamed_executable_is_refused(header):
    assert_refused(header + b"\0" * 4096, "photo.jpg", NOT_AN_IMAGE)


def test_gif_is_refused():
    assert_refused(encode(picture(), "GIF"), "funny.gif", NOT_AN_IMAGE)


def test_truncated_jpeg_is_refused():
    data = encode(Image.effect_noise((256, 256), 64).convert("RGB"), "JPEG", quality=95)
    assert_refused(data[: len(data) // 2], "photo.jpg", DAMAGED)


def test_truncated_png_is_refused():
    data = encode(Image.effect_noise((256, 256), 64), "PNG")
    assert_refused(data[: len(data) // 2], "photo.png", DAMAGED)


def test_png_cut_off_before_its_end_chunk_is_refused():
    data = encode(picture(), "PNG")
    assert data.endswith(png_chunk(b"IEND", b""))
    assert_refused(data[:-12], "photo.png", DAMAGED)


def test_truncated_images_are_not_tolerated_globally():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_empty_file_is_refused():
    assert_refused(b"", "photo.jpg", "is empty")


def test_file_over_the_byte_cap_is_refused(settings):
    settings.TIP_IMAGE_MAX_BYTES = 1024
    data = encode(Image.effect_noise((64, 64), 64), "PNG")
    assert len(data) > 1024
    assert_refused(data, "huge.png", "is larger than 1.0")


def test_decompression_bomb_is_refused_from_its_header():
    # 60000×60000 = 3.6 gigapixels declared in a 100-byte file. Had it been decoded, the
    # tiny IDAT would have given "damaged"; "too many pixels" shows it never was.
    data = png_declaring(60_000, 60_000)
    assert len(data) < 200
    assert_refused(data, "bomb.png", TOO_MANY_PIXELS)


def test_image_over_the_pixel_cap_is_refused_before_decoding(settings):
    settings.TIP_IMAGE_MAX_PIXELS = 1_000_000
    assert_refused(png_declaring(2_000, 1_000), "wide.png", TOO_MANY_PIXELS)


def test_pillow_bomb_warning_is_an_error_even_above_our_cap(settings):
    # Between Pillow's MAX_IMAGE_PIXELS and twice that, Pillow only warns.
    settings.TIP_IMAGE_MAX_PIXELS = 10**12
    side = int((Image.MAX_IMAGE_PIXELS * 1.5) ** 0.5)
    assert_refused(png_declaring(side, side), "bomb.png", TOO_MANY_PIXELS)


# --- Many files at once ------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_sanitize_all_returns_the_good_images_and_every_error():
    files = [
        upload("one.jpg", encode(picture(), "JPEG")),
        upload("page.svg", b"<svg/>"),
        upload("two.png", encode(picture(), "PNG")),
        upload("empty.jpg", b""),
    ]

    images, errors = sanitize_all(files)

    assert [image.content_type for image in images] == ["image/jpeg", "image/png"]
    assert len(errors) == 2
    assert "page.svg" in errors[0] and NOT_AN_IMAGE in errors[0]
    assert "empty.jpg" in errors[1]


def test_sanitize_all_refuses_files_past_the_count_cap(settings):
    settings.TIP_IMAGE_MAX_COUNT = 2
    files = [upload(f"photo{number}.jpg", encode(picture(), "JPEG")) for number in range(1, 5)]

    images, errors = sanitize_all(files)

    assert len(images) == 2
    assert len(errors) == 2
    assert "photo3.jpg" in errors[0] and "photo4.jpg" in errors[1]
    assert "at most 2 images" in errors[0]


def test_sanitize_all_refuses_an_oversized_upload_by_its_size(settings):
    settings.TIP_IMAGE_MAX_BYTES = 1024
    images, errors = sanitize_all([upload("huge.jpg", b"\xff\xd8" + b"\0" * 2048)])
    assert images == []
    assert len(errors) == 1 and "huge.jpg" in errors[0] and "larger than" in errors[0]


# --- Nothing but ImageRejected, whatever the bytes -----------------------------------------


def _valid_samples() -> list[bytes]:
    base = picture((16, 16))
    return [encode(base, "JPEG"), encode(base, "PNG"), encode(base, "WEBP"), encode(base.convert("P"), "PNG")]


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_are_accepted_or_refused_never_crash(data):
    try:
        sanitize(data, name="any.bin")
    except ImageRejected as refused:
        assert "any.bin" in str(refused)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(_valid_samples()),
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(min_value=0, max_value=2000), st.integers(0, 255)), max_size=8),
)
def test_damaged_real_images_are_accepted_or_refused_never_crash(sample, cut, flips):
    # Random bytes rarely get past the signatures; damaging real images reaches the decoders.
    data = bytearray(sample[: max(cut, 1)] if cut < len(sample) else sample)
    for position, value in flips:
        if position < len(data):
            data[position] = value
    try:
        sanitize(bytes(data), name="any.jpg")
    except ImageRejected as refused:
        assert "any.jpg" in str(refused)


# --- The decoding budget (SECURITY.md 41) -----------------------------------------------


@pytest.fixture(scope="module")
def flat_40_megapixels() -> bytes:
    """Cheap to send, expensive to decode: 8000 × 5000 white pixels in a few hundred KB."""
    data = encode(Image.new("RGB", (8000, 5000), "white"), "PNG")
    assert len(data) < 1_000_000
    return data


@pytest.fixture
def decoded(monkeypatch) -> list[int]:
    """The pixel count of every image actually decoded."""
    from reports.intake import images

    sizes: list[int] = []
    original = images._clean_pixels

    def counting(image, fmt):
        sizes.append(image.width * image.height)
        return original(image, fmt)

    monkeypatch.setattr(images, "_clean_pixels", counting)
    return sizes


def uploads(data: bytes, count: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"flat-{n}.png", data, content_type="image/png") for n in range(count)]


def test_five_flat_40_megapixel_pngs_are_refused_fast(flat_40_megapixels, decoded):
    """All five used to be decoded (5.1 s and +330 MB on the review's machine); now the
    request's 80 MP are, two at most, one at a time, and the rest are refused from their
    headers."""
    import time

    started = time.monotonic()
    sanitize_all(uploads(flat_40_megapixels, 1))
    one = time.monotonic() - started
    decoded.clear()

    started = time.monotonic()
    clean, errors = sanitize_all(uploads(flat_40_megapixels, 5))
    five = time.monotonic() - started

    assert decoded == [40_000_000, 40_000_000] and len(clean) == 2
    assert len(errors) == 3 and all("too large to process" in e for e in errors)
    assert "flat-2.png" in errors[0]
    assert five < 3.5 * one  # the three refused cost next to nothing


def test_ordinary_phone_photos_fit_the_budget(decoded):
    photo = encode(picture((4000, 4000)), "JPEG")  # 16 megapixels
    clean, errors = sanitize_all(uploads(photo, 5))
    assert errors == [] and len(clean) == 5


def test_the_time_budget_refuses_the_next_picture(monkeypatch, settings, decoded):
    from reports.intake import images

    settings.TIP_IMAGE_DECODE_SECONDS = 3
    now = [0.0]
    original = images._clean_pixels

    def slow(image, fmt):
        now[0] += 2.0  # each decode "takes" two seconds
        return original(image, fmt)

    monkeypatch.setattr(images, "_clean_pixels", slow)
    monkeypatch.setattr(images, "_clock", lambda: now[0])
    clean, errors = sanitize_all(uploads(encode(picture(), "PNG"), 3))
    assert len(clean) == 2 and len(errors) == 1 and "took too long" in errors[0]


def test_the_process_budget_makes_a_request_wait_then_refuses(settings, decoded):
    from reports.intake import images

    settings.TIP_IMAGE_PROCESS_PIXELS = 1000
    settings.TIP_IMAGE_BUSY_SECONDS = 0.2
    assert images.IN_FLIGHT.acquire(900, limit=1000, wait=0)  # another thread is decoding
    try:
        clean, errors = sanitize_all(uploads(encode(picture((20, 10)), "PNG"), 1))
    finally:
        images.IN_FLIGHT.release(900)
    assert clean == [] and "busy" in errors[0] and decoded == []
    clean, errors = sanitize_all(uploads(encode(picture((20, 10)), "PNG"), 1))
    assert len(clean) == 1 and images.IN_FLIGHT.pixels == 0


def test_the_process_budget_is_shared_by_threads(settings, decoded):
    """Two requests at once: the second waits for the first's pixels, then proceeds."""
    import threading

    from reports.intake import images

    settings.TIP_IMAGE_PROCESS_PIXELS = 1000
    settings.TIP_IMAGE_BUSY_SECONDS = 5
    assert images.IN_FLIGHT.acquire(900, limit=1000, wait=0)
    results = []
    waiter = threading.Thread(target=lambda: results.append(sanitize_all(uploads(encode(picture((20, 10)), "PNG"), 1))))
    waiter.start()
    waiter.join(timeout=0.3)
    assert waiter.is_alive()  # waiting for room
    images.IN_FLIGHT.release(900)
    waiter.join(timeout=5)
    assert len(results[0][0]) == 1 and images.IN_FLIGHT.pixels == 0
