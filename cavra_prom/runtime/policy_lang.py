"""The policy-bundle text format: a line-oriented language and its parser.

A bundle reads top to bottom; the first matching rule decides, else the default::

    # comments start with '#'
    bundle payments-guard version 3
    default deny
    rule deny-critical deny when risk >= 90
    rule reads allow when action in [read, list] and risk < 50
    rule pii-export review when action == export and resource ~ "^pii/"
    rule catch-all review

A matcher is ``<field> <op> <literal>``; ops are ``== != < <= > >= in ~`` (``~`` is a regex
search); literals are integers, bare words, "quoted strings" or ``[a, b]`` lists. The parser
checks only syntax (and reports the line); meaning (field names, types, regexes) is the
compiler's job, so a well-formed but wrong bundle fails at compile time, as it would in a real
policy toolchain.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final

from cavra_prom.errors import CavraError
from cavra_prom.runtime.model import EFFECTS, Effect

Literal_ = str | int | tuple[str | int, ...]
OPERATORS: Final = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "~"})

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>==|!=|<=|>=|<|>|~|\[|\]|,)|(?P<word>[\w./*:@-]+))'
)


class PolicyError(CavraError):
    """A policy bundle is wrong; ``line`` is 1-based where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class PolicyParseError(PolicyError):
    """The bundle text is not well formed."""


@dataclass(frozen=True, slots=True)
class MatcherAst:
    field: str
    op: str
    value: Literal_
    line: int


@dataclass(frozen=True, slots=True)
class RuleAst:
    rule_id: str
    effect: Effect
    matchers: tuple[MatcherAst, ...]
    line: int


@dataclass(frozen=True, slots=True)
class BundleAst:
    name: str
    version: int
    default_effect: Effect
    rules: tuple[RuleAst, ...]


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "str", "op" or "word"
    text: str


def tokenize(line: str, lineno: int) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    line = line.rstrip()
    while pos < len(line):
        if line[pos:].lstrip().startswith("#"):
            break
        match = _TOKEN.match(line, pos)
        if match is None or match.end() == pos:
            raise PolicyParseError(f"unexpected character {line[pos:].strip()[:1]!r}", lineno)
        kind = match.lastgroup or "word"
        tokens.append(_Tok(kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Cursor:
    """Walks one line's tokens, raising parse errors that carry the line number."""

    def __init__(self, tokens: list[_Tok], lineno: int) -> None:
        self.tokens, self.pos, self.lineno = tokens, 0, lineno

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, what: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise PolicyParseError(f"expected {what}, found end of line", self.lineno)
        self.pos += 1
        return tok

    def word(self, what: str, expected: str | None = None) -> str:
        tok = self.take(what)
        if tok.kind != "word" or (expected is not None and tok.text != expected):
            raise PolicyParseError(f"expected {what}, found {tok.text!r}", self.lineno)
        return tok.text

    def done(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise PolicyParseError(f"unexpected {tok.text!r} at end of line", self.lineno)


def _effect(cur: _Cursor) -> Effect:
    text = cur.word("an effect (allow, deny, review)")
    for effect in EFFECTS:
        if text == effect:
            return effect
    raise PolicyParseError(f"unknown effect {text!r} (allow, deny, review)", cur.lineno)


def _scalar(tok: _Tok, lineno: int) -> str | int:
    if tok.kind == "str":
        value = json.loads(tok.text)
        assert isinstance(value, str)
        return value
    if tok.kind == "word":
        return int(tok.text) if re.fullmatch(r"-?\d+", tok.text) else tok.text
    raise PolicyParseError(f"expected a value, found {tok.text!r}", lineno)


def _literal(cur: _Cursor) -> Literal_:
    tok = cur.take("a value")
    if tok.text != "[" or tok.kind != "op":
        return _scalar(tok, cur.lineno)
    items: list[str | int] = []
    while True:
        items.append(_scalar(cur.take("a list item"), cur.lineno))
        sep = cur.take("',' or ']'")
        if sep.text == "]":
            return tuple(items)
        if sep.text != ",":
            raise PolicyParseError(f"expected ',' or ']', found {sep.text!r}", cur.lineno)


def _matcher(cur: _Cursor) -> MatcherAst:
    field = cur.word("a field name")
    op = cur.take("an operator").text
    if op not in OPERATORS:
        raise PolicyParseError(f"unknown operator {op!r}", cur.lineno)
    return MatcherAst(field, op, _literal(cur), cur.lineno)


def _rule(cur: _Cursor) -> RuleAst:
    rule_id = cur.word("a rule id")
    effect = _effect(cur)
    matchers: list[MatcherAst] = []
    if cur.peek() is not None:
        cur.word("'when'", "when")
        matchers.append(_matcher(cur))
        while cur.peek() is not None:
            cur.word("'and'", "and")
            matchers.append(_matcher(cur))
    return RuleAst(rule_id, effect, tuple(matchers), cur.lineno)


def _header(cur: _Cursor) -> tuple[str, int]:
    name = cur.word("a bundle name")
    cur.word("'version'", "version")
    version = _scalar(cur.take("a version number"), cur.lineno)
    if not isinstance(version, int) or version < 1:
        raise PolicyParseError("bundle version must be a positive integer", cur.lineno)
    cur.done()
    return name, version


def parse_bundle(text: str) -> BundleAst:
    """Parse bundle text into its syntax tree; raise PolicyParseError on the first bad line."""
    header: tuple[str, int] | None = None
    default: Effect | None = None
    rules: list[RuleAst] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        tokens = tokenize(raw, lineno)
        if not tokens:
            continue
        cur = _Cursor(tokens, lineno)
        keyword = cur.word("'bundle', 'default' or 'rule'")
        if keyword == "bundle" and header is None and not rules:
            header = _header(cur)
        elif keyword == "default" and header is not None and default is None:
            default = _effect(cur)
            cur.done()
        elif keyword == "rule" and header is not None:
            rules.append(_rule(cur))
        else:
            raise PolicyParseError(f"unexpected {keyword!r} here", lineno)
    if header is None:
        raise PolicyParseError("missing 'bundle <name> version <n>' header")
    return BundleAst(header[0], header[1], default or "deny", tuple(rules))
