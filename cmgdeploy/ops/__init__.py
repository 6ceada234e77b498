"""Operations: each takes plain inputs and an :class:`~cmgdeploy.ops.context.OpContext`,
never prints or exits, and returns a frozen result from :mod:`cmgdeploy.results`."""
