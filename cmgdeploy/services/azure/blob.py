"""The CMG's DSC package in its storage account, over the Blob service (azure-storage-blob).

Authorised with the account's Shared Key (from ARM ``listKeys``): the package is put as
one block blob with its Content-MD5, and skipped when the blob already holds the same
MD5. The scale set's DSC extension reads it through a read-only service SAS for that
one blob (the extension documents SAS tokens, no managed-identity download).
Retries: cmgdeploy's one retry policy (Retry-After honoured, bounded), not the Storage
SDK's own exponential policy (15 s first backoff, three tries): Storage throttles with
503 ``ServerBusy``. The run lease (``lease.py``) uses the same client.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.retry import RetryPolicy


def warm_up() -> None:
    """Import the Blob SDK ahead of its first use (while a deployment is waited for)."""
    import azure.storage.blob  # noqa: F401


@contextlib.contextmanager
def _storage_call(doing: str) -> Iterator[None]:
    """Blob service errors as AzureError with the service's code and message."""
    from azure.core.exceptions import AzureError as SdkError
    from azure.core.exceptions import HttpResponseError

    try:
        yield
    except HttpResponseError as exc:
        code = getattr(exc, "error_code", None) or f"HTTP{exc.status_code}"
        message = str(exc.message or exc).splitlines()[0]
        raise AzureError(f"{doing} failed: {message} ({code})", code=str(code)) from None
    except SdkError as exc:
        raise AzureError(f"{doing} failed: {exc}", code="StorageRequestFailed") from None


def blob_service(endpoint: str, account: str, key: str, ca_bundle: str | None) -> Any:
    """A Blob service client authorised with the account's Shared Key, retrying by
    cmgdeploy's policy (see the module)."""
    from azure.storage.blob import BlobServiceClient

    kwargs: dict[str, Any] = {"retry_policy": _StorageRetry()}
    if ca_bundle:
        kwargs["connection_verify"] = ca_bundle
    return BlobServiceClient(
        endpoint, credential={"account_name": account, "account_key": key}, **kwargs
    )


def _container(endpoint: str, account: str, key: str, container: str, ca_bundle: str | None) -> Any:
    return blob_service(endpoint, account, key, ca_bundle).get_container_client(container)


def upload_if_changed(
    endpoint: str,
    account: str,
    key: str,
    container: str,
    blob: str,
    data: bytes,
    content_md5: bytes,
    *,
    ca_bundle: str | None = None,
    new_account: bool = False,
) -> bool:
    """Put ``data`` at ``container/blob`` unless the blob already has ``content_md5``
    (True when it uploaded). The container is created when missing. In an account this
    run just deployed (``new_account``: the storage stage made the container too) there
    is nothing to read first: the blob is put at once (the container is still created if
    the put finds it missing)."""
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
    from azure.storage.blob import ContentSettings

    where = f"{container}/{blob} in storage account {account}"
    client = _container(endpoint, account, key, container, ca_bundle)
    blob_client = client.get_blob_client(blob)
    if not new_account:
        with _storage_call(f"reading {where}"):
            try:
                held = blob_client.get_blob_properties().content_settings.content_md5
                if held is not None and bytes(held) == content_md5:
                    return False
            except ResourceNotFoundError:
                pass
    settings = ContentSettings(content_type="application/zip", content_md5=bytearray(content_md5))
    with _storage_call(f"uploading {where}"):
        try:
            blob_client.upload_blob(data, overwrite=True, content_settings=settings)
        except ResourceNotFoundError:  # ContainerNotFound: made here, then the put again
            with contextlib.suppress(ResourceExistsError):
                client.create_container()
            blob_client.upload_blob(data, overwrite=True, content_settings=settings)
    return True


def read_sas(account: str, key: str, container: str, blob: str, expiry: dt.datetime) -> str:
    """A read-only service SAS for ``container/blob``, HTTPS only, valid until ``expiry``."""
    from azure.storage.blob import BlobSasPermissions, generate_blob_sas

    return str(
        generate_blob_sas(
            account,
            container,
            blob,
            account_key=key,
            permission=BlobSasPermissions(read=True),
            expiry=expiry,
            protocol="https",
        )
    )


class _StorageRetry(RetryPolicy):
    """cmgdeploy's retry policy in a Storage pipeline: the Storage SDK hands the policy it
    replaces its location options (``hosts``, ``location_mode``; ``StorageRetryPolicy.
    configure_retries`` consumes them), which must not reach the transport."""

    def send(self, request: Any) -> Any:
        for option in ("hosts", "location_mode"):
            request.context.options.pop(option, None)
        return super().send(request)
