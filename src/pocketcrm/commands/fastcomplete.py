"""The fast path of shell completion: values for the word under the cursor without Typer.

Typer and Click cost about 130 ms to import and Typer's parameter conversion another 90
(pydantic), more than the whole budget of a Tab. When the shell asks for a value (a contact
for a REF, a stage, a tag ...), this module reads the command line against the tree's shape
(completion_spec.py), finds the parameter being completed, and answers in the format of
Typer's own shell classes, importing only the standard library and sqlite3. Whatever it does
not fully understand (command and option names, an option it does not know, `--help`) it
leaves to Typer's path, which gives the same answers, slower.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any

from pocketcrm.commands.completion_spec import SPEC
from pocketcrm.commands.values import Candidates, Completer, Line, completer_for

VARIABLE = "_POCKETCRM_COMPLETE"
_WHITESPACE = re.compile(r"\s")
BASH_SPECIAL = frozenset(" \t'\"\\$`!&;|<>()[]{}*?#~")


def bash_escape(value: str) -> str:
    """VALUE as one bash word: "Ann Lee" -> "Ann\\ Lee"."""
    return "".join("\\" + ch if ch in BASH_SPECIAL else ch for ch in value)


def split(text: str) -> list[str]:
    """Words as the shell typed them; an unfinished quote keeps its partial word (as Click's
    split_arg_string does)."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:
        words.append(lexer.token)
    return words


def words_and_incomplete(shell: str) -> tuple[list[str], str]:
    """The words before the cursor (program name dropped) and the one being typed."""
    if shell == "bash":
        words = split(os.environ["COMP_WORDS"])
        cword = int(os.environ["COMP_CWORD"])
        return words[1:cword], words[cword] if cword < len(words) else ""
    typed = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = split(typed)[1:]
    # A last word still being typed, even one ending in an escaped or quoted space ("Ann\ "
    # after zsh inserted what two names share), is what one more letter would extend.
    if words and len(split(typed + "_")) == len(words) + 1:
        return words[:-1], words[-1]
    return words, ""


@dataclass
class _Parse:
    """Where a command line stands after each word: the command reached, its next argument,
    an option waiting for its value, and whether "--" has ended the options."""

    path: list[str] = field(default_factory=list)
    line: Line = field(default_factory=Line)
    position: int = 0
    pending: str | None = None
    rest: bool = False

    def shape(self) -> dict[str, Any] | None:
        shape: dict[str, Any] | None = SPEC.get(" ".join(self.path))
        return shape

    def read(self, word: str) -> bool:
        """Take WORD; False when the fast path cannot follow the line (Typer answers)."""
        shape = self.shape()
        if shape is None:
            return False
        if self.pending is not None:
            if self.pending == "db":
                self.line.db = word
            self.pending = None
            return True
        if word.startswith("-") and not self.rest:
            return self._option(shape, word)
        if "commands" in shape and self.position == 0:
            self.path.append(word)
            return word in shape["commands"]
        arguments = shape["arguments"]
        if self.position < len(arguments) and not arguments[self.position][1]:
            self.position += 1
        return True

    def _option(self, shape: dict[str, Any], word: str) -> bool:
        if word == "--":
            self.rest = True
            return True
        spelling, has_value, value = word.partition("=")
        option = shape["options"].get(spelling)
        if option is None:
            return False  # --help, or an option this shape does not know
        name, takes_value = option
        if not takes_value:
            self.line.flags.add(name)
        elif not has_value:
            self.pending = name
        elif name == "db":
            self.line.db = value
        return True

    def parameter(self) -> str | None:
        """The parameter the word being typed fills; None for a command name or nothing."""
        shape = self.shape()
        if shape is None:
            return None
        if self.pending is not None:
            return self.pending
        if "commands" in shape or self.position >= len(shape["arguments"]):
            return None
        name: str = shape["arguments"][self.position][0]
        return name


def locate(words: list[str], incomplete: str) -> tuple[Completer, Line, str] | None:
    """The completer for INCOMPLETE after WORDS, or None when Typer should answer."""
    if incomplete.startswith("-"):
        return None  # an option name
    parse = _Parse()
    if not all(parse.read(word) for word in words):
        return None
    name = parse.parameter()
    completer = completer_for(parse.path, name) if name is not None else None
    return (completer, parse.line, incomplete) if completer is not None else None


def formatted(shell: str, candidates: Candidates) -> str:
    """The answer as Typer's class for SHELL prints it."""
    if shell == "bash":
        return "\n".join(bash_escape(value) for value, _ in candidates)
    if shell == "fish":
        return "\n".join(
            f"{value}\t{_WHITESPACE.sub(' ', about)}" if about else value
            for value, about in candidates
        )
    return zsh_answer(candidates)


def _quoted(text: str) -> str:
    """TEXT in single quotes for zsh (its spaces collapse once: the script runs `eval $(...)`)."""
    return "'" + text.replace("'", "'\\''") + "'"


def zsh_answer(candidates: Candidates) -> str:
    """What zsh evaluates: the candidates added as they are (compadd -U), since they were
    matched here (any word of a name, accents and case ignored; zsh's own matching would
    drop "Ann Lee" for "ann"), each with its description beside it; "_files" for none, as
    Typer answers."""
    if not candidates:
        return "_files"
    shown = [f"{value} -- {about}" if about else value for value, about in candidates]
    return (
        "local -a _pocketcrm_values _pocketcrm_shown; "
        f"_pocketcrm_values=( {' '.join(_quoted(v) for v, _ in candidates)} ); "
        f"_pocketcrm_shown=( {' '.join(_quoted(d) for d in shown)} ); "
        "compadd -U -l -d _pocketcrm_shown -a _pocketcrm_values"
    )


def answer() -> bool:
    """Answer the shell if this process was started for a value it can complete alone;
    False leaves it to Typer."""
    instruction = os.environ.get(VARIABLE, "")
    action, _, shell = instruction.partition("_")
    if action != "complete" or shell not in ("bash", "zsh", "fish"):
        return False
    try:
        found = locate(*words_and_incomplete(shell))
    except (KeyError, ValueError):
        return False
    if found is None:
        return False
    completer, line, incomplete = found
    candidates = completer(line, incomplete)
    if shell == "fish" and os.environ.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        sys.exit(0 if candidates else 1)
    sys.stdout.write(formatted(shell, candidates) + "\n")
    return True
