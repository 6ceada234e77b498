"""The Azure boundary: the only package that imports ``azure.*`` or ``msal``.

Every SDK import happens inside a function, so ``cmgdeploy --help`` and input
validation never pay the SDKs' import cost. Everything leaving this package is a plain
dict/dataclass or a :mod:`cmgdeploy.domain.errors` exception.
"""
