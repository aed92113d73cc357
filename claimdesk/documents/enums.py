from enum import StrEnum


class DocumentStatus(StrEnum):
    RECEIVED = "received"  # stored, not read yet
    READ = "read"
    UNREADABLE = "unreadable"


class MediaType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"
