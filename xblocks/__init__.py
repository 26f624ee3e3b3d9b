"""The Open edX XBlocks of mooc-bridge, the workbench demo and the ``mooc-bridge`` command."""
