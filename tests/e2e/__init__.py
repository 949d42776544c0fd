"""End-to-end tests: the real app in Debian's Chromium, a person's path through it (see conftest.py)."""
