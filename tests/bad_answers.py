"""The bad answers the template must refuse, shared by the tests that give
them with --data (test_bad_answers.py) and type them at the prompt
(test_bad_answers_interactive.py)."""

from __future__ import annotations

# (question, answer, the validator's whole message for it)
BAD_ANSWERS: list[tuple[str, str, str]] = [
    ("project_name", "", "The project name must not be empty"),
    ("project_name", "   ", "The project name must not be empty"),
    ("project_name", "A" * 200, "The project name is 200 characters long: keep it to 80 or fewer."),
    ("project_name", "1234", "The project name needs at least one letter"),
    ("project_slug", "Bad Slug", '"Bad Slug" is not a valid slug'),
    ("project_slug", "-leading-dash", '"-leading-dash" is not a valid slug'),
    ("package_name", "1abc", '"1abc" is not a valid package name'),
    ("package_name", "my-pkg", '"my-pkg" is not a valid package name'),
    ("package_name", "Django", '"Django" is not a valid package name'),
    ("package_name", "x" * 51, "The package name is 51 characters long: keep it to 50 or fewer."),
    ("package_name", "django", '"django" would shadow the Python keyword or module'),
    ("package_name", "grpc", '"grpc" would shadow the Python keyword or module'),
    ("package_name", "test", '"test" would shadow the Python keyword or module'),
    ("package_name", "tests", '"tests" would shadow the Python keyword or module'),
    ("package_name", "os", '"os" would shadow the Python keyword or module'),
    ("package_name", "asyncio", '"asyncio" would shadow the Python keyword or module'),
    ("package_name", "class", '"class" would shadow the Python keyword or module'),
    ("description", "two\nlines", "The description must be a single line."),
    ("description", "d" * 201, "The description is 201 characters long: keep it to 200 or fewer."),
    ("author_name", " ", "The author name must not be empty."),
    ("author_email", "not-an-email", '"not-an-email" is not an email address'),
    ("author_email", "me@localhost", '"me@localhost" is not an email address'),
]


def case_id(question: str, answer: str) -> str:
    """A readable test id: long answers shortened."""
    shown = answer if len(answer) <= 20 else f"{answer[:8]}...({len(answer)} chars)"
    return f"{question}={shown!r}"
