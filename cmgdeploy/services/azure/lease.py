"""A blob lease (azure-storage-blob), the Azure primitive for "one holder at a time".

:class:`BlobLease` works on one blob of one storage account, authorised with the
account's Shared Key (from ARM ``listKeys``): acquires a fixed-duration lease (creating
its container and the empty blob only when the acquire finds them missing) and writes who
holds it into the blob's metadata, renews it from a daemon thread, releases it. A lease
that is not renewed expires by itself after its duration (15–60 s), so a holder that dies frees it.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.blob import blob_service

MIN_SECONDS, MAX_SECONDS = 15, 60  # what Lease Blob allows for a fixed-duration lease


class BlobLease:
    """A lease on ``container/blob`` of the account at ``blob_endpoint``."""

    def __init__(
        self,
        blob_endpoint: str,
        account: str,
        key: str,
        container: str,
        blob: str,
        *,
        ca_bundle: str | None = None,
    ) -> None:
        service = blob_service(blob_endpoint, account, key, ca_bundle)
        self.container = service.get_container_client(container)
        self.blob = self.container.get_blob_client(blob)
        self.where = f"{container}/{blob} in storage account {account}"
        self._lease: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost: str | None = None  # why a renewal failed, if one did

    def acquire(self, seconds: int, holder: dict[str, str]) -> bool:
        """Take the lease for ``seconds`` and name ``holder`` in the blob's metadata;
        False when another holder has it. The container and the empty blob are created
        only when the acquire finds the blob missing (404): a blob this call creates
        carries the holder from the start, so no separate metadata write follows."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            got = self._acquire(seconds)
        except ResourceNotFoundError as exc:
            created = self._create(holder, getattr(exc, "error_code", None) == "BlobNotFound")
            with _storage_call(f"acquiring the lease on {self.where}"):
                got = self._acquire(seconds)
            if got and created:
                return True  # the blob was created naming this holder
        if got:
            with _storage_call(f"writing the holder of {self.where}"):
                self.blob.set_blob_metadata(holder, lease=self._lease)
        return got

    def _create(self, holder: dict[str, str], container_exists: bool) -> bool:
        """Create the container (unless the 404 said only the blob is missing) and the
        empty blob naming ``holder``; False when another run created the blob first."""
        from azure.core.exceptions import HttpResponseError, ResourceExistsError

        with _storage_call(f"preparing {self.where}"):
            try:
                if not container_exists:
                    self.container.create_container()
            except ResourceExistsError:
                pass
            try:
                self.blob.upload_blob(b"", overwrite=False, metadata=holder)
            except ResourceExistsError:
                return False  # there already
            except HttpResponseError as exc:
                if getattr(exc, "error_code", None) != "LeaseIdMissing":
                    raise
                return False  # there already, and leased: a write needs the lease id
        return True

    def _acquire(self, seconds: int) -> bool:
        """One Lease Blob acquire; False when another holder has the lease, 404 raised
        as is (the blob or its container is missing)."""
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        # A proposed lease id: an acquire retried after a lost answer finds the lease
        # held under that same id and succeeds (Lease Blob's outcomes table).
        try:
            self._lease = self.blob.acquire_lease(
                lease_duration=seconds, lease_id=str(uuid.uuid4())
            )
        except ResourceNotFoundError:
            raise
        except HttpResponseError as exc:
            if (
                getattr(exc, "error_code", None) in ("LeaseAlreadyPresent",)
                or exc.status_code == 409
            ):
                return False
            raise _storage_error(f"acquiring the lease on {self.where}", exc) from None
        return True

    def break_now(self) -> None:
        """Break the current lease at once (break period 0): its holder is known dead."""
        from azure.storage.blob import BlobLeaseClient

        with _storage_call(f"breaking the lease on {self.where}"):
            BlobLeaseClient(self.blob).break_lease(lease_break_period=0)

    def holder(self) -> dict[str, str]:
        """Who holds the lease, as the holder wrote it (empty if unknown)."""
        with _storage_call(f"reading the holder of {self.where}"):
            return dict(self.blob.get_blob_properties().metadata or {})

    def keep_renewed(self, every: float) -> None:
        """Renew the lease every ``every`` seconds from a daemon thread until released."""
        self._thread = threading.Thread(
            target=self._renew_loop, args=(every,), name="cmgdeploy-lease", daemon=True
        )
        self._thread.start()

    def _renew_loop(self, every: float) -> None:
        from azure.core.exceptions import AzureError as SdkError

        while not self._stop.wait(every):
            try:
                self._lease.renew()
            except SdkError as exc:
                self.lost = str(exc).splitlines()[0]
                return

    def release(self) -> None:
        """Stop renewing and release the lease (a lease already lost is left alone)."""
        from azure.core.exceptions import AzureError as SdkError

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._lease is not None and self.lost is None:
            try:
                self._lease.release()
            except SdkError:
                pass  # it expires by itself
        self._lease = None


@contextlib.contextmanager
def _storage_call(doing: str) -> Iterator[None]:
    """Storage SDK errors become AzureError naming what was being done."""
    from azure.core.exceptions import AzureError as SdkError

    try:
        yield
    except SdkError as exc:
        raise _storage_error(doing, exc) from None


def _storage_error(doing: str, exc: Any) -> AzureError:
    code = getattr(exc, "error_code", None) or type(exc).__name__
    message = str(getattr(exc, "message", None) or exc).splitlines()[0]
    return AzureError(f"{doing}: {message}", code=str(code))
