"""Linked templates (``templateLink.uri`` / ``parametersLink.uri``) from the local
Azure's own Blob service.

ARM downloads a linked template from its URI.  The local Azure fetches nothing from
the internet: a URI on its Blob endpoint (``{blob_url}/{account}/{container}/{blob}``,
with or without a SAS query) is read from its store; any other URI is refused with
``LocalAzureUnsupportedOperation`` naming it.  A blob that does not exist or is not
JSON answers ARM's ``InvalidContentLink``.

Not simulated: SAS/anonymous-access checks on the link (the local Azure reads the
blob as its owner would), ``templateLink.id`` (template specs), ``relativePath``.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

from mocks.core.errors import ArmError

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def fetch_json(cloud: Cloud, uri: str) -> dict[str, Any] | None:
    """The JSON document at ``uri`` when the local Blob service holds it; None when the
    URI is not on the local Blob endpoint; ``InvalidContentLink`` when it is missing."""
    base = (cloud.blob_url or "").rstrip("/")
    if not base or not uri.lower().startswith(base.lower() + "/"):
        return None
    path = urllib.parse.urlsplit(uri).path.lstrip("/")
    account, _, rest = path.partition("/")
    container, _, blob = rest.partition("/")
    from mocks.blob import models as blobs

    name = urllib.parse.unquote(blob)
    try:
        found = bool(name) and blobs.find_blob(cloud, account, container, name) is not None
    except ArmError:  # no such account or container
        found = False
    if not found:
        raise invalid_content_link(uri)
    try:
        document = json.loads(blobs.read_content(cloud, account, container, name))
    except ValueError:
        raise invalid_content_link(uri) from None
    if not isinstance(document, dict):
        raise invalid_content_link(uri)
    return document


def invalid_content_link(uri: str) -> ArmError:
    """ARM's error for a link it cannot download."""
    shown = uri.split("?", 1)[0]  # never echo a SAS token
    return ArmError(
        f"Unable to download deployment content from '{shown}'. Please see "
        "https://aka.ms/arm-deploy for usage details.",
        code="InvalidContentLink",
    )
