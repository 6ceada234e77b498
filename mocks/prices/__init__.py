"""The Azure Retail Prices API (``GET /api/retail/prices``), served from a small price sheet."""
