"""The migration guide: written from the declarations, served at ``/_segue/guide``, with
before/after examples a service describes as :class:`Scenario` objects."""

from segue.guide._build import Guide
from segue.guide._examples import Outcome, Scenario, Shown, Step
from segue.guide._page import Examples, GuidePages

__all__ = ["Examples", "Guide", "GuidePages", "Outcome", "Scenario", "Shown", "Step"]
