"""How much rendering work one incident file asks for, capped so that no file can stall a build.

Every file is under 1 MB and every field under its length cap, yet a file of 21
fields full of ``[`` took 88 s to build: Markdown's cost is not its length (the
parser spends ~700 times as long on a ``[`` as on a letter, and it runs for every
format), and the PDF lays out every character.  So each file's text is weighed
character by character, with what a whole build spends on it (measured in
``benchmarks/worst_case.py``), and the total is capped, as are the lengths of its
lists (5,000 updates made one PDF take 390 MB).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

# Cost of one character relative to a plain letter in a whole build (Markdown parsed for every format, then
# laid out in the PDF), rounded up; measured by benchmarks/worst_case.py, which also prints the slowest file.
MARKDOWN_WEIGHTS = {"[": 10, "!": 12, "(": 8, "*": 12, "_": 8, "\n": 30, "]": 2, "\\": 2, "#": 2, "<": 2, "&": 2}
MAX_MARKDOWN_WORK = 150_000  # per file: ~150 KB of prose, or ~15,000 `[`; a long real postmortem is well under half
MAX_LIST_LENGTH = 500  # entries in any one list (updates, timeline entries, components …)
MAX_LIST_ENTRIES = 2_000  # entries in all the lists of one file together

Path = tuple[object, ...]


def markdown_work(text: str) -> int:
    """The estimated parsing work of ``text``: its length, plus the extra weight of costly characters."""
    return len(text) + sum(text.count(char) * (weight - 1) for char, weight in MARKDOWN_WEIGHTS.items())


def walk(model: BaseModel) -> Iterator[tuple[Path, object]]:
    """Every text and list of a model with its data path (``("updates", 3, "body")``)."""
    stack: list[tuple[Path, object]] = [((), model)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, list):
            yield path, value
            stack.extend(((*path, index), item) for index, item in enumerate(value) if not isinstance(item, (bool, int)))
        elif isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items() if isinstance(item, (str, list, dict, BaseModel)))
        elif isinstance(value, BaseModel):
            fields = value.__dict__
            stack.extend(((*path, name), item) for name, item in fields.items() if isinstance(item, (str, list, dict, BaseModel)))


def list_problems(lists: Iterator[tuple[Path, list[object]]]) -> list[tuple[Path, str]]:
    """``(where, message)`` for lists over ``MAX_LIST_LENGTH`` and for a file over ``MAX_LIST_ENTRIES`` in all."""
    problems: list[tuple[Path, str]] = []
    entries = 0
    for path, value in lists:
        entries += len(value)
        if len(value) > MAX_LIST_LENGTH:
            problems.append((path, f"{len(value):,} entries; the limit is {MAX_LIST_LENGTH:,} per list "
                                   "(split the incident, or keep the detail in a linked document)"))
    if entries > MAX_LIST_ENTRIES:
        problems.append(((), f"the file's lists hold {entries:,} entries together; the limit is {MAX_LIST_ENTRIES:,}"))
    return problems


def raw_lists(data: object) -> Iterator[tuple[Path, list[object]]]:
    """Every list of a file's data as read (before validation) with its data path."""
    stack: list[tuple[Path, object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, list):
            yield path, value
            stack.extend(((*path, index), item) for index, item in enumerate(value) if isinstance(item, (list, dict)))
        elif isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items() if isinstance(item, (list, dict)))


def work_problems(model: BaseModel) -> list[tuple[Path, str]]:
    """``(where, message)`` for a file whose text or lists ask for more work than any file may."""
    texts: list[tuple[Path, str]] = []
    lists: list[tuple[Path, list[object]]] = []
    for path, value in walk(model):
        if isinstance(value, str):
            texts.append((path, value))
        elif isinstance(value, list):
            lists.append((path, value))
    problems = list_problems(iter(lists))
    total_work = markdown_work("".join(text for _, text in texts))  # one pass over all the text; per field only when too much
    if total_work > MAX_MARKDOWN_WORK:
        work, where = max(((markdown_work(text), path) for path, text in texts), key=lambda pair: pair[0])
        problems.append((where, f"the text of this file is too costly to render ({total_work:,} work units; the limit "
                                f"is {MAX_MARKDOWN_WORK:,}; this field alone is {work:,}): Markdown markup such as "
                                "`[`, `*`, `_` and line breaks weighs more than plain words; shorten the text or split the incident"))
    return problems
