"""Azure Blob Storage data plane of the local Azure (its own HTTPS port, path-style URLs)."""
