"""``cmgdeploy site apps``: the CMG's two Entra app registrations, created or reused.

What each app is given follows "Manually register Azure AD apps for the CMG"
(memdocs ``configmgr/core/clients/manage/cmg/manually-register-azure-ad-apps.md``):

* **server (web) app**: single-tenant, an Application ID URI (``--app-id-uri``, default
  ``api://<tenant ID>/ConfigMgrService``, unique in the tenant), the scope
  ``user_impersonation`` (admins and users), ID tokens from the implicit flow, a client
  secret of 12 months (the shorter of the page's two choices), its service principal;
* **client (native) app**: single-tenant, public client flows allowed, the redirect URI
  ``ms-appx-web://Microsoft.AAD.BrokerPlugin/<its client id>``, the server app's
  ``user_impersonation`` permission, ID tokens from the implicit flow, its service
  principal.

The page's example URI ``https://ConfigMgrService`` names no tenant: the identifier URI
policy Microsoft turns on in tenants by default (Entra's "Restrictions on identifier URIs
of Microsoft Entra applications") refuses a new URI unless it holds the tenant ID, the app
ID or a verified domain. So the default holds the tenant ID, and a URI given with
``--app-id-uri`` must have one of the page's secure forms before anything is created
(:func:`app_id_uri_problem`); whether a domain is verified only Graph knows.

An app with the same display name is reused as it is (never changed or deleted: it may
not be cmgdeploy's); a new secret is added only when the one the site database knows
is gone or expires within 30 days. The secret is written once to a 0600 file for the
ConfigMgr admin (the runbook asks for it); the site database keeps only its key id and
end time, and the server app's Application ID URI (``identifierUris[0]``) for the import.
Directory.Read.All and admin consent (for Azure AD user discovery, which the CMG does not
need) are left to an administrator.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cmgdeploy.domain.errors import InputError, UsageError
from cmgdeploy.domain.site_records import EntraApp
from cmgdeploy.services.context import OpContext

if TYPE_CHECKING:
    from cmgdeploy.services.azure.graph import GraphClient

DEFAULT_APP_ID_URI = "api://{tenant_id}/ConfigMgrService"
APP_ID_URI_FORMS = (
    "api://<tenant ID>/<name>, api://<verified domain>/<name>, "
    "https://<verified domain>/<name> or https://<name>.<verified domain>[/<name>]"
)
PUBLIC_GRAPH = "https://graph.microsoft.com"
SCOPE = "user_impersonation"
SECRET_MONTHS = 12
RENEW_DAYS = 30
BROKER_REDIRECT = "ms-appx-web://Microsoft.AAD.BrokerPlugin/{app_id}"


@dataclass(frozen=True)
class AppsRequest:
    """The names the two apps get (or are found by), and the server app's ID URI (None:
    ``api://<tenant ID>/ConfigMgrService``)."""

    server_name: str
    client_name: str
    app_id_uri: str | None = None
    tenant_name: str | None = None


@dataclass(frozen=True)
class AppsResult:
    """The two apps as recorded, what this run created, and where a new secret is."""

    server: EntraApp
    client: EntraApp
    created: tuple[str, ...] = ()
    secret_file: str | None = None
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server.to_dict(),
            "client": self.client.to_dict(),
            "created": list(self.created),
            "secret_file": self.secret_file,
            "summary": self.summary,
        }


def ensure_cmg_apps(ctx: OpContext, req: AppsRequest) -> AppsResult:
    """Create or reuse both apps through Graph and record them in the site database."""
    graph_url = getattr(ctx.env, "graph", None)
    # The local Azure issues Graph tokens for the public cloud's Graph audience.
    audience = getattr(ctx.env, "graph_audience", None) or PUBLIC_GRAPH
    if not graph_url:
        raise UsageError(
            f"the environment {ctx.env.name} has no Microsoft Graph endpoint",
            hint="add one with `cmgdeploy environments add ... --graph URL`",
        )
    from cmgdeploy.services.azure.auth import make_credential, who_am_i
    from cmgdeploy.services.azure.graph import GraphClient

    credential = make_credential(ctx.env, ctx.auth)
    tenant = who_am_i(credential, ctx.env).tenant_id
    uri = req.app_id_uri or DEFAULT_APP_ID_URI.format(tenant_id=tenant)
    problem = app_id_uri_problem(uri, tenant)
    if problem:
        raise InputError("--app-id-uri", uri, f"{problem}; use {APP_ID_URI_FORMS}")
    req = replace(req, app_id_uri=uri)
    with GraphClient(ctx.env, credential, graph_url, audience) as client:
        return _Registrar(ctx, client, req, tenant).run()


class _Registrar:
    def __init__(self, ctx: OpContext, graph: GraphClient, req: AppsRequest, tenant: str) -> None:
        self.ctx, self.graph, self.req, self.tenant = ctx, graph, req, tenant
        self.created: list[str] = []
        self.secret_file: str | None = None

    def run(self) -> AppsResult:
        server = self._server_app()
        self._service_principal(server)
        key_id, end = self._secret(server)
        client = self._client_app(server)
        self._service_principal(client)
        records = (
            self._record("server", server, key_id, end),
            self._record("client", client, None, None),
        )
        done = ", ".join(self.created) if self.created else "nothing new: both apps reused"
        return AppsResult(*records, tuple(self.created), self.secret_file, f"created {done}")

    # -- the server (web) app ------------------------------------------------------------
    def _server_app(self) -> dict[str, Any]:
        name = self.req.server_name
        found = self.graph.find_application(name)
        if found is not None:
            self.ctx.progress(f"reusing the server app {name} ({found.get('appId')})")
            return dict(found)
        self.ctx.progress(f"creating the server app {name}")
        app = self.graph.create_application(
            {
                "displayName": name,
                "signInAudience": "AzureADMyOrg",
                "identifierUris": [self.req.app_id_uri],
                "api": {"oauth2PermissionScopes": [_scope(name)]},
                "web": {"implicitGrantSettings": {"enableIdTokenIssuance": True}},
            }
        )
        self.created.append(f"server app {name}")
        return dict(app)

    def _secret(self, server: dict[str, Any]) -> tuple[str | None, str | None]:
        """Keep the recorded secret while Graph still has it and it has time left; else
        add one (12 months) and write it to the 0600 file."""
        known = self._known("server", str(server.get("appId")))
        live = {str(c.get("keyId")): c for c in server.get("passwordCredentials") or []}
        if known and known.credential_key_id in live and not _expiring(known.credential_end):
            return known.credential_key_id, known.credential_end
        end = (_now() + dt.timedelta(days=30 * SECRET_MONTHS + 5)).isoformat(timespec="seconds")
        added = self.graph.add_password(str(server["id"]), "ConfigMgr CMG (cmgdeploy)", end)
        self.secret_file = self._write_secret(str(server["displayName"]), str(added["secretText"]))
        self.created.append(f"a client secret of the server app (until {added.get('endDateTime')})")
        return str(added.get("keyId")), str(added.get("endDateTime") or end)

    def _write_secret(self, app_name: str, secret: str) -> str:
        from cmgdeploy.services.paths import ensure_private_dir, write_private_file

        folder = self.ctx.home / "secrets"
        ensure_private_dir(folder)
        path = write_private_file(folder / f"{app_name}.secret", (secret + "\n").encode())
        return str(path)

    # -- the client (native) app ---------------------------------------------------------
    def _client_app(self, server: dict[str, Any]) -> dict[str, Any]:
        name = self.req.client_name
        found = self.graph.find_application(name)
        if found is not None:
            self.ctx.progress(f"reusing the client app {name} ({found.get('appId')})")
            return dict(found)
        self.ctx.progress(f"creating the client app {name}")
        body: dict[str, Any] = {
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            "isFallbackPublicClient": True,
            "web": {"implicitGrantSettings": {"enableIdTokenIssuance": True}},
        }
        scope_id = _scope_id(server)
        if scope_id:
            body["requiredResourceAccess"] = [
                {
                    "resourceAppId": server["appId"],
                    "resourceAccess": [{"id": scope_id, "type": "Scope"}],
                }
            ]
        else:
            self.ctx.warnings.add(
                f"the server app {server.get('displayName')} exposes no {SCOPE} scope; give the "
                f"client app that permission in the portal"
            )
        app = dict(self.graph.create_application(body))
        redirect = BROKER_REDIRECT.format(app_id=app["appId"])
        self.graph.update_application(
            str(app["id"]), {"publicClient": {"redirectUris": [redirect]}}
        )
        self.created.append(f"client app {name}")
        return app

    # -- shared --------------------------------------------------------------------------
    def _service_principal(self, app: dict[str, Any]) -> None:
        app_id = str(app["appId"])
        if self.graph.find_service_principal(app_id) is None:
            self.graph.create_service_principal(app_id)
            self.created.append(f"service principal of {app.get('displayName')}")

    def _known(self, role: str, app_id: str) -> EntraApp | None:
        for app in self.ctx.db.list_entra_apps(self.ctx.env.name):
            if app.role == role and app.app_id == app_id and app.tenant_id == self.tenant:
                return app
        return None

    def _record(
        self, role: str, app: dict[str, Any], key_id: str | None, end: str | None
    ) -> EntraApp:
        return self.ctx.db.put_entra_app(
            EntraApp(
                environment=self.ctx.env.name, tenant_id=self.tenant, role=role,
                display_name=str(app.get("displayName")), object_id=str(app.get("id")),
                app_id=str(app.get("appId")), tenant_name=self.req.tenant_name,
                credential_key_id=key_id, credential_end=end,
                app_id_uri=next(iter(app.get("identifierUris") or []), None),
            )
        )  # fmt: skip


_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_HOST = re.compile(r"([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def app_id_uri_problem(uri: str, tenant_id: str | None = None) -> str | None:
    """Why ``uri`` cannot be a new server app's Application ID URI under the default
    identifier URI policy, or None. The app ID does not exist before the app, so the
    forms with it are not offered; with ``tenant_id`` None a GUID host is not compared."""
    match = re.fullmatch(r"(api|https)://([^/\s?#]+)((/[^\s?#]+)*)/?", uri or "")
    if not match:
        return "not an absolute api:// or https:// URI without spaces, query or fragment"
    scheme, host, path = match.group(1), match.group(2), match.group(3)
    if _GUID.fullmatch(host):
        if tenant_id is not None and host.lower() != tenant_id.lower():
            return f"{host} is not the tenant ID ({tenant_id})"
        if scheme != "api" or not path:
            return "a tenant ID URI is api://<tenant ID>/<name>"
        return None
    if not _HOST.fullmatch(host):
        return f"{host} holds neither the tenant ID nor a domain name"
    if scheme == "api" and not path:
        return "an api:// URI on a domain needs a path (api://<verified domain>/<name>)"
    return None


def _scope(app_name: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "value": SCOPE,
        "type": "User",  # "Admins and users" may consent
        "isEnabled": True,
        "adminConsentDisplayName": f"Access {app_name}",
        "adminConsentDescription": f"Allow the application to access {app_name} on behalf of "
        "the signed-in user.",
        "userConsentDisplayName": f"Access {app_name}",
        "userConsentDescription": f"Allow the application to access {app_name} on your behalf.",
    }


def _scope_id(server: dict[str, Any]) -> str | None:
    scopes = ((server.get("api") or {}).get("oauth2PermissionScopes")) or []
    return next((str(s["id"]) for s in scopes if s.get("value") == SCOPE and s.get("id")), None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _expiring(end: str | None) -> bool:
    if not end:
        return True
    try:
        when = dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return True
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when - _now() < dt.timedelta(days=RENEW_DAYS)
