"""Microsoft Graph v1.0 for the CMG's two Entra app registrations.

One azure-core pipeline (bearer token for ``<graph>/.default`` from the environment's
authority, our retry policy honouring Retry-After, one connection pool); azure-core is
imported when a client is built. Only the calls cmgdeploy needs: applications (find by
displayName, create, update, addPassword) and service principals (find by appId,
create). Graph's errors (``{"error": {"code", "message"}}``) become the project's own:
401/403 → :class:`AuthError`, others → :class:`AzureError`, Graph's code and words kept.
A created secret is returned to the caller once and registered for redaction.
"""

from __future__ import annotations

from typing import Any

from cmgdeploy.domain.errors import AuthError, AzureError
from cmgdeploy.domain.redact import register_secret
from cmgdeploy.services.azure.envtypes import EnvironmentLike, transport_kwargs
from cmgdeploy.services.azure.retry import RetryPolicy, RetrySettings


def graph_scope(audience: str) -> str:
    """The OAuth scope for Microsoft Graph (``<graph endpoint>/.default``)."""
    return audience.rstrip("/") + "/.default"


def _quoted(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


class GraphClient:
    """Graph v1.0 at ``graph_url`` with ``credential`` (an azure-identity credential),
    tokens for ``audience`` (the cloud's Graph endpoint)."""

    def __init__(
        self,
        env: EnvironmentLike,
        credential: Any,
        graph_url: str,
        audience: str,
        settings: RetrySettings | None = None,
    ) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline import policies

        self.base = graph_url.rstrip("/") + "/v1.0"
        pipeline = [
            policies.RequestIdPolicy(),
            policies.HeadersPolicy(),
            policies.UserAgentPolicy(sdk_moniker="cmgdeploy"),
            policies.ProxyPolicy(),
            policies.ContentDecodePolicy(),
            RetryPolicy(settings or RetrySettings()),
            policies.BearerTokenCredentialPolicy(credential, graph_scope(audience)),
            policies.HttpLoggingPolicy(),
        ]
        self._client = PipelineClient(
            base_url=self.base, policies=pipeline, **transport_kwargs(env)
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- applications ------------------------------------------------------------------
    def find_application(self, display_name: str) -> dict[str, Any] | None:
        """The one application called ``display_name`` (None when there is none; more
        than one is refused: which to reuse would be a guess)."""
        found = (
            self._call(
                "GET",
                "/applications",
                params={"$filter": f"displayName eq {_quoted(display_name)}"},
            ).get("value")
            or []
        )
        if len(found) > 1:
            raise AzureError(
                f"{len(found)} app registrations are called {display_name!r} in the tenant; "
                "cmgdeploy reuses only a unique one",
                code="AmbiguousApplication",
                target=display_name,
                hint="give another name (--server-app-name / --client-app-name)",
            )
        return dict(found[0]) if found else None

    def create_application(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /applications; the new application."""
        return self._call("POST", "/applications", body)

    def update_application(self, object_id: str, body: dict[str, Any]) -> None:
        """PATCH /applications/{id} (204)."""
        self._call("PATCH", f"/applications/{object_id}", body)

    def add_password(self, object_id: str, display_name: str, end: str) -> dict[str, Any]:
        """addPassword: the new passwordCredential, ``secretText`` included (only here)."""
        credential = self._call(
            "POST",
            f"/applications/{object_id}/addPassword",
            {"passwordCredential": {"displayName": display_name, "endDateTime": end}},
        )
        register_secret(str(credential.get("secretText") or ""))
        return credential

    # -- service principals ------------------------------------------------------------
    def find_service_principal(self, app_id: str) -> dict[str, Any] | None:
        found = (
            self._call(
                "GET", "/servicePrincipals", params={"$filter": f"appId eq {_quoted(app_id)}"}
            ).get("value")
            or []
        )
        return dict(found[0]) if found else None

    def create_service_principal(self, app_id: str) -> dict[str, Any]:
        return self._call("POST", "/servicePrincipals", {"appId": app_id})

    # -- plumbing ------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError
        from azure.core.rest import HttpRequest

        request = HttpRequest(method, self.base + path, params=params, json=body)
        try:
            response = self._client.send_request(request)
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise AzureError(
                f"cannot reach Microsoft Graph at {self.base}: {exc}",
                code="ConnectionFailed",
                target=path,
            ) from None
        if response.status_code >= 400:
            raise _graph_error(response, f"{method} {path}")
        if response.status_code == 204 or not response.content:
            return {}
        return dict(response.json())


def _graph_error(response: Any, doing: str) -> AzureError | AuthError:
    try:
        error = (response.json() or {}).get("error") or {}
    except ValueError:
        error = {}
    code = str(error.get("code") or f"HTTP{response.status_code}")
    message = str(error.get("message") or f"Microsoft Graph answered {response.status_code}")
    text = f"Microsoft Graph refused {doing}: {message}"
    if response.status_code in (401, 403):
        return AuthError(
            text,
            code=code,
            hint="the signed-in principal needs Application.ReadWrite.All (or an admin "
            "creates the apps and you import them)",
        )
    return AzureError(text, code=code, target=doing)
