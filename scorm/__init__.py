"""The SCORM library: safe extraction, the package model, validation and OLX export. No Django."""
