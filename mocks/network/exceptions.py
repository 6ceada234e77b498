"""Errors of Microsoft.Network, named after Azure's codes."""

from __future__ import annotations

from mocks.core.errors import ArmError, InvalidRequestContent  # noqa: F401 (re-exported)


class DnsRecordInUse(ArmError):
    status = 400
    code = "DnsRecordInUse"

    def __init__(self, fqdn: str) -> None:
        super().__init__(f"DNS record {fqdn} is already used by another public IP.")


class InvalidDomainNameLabel(ArmError):
    status = 400
    code = "InvalidDomainNameLabel"

    def __init__(self, label: str) -> None:
        super().__init__(
            f"The domain name label {label} is invalid. It must conform to the following "
            "regular expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$."
        )


class StandardAndStandardV2SkuPublicIPAddressesMustBeStatic(ArmError):
    status = 400
    code = "StandardAndStandardV2SkuPublicIPAddressesMustBeStatic"

    def __init__(self, rid: str) -> None:
        super().__init__(f"Standard sku publicIp {rid} must have AllocationMethod set to Static.")


class InvalidCIDRNotation(ArmError):
    status = 400
    code = "InvalidCIDRNotation"


class NetcfgSubnetRangeOutsideVnet(ArmError):
    status = 400
    code = "NetcfgSubnetRangeOutsideVnet"

    def __init__(self, subnet: str, vnet: str) -> None:
        super().__init__(
            f"Subnet '{subnet}' is not valid because its IP address range is outside the IP "
            f"address range of virtual network '{vnet}'."
        )


class NetcfgSubnetRangesOverlap(ArmError):
    status = 400
    code = "NetcfgSubnetRangesOverlap"

    def __init__(self, subnet: str, vnet: str) -> None:
        super().__init__(
            f"Subnet '{subnet}' is not valid in virtual network '{vnet}' because its IP "
            "address range overlaps with that of an existing subnet in virtual network."
        )


class SecurityRuleInvalidPriority(ArmError):
    status = 400
    code = "SecurityRuleInvalidPriority"

    def __init__(self, value: object) -> None:
        super().__init__(
            f"Security rule has invalid Priority. Value provided: {value} Allowed range 100-4096."
        )


class SecurityRuleConflict(ArmError):
    status = 400
    code = "SecurityRuleConflict"

    def __init__(self, rule: str, other: str) -> None:
        super().__init__(
            f"Security rule {rule} conflicts with rule {other}. Rules cannot have the same "
            "Priority and Direction. To learn more, see aka.ms/nsgrules."
        )


class SecurityRuleInvalidPortRange(ArmError):
    status = 400
    code = "SecurityRuleInvalidPortRange"

    def __init__(self, value: object) -> None:
        super().__init__(
            f"Security rule has invalid Port range. Value provided: {value}. Value should be "
            "an integer OR integer range with '-' delimiter. Valid range 0-65535."
        )


class MissedInboundNatRuleV2Properties(ArmError):
    status = 400
    code = "MissedInboundNatRuleV2Properties"

    def __init__(self) -> None:
        super().__init__(
            "For inbound Nat rule V2 properties FrontendPortRangeStart, FrontendPortRangeEnd "
            "should not be null."
        )


class UnsupportedSetOfInboundNatRulePropertiesWhenFrontendPortIsSpecified(ArmError):
    status = 400
    code = "UnsupportedSetOfInboundNatRulePropertiesWhenFrontendPortIsSpecified"

    def __init__(self, port: object) -> None:
        super().__init__(
            f"If FrontendPort {port} is set, properties FrontendPortRangeStart, "
            "FrontendPortRangeEnd should be null."
        )
