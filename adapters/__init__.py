"""Everything that talks to a system outside this process: platforms, Open edX, OneRoster, spreadsheets.

No Django and no XBlock imports here (see ../shared/DESIGN.md). The leaves ``adapters.records`` and
``adapters.i18n`` may be imported by every package; this file imports nothing, so importing a leaf pulls in
nothing else (docs/decisions/0020).
"""
