"""The SCORM player block (issue 4). Its front-end runtime, scorm-again, is vendored by `make js`."""
