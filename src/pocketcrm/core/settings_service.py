"""The customer service's section of the settings: business hours, service levels, the
support address; read by cases and the agenda; built when first read (core/settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ServiceConfig:
    """Customer service: business hours, service levels per priority, the support address."""

    hours: str = "09:00-17:00"  # business hours, local time (the timezone setting)
    days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    holidays: list[str] = field(default_factory=list)  # YYYY-MM-DD days with no business hours
    # priority:business hours until the first reply / until resolved
    first_response: list[str] = field(
        default_factory=lambda: ["urgent:1", "high:4", "normal:8", "low:16"]
    )
    resolution: list[str] = field(
        default_factory=lambda: ["urgent:8", "high:16", "normal:40", "low:80"]
    )
    warn_hours: int = 2  # "about to breach": due within this many hours
    support_address: str = ""  # mail to it from a known contact opens a case
    survey: bool = False  # closing a case emails the one-question satisfaction survey
