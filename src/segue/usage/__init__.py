"""Usage figures: who still calls which version, kept in the service's own database.

Needs SQLAlchemy (``pip install 'segue[usage]'``); ``import segue`` alone does not load it.
"""

from segue.usage._recorder import UsageRecorder, bearer_prefix, loopback_only

__all__ = ["UsageRecorder", "bearer_prefix", "loopback_only"]
