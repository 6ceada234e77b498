"""Errors of the control API (ARM-shaped, so every client renders them alike)."""

from __future__ import annotations

from mocks.core.errors import ArmError


class InvalidControlRequest(ArmError):
    status = 400
    code = "InvalidControlRequest"
