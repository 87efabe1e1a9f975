"""Bad answers typed at copier's interactive prompt are refused, explained and asked again.

Each test runs the real `copier copy` command in a pseudo-terminal, as a person
would: copier asks with questionary (prompt_toolkit), which checks a typed
answer with the question's validator, shows the refusal under the prompt and
keeps the prompt open. The questions before the one under test are answered
with --data so that question is the first one asked. A test ends with Ctrl-C,
and nothing may have been written: copier renders only after the last answer.

prompt_toolkit draws with escape codes and redraws only what changed on the
screen, so the output is read with the escape codes removed, and each process
types only one bad answer: its refusal is then drawn in full on a fresh line.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pexpect
import pytest
import yaml

from bad_answers import BAD_ANSWERS, case_id
from conftest import DEFAULT_ANSWERS, REPO_ROOT, base_environment


class _CopierYamlLoader(yaml.SafeLoader):
    """Reads copier.yml, whose `!include` lines bring in computed values only."""


_CopierYamlLoader.add_constructor("!include", lambda loader, node: None)


def _asked_questions() -> dict[str, str]:
    """Each question copier may ask, in its order, with the help its prompt shows;
    computed values (`when: false`) are never asked."""
    documents = yaml.load_all((REPO_ROOT / "copier.yml").read_text(), Loader=_CopierYamlLoader)
    questions: dict[str, str] = {}
    for document in documents:
        for name, question in (document or {}).items():
            if not name.startswith("_") and question.get("when") is not False:
                questions[name] = question["help"]
    return questions


PROMPT = _asked_questions()
QUESTION_ORDER = list(PROMPT)

# A good answer to each free-text question, typed after the refusal.
GOOD_ANSWER = {
    "project_name": "Acme Ledger",
    "project_slug": "acme-ledger",
    "package_name": "acme_ledger",
    "description": "Keeps the books.",
    "author_name": "Acme Team",
    "author_email": "team@acme.example",
}

# Keys as a terminal sends them.
CTRL_C = "\x03"
CTRL_U = "\x15"  # deletes back to the start of the line, or one line break there
CLEAR = CTRL_U * 3  # empties the input: the prefilled default, or two pasted lines
ENTER = "\r"
DOWN = "\x1b[B"
PASTE_START = "\x1b[200~"  # bracketed paste: how a terminal hands over pasted text
PASTE_END = "\x1b[201~"

# Generous: a copier start clones the template repository first.
TIMEOUT = 30.0

# CSI sequences (colours, cursor moves, modes), OSC sequences and lone escapes.
_ESCAPE_CODE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[@-Z\\-_]")


def strip_escape_codes(raw: str) -> str:
    return _ESCAPE_CODE.sub("", raw)


class CopierSession:
    """`copier copy` running in a pseudo-terminal, read as plain text."""

    def __init__(self, dst: Path, data: dict[str, str]) -> None:
        args = ["-m", "copier", "copy", "--trust", "--skip-tasks", "--vcs-ref", "HEAD"]
        for name, value in data.items():
            args += ["--data", f"{name}={value}"]
        args += [str(REPO_ROOT), str(dst)]
        env = base_environment()
        # A plain terminal without colours; no cursor-position request, which
        # nothing here would answer.
        env.update(TERM="xterm", NO_COLOR="1", PROMPT_TOOLKIT_NO_CPR="1")
        self._child = pexpect.spawn(
            sys.executable,
            args,
            cwd=str(dst.parent),
            env=env,
            encoding="utf-8",
            codec_errors="replace",
            # Wide enough that no message or answer wraps.
            dimensions=(50, 1000),
            timeout=TIMEOUT,
        )
        self._raw = ""
        self._mark = 0  # in the text without escape codes

    @property
    def text(self) -> str:
        """Everything copier has shown so far."""
        return strip_escape_codes(self._raw)

    def _read(self, deadline: float) -> bool:
        """Reads what is available; False once copier has exited."""
        try:
            self._raw += self._child.read_nonblocking(
                65536, timeout=max(0.05, min(1.0, deadline - time.monotonic()))
            )
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            return False
        return True

    def wait_for(self, expected: str) -> str:
        """Waits until copier shows `expected` after the previous match and
        returns what it showed from there up to the end of `expected`."""
        deadline = time.monotonic() + TIMEOUT
        while (found := self.text.find(expected, self._mark)) < 0:
            if time.monotonic() > deadline or not self._read(deadline):
                self.close()
                pytest.fail(
                    f"copier did not show {expected!r} within {TIMEOUT:.0f} s; "
                    f"it showed:\n{self.text}",
                    pytrace=False,
                )
        end = found + len(expected)
        shown, self._mark = self.text[self._mark : end], end
        return shown

    def rest(self) -> str:
        """What copier has shown after the previous match."""
        return self.text[self._mark :]

    def send(self, keys: str) -> None:
        self._child.send(keys)

    def wait_for_exit(self) -> int:
        """Waits for copier to end and returns its exit status."""
        deadline = time.monotonic() + TIMEOUT
        while self._read(deadline):
            if time.monotonic() > deadline:
                self.close()
                pytest.fail(f"copier did not exit; it showed:\n{self.text}", pytrace=False)
        self._child.close()
        status = self._child.exitstatus
        assert status is not None, f"copier was killed by signal {self._child.signalstatus}"
        return status

    def close(self) -> None:
        if self._child.isalive():
            self._child.close(force=True)


@pytest.fixture
def dst(tmp_path: Path) -> Path:
    return tmp_path / "my-service"


def answered_before(question: str, **overrides: str) -> dict[str, str]:
    """--data for the questions copier asks before `question`, so it comes first."""
    earlier = QUESTION_ORDER[: QUESTION_ORDER.index(question)]
    data = {name: DEFAULT_ANSWERS[name] for name in earlier if name in DEFAULT_ANSWERS}
    data.update(overrides)
    return data


def start_at(dst: Path, question: str, **overrides: str) -> CopierSession:
    """Starts `copier copy` and waits for `question`'s prompt."""
    session = CopierSession(dst, answered_before(question, **overrides))
    session.wait_for(PROMPT[question])
    return session


def abort_and_assert_nothing_written(session: CopierSession, dst: Path) -> None:
    """Ctrl-C at the current prompt: copier stops with an error status and the
    destination does not exist."""
    session.send(CTRL_C)
    status = session.wait_for_exit()
    assert status != 0, f"copier exited with 0 after Ctrl-C:\n{session.text}"
    assert "Execution stopped by user" in session.rest()
    assert not dst.exists(), f"copier wrote {sorted(p.name for p in dst.iterdir())}"


def answer_shown_for(question: str, shown: str) -> str:
    """The answer copier prints under a question once it is answered."""
    lines = [line.strip() for line in shown.splitlines()]
    asked = max(i for i, line in enumerate(lines) if PROMPT[question] in line)
    return next(line for line in lines[asked + 1 :] if line)


def typed(answer: str) -> str:
    """The keys that enter `answer`: a line break can only be pasted."""
    return PASTE_START + answer + PASTE_END if "\n" in answer else answer


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    BAD_ANSWERS,
    ids=[case_id(question, answer) for question, answer, _ in BAD_ANSWERS],
)
def test_prompt_shows_why_a_bad_answer_is_refused_and_asks_the_same_question_again(
    dst: Path, question: str, answer: str, message: str
) -> None:
    next_question = QUESTION_ORDER[QUESTION_ORDER.index(question) + 1]
    session = start_at(dst, question)
    try:
        session.send(CLEAR + typed(answer) + ENTER)
        shown = session.wait_for(f"Validation error for question '{question}': {message}")
        assert PROMPT[next_question] not in shown, "copier took the bad answer and moved on"

        # Still the same question: a good answer typed at the same prompt is taken.
        session.send(CLEAR + GOOD_ANSWER[question] + ENTER)
        session.wait_for(PROMPT[next_question])
        abort_and_assert_nothing_written(session, dst)
    finally:
        session.close()


def test_python_version_prompt_offers_only_supported_versions(dst: Path) -> None:
    """A menu, not free text: an unsupported version cannot be typed in, and
    typing one leaves the highlighted default selected."""
    session = start_at(dst, "python_version")
    try:
        menu = session.wait_for("3.13")
        offered = re.findall(r"\b3\.\d+\b", menu)
        assert offered == ["3.11", "3.12", "3.13"], menu

        session.send("3.9" + ENTER)
        shown = session.wait_for(PROMPT["api"])
        assert "3.9" not in shown
        assert answer_shown_for("python_version", shown) == "3.11", shown
        abort_and_assert_nothing_written(session, dst)
    finally:
        session.close()


@pytest.mark.parametrize(
    ("question", "keys", "overrides", "next_question", "never_asked"),
    [
        pytest.param(
            "api",
            DOWN + ENTER,
            {},
            "database",
            ["envoy", "rest_fallback", "frontend_client"],
            id="api=rest",
        ),
        pytest.param(
            "envoy",
            "n",
            {},
            "rest_fallback",
            ["frontend_client"],
            id="envoy=no",
        ),
    ],
)
def test_prompt_never_asks_a_question_whose_answer_would_conflict(
    dst: Path,
    question: str,
    keys: str,
    overrides: dict[str, str],
    next_question: str,
    never_asked: list[str],
) -> None:
    """Interactively the conflicting combinations cannot be entered: REST
    skips Envoy, the REST fallback and the TypeScript client; no Envoy skips
    the client."""
    session = start_at(dst, question, **overrides)
    try:
        session.send(keys)
        shown = session.wait_for(PROMPT[next_question])
        for skipped in never_asked:
            assert PROMPT[skipped] not in shown, f"copier asked {skipped} after {question}"
        if next_question == "rest_fallback":
            session.send("y")
            shown = session.wait_for(PROMPT["database"])
            assert PROMPT["frontend_client"] not in shown, "copier asked frontend_client"
        abort_and_assert_nothing_written(session, dst)
    finally:
        session.close()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "envoy",
            "Validation error for question 'envoy': Envoy fronts the gRPC server, "
            "so it needs api=grpc (you chose api=rest)",
        ),
        (
            "rest_fallback",
            "Validation error for question 'rest_fallback': A REST fallback sits beside "
            "a gRPC API; with api=rest the whole API is REST already",
        ),
    ],
    ids=["envoy=true", "rest_fallback=true"],
)
def test_choosing_rest_at_the_prompt_is_refused_when_data_turned_on_a_grpc_option(
    dst: Path, option: str, message: str
) -> None:
    """`--data envoy=true` and then REST at the api prompt: copier checks the
    given option against the chosen api, stops with the reason, writes nothing."""
    session = start_at(dst, "api", **{option: "true"})
    try:
        session.send(DOWN + ENTER)
        session.wait_for(message)
        status = session.wait_for_exit()
        assert status != 0, f"copier exited with 0:\n{session.text}"
        assert not dst.exists(), f"copier wrote {sorted(p.name for p in dst.iterdir())}"
    finally:
        session.close()
