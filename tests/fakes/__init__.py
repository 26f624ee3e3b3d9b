"""Fakes of outside systems for tests and benchmarks: real servers on 127.0.0.1, built from the real APIs' shapes.

``tests.fakes.openedx_server.FakeOpenEdx`` is a fake Open edX LMS (OAuth2 JWT, enrollment, user accounts,
grades and gradebook, program enrollments, bulk enroll) with injectable faults; see its module docstring.
"""
