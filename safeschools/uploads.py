"""Uploads kept in memory only (SECURITY.md 24).

Django's default pair of handlers keeps small uploads in memory and writes anything larger
than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file: a tipster's photo, in clear, on
disk. ``InMemoryOnlyUploadHandler`` is the only handler configured: it never steps aside,
and once the files of one request pass ``FILE_UPLOAD_MAX_MEMORY_SIZE`` in all it stops the
upload. The fields already read are kept, so the view can show the form again with what
the tipster typed and a message (see ``upload_refused``).
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.http import HttpRequest


class InMemoryOnlyUploadHandler(FileUploadHandler):
    """Holds each uploaded file in a ``BytesIO``, under a hard cap for the whole request."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.refused = False
        self.buffer: BytesIO | None = None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        # No handler after this one may see the file (one that writes to disk included).
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        # The declared Content-Length may lie or be absent: count what actually arrives.
        if self.received > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            self.refused = True
            self.buffer = None
            # Not a connection reset: Django reads and discards the rest of the body, so
            # the client gets an answer instead of a broken connection.
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        uploaded = InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        self.buffer = None
        return uploaded


def upload_refused(request: HttpRequest) -> bool:
    """Whether this request's files passed the cap and the upload was stopped: its files
    (and any field after them) are missing, and the form should say so."""
    request.FILES  # noqa: B018 -- parses the body if nothing has yet
    return any(getattr(handler, "refused", False) for handler in request.upload_handlers)
