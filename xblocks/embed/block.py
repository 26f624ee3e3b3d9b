"""Placeholder until the platform-resource block lands (issue 2)."""

from xblock.core import XBlock


class PlatformResourceBlock(XBlock):
    """Placeholder."""
