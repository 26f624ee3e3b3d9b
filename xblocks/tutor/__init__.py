"""The Tutor plugin of mooc-bridge (``tutor plugins enable mooc-bridge``): see :mod:`xblocks.tutor.plugin`.

Nothing here is imported by the LMS or Studio. Tutor imports :mod:`.plugin` through the ``tutor.plugin.v1``
entry point, and only once the operator enabled it; the patches and the init task are the text files under
``templates/mooc-bridge/``, shipped as package data (docs/decisions/0026).
"""
