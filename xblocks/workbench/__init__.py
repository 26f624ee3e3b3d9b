"""The XBlock workbench as the demo and test runtime: SQLite, a local folder, and a record of what the LMS would store."""
