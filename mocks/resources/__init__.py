"""Azure Resource Manager core: subscriptions, locations, providers, resource groups,
deployments (driving :mod:`mocks.templates`), generic resources and LRO status routes.

``urls.ROUTES`` holds the specific routes; ``generic_urls.ROUTES`` the by-id
catch-alls, which must come last in the server's route order so providers' more
specific routes win.
"""
