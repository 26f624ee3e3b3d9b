"""Django management commands of the SCORM block."""
