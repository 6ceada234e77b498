"""The domain: errors and exit codes, results, input validation, secret redaction, the
settings table, the AzureEnvironments table, the site database's records, the site
runbook and the frozen views of what is read of Resource Manager. No I/O to Azure, no
other layer imported."""
