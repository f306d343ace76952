"""Facades that let code written for other platforms' SDKs run against a clipcrowd server.

``from clipcrowd.compat.kili import Kili``: the asset-import part of Kili's Python SDK (client side);
``clipcrowd.compat.kili_interface``: a Kili JSON interface as a clipcrowd project (server side).
"""
