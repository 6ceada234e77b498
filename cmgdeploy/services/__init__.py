"""Services: what commands are built from.

The Azure boundary (:mod:`cmgdeploy.services.azure`, the only code that imports the
Azure SDKs), the site database, settings and spec loading, certificates, the CMG's
template, locks and leases, waiting and reading a CMG's state. Services use the domain,
never a command or the command line."""
