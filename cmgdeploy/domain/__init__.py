"""The domain: errors and exit codes, results, input validation, secret redaction, the
AzureEnvironments table and the site runbook. No I/O to Azure, no other layer imported."""
