"""Procountor REST API client for the Odoo connector: plain Python, never imports Odoo.

Importable as ``odoo.addons.procountor_connector.procountor_api`` inside Odoo and as
``procountor_api`` with the addon folder on ``sys.path`` (the pure-Python tests); hence
only relative imports inside this package.
"""

from . import const, exceptions
from .client import Exchange, MemoryTokenStore, ProcountorClient

__all__ = ["Exchange", "MemoryTokenStore", "ProcountorClient", "const", "exceptions"]
