"""Commands: one module per lifecycle or report command.

Each takes plain inputs and an :class:`~cmgdeploy.services.context.OpContext`, never
prints or exits, and returns a frozen result from :mod:`cmgdeploy.domain.results`.
Commands use services and the domain; only :mod:`cmgdeploy.cli` uses commands."""
