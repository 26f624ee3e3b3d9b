"""The XBlock workbench as demo and test runtime: SQLite, a local folder, a record of what the LMS would store."""
