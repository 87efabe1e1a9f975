"""How many examples a property test draws.

Each test states its count for the full suite, relative to hypothesis's
default of 100; the fast tier (`pytest --fast`) loads the `fast` profile, which
draws a fifth of every count. The counts are read when a test module is
imported, after the profile is chosen.
"""

from hypothesis import settings

FAST = "fast"
settings.register_profile(FAST, max_examples=20)

# hypothesis's own default, which the full suite keeps.
_FULL = 100


def examples(count: int) -> int:
    """`count` in the full suite, scaled down (to one at least) in the fast tier."""
    return max(1, count * settings().max_examples // _FULL)
