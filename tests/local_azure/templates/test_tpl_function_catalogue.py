"""Every function of the docs' function reference is either simulated or refused loudly."""

from __future__ import annotations

import pytest
from tpl_shared import evaluate

from mocks.templates import TemplateError, catalogue
from mocks.templates.functions import is_known_function


@pytest.mark.parametrize("name", catalogue.documented_names())
def test_documented_function_is_known(name: str) -> None:
    assert is_known_function(name) or name.lower().startswith("list"), name


@pytest.mark.parametrize("expression", ["[providers('Microsoft.Compute')]"])
def test_refused_functions_name_themselves(expression: str) -> None:
    with pytest.raises(TemplateError) as caught:
        evaluate(expression)
    name = expression[1:].split("(")[0]
    assert caught.value.code == "LocalAzureUnsupportedOperation"
    assert f"'{name}'" in caught.value.message
    assert "is not valid" not in caught.value.message


def test_unknown_function_keeps_arms_wording() -> None:
    with pytest.raises(TemplateError, match="The template function 'noSuchFunction' is not valid"):
        evaluate("[noSuchFunction()]")


def test_management_group_is_arms_scope_error() -> None:
    with pytest.raises(TemplateError, match="management group"):
        evaluate("[managementGroup()]")
