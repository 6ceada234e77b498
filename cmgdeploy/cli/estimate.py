"""The ``estimate`` command: size and price a CMG for a client count."""

from __future__ import annotations

from typing import Any

import typer

from cmgdeploy.cli.app import app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.session import Session

ESTIMATE_EPILOG = """\b
Examples:
  cmgdeploy estimate --clients 12000 --region westeurope
  cmgdeploy estimate --clients 12000 --region westeurope --currency EUR --content-gb 500 -o json

\b
Sizes from the planning numbers: Standard_A2_v2 serves 6,000 clients per instance,
Standard_A4_v2 10,000, Standard_B2s 10 (proof of concept); 1–16 instances; one
connection point per 4 instances; 2 of each for high availability. Prices from the
environment's Azure Retail Prices API (no sign-in). Exit codes: 0 ok, 1 the price API
failed or has no price, 2 bad input."""

CLIENTS = typer.Option(..., "--clients", help="Internet clients the CMG serves.")
REGION = typer.Option(..., "--region", help="Azure region, e.g. westeurope.")
CONTENT = typer.Option(
    0.0, "--content-gb", help="Content clients download from the CMG's storage, GB per month."
)
CURRENCY = typer.Option("USD", "--currency", help="Price currency, e.g. USD, EUR, GBP.")
HA = typer.Option(
    True,
    "--high-availability/--no-high-availability",
    help="At least 2 instances and 2 connection points (default on).",
)


@app.command("estimate", epilog=ESTIMATE_EPILOG)
def estimate(
    ctx: typer.Context,
    clients: str = CLIENTS,
    region: str = REGION,
    content_gb: str = CONTENT,
    currency: str = CURRENCY,
    high_availability: bool = HA,
) -> None:
    """Recommend VM size, instances and connection points, and price them per month."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.estimate import estimate as do_estimate
        from cmgdeploy.commands.estimate import estimate_request, retail_prices_for

        request = estimate_request(
            clients,
            region,
            currency=currency,
            content_gb=content_gb,
            high_availability=high_availability,
        )
        with s.op_context() as op:
            prices = retail_prices_for(op.env)
            return do_estimate(prices, request, prices.endpoint)

    run(ctx, "estimate", body)
