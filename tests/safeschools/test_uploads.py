"""SECURITY.md 24: uploads never spill to disk in plain form; past the cap for the request,
the upload stops, nothing is written and the fields already read are kept."""

from __future__ import annotations

import tempfile

import pytest
from django.conf import settings as django_settings
from django.core.files import temp as django_temp
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.files.uploadhandler import StopFutureHandlers, StopUpload
from django.test import RequestFactory

from safeschools.uploads import InMemoryOnlyUploadHandler, upload_refused

CAP = 10_000


@pytest.fixture
def upload_dir(settings, tmp_path):
    """A small cap for the request, and a temporary directory we can watch."""
    directory = tmp_path / "uploads"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = CAP
    return directory


@pytest.fixture
def no_temp_files(monkeypatch):
    """Any attempt to create a temporary file fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("an upload tried to create a temporary file")

    monkeypatch.setattr(django_temp, "NamedTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)


def post_with_files(*files: tuple[str, int]):
    """A tip form POST: the text first (as the form lays it out), then the files."""
    data = {"description": "A kid has a knife in his bag."}
    for name, size in files:
        data[name] = SimpleUploadedFile(f"{name}.jpg", b"x" * size, content_type="image/jpeg")
    return RequestFactory().post("/report/", data)


def test_settings_use_only_the_in_memory_handler_with_room_for_every_image():
    assert django_settings.FILE_UPLOAD_HANDLERS == ["safeschools.uploads.InMemoryOnlyUploadHandler"]
    full_set = django_settings.TIP_IMAGE_MAX_BYTES * django_settings.TIP_IMAGE_MAX_COUNT
    assert full_set < django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE


def test_upload_under_the_cap_stays_in_memory(upload_dir, no_temp_files):
    request = post_with_files(("photo", 4_000))

    photo = request.FILES["photo"]

    assert isinstance(photo, InMemoryUploadedFile)
    assert photo.read() == b"x" * 4_000
    assert photo.name == "photo.jpg" and photo.size == 4_000
    assert not upload_refused(request)
    assert list(upload_dir.iterdir()) == []


def test_upload_over_the_cap_is_refused_without_touching_disk(upload_dir, no_temp_files):
    request = post_with_files(("photo", 3 * CAP))

    assert "photo" not in request.FILES
    assert request.POST["description"] == "A kid has a knife in his bag."
    assert upload_refused(request)
    assert list(upload_dir.iterdir()) == []


def test_files_under_the_cap_alone_but_over_it_together_are_refused(upload_dir, no_temp_files):
    request = post_with_files(("first", 6_000), ("second", 6_000))

    assert upload_refused(request)
    assert "second" not in request.FILES
    assert list(upload_dir.iterdir()) == []


def test_django_default_handlers_would_have_written_the_same_upload_to_disk(settings, upload_dir):
    # The control for the tests above: with Django's defaults this request spills to disk.
    settings.FILE_UPLOAD_HANDLERS = [
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ]
    request = post_with_files(("photo", 3 * CAP))

    photo = request.FILES["photo"]

    assert len(list(upload_dir.iterdir())) == 1
    photo.close()


def test_handler_counts_the_bytes_that_arrive_not_the_declared_length(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100
    handler = InMemoryOnlyUploadHandler()
    handler.handle_raw_input(None, {}, content_length=10, boundary=b"x")
    with pytest.raises(StopFutureHandlers):
        handler.new_file("photo", "photo.jpg", "image/jpeg", 10)

    handler.receive_data_chunk(b"x" * 60, 0)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * 60, 60)

    assert stopped.value.connection_reset is False
    assert handler.refused
    assert handler.file_complete(120) is None
