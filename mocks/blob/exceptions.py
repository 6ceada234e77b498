"""Errors of the Blob service, named after Azure Storage's error codes.

Rendered by the server as Azure Storage's XML error (``<Error><Code/><Message/>``,
the message ending with ``RequestId:`` and ``Time:`` lines) with the code in the
``x-ms-error-code`` header. Messages are the "user message" column of Microsoft's
"Blob service error codes" and "Common REST API error codes" tables.
"""

from __future__ import annotations

from mocks.core.errors import ArmError


class StorageError(ArmError):
    """An Azure Storage error; ``extra`` becomes additional XML elements
    (``AuthenticationErrorDetail``, ``HeaderName``, ``QueryParameterName`` ...)."""

    status = 400
    code = "InvalidInput"
    text = "One of the request inputs is not valid."

    def __init__(self, message: str = "", *, extra: dict[str, str] | None = None) -> None:
        super().__init__(message or self.text)
        self.extra = extra or {}


# -- common codes ---------------------------------------------------------------------
class AuthenticationFailed(StorageError):
    status = 403
    code = "AuthenticationFailed"
    text = (
        "Server failed to authenticate the request. Make sure the value of Authorization "
        "header is formed correctly including the signature."
    )


class KeyBasedAuthenticationNotPermitted(StorageError):
    status = 403
    code = "KeyBasedAuthenticationNotPermitted"
    text = "Key based authentication is not permitted on this storage account."


class NoAuthenticationInformation(StorageError):
    status = 401
    code = "NoAuthenticationInformation"
    text = (
        "Server failed to authenticate the request. Please refer to the information in "
        "the www-authenticate header."
    )


class AuthorizationPermissionMismatch(StorageError):
    status = 403
    code = "AuthorizationPermissionMismatch"
    text = "This request is not authorized to perform this operation using this permission."


class AuthorizationResourceTypeMismatch(StorageError):
    status = 403
    code = "AuthorizationResourceTypeMismatch"
    text = "This request is not authorized to perform this operation using this resource type."


class AuthorizationServiceMismatch(StorageError):
    status = 403
    code = "AuthorizationServiceMismatch"
    text = "This request is not authorized to perform this operation using this service."


class AuthorizationProtocolMismatch(StorageError):
    status = 403
    code = "AuthorizationProtocolMismatch"
    text = "This request is not authorized to perform this operation using this protocol."


class AuthorizationSourceIPMismatch(StorageError):
    status = 403
    code = "AuthorizationSourceIPMismatch"
    text = "This request is not authorized to perform this operation using this source IP {0}."


class ResourceNotFound(StorageError):
    status = 404
    code = "ResourceNotFound"
    text = "The specified resource does not exist."


class InvalidResourceName(StorageError):
    status = 400
    code = "InvalidResourceName"
    text = "The specified resource name contains invalid characters."


class InvalidHeaderValue(StorageError):
    status = 400
    code = "InvalidHeaderValue"
    text = "The value for one of the HTTP headers is not in the correct format."


class MissingRequiredHeader(StorageError):
    status = 400
    code = "MissingRequiredHeader"
    text = "An HTTP header that's mandatory for this request is not specified."


class InvalidQueryParameterValue(StorageError):
    status = 400
    code = "InvalidQueryParameterValue"
    text = "Value for one of the query parameters specified in the request URI is invalid."


class InvalidXmlDocument(StorageError):
    status = 400
    code = "InvalidXmlDocument"
    text = "XML specified is not syntactically valid."


class Md5Mismatch(StorageError):
    status = 400
    code = "Md5Mismatch"
    text = (
        "The MD5 value specified in the request did not match with the MD5 value calculated "
        "by the server."
    )


class InvalidRange(StorageError):
    status = 416
    code = "InvalidRange"
    text = "The range specified is invalid for the current size of the resource."


class ConditionNotMet(StorageError):
    status = 412
    code = "ConditionNotMet"
    text = "The condition specified using HTTP conditional header(s) is not met."


class UnsupportedHttpVerb(StorageError):
    status = 405
    code = "UnsupportedHttpVerb"
    text = "The resource doesn't support the specified HTTP verb."


class LocalAzureUnsupportedOperation(StorageError):
    """Loud answer for a Blob operation the local Azure does not speak."""

    status = 400
    code = "LocalAzureUnsupportedOperation"


# -- Blob service codes -----------------------------------------------------------------
class ContainerNotFound(StorageError):
    status = 404
    code = "ContainerNotFound"
    text = "The specified container does not exist."


class BlobNotFound(StorageError):
    status = 404
    code = "BlobNotFound"
    text = "The specified blob does not exist."


class ContainerAlreadyExists(StorageError):
    status = 409
    code = "ContainerAlreadyExists"
    text = "The specified container already exists."


class BlobAlreadyExists(StorageError):
    status = 409
    code = "BlobAlreadyExists"
    text = "The specified blob already exists."


class PublicAccessNotPermitted(StorageError):
    status = 409
    code = "PublicAccessNotPermitted"
    text = "Public access is not permitted on this storage account."


class InvalidBlockId(StorageError):
    status = 400
    code = "InvalidBlockId"
    text = "The specified block ID is invalid. The block ID must be Base64-encoded."


class InvalidBlockList(StorageError):
    status = 400
    code = "InvalidBlockList"
    text = "The specified block list is invalid."


class InvalidBlobOrBlock(StorageError):
    status = 400
    code = "InvalidBlobOrBlock"
    text = "The specified blob or block content is invalid."


class InvalidBlobType(StorageError):
    status = 409
    code = "InvalidBlobType"
    text = "The blob type is invalid for this operation."


# -- leases -----------------------------------------------------------------------------
class LeaseNotPresentWithBlobOperation(StorageError):
    status = 412
    code = "LeaseNotPresentWithBlobOperation"
    text = "There is currently no lease on the blob."


class LeaseNotPresentWithContainerOperation(StorageError):
    status = 412
    code = "LeaseNotPresentWithContainerOperation"
    text = "There is currently no lease on the container."


class LeaseLost(StorageError):
    status = 412
    code = "LeaseLost"
    text = "A lease ID was specified, but the lease for the blob/container has expired."


class LeaseIdMismatchWithBlobOperation(StorageError):
    status = 412
    code = "LeaseIdMismatchWithBlobOperation"
    text = "The lease ID specified did not match the lease ID for the blob."


class LeaseIdMismatchWithContainerOperation(StorageError):
    status = 412
    code = "LeaseIdMismatchWithContainerOperation"
    text = "The lease ID specified did not match the lease ID for the container."


class LeaseIdMissing(StorageError):
    status = 412
    code = "LeaseIdMissing"
    text = (
        "There is currently a lease on the blob/container and no lease ID was specified "
        "in the request."
    )


class LeaseNotPresentWithLeaseOperation(StorageError):
    status = 409
    code = "LeaseNotPresentWithLeaseOperation"
    text = "There is currently no lease on the blob/container."


class LeaseIdMismatchWithLeaseOperation(StorageError):
    status = 409
    code = "LeaseIdMismatchWithLeaseOperation"
    text = "The lease ID specified did not match the lease ID for the blob/container."


class LeaseAlreadyPresent(StorageError):
    status = 409
    code = "LeaseAlreadyPresent"
    text = "There is already a lease present."


class LeaseIsBrokenAndCannotBeRenewed(StorageError):
    status = 409
    code = "LeaseIsBrokenAndCannotBeRenewed"
    text = "The lease ID matched, but the lease has been broken explicitly and cannot be renewed."


class LeaseIsBreakingAndCannotBeAcquired(StorageError):
    status = 409
    code = "LeaseIsBreakingAndCannotBeAcquired"
    text = (
        "The lease ID matched, but the lease is currently in breaking state and cannot be "
        "acquired until it is broken."
    )


class LeaseIsBreakingAndCannotBeChanged(StorageError):
    status = 409
    code = "LeaseIsBreakingAndCannotBeChanged"
    text = (
        "The lease ID matched, but the lease is currently in breaking state and cannot be changed."
    )
