"""A small client for classic Azure Service Management (the only Python SDK is retired).

Speaks XML over HTTPS with the subscription's management certificate as the TLS
client certificate (azure-wire-protocols.md section 6). TLS verification is always on:
``ca_bundle`` names the CA file to trust (the local Azure's ``ca.pem``), else the
system store. Errors keep Service Management's code and message: 401/403 and TLS
handshake failures raise :class:`AuthError`, anything else :class:`AzureError`.

One HTTP call is retried a bounded number of times on 429/500/503 and connection
resets; asynchronous operations (202 + ``x-ms-request-id``) are followed by polling
``GET /{subscription}/operations/{id}`` at a short, bounded interval until a deadline.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import ssl
import tempfile
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from requests.adapters import HTTPAdapter

from cmgdeploy.domain.errors import AuthError, AzureError, InputError, WaitTimeout
from cmgdeploy.services.azure.retry import parse_retry_after, record_retry

NS = "{http://schemas.microsoft.com/windowsazure}"
API_VERSION = "2014-10-01"
TIMEOUT = (10.0, 60.0)  # connect, read (seconds)
TRANSIENT_STATUS = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 6  # one call; 429/5xx/resets are retried, honouring Retry-After
PASSWORD_FIELD = "management_cert_password"  # CMGDEPLOY_MANAGEMENT_CERT_PASSWORD
CERT_FIELD = "management_cert"


# -- the management certificate ------------------------------------------------------------
class ManagementCertificate:
    """A management certificate with its private key, as a PEM file TLS can load.

    A PFX (or an encrypted PEM key) is converted to a PEM in a private temporary
    directory (mode 0700, file 0600) whose key is *encrypted* under a random password
    that lives only in this object's memory: a run killed by SIGKILL (no cleanup) leaves
    nothing usable on disk. :meth:`close` deletes the directory (also at garbage
    collection / interpreter exit). The user's password is never kept or shown.
    """

    def __init__(
        self,
        pem_path: Path,
        cert: x509.Certificate,
        temp_dir: Path | None,
        key_password: bytes | None = None,
    ) -> None:
        self.pem_path = pem_path
        self.key_password = key_password  # the per-run password of a converted PEM
        self.thumbprint = cert.fingerprint(hashes.SHA1()).hex().upper()
        self.subject = cert.subject.rfc4514_string()
        self.not_after = cert.not_valid_after_utc
        self._temp_dir = temp_dir
        self._cleanup = weakref.finalize(self, shutil.rmtree, temp_dir, True) if temp_dir else None

    @classmethod
    def load(cls, path: str | Path, password: str | None = None) -> ManagementCertificate:
        """Load a PEM (certificate + private key) or PFX file; InputError if unusable."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(CERT_FIELD, str(path), f"cannot read it ({exc.strerror})") from None
        if b"-----BEGIN" in data:
            return cls._from_pem(path, data, password)
        return cls._from_pfx(path, data, password)

    @classmethod
    def _from_pem(cls, path: Path, data: bytes, password: str | None) -> ManagementCertificate:
        try:
            cert = x509.load_pem_x509_certificate(data)
        except ValueError:
            raise InputError(CERT_FIELD, str(path), _WANTED) from None
        if b"PRIVATE KEY-----" not in data:
            raise InputError(CERT_FIELD, str(path), _WANTED)
        if b"ENCRYPTED" not in data:
            return cls(path, cert, None)
        key = _load_pem_key(path, data, password)
        return cls._materialise(key, cert, [])

    @classmethod
    def _from_pfx(cls, path: Path, data: bytes, password: str | None) -> ManagementCertificate:
        secret = password.encode() if password else None
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except ValueError:
            raise _bad_password(path) from None
        if key is None or cert is None:
            raise InputError(CERT_FIELD, str(path), _WANTED)
        return cls._materialise(key, cert, list(extra))

    @classmethod
    def _materialise(
        cls, key: PrivateKeyTypes, cert: x509.Certificate, extra: list[x509.Certificate]
    ) -> ManagementCertificate:
        temp_dir = Path(tempfile.mkdtemp(prefix="cmgdeploy-mgmt-"))
        pem = temp_dir / "management.pem"
        run_password = secrets.token_urlsafe(32).encode()
        body = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(run_password),
        )
        for c in (cert, *extra):
            body += c.public_bytes(serialization.Encoding.PEM)
        fd = os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        return cls(pem, cert, temp_dir, run_password)

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client TLS context presenting this certificate (the key is
        decrypted in memory only; requests' ``cert=`` cannot take a password). It trusts
        the system store; requests adds the client's ``verify`` CA bundle to it."""
        context = ssl.create_default_context()
        context.load_cert_chain(str(self.pem_path), password=self.key_password)
        return context

    def close(self) -> None:
        """Delete the converted PEM, if one was made."""
        if self._cleanup is not None:
            self._cleanup()

    def __enter__(self) -> ManagementCertificate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ManagementCertificate(subject={self.subject!r}, thumbprint={self.thumbprint})"


_WANTED = "give a PEM file with the certificate and its private key, or a PFX file"


def _bad_password(path: Path) -> InputError:
    return InputError(
        PASSWORD_FIELD,
        "(hidden)",
        f"it does not open {path} (set CMGDEPLOY_MANAGEMENT_CERT_PASSWORD to the PFX password)",
    )


def _load_pem_key(path: Path, data: bytes, password: str | None) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(data, password.encode() if password else None)
    except (ValueError, TypeError):
        raise _bad_password(path) from None


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClassicRoleInstance:
    role_name: str
    instance_name: str
    instance_status: str  # ReadyRole, BusyRole, StoppedVM, ...
    instance_size: str
    power_state: str
    ip_address: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ClassicDeployment:
    name: str
    slot: str
    status: str  # Running, Suspended, Deleting, ...
    url: str
    private_id: str
    created_time: str
    role_instances: tuple[ClassicRoleInstance, ...] = ()

    @property
    def instance_count(self) -> int:
        return len(self.role_instances)

    @property
    def all_ready(self) -> bool:
        """Running with every role instance ReadyRole (what "Ready" means for a CMG)."""
        return (
            self.status == "Running"
            and bool(self.role_instances)
            and all(i.instance_status == "ReadyRole" for i in self.role_instances)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "slot": self.slot,
            "status": self.status,
            "url": self.url,
            "private_id": self.private_id,
            "created_time": self.created_time,
            "instance_count": self.instance_count,
            "role_instances": [i.to_dict() for i in self.role_instances],
        }


@dataclass(frozen=True)
class ClassicService:
    name: str
    location: str  # Service Management's display name, e.g. "West Europe"
    status: str  # Created, Deleting, ...
    description: str
    date_created: str
    extended_properties: dict[str, str] = field(default_factory=dict)
    deployment: ClassicDeployment | None = None  # production; None when not read/absent

    @property
    def region(self) -> str:
        """ARM region name ("westeurope") of the display name."""
        return self.location.replace(" ", "").lower()

    @property
    def fqdn(self) -> str:
        return f"{self.name}.cloudapp.net"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fqdn": self.fqdn,
            "location": self.location,
            "region": self.region,
            "status": self.status,
            "description": self.description,
            "date_created": self.date_created,
            "extended_properties": dict(self.extended_properties),
            "deployment": self.deployment.to_dict() if self.deployment else None,
        }


@dataclass(frozen=True)
class ClassicStorageAccount:
    """A classic storage account (Get Storage Account Properties)."""

    name: str
    location: str
    status: str  # Created, Creating, ResolvingDns, Deleting, ...
    endpoints: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "endpoints": list(self.endpoints)}


# -- the client ------------------------------------------------------------------------------
class ClassicClient:
    """Service Management for one subscription, authenticated by a management certificate."""

    def __init__(
        self,
        endpoint: str,
        subscription_id: str,
        cert: ManagementCertificate,
        ca_bundle: str | None,
        *,
        poll_interval: float = 2.0,
        timeout: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = f"{endpoint.rstrip('/')}/{subscription_id}"
        self.subscription_id = subscription_id
        self.cert = cert
        # TLS verification always on: the given CA bundle, else the system store.
        self.verify: str | bool = ca_bundle or True
        self.poll_interval = max(0.01, min(poll_interval, 30.0))
        self.timeout = timeout
        self._sleep = sleep
        self._session = requests.Session()
        self._session.mount("https://", _ClientCertAdapter(cert.ssl_context()))

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> ClassicClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # public operations
    def list_hosted_services(self) -> list[ClassicService]:
        root = self._get_xml("/services/hostedservices")
        return [_parse_service(el) for el in root.findall(f"{NS}HostedService")]

    def get_hosted_service(self, name: str) -> ClassicService:
        """The hosted service with its production deployment (if any)."""
        path = f"/services/hostedservices/{name}"
        try:
            return _parse_service(self._get_xml(path, {"embed-detail": "true"}))
        except AzureError as err:
            if err.code != "ResourceNotFound":
                raise
            raise AzureError(
                f"classic service {name!r} not found in subscription {self.subscription_id}: "
                f"{err.message}",
                code=err.code,
                target=name,
                hint="`cmgdeploy classic list` shows the hosted services this certificate sees",
            ) from None

    def delete_deployment(self, service: str, deployment: str) -> None:
        """Delete a deployment and wait until Service Management reports it done.

        If the deployment is already being deleted (an earlier run was interrupted),
        SM answers 409 ConflictError; then this waits for that deletion instead.
        """
        path = f"/services/hostedservices/{service}/deployments/{deployment}"
        try:
            self._delete_and_wait(path)
        except AzureError as err:
            if err.code != "ConflictError" or self._deployment_status(service, deployment) != (
                "Deleting"
            ):
                raise
            self._wait_until_gone(lambda: self._deployment_status(service, deployment), path)

    def delete_hosted_service(self, name: str) -> None:
        """Delete a hosted service (which must have no deployment) and wait for it."""
        path = f"/services/hostedservices/{name}"
        try:
            self._delete_and_wait(path)
        except AzureError as err:
            if err.code != "ConflictError" or self._service_status(name) != "Deleting":
                raise
            self._wait_until_gone(lambda: self._service_status(name), path)

    def get_storage_account(self, name: str) -> ClassicStorageAccount | None:
        """Get Storage Account Properties; None when the account does not exist."""
        try:
            root = self._get_xml(f"/services/storageservices/{name}")
        except AzureError as err:
            if err.code == "ResourceNotFound":
                return None
            raise
        props = root.find(f"{NS}StorageServiceProperties")
        props = props if props is not None else ET.Element("none")
        return ClassicStorageAccount(
            name=_text(root, "ServiceName"),
            location=_text(props, "Location"),
            status=_text(props, "Status"),
            endpoints=tuple(e.text or "" for e in props.iterfind(f"{NS}Endpoints/{NS}Endpoint")),
        )

    def delete_storage_account(self, name: str) -> None:
        """Delete Storage Account (200 when done; a 202 is followed to completion)."""
        self._delete_and_wait(f"/services/storageservices/{name}")

    def get_operation(self, request_id: str) -> dict[str, str]:
        """``{"id", "status", "http_status_code", "error_code"?, "error_message"?}``."""
        root = self._get_xml(f"/operations/{request_id}")
        op = {
            "id": _text(root, "ID"),
            "status": _text(root, "Status"),
            "http_status_code": _text(root, "HttpStatusCode"),
        }
        error = root.find(f"{NS}Error")
        if error is not None:
            op["error_code"] = _text(error, "Code")
            op["error_message"] = _text(error, "Message")
        return op

    # plumbing
    def _deployment_status(self, service: str, deployment: str) -> str | None:
        """Status of a deployment, None once it (or its service) no longer exists."""
        try:
            found = self.get_hosted_service(service).deployment
        except AzureError as err:
            if err.code == "ResourceNotFound":
                return None
            raise
        return found.status if found and found.name.lower() == deployment.lower() else None

    def _service_status(self, name: str) -> str | None:
        try:
            return self.get_hosted_service(name).status
        except AzureError as err:
            if err.code == "ResourceNotFound":
                return None
            raise

    def _wait_until_gone(self, status: Callable[[], str | None], path: str) -> None:
        deadline = time.monotonic() + self.timeout
        while status() is not None:
            self._pause(deadline, f"the deletion of {path}")

    def _pause(self, deadline: float, what: str) -> None:
        """Sleep one poll interval, or raise WaitTimeout once the deadline has passed."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(
                f"Gave up waiting for {what} after {self.timeout:g} s; it continues in Azure."
            )
        self._sleep(min(self.poll_interval, remaining))

    def _delete_and_wait(self, path: str) -> None:
        response = self._call("DELETE", path)
        request_id = response.headers.get("x-ms-request-id", "")
        if response.status_code == 202 and request_id:
            self._wait(request_id, path)

    def _wait(self, request_id: str, path: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            op = self.get_operation(request_id)
            if op["status"] == "Succeeded":
                return
            if op["status"] == "Failed":
                raise AzureError(
                    op.get("error_message", "The operation failed."),
                    code=op.get("error_code", "OperationFailed"),
                    target=path,
                )
            self._pause(deadline, f"Service Management operation {request_id} on {path}")

    def _get_xml(self, path: str, params: dict[str, str] | None = None) -> ET.Element:
        response = self._call("GET", path, params)
        try:
            return ET.fromstring(response.content)
        except ET.ParseError:
            raise AzureError(
                f"Service Management sent a response that is not XML for {path}.",
                code="InvalidResponse",
                target=path,
            ) from None

    def _call(
        self, method: str, path: str, params: dict[str, str] | None = None
    ) -> requests.Response:
        """One HTTP call with bounded retries of transient failures."""
        for attempt in range(MAX_ATTEMPTS):
            last = attempt == MAX_ATTEMPTS - 1
            try:
                response = self._send(method, path, params)
            except requests.exceptions.SSLError as exc:
                raise _tls_error(exc) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise AzureError(
                        f"Cannot reach Service Management at {self.base}: {exc}",
                        code="ConnectionFailed",
                        target=path,
                    ) from None
                self._retry(attempt, method, path, "reset", None)
                continue
            if response.status_code in TRANSIENT_STATUS and not last:
                retry_after = response.headers.get("Retry-After")
                self._retry(attempt, method, path, str(response.status_code), retry_after)
                continue
            if response.status_code >= 400:
                raise _error_from(response, path)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry(
        self, attempt: int, method: str, path: str, cause: str, retry_after: str | None
    ) -> None:
        wait = _backoff(attempt, retry_after)
        record_retry(attempt + 1, method, path, cause, wait)
        self._sleep(wait)

    def _send(self, method: str, path: str, params: dict[str, str] | None) -> requests.Response:
        return self._session.request(
            method,
            self.base + path,
            params=params,
            headers={"x-ms-version": API_VERSION, "Accept": "application/xml"},
            verify=self.verify,
            timeout=TIMEOUT,
        )


class _ClientCertAdapter(HTTPAdapter):
    """HTTPS with our SSLContext (client certificate loaded with its password); requests
    still verifies the server (CERT_REQUIRED, hostname) and loads ``verify``'s CA file."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(*args, **kwargs)


def _backoff(attempt: int, retry_after: str | None) -> float:
    """Seconds before retry ``attempt``: the server's Retry-After (seconds or HTTP date,
    honoured), else a growing, jittered interval."""
    honoured = parse_retry_after(retry_after)
    if honoured is not None:
        return honoured
    ceiling = min(0.2 * 2**attempt, 5.0)
    return random.uniform(ceiling / 2, ceiling)


def _tls_error(exc: Exception) -> AuthError:
    return AuthError(
        f"The TLS handshake with Service Management failed: {exc}. Check that the "
        "management certificate is valid and that the server's CA is trusted.",
        code="TlsHandshakeFailed",
    )


def _error_from(response: requests.Response, path: str) -> AzureError | AuthError:
    code, message = _parse_error(response)
    if response.status_code in (401, 403):
        return AuthError(message, code=code, target=path)
    return AzureError(message, code=code, target=path)


def _parse_error(response: requests.Response) -> tuple[str, str]:
    fallback = f"HTTP{response.status_code}", f"Service Management answered {response.status_code}."
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError:
        return fallback
    code, message = _text(root, "Code"), _text(root, "Message")
    return (code or fallback[0], message or fallback[1])


# -- XML parsing -----------------------------------------------------------------------------
def _text(el: ET.Element, tag: str) -> str:
    found = el.find(f"{NS}{tag}")
    return (found.text or "") if found is not None else ""


def _parse_service(el: ET.Element) -> ClassicService:
    props = el.find(f"{NS}HostedServiceProperties")
    props = props if props is not None else ET.Element("none")
    deployments = [_parse_deployment(d) for d in el.iterfind(f"{NS}Deployments/{NS}Deployment")]
    production = next((d for d in deployments if d.slot.lower() == "production"), None)
    return ClassicService(
        name=_text(el, "ServiceName"),
        location=_text(props, "Location"),
        status=_text(props, "Status"),
        description=_text(props, "Description"),
        date_created=_text(props, "DateCreated"),
        extended_properties=_parse_extended(props),
        deployment=production,
    )


def _parse_extended(props: ET.Element) -> dict[str, str]:
    out = {}
    for prop in props.iterfind(f"{NS}ExtendedProperties/{NS}ExtendedProperty"):
        out[_text(prop, "Name")] = _text(prop, "Value")
    return out


def _parse_deployment(el: ET.Element) -> ClassicDeployment:
    return ClassicDeployment(
        name=_text(el, "Name"),
        slot=_text(el, "DeploymentSlot"),
        status=_text(el, "Status"),
        url=_text(el, "Url"),
        private_id=_text(el, "PrivateID"),
        created_time=_text(el, "CreatedTime"),
        role_instances=tuple(
            _parse_instance(i) for i in el.iterfind(f"{NS}RoleInstanceList/{NS}RoleInstance")
        ),
    )


def _parse_instance(el: ET.Element) -> ClassicRoleInstance:
    return ClassicRoleInstance(
        role_name=_text(el, "RoleName"),
        instance_name=_text(el, "InstanceName"),
        instance_status=_text(el, "InstanceStatus"),
        instance_size=_text(el, "InstanceSize"),
        power_state=_text(el, "PowerState"),
        ip_address=_text(el, "IpAddress"),
    )
