"""Test configuration shared by every area: the local Azure fixtures.

Areas add their own fixtures in ``tests/<area>/conftest.py``.
"""

pytest_plugins = ["mocks.pytest_plugin"]
