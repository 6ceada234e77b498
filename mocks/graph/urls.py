"""Microsoft Graph v1.0 routes (on the ARM server; tokens checked by the handlers)."""

from __future__ import annotations

from mocks.core.routing import Handler, Route

from . import responses

APPS = "/v1.0/applications"
BY_APP_ID = "/v1.0/applications(appId='{appid}')"


def _graph(method: str, path: str, handler: Handler, name: str) -> Route:
    return Route(method, path, handler, name, auth="graph")


ROUTES = [
    _graph("POST", APPS, responses.create_application, "Graph_Applications_Create"),
    _graph("GET", APPS, responses.list_applications, "Graph_Applications_List"),
    _graph(
        "POST", APPS + "/{id}/addPassword", responses.add_password, "Graph_Applications_AddPassword"
    ),
    _graph(
        "POST",
        APPS + "/{id}/removePassword",
        responses.remove_password,
        "Graph_Applications_RemovePassword",
    ),
    _graph(
        "POST", BY_APP_ID + "/addPassword", responses.add_password, "Graph_Applications_AddPassword"
    ),
    _graph(
        "POST",
        BY_APP_ID + "/removePassword",
        responses.remove_password,
        "Graph_Applications_RemovePassword",
    ),
    _graph("GET", BY_APP_ID, responses.get_application, "Graph_Applications_Get"),
    _graph("PATCH", BY_APP_ID, responses.update_application, "Graph_Applications_Update"),
    _graph("DELETE", BY_APP_ID, responses.delete_application, "Graph_Applications_Delete"),
    _graph("GET", APPS + "/{id}", responses.get_application, "Graph_Applications_Get"),
    _graph("PATCH", APPS + "/{id}", responses.update_application, "Graph_Applications_Update"),
    _graph("DELETE", APPS + "/{id}", responses.delete_application, "Graph_Applications_Delete"),
    _graph(
        "POST",
        "/v1.0/servicePrincipals",
        responses.create_service_principal,
        "Graph_ServicePrincipals_Create",
    ),
    _graph(
        "GET",
        "/v1.0/servicePrincipals",
        responses.list_service_principals,
        "Graph_ServicePrincipals_List",
    ),
    _graph(
        "GET",
        "/v1.0/servicePrincipals/{id}",
        responses.get_service_principal,
        "Graph_ServicePrincipals_Get",
    ),
    _graph(
        "DELETE",
        "/v1.0/servicePrincipals/{id}",
        responses.delete_service_principal,
        "Graph_ServicePrincipals_Delete",
    ),
]
