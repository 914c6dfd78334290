"""AppTest fixtures (see tests/app_support.py)."""

from app_support import open_page  # noqa: F401  (a fixture, re-exported for the tests in this folder)
