"""A local fake government portal server speaking the real list protocols, for tests and `fazhi demo`."""

from __future__ import annotations

from portalsim.model import ExpectedAttachment, ExpectedReport, LoggedRequest, NoiseEntry, SimSite
from portalsim.sim import PortalSim

__all__ = ["ExpectedAttachment", "ExpectedReport", "LoggedRequest", "NoiseEntry", "PortalSim", "SimSite"]
