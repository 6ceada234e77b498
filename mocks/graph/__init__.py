"""Microsoft Graph (v1.0) of the local Azure: app registrations and service principals."""
