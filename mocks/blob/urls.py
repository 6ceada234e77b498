"""Routes of the Blob service (served on the local Azure's second, Blob, port).

Path-style URLs: ``https://127.0.0.1:PORT/{account}/{container}/{blob}``. Each route
chooses the operation from the method and ``restype``/``comp`` (see responses.py);
the operations are listed in COVERAGE.md. Authorization (Shared Key or SAS) is
checked by the handlers, so ``auth="storage"``.
"""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

ROUTES = [
    Route(
        "*",
        "/{account}/{container}/{blob:path}",
        responses.blob_op,
        "Blob_BlobOperation",
        auth="storage",
    ),
    Route(
        "*",
        "/{account}/{container}",
        responses.container_op,
        "Blob_ContainerOperation",
        auth="storage",
    ),
    Route("*", "/{account}", responses.account_op, "Blob_AccountOperation", auth="storage"),
]
