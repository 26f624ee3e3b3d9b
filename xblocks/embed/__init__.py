"""The platform-resource block: a national, provincial or MOOC platform's resource in a course page."""
