"""The DSC package's blob over the Blob REST API with service SAS tokens from ARM.

No account key and no azure-storage-blob: ARM's ``ListServiceSas`` action
(:meth:`.arm.ArmSession.service_sas`) signs a SAS for the one blob, and two Blob
operations go over a bare azure-core pipeline (cmgdeploy's retry policy, the
environment's CA bundle, no token policy: the SAS is the authorization):

- "Get Blob Properties" (``HEAD``; read SAS) gives the blob's ``Content-MD5``, so a later
  run skips putting the same package again;
- "Put Blob" (``PUT``, ``x-ms-blob-type: BlockBlob``; write SAS) puts the whole package
  in one request, with its ``Content-MD5`` (checked by the service on arrival and kept as
  the blob's property) and ``x-ms-blob-content-type``.

Blob errors come back as :class:`~cmgdeploy.domain.errors.AzureError` with the service's
``x-ms-error-code`` (``ContainerNotFound``, ``AuthorizationPermissionMismatch``, …).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.retry import RetryPolicy, RetrySettings

# The Blob service REST version these requests are written to (x-ms-version).
BLOB_VERSION = "2023-11-03"
CONTENT_TYPE = "application/zip"


def blob_url(endpoint: str, container: str, blob: str) -> str:
    """The blob's URL under the account's blob endpoint (``primaryEndpoints.blob``)."""
    return f"{endpoint.rstrip('/')}/{quote(container)}/{quote(blob)}"


def sas_parameters(
    account: str, container: str, blob: str, permission: str, expiry: str
) -> dict[str, str]:
    """``ServiceSasParameters`` of ``ListServiceSas`` for a blob SAS, HTTPS only:
    ``permission`` letters (``r``, ``w``, …), ``expiry`` in ISO 8601 (UTC)."""
    return {
        "canonicalizedResource": f"/blob/{account}/{container}/{blob}",
        "signedResource": "b",
        "signedPermission": permission,
        "signedProtocol": "https",
        "signedExpiry": expiry,
    }


@contextlib.contextmanager
def _client(url: str, ca_bundle: str | None) -> Iterator[Any]:
    from azure.core import PipelineClient
    from azure.core.pipeline import policies

    pipeline_policies = [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy({"x-ms-version": BLOB_VERSION}),
        policies.UserAgentPolicy(sdk_moniker="cmgdeploy"),
        policies.ProxyPolicy(),
        RetryPolicy(RetrySettings()),  # 503 ServerBusy waited by its Retry-After
        policies.CustomHookPolicy(),
        policies.NetworkTraceLoggingPolicy(),
        policies.HttpLoggingPolicy(),  # query values other than api-version are redacted
    ]
    kwargs: dict[str, Any] = {"connection_verify": ca_bundle} if ca_bundle else {}
    with PipelineClient(base_url=url, policies=pipeline_policies, **kwargs) as client:
        yield client


def _send(url: str, sas: str, method: str, doing: str, ca_bundle: str | None, **kwargs: Any) -> Any:
    from azure.core.exceptions import AzureError as SdkError
    from azure.core.rest import HttpRequest

    with _client(url, ca_bundle) as client:
        request = HttpRequest(method, f"{url}?{sas.lstrip('?')}", **kwargs)
        try:
            response = client.send_request(request)
            response.read()
        except SdkError as exc:
            raise AzureError(f"{doing} failed: {exc}", code="StorageRequestFailed") from None
    return response


def _failed(response: Any, doing: str) -> AzureError:
    code = response.headers.get("x-ms-error-code") or f"HTTP{response.status_code}"
    message = response.reason or ""
    with contextlib.suppress(Exception):
        import xml.etree.ElementTree as ET

        message = ET.fromstring(response.content).findtext("Message") or message
    message = message.splitlines()[0] if message else ""
    return AzureError(f"{doing} failed: {message} ({code})", code=str(code))


def held_md5(url: str, read_sas: str, doing: str, *, ca_bundle: str | None = None) -> bytes | None:
    """The blob's ``Content-MD5`` ("Get Blob Properties"); None when the blob (or its
    container) is not there or has no MD5."""
    response = _send(url, read_sas, "HEAD", doing, ca_bundle)
    if response.status_code == 404:
        return None
    if response.status_code >= 400:
        raise _failed(response, doing)
    md5 = response.headers.get("Content-MD5")
    return base64.b64decode(md5) if md5 else None


def put_block_blob(
    url: str, write_sas: str, data: bytes, content_md5: bytes, doing: str, *,
    ca_bundle: str | None = None,
) -> None:  # fmt: skip
    """Put ``data`` as the block blob at ``url`` ("Put Blob"), replacing what is there."""
    headers = {
        "x-ms-blob-type": "BlockBlob",
        "Content-MD5": base64.b64encode(content_md5).decode(),
        "x-ms-blob-content-type": CONTENT_TYPE,
        "Content-Type": CONTENT_TYPE,
    }
    response = _send(url, write_sas, "PUT", doing, ca_bundle, headers=headers, content=data)
    if response.status_code >= 400:
        raise _failed(response, doing)
