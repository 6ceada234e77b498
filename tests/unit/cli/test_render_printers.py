"""Every result class a command returns has its own text printer."""

from __future__ import annotations

import pytest

from cmgdeploy.cli import render
from cmgdeploy.commands.check import CheckResult
from cmgdeploy.commands.classic import ClassicListResult, ClassicShowResult
from cmgdeploy.commands.estimate import EstimateResult
from cmgdeploy.commands.migrate import MigrationResult
from cmgdeploy.domain import results

CLASSES = [
    results.CmgStatus,
    results.PlanResult,
    results.TextResult,
    results.TableResult,
    results.SiteResult,
    results.DownResult,
    results.AuthCheckResult,
    ClassicListResult,
    ClassicShowResult,
    EstimateResult,
    CheckResult,
    MigrationResult,
]


@pytest.mark.parametrize("kind", CLASSES, ids=lambda k: k.__name__)
def test_result_class_has_its_printer(kind: type) -> None:
    assert render.printer_of(kind) is not render._mapping_text


def test_other_values_print_as_key_value_lines() -> None:
    assert render.printer_of(dict) is render._mapping_text
