"""Errors of the Retail Prices API.

Microsoft's page documents no error body for this API; a bad query is answered 400
with the ARM error shape and the code below (the conservative choice).
"""

from __future__ import annotations

from mocks.core.errors import ArmError


class InvalidFilter(ArmError):
    status = 400
    code = "InvalidFilter"


class UnsupportedCurrency(ArmError):
    status = 400
    code = "UnsupportedCurrency"
