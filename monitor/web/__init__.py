"""The compliance dashboard: server-rendered pages with a JSON twin each, behind a login.

``create_app`` builds the FastAPI app; ``xxgk serve`` runs it (``after_fork`` in each of
``--workers N`` processes). See ``app.py`` for the layout.
"""

from monitor.web.app import after_fork, create_app

__all__ = ["after_fork", "create_app"]
