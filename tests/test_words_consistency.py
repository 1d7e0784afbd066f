"""One name per concept wherever a person reads Hireloop's words, held to docs/glossary.md.

docs/glossary.md's "Words to avoid" table says, per concept, the one name Hireloop uses and the
words it does not use for that concept. This file reads that table and looks for the avoided
words in everything a person reads: the CLI's help and messages (through the command tree the
`hireloop` script runs), the error messages of app/ (the literals raised as domain errors,
found in the source's syntax tree, so a new message is checked without a list to update), the
candidates' pages, the event catalogue's descriptions and the guides. A failure names the file
and line.

A word the table avoids may still mean something else: "the periodic job", "Greenhouse job",
"your Microsoft 365 tenant". EXCEPTIONS below holds those other meanings, one rule per word, and
the table's last column says the same in prose; both must name the same words. CONTEXT holds
the one meaning a paragraph may settle for itself: once it names the worker's periodic jobs,
"the job" in it is one of them.

The messages are also held to the house style of a sentence: a problem's `detail` and a CLI
line start with a capital (after `hireloop: `, with a small letter, as Unix tools do), help
texts end with a period, and none shows Python's internals (`None`, `<str>`, a class name).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from app.cli import command
from app.domain.events.catalogue import CATALOGUE
from app.pages.strings import ENGLISH

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
DOCS = ROOT / "docs"
GLOSSARY = DOCS / "glossary.md"


@dataclass(frozen=True)
class Text:
    """One piece of text a person reads, and where it is written."""

    where: str  # path:line
    text: str
    kind: str  # "detail", "field", "cli", "help", "page", "event", "doc"


# --- the glossary's table ---------------------------------------------------------------------


@cache
def avoided() -> dict[str, str]:
    """Each avoided word (lower case, as the table writes it in italics) and the name to say."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## Words to avoid", 1)[1]
    rules: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) < 3 or set(cells[0]) <= {"-", " "}:
            continue
        say = re.findall(r"\*\*([^*]+)\*\*", cells[0])
        if not say:
            continue
        for word in re.findall(r"\*([^*]+)\*", cells[1]):
            rules[word.lower()] = say[0]
    return rules


# Other meanings of an avoided word, as patterns over the sentence around it (case-insensitive).
# A match anywhere in the sentence exempts the occurrences the pattern covers: each pattern
# contains the word itself, so only that use is exempt. Keep each one as narrow as the meaning.
VENDOR = r"(Greenhouse|Lever|Ashby|vendor|ATS)"
EXCEPTIONS: dict[str, list[str]] = {
    "job": [
        # The worker's jobs, named as such or by their name.
        r"periodic jobs?",
        r"\b(reminder|expiry|retention|digest|outcomes|reconcile) jobs?\b",
        r"`…` jobs?\b",
        r"\b(minutely|system) jobs?\b",
        r"^\| ?jobs? \|",
        # A vendor's own object, which becomes a role.
        rf"\b{VENDOR}('s)? jobs?\b",
        r"\bjob (stage|becomes a role|posting)\b",
        r"\bjobs?(,|'|s') (then|existence)\b",
        r"\bnames no job\b",
        r"\bbackfill of jobs\b",
        r"\bevery job, then every candidate\b",
        # Kubernetes' object, and the idiom.
        r"\ba Job \(or",
        r"\b(does|finishes) the job\b",
    ],
    "opening": [
        # The verb: opening a link, a page, a channel.
        r"\bopening (it|one|the|a|an|this|its|their|/|`)",
    ],
    "tenant": [
        # Microsoft 365's directory, which the calendar guide has to name.
        r"\b(your|single|Microsoft 365|a wrong|in the) tenant\b",
    ],
    "user": [
        # Another system's users: a vendor's, Google's or Microsoft's, the operating system's.
        r"\b(Lever|Radicale|Workspace's|unprivileged) users?\b",
        r"\busers? (name|id|in its htpasswd)\b",
        r"\byour users \(domain-wide delegation\)",
        r"\blet users consent\b",
    ],
    "subscription": [
        # Microsoft Graph's own object for pushes.
        r"\b(Graph|a dropped|open and renew) subscriptions?\b",
    ],
    "applicant": [r"\bapplicant tracking system"],
    "company": [
        # The candidate's employer, a field of their profile.
        r"\b(current )?title,? (and )?company\b",
    ],
    # Greenhouse's own archive reason.
    "org": [r'"rejected by org"'],
}
# A paragraph that has already said which meaning it uses: once it names the worker's periodic
# jobs, "the job" in it is one of them.
CONTEXT: dict[str, str] = {"job": r"\bperiodic jobs?\b|\bthe worker\b|\bworker's\b"}


def word_pattern(word: str) -> re.Pattern[str]:
    """The word, its plural and possessive, as a whole word (`org` is not `organization`)."""
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return re.compile(rf"\b({re.escape(word)}|{re.escape(plural)})\b(?!-)", re.IGNORECASE)


def violations(text: str) -> Iterator[tuple[str, str, int]]:
    """(avoided word, name to say, offset) for each use of an avoided word that no exception
    covers. Lines are joined, so a phrase wrapped over two lines is still one phrase."""
    flat = text.replace("\n", " ")
    for sentence in re.finditer(r"[^.;:!?]+[.;:!?]*", flat):
        for word, say in avoided().items():
            if word in CONTEXT and re.search(CONTEXT[word], flat, re.IGNORECASE):
                continue
            exempt: list[tuple[int, int]] = []
            for pattern in EXCEPTIONS.get(word, []):
                exempt += [m.span() for m in re.finditer(pattern, sentence.group(0), re.I)]
            for found in word_pattern(word).finditer(sentence.group(0)):
                if not any(a <= found.start() < b for a, b in exempt):
                    yield found.group(0), say, sentence.start() + found.start()


# --- what people read -------------------------------------------------------------------------

# Constructors whose arguments are messages: the domain errors (found below by their base
# classes), the field errors, the CLI's error and pydantic validators' ValueError (a field's
# message after "Value error, " is cut).
MESSAGE_CALLS = {"not_found", "for_field", "FieldError", "CliError", "MutationError", "ValueError"}
# Field messages follow the field's name ("title: is required"), so they start in lower case.
FIELD_CALLS = {"for_field", "FieldError", "ValueError"}


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@cache
def app_modules() -> list[tuple[Path, ast.Module]]:
    return [(p, parse(p)) for p in sorted(APP.rglob("*.py"))]


@cache
def error_classes() -> dict[str, int | None]:
    """DomainError and every class of app/ that derives from it, however deep, with the
    position of the `detail` its constructor takes (None when it makes its own: FollowUpGone
    takes a reason code, NotFound a resource)."""
    classes: dict[str, ast.ClassDef] = {}
    for _, tree in app_modules():
        classes.update((n.name, n) for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
    known: dict[str, int | None] = {"DomainError": 0}
    grew = True
    while grew:
        grew = False
        for name, node in classes.items():
            bases = [
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            ]
            parent = next((b for b in bases if b in known), None)
            if name in known or parent is None:
                continue
            init = next(
                (f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"),
                None,
            )
            if init is None:
                known[name] = known[parent]
            else:
                params = [a.arg for a in init.args.args[1:]]
                known[name] = params.index("detail") if "detail" in params else None
            grew = True
    return known


def called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def literal(node: ast.AST, constants: dict[str, str]) -> str | None:
    """The text of a string, an f-string (`{…}` for what is filled in), a concatenation, or a
    module constant named by the argument."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{…}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal(node.left, constants), literal(node.right, constants)
        if left is not None or right is not None:
            return (left or "{…}") + (right or "{…}")
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return None


def strings_within(node: ast.AST, constants: dict[str, str]) -> Iterator[tuple[int, str]]:
    """Every literal in an argument: a conditional's branches, a dict's values."""
    text = literal(node, constants)
    if text is not None:
        yield getattr(node, "lineno", 0), text
        return
    if isinstance(node, ast.IfExp):
        # The branches are the messages; the condition is not.
        yield from strings_within(node.body, constants)
        yield from strings_within(node.orelse, constants)
        return
    for child in ast.iter_child_nodes(node):
        # A call inside (a FieldError in a list) is read as a call of its own.
        if isinstance(child, ast.Call) or (isinstance(node, ast.Dict) and child in node.keys):
            continue
        yield from strings_within(child, constants)


def module_constants(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                text = literal(node.value, found)
                if text is not None:
                    found[target.id] = text
    return found


@cache
def error_messages() -> list[Text]:
    """Every message literal app/ raises: arguments of domain errors, field errors, the CLI's
    errors and validators' ValueErrors, and any `detail=` or `message=` given to a call."""
    classes = error_classes()
    calls = MESSAGE_CALLS | classes.keys()
    texts: list[Text] = []
    for path, tree in app_modules():
        constants = module_constants(tree)
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            # A domain error that words its own message: `detail = {...}[reason]`.
            if isinstance(node, ast.ClassDef) and node.name in classes:
                for assign in ast.walk(node):
                    if isinstance(assign, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "detail" for t in assign.targets
                    ):
                        for line, text in strings_within(assign.value, constants):
                            texts.append(Text(f"{rel}:{line}", text, "detail"))
            if not isinstance(node, ast.Call):
                continue
            name = called(node)
            arguments: list[tuple[ast.AST, str]] = []
            if name in calls:
                kind = "field" if name in FIELD_CALLS else "detail"
                # for_field(name, message) and FieldError(field, message): the message is 2nd;
                # a domain error's is where its constructor takes `detail`.
                position = 1 if name in {"for_field", "FieldError"} else classes.get(name, 0)
                if name == "NotFound":
                    # It names a resource; its sentence is made in app/errors.py.
                    position, kind = 0, "resource"
                if position is not None:
                    arguments += [(a, kind) for a in node.args[position : position + 1]]
            arguments += [
                (k.value, "field" if k.arg == "message" and name in FIELD_CALLS else "detail")
                for k in node.keywords
                if k.arg in {"detail", "message"}
            ]
            for argument, kind in arguments:
                for line, text in strings_within(argument, constants):
                    texts.append(Text(f"{rel}:{line}", text, kind))
    return texts


def source_line(path: Path, text: str) -> int:
    """The line of `path` that holds the start of `text` (help comes from docstrings and
    keyword arguments, which click has joined and dedented)."""
    head = text.strip().splitlines()[0][:40] if text.strip() else ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if head and head in line:
            return number
    return 1


def commands() -> Iterator[tuple[str, Any]]:
    stack: list[tuple[str, Any]] = [("hireloop", command())]
    while stack:
        name, cmd = stack.pop()
        yield name, cmd
        for sub_name, sub in getattr(cmd, "commands", {}).items():
            stack.append((f"{name} {sub_name}", sub))


@cache
def cli_help() -> list[Text]:
    """Every command's help and epilog and every option's and argument's help, as the
    `hireloop` script shows them, with the line of app/cli.py they come from."""
    cli = APP / "cli.py"
    texts: list[Text] = []
    for name, cmd in commands():
        for text in (cmd.help, cmd.epilog):
            if text:
                texts.append(Text(f"app/cli.py:{source_line(cli, text)} ({name})", text, "help"))
        for param in cmd.params:
            if getattr(param, "help", None):
                where = f"app/cli.py:{source_line(cli, param.help)} ({name} {param.name})"
                texts.append(Text(where, param.help, "help"))
    return texts


@cache
def cli_lines() -> list[Text]:
    """What the CLI prints: the literals given to typer.echo in app/cli.py."""
    path = APP / "cli.py"
    tree = parse(path)
    constants = module_constants(tree)
    texts: list[Text] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and called(node) == "echo" and node.args:
            for line, text in strings_within(node.args[0], constants):
                err = any(k.arg == "err" for k in node.keywords)
                texts.append(Text(f"app/cli.py:{line}", text, "cli-error" if err else "cli"))
    return texts


def page_strings() -> list[Text]:
    path = APP / "pages" / "strings.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    texts = []
    for key, text in ENGLISH.items():
        line = next((i for i, s in enumerate(lines, 1) if f'"{key}"' in s), 1)
        texts.append(Text(f"app/pages/strings.py:{line} ({key})", text, "page"))
    return texts


def catalogue_descriptions() -> list[Text]:
    path = APP / "domain" / "events" / "catalogue.py"
    texts = []
    for name, event in CATALOGUE.items():
        texts.append(
            Text(
                f"{path.relative_to(ROOT)}:{source_line(path, event.description)} ({name})",
                event.description,
                "event",
            )
        )
    return texts


def doc_prose(path: Path) -> Iterator[Text]:
    """The paragraphs of a guide's prose (a table row or a list item is one): no fenced blocks,
    no code spans, no link targets, no HTML. `where` is the paragraph's first line."""
    inside = False
    start, lines = 0, list[str]()
    for number, line in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], 1):
        if re.match(r"^ {0,3}(```|~~~)", line):
            inside = not inside
            line = ""
        elif inside:
            continue
        line = re.sub(r"`[^`]*`", "`…`", line)
        line = re.sub(r"\]\([^)]*\)", "]", line)
        line = re.sub(r"<[^>]+>", " ", line)
        new = not line.strip() or re.match(r"^\s*(\||[-*] |\d+\. |#)", line)
        if new and lines:
            yield Text(f"{path.relative_to(ROOT)}:{start}", "\n".join(lines), "doc")
            lines = []
        if line.strip():
            start = start if lines else number
            lines.append(line)


def docs_texts() -> list[Text]:
    # The glossary names the avoided words on purpose; every other guide and the front door.
    paths = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    return [t for p in paths if p != GLOSSARY for t in doc_prose(p)]


SURFACES: dict[str, Callable[[], list[Text]]] = {
    "errors": error_messages,
    "cli help": cli_help,
    "cli output": cli_lines,
    "candidate pages": page_strings,
    "event catalogue": catalogue_descriptions,
    "docs": docs_texts,
}


# --- the checks -------------------------------------------------------------------------------


def test_the_glossary_says_which_words_to_avoid() -> None:
    rules = avoided()
    assert len(rules) >= 5, "docs/glossary.md has no 'Words to avoid' table"
    stale = sorted(EXCEPTIONS.keys() - rules.keys())
    assert stale == [], f"EXCEPTIONS for words the glossary no longer avoids: {stale}"


def test_the_extraction_finds_what_people_read() -> None:
    """A guard against a check that passes because it reads nothing."""
    messages = {t.text for t in error_messages()}
    assert "The API key is unknown or revoked" in messages
    assert any("cannot move" in m for m in messages)
    assert len(error_messages()) > 300
    helps = {t.text for t in cli_help()}
    assert "Print the version and exit." in helps
    assert any(t.where.endswith("(hireloop org issue-key admin_email)") for t in cli_help())
    assert len(page_strings()) > 50
    assert len(docs_texts()) > 500


def at(text: Text, offset: int) -> str:
    """The line of a paragraph's word: a doc's paragraph starts at the line in `where`."""
    if text.kind != "doc":
        return text.where
    path, line = text.where.rsplit(":", 1)
    return f"{path}:{int(line) + text.text[:offset].count(chr(10))}"


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_one_name_per_concept(surface: str) -> None:
    found = [
        f"{at(t, offset)}: says {word!r}; the glossary says {say!r}: "
        f"{' '.join(t.text[max(0, offset - 50) : offset + 50].split())!r}"
        for t in SURFACES[surface]()
        for word, say, offset in violations(t.text)
    ]
    assert found == [], "\n" + "\n".join(found)


# Python's words for nothing and for its types, which mean nothing to a reader of a message.
INTERNALS = re.compile(
    r"\b(None|NoneType|UUID\(|uuid|dict|str|int|bool|datetime\.|Traceback|sqlalchemy|asyncpg|"
    r"pydantic|model_validate)\b|<(str|int|bool|float|path)>|\[type="
)


def test_messages_are_plain_sentences() -> None:
    """A problem's detail starts with a capital; no message shows Python's internals."""
    wrong = []
    for t in error_messages():
        if INTERNALS.search(t.text):
            wrong.append(f"{t.where}: shows internals: {t.text!r}")
        first = t.text.lstrip("'\"")[:1]
        # The CLI's errors follow `hireloop: ` (test_cli_lines_are_consistent).
        cli = t.where.startswith("app/cli.py")
        if t.kind == "detail" and not cli and first.isalpha() and not first.isupper():
            wrong.append(f"{t.where}: does not start with a capital: {t.text!r}")
    assert wrong == [], "\n" + "\n".join(wrong)


def test_cli_help_is_sentences() -> None:
    wrong = []
    for name, cmd in commands():
        rendered = cmd.get_help(cmd.make_context(name, [], resilient_parsing=True))
        if INTERNALS.search(rendered):
            wrong.append(f"{name} --help shows internals: {INTERNALS.search(rendered)}")
    for t in cli_help():
        text = t.text.strip()
        if not text[:1].isupper() or not text.endswith((".", ")")):
            wrong.append(f"{t.where}: help is not a sentence with a capital and a period: {text!r}")
    assert wrong == [], "\n" + "\n".join(wrong)


def test_cli_lines_are_consistent() -> None:
    """What goes to stdout is a sentence; an error line follows `hireloop: ` in lower case."""
    wrong = []
    for t in cli_lines():
        text = t.text.strip()
        first = text[:1]
        if t.kind == "cli-error" or t.text.startswith("hireloop "):
            continue
        if first.isalpha() and not first.isupper():
            wrong.append(f"{t.where}: does not start with a capital: {text!r}")
    for t in error_messages():
        if t.where.startswith("app/cli.py") and t.kind == "detail":
            if t.text[:1].isupper() and not t.text.startswith(("DATABASE_URL", "{")):
                wrong.append(f"{t.where}: follows `hireloop: ` so starts in lower case: {t.text!r}")
            if t.text.rstrip().endswith("."):
                wrong.append(f"{t.where}: an error line ends without a period: {t.text!r}")
    assert wrong == [], "\n" + "\n".join(wrong)
