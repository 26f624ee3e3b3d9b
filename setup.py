"""Shim so that pip can build the project: all metadata lives in setup.cfg (see docs/decisions/0001)."""
from setuptools import setup

setup()
