"""The compliance dashboard: server-rendered pages with a JSON twin each, behind a login.

``create_app`` builds the FastAPI app; ``xxgk serve`` runs it. See ``app.py`` for the layout.
"""

from monitor.web.app import create_app

__all__ = ["create_app"]
