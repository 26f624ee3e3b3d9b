"""Everything that talks to a system outside this process: platforms, Open edX, OneRoster, spreadsheets.

No Django and no XBlock imports here (see ../shared/DESIGN.md).
"""
