"""Content-addressed blob stores, picked by URI scheme (as Scrapy's FilesPipeline.STORE_SCHEMES).

A blob's key is the sha256 of its bytes; storing the same bytes twice writes once.
``file://`` (or a plain path) is a local directory sharded ``ab/cd/<sha256>``.  Another
store (an S3-compatible one, say) implements :class:`BlobStore` and registers its scheme
in ``STORE_SCHEMES``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobNotFound(KeyError):
    pass


class BlobStore(Protocol):
    uri: str

    def put(self, data: bytes, *, sync: bool = True) -> str:
        """Store ``data`` (idempotent) and return its sha256; ``sync=False`` skips making it durable
        at once (the crawl's capture keeps the same bytes in a WARC file it syncs per batch)."""

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def keys(self) -> Iterator[str]: ...

    def locate(self, sha256: str) -> str:
        """Where a blob lives, for people (a path or URL)."""


class LocalBlobStore:
    """Blobs as files under a directory: ``<root>/ab/cd/abcd…``; writes are atomic renames."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.uri = self.root.resolve().as_uri()

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, *, sync: bool = True) -> str:
        digest = sha256_hex(data)
        path = self._path(digest)
        try:  # present and whole: a file cut short by a crash before it was synced is written again
            if path.stat().st_size == len(data):
                return digest
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                if sync:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def keys(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if not path.name.startswith("."):
                yield path.name

    def locate(self, sha256: str) -> str:
        return str(self._path(sha256))


STORE_SCHEMES: dict[str, type] = {"file": LocalBlobStore, "": LocalBlobStore}


def open_blob_store(uri: str) -> BlobStore:
    parsed = urlparse(uri)
    scheme = parsed.scheme if len(parsed.scheme) > 1 else ""  # "C:" is a drive, not a scheme
    cls = STORE_SCHEMES.get(scheme)
    if cls is None:
        raise ValueError(f"no blob store for scheme {scheme!r} in {uri!r} (known: file)")
    path = unquote(parsed.path) if scheme == "file" else uri
    store: BlobStore = cls(path)
    return store
