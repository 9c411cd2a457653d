"""Extract the register of requirements from the spec's text renderings, mechanically.

``python -m properties.requirements.extract [SPEC_DIR]`` rewrites
``properties/requirements/register.json`` from ``SPEC_DIR`` (default: ``../shared/spec``
next to the repository, else ``/work/shared/spec``).

A statement is
- a sentence with SHALL, MUST, SHOULD, REQUIRED, RECOMMENDED, their negations, or the
  restriction "MAY only" (RFC 2119 key words; OCPP 1.6 §2.1). Sentences that only quote a key
  word (“MUST”) and the errata's "Old text" cells are left out;
- a row of a field table of §6 (messages) and §7 (types) of OCPP 1.6: cardinality, type, ranges;
- an enumeration of §7: the values allowed.

The text files are ``pdftotext -layout`` renderings: columns are runs of 3+ spaces, page
numbers stand alone on a line, form feeds start pages. Ids are ``DOC-SECTION-NNN``, numbered
in the order of the text within a section.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
REGISTER = HERE / "register.json"


@dataclass(frozen=True)
class Document:
    key: str
    file: str
    title: str


DOCUMENTS = (
    Document("OCPP16", "ocpp-1.6-edition-2.txt", "OCPP 1.6 edition 2"),
    Document("OCPP16E", "ocpp-1.6-errata-sheet.txt", "OCPP 1.6 errata sheet v4.0"),
    Document("OCPPJ16", "ocpp-j-1.6-specification.txt", "OCPP-J 1.6"),
    Document("OCPPJ16E", "ocpp-j-1.6-errata-sheet.txt", "OCPP-J 1.6 errata sheet v1.0"),
)

KEY_WORDS = re.compile(r"\b(?:SHALL|MUST|SHOULD)(?:\s+(?:NOT|not)\b)?|\bREQUIRED\b|\b(?:NOT\s+)?RECOMMENDED\b"
                       r"|\bMAY only\b")
QUOTED_KEY_WORD = re.compile(r"[“\"](?:MUST|SHALL|SHOULD|REQUIRED|RECOMMENDED|MAY|OPTIONAL)(?: NOT)?[”\"]")
KINDS = (  # strongest first: a sentence takes the kind of its strongest key word
    ("prohibition", ("SHALL NOT", "MUST NOT")),
    ("obligation", ("SHALL", "MUST", "REQUIRED", "MAY ONLY")),
    ("discouragement", ("SHOULD NOT", "NOT RECOMMENDED")),
    ("recommendation", ("SHOULD", "RECOMMENDED")),
)

HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.\s+(\S.*)$")
APPENDIX = re.compile(r"^(?:Appendix ([A-Z]):\s*(.*)|([A-Z]\.\d+)\.\s+(\S.*))$")
CAPTION = re.compile(r"^(?:Figure|Table) \d+[.:]\s")
PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
DOT_LEADER = re.compile(r"\. \. \.")
COLUMN_GAP = re.compile(r"\s{3,}")
PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
BULLET = re.compile(r"^(?:•|-\s|\d{1,2}\.\s|[a-z]\)\s)")
FIELD_ROW = re.compile(r"^(\s{1,4})([a-z][A-Za-z0-9]*)\s{2,}(\S(?:.*?\S)?)\s{2,}([01]\.\.[1*])(?:\s{2,}(.*))?$")
ENUM_ROW = re.compile(r"^\s{0,4}([A-Za-z][A-Za-z0-9.\-]*)(?:\s{2,}(.*))?$")
ENUM_HEADER = re.compile(r"(?:VALUE|STATUS)\s{3,}(?:DESCRIPTION|CONDITION)")
SENDER = re.compile(r"(?:sent|returned|return) (?:by|from) (?:the )?(Charge Point|Central System)"
                    r"|sent to (?:the )?(Charge Point|Central System) by|sent (either) by")
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "incl.", "Fig.", "No.")
NOTE_COLUMN = 10
LABEL_COLUMN = 6
"""A column that starts left of this is a label (a field name, "Description", "Old text")."""


@dataclass
class Line:
    number: int
    text: str


@dataclass
class Section:
    number: str
    title: str
    informative: bool = False
    sender: str | None = None


@dataclass
class Paragraph:
    section: Section
    lines: list[Line] = field(default_factory=list)
    old: bool = False  # an errata "Old text" cell
    column: int = 0


# -- reading the layout ---------------------------------------------------------------


def clean(text: str) -> str:
    return PRIVATE_USE.sub(" ", text.replace("\f", "")).rstrip()


def segments(text: str) -> list[tuple[int, str]]:
    """(column, text) of each column of a line."""
    found, position = [], len(text) - len(text.lstrip())
    for part in COLUMN_GAP.split(text.strip()):
        position = text.index(part, position)
        found.append((position, part))
        position += len(part)
    return found


def successor(current: list[int], candidate: list[int]) -> bool:
    """A heading number that can follow ``current``: a next sibling at some level (gaps of up
    to three tolerated: an erratum may be withdrawn), or a first child. The first heading is any."""
    if not current:
        return True
    for level in range(len(current) + 1):
        if candidate[:level] != current[:level] or len(candidate) <= level:
            continue
        step = candidate[level] - (current[level] if level < len(current) else 0)
        if 1 <= step <= 3 and all(n == 1 for n in candidate[level + 1:]):
            return True
    return False


def heading(text: str, current: list[int]) -> tuple[str, str] | None:
    if DOT_LEADER.search(text) or text.startswith(" "):
        return None
    match = HEADING.match(text)
    if match and successor(current, [int(n) for n in match[1].split(".")]):
        return match[1], match[2].strip()
    match = APPENDIX.match(text)
    if match:
        return (match[1], match[2].strip()) if match[1] else (match[3], match[4].strip())
    return None


# -- paragraphs ---------------------------------------------------------------------------


class Reader:
    """Turns a document's lines into sections, paragraphs and table rows."""

    def __init__(self, lines: list[str]):
        self.lines = [clean(text) for text in lines]
        self.sections: list[Section] = []
        self.paragraphs: list[Paragraph] = []
        self.current: list[int] = []
        self.section_of: list[Section | None] = []
        self.paragraph: Paragraph | None = None
        self.after_gap = False
        self.page_break = False

    def read(self) -> "Reader":
        index = 0
        while index < len(self.lines):
            index = self.line(index)
        self.close()
        return self

    @property
    def section(self) -> Section:
        return self.sections[-1] if self.sections else Section("0", "front matter")

    def line(self, index: int) -> int:
        text = self.lines[index]
        self.section_of.append(self.sections[-1] if self.sections else None)
        if not text.strip() or PAGE_NUMBER.match(text) or DOT_LEADER.search(text):
            self.after_gap = self.after_gap or bool(self.paragraph)
            self.page_break = self.page_break or bool(PAGE_NUMBER.match(text))
            return index + 1
        if CAPTION.match(text):
            self.close()
            return index + 1
        found = heading(text, self.current)
        if found:
            return self.open_section(index, *found)
        self.text_line(Line(index + 1, text))
        return index + 1

    def open_section(self, index: int, number: str, title: str) -> int:
        self.close()
        following = self.lines[index + 1] if index + 1 < len(self.lines) else ""
        index += 1
        if len(self.lines[index - 1]) >= 75 and following.strip() and not following.startswith(" "):
            title, index = f"{title} {following.strip()}", index + 1
            self.section_of.append(None)
        parent = self.section if number.startswith(self.section.number + ".") else None
        informative = bool(parent and parent.informative)
        self.sections.append(Section(number, title, informative))
        if number[0].isdigit():
            self.current = [int(n) for n in number.split(".")]
        return index

    def text_line(self, line: Line) -> None:
        columns = segments(line.text)
        column, text = columns[-1]
        labelled = len(columns) > 1 and columns[0][0] < LABEL_COLUMN and columns[0][1] != "NOTE"
        labelled = labelled and (self.after_gap or self.paragraph is None)  # else the label's second line
        self.note_section_facts(line.text.strip())
        if labelled or BULLET.match(text) or self.paragraph is None or self.breaks_after_gap(column, text):
            self.close()
            self.paragraph = Paragraph(self.section, old=labelled and columns[0][1].startswith("Old "), column=column)
        self.paragraph.lines.append(Line(line.number, text))
        self.after_gap = self.page_break = False

    def breaks_after_gap(self, column: int, text: str) -> bool:
        if not self.after_gap:
            return False
        previous = self.paragraph.lines[-1].text
        in_note = self.paragraph.column >= NOTE_COLUMN  # notes have blank lines inside sentences
        new_sentence = text[:1].isupper() and not self.page_break and not in_note
        return previous.endswith((".", ":", "!", "?", ";")) or new_sentence or abs(column - self.paragraph.column) > 6

    def note_section_facts(self, text: str) -> None:
        section = self.section
        if text.startswith("This section is informative"):
            section.informative = True
        match = SENDER.search(text)
        if match and section.sender is None and section.number.startswith("6."):
            other = {"Charge Point": "Central System", "Central System": "Charge Point", None: None}[match[2]]
            section.sender = match[1] or other or "either"

    def close(self) -> None:
        if self.paragraph is not None and self.paragraph.lines:
            self.paragraphs.append(self.paragraph)
        self.paragraph = None
        self.after_gap = self.page_break = False


# -- sentences ----------------------------------------------------------------------------


def joined(lines: list[Line]) -> tuple[str, list[int]]:
    """The paragraph's text and, for each character, its line number."""
    text, numbers = "", []
    for line in lines:
        piece = line.text.strip()
        glue = "" if not text or (re.search(r"[A-Za-z]-$", text) and piece[:1].islower()) else " "
        text += glue + piece
        numbers += [line.number] * (len(glue) + len(piece))
    return text, numbers


def sentence_starts(text: str) -> list[int]:
    starts = [0]
    for match in re.finditer(r"(?<=[.!?])[\"”’)]?\s+(?=\S)", text):
        before = text[:match.start()].rsplit(" ", 1)[-1]
        if not before.endswith(ABBREVIATIONS):
            starts.append(match.end())
    return starts


def sentences(paragraph: Paragraph) -> list[tuple[int, str]]:
    text, numbers = joined(paragraph.lines)
    starts = sentence_starts(text)
    return [(numbers[start], re.sub(r"\s+", " ", text[start:end]).strip())
            for start, end in zip(starts, starts[1:] + [len(text)]) if text[start:end].strip()]


def key_words(sentence: str) -> list[str]:
    unquoted = QUOTED_KEY_WORD.sub("", sentence)
    return [re.sub(r"\s+", " ", word).upper() for word in KEY_WORDS.findall(unquoted)]


def kind_of(words: list[str]) -> str:
    return next(kind for kind, members in KINDS if any(w in members for w in words))


# -- tables of §6 and §7 -------------------------------------------------------------------


def table_rows(reader: Reader) -> list[dict]:
    """Field rows (§6, §7 classes) and enumeration values (§7) with their lines."""
    rows, header, section = [], None, None
    for index, text in enumerate(reader.lines):
        if reader.section_of[index] is not section:
            section, header = reader.section_of[index], None
        if section is None or section.number[:2] not in ("6.", "7."):
            continue
        stripped = text.strip()
        if re.match(r"(?:FIELD )?NAME\s{3,}FIELD TYPE", stripped):
            header = ("field", text.index("DESCRIPTION"))
        elif ENUM_HEADER.match(stripped):
            header = ("enum", text.index(stripped.split()[-1]))
        elif header and text and not text.startswith(" ") and not PAGE_NUMBER.match(text) \
                and not (header[0] == "enum" and re.match(r"[A-Za-z][\w.\-]*\s{2,}\S", text)):
            header = None
        elif header:
            table_line(rows, section, header, index + 1, text)
    return rows


def table_line(rows: list[dict], section: Section, header: tuple[str, int], number: int, text: str) -> None:
    kind, description_column = header
    if not text.strip() or PAGE_NUMBER.match(text):
        return
    match = FIELD_ROW.match(text) if kind == "field" else None
    enum = ENUM_ROW.match(text) if kind == "enum" and len(text) - len(text.lstrip()) < LABEL_COLUMN else None
    if match:
        rows.append({"section": section, "kind": "field", "line": number, "name": match[2],
                     "type": match[3], "card": match[4], "description": [match[5] or ""], "extra": []})
    elif enum:
        rows.append({"section": section, "kind": "enum", "line": number, "name": enum[1],
                     "description": [enum[2] or ""]})
    elif rows and rows[-1]["section"] is section:
        for column, part in segments(text):
            target = "description" if column >= description_column - 4 else "extra"
            rows[-1].setdefault(target, []).append(part)


# -- statements -------------------------------------------------------------------------------


def statements(document: Document, lines: list[str]) -> list[dict]:
    reader = Reader(lines).read()
    found = []
    for paragraph in reader.paragraphs:
        if paragraph.old or paragraph.section.number in EXCLUDED.get(document.key, ()):
            continue
        for line, text in sentences(paragraph):
            words = key_words(text)
            if words:
                found.append(sentence_statement(paragraph.section, line, text, words))
    if document.key == "OCPP16":
        found += field_statements(table_rows(reader))
    for statement in found:
        if document.key.endswith("E"):
            statement["applies_to"] = applies_to(statement["title"])
    return numbered(document, found)


EXCLUDED = {"OCPP16": ("1", "2", "2.1", "2.2", "2.3", "2.4"), "OCPPJ16": ("1.4",),
            "OCPP16E": ("1", "1.1"), "OCPPJ16E": ("1", "1.1", "1.2")}
"""Scope and conventions: not normative (OCPP 1.6 §2.1)."""


def sentence_statement(section: Section, line: int, text: str, words: list[str]) -> dict:
    return {"section": section.number, "title": section.title, "line": line, "kind": kind_of(words),
            "key_words": sorted(set(words)), "text": text, "informative": section.informative}


def field_statements(rows: list[dict]) -> list[dict]:
    found = []
    enums: dict[str, dict] = {}
    for row in rows:
        section = row["section"]
        if row["kind"] == "field":
            found.append(field_statement(section, row))
            continue
        if section.number not in enums:
            enums[section.number] = {"section": section.number, "title": section.title, "line": row["line"],
                                     "kind": "enumeration", "key_words": [], "values": [],
                                     "informative": section.informative}
            found.append(enums[section.number])
        enums[section.number]["values"].append(row["name"])
    for statement in enums.values():
        statement["text"] = f"{statement['title']} is one of: {', '.join(statement['values'])}."
    return found


def field_statement(section: Section, row: dict) -> dict:
    type_ = " ".join([row["type"], *row["extra"]])
    description = " ".join(part.strip() for part in row["description"] if part.strip())
    owner = section.title
    return {"section": section.number, "title": section.title, "line": row["line"], "kind": "field",
            "key_words": [], "informative": section.informative,
            "text": f"{owner}.{row['name']}: {type_} [{row['card']}] {description}".strip(),
            "field": {"owner": owner, "name": row["name"], "type": type_, "card": row["card"],
                      "sender": section.sender, "constraints": constraints(row["type"], type_, row["card"],
                                                                           description)}}


def constraints(base: str, type_: str, card: str, description: str) -> list[str]:
    """What the field table says a value must be, mechanically."""
    found = ["required" if card.startswith("1") else "optional"]
    if card.endswith("*"):
        found.append("list" + (", at least one" if card.startswith("1") else ""))
    length = re.match(r"CiString(\d+)Type", base)
    if length:
        found.append(f"at most {length[1]} characters")
    for match in re.finditer(r"(?:[a-zA-Z]+\s*)?(?:>=|<=|>|<)\s*-?\d+", f"{type_} {description}"):
        found.append(match[0].strip())
    return found


def applies_to(title: str) -> str | None:
    match = re.search(r"[Ss]ection:?\s*(\d+(?:\.\d+)*)", title)
    return match[1] if match else None


def numbered(document: Document, found: list[dict]) -> list[dict]:
    counters: dict[str, int] = {}
    result = []
    for statement in sorted(found, key=lambda s: (s["line"], s["kind"] != "field")):
        counters[statement["section"]] = counters.get(statement["section"], 0) + 1
        identifier = f"{document.key}-{statement['section']}-{counters[statement['section']]:03d}"
        result.append({"id": identifier, "document": document.title, **statement})
    return result


# -- the register ---------------------------------------------------------------------------


def extract(spec_dir: Path) -> list[dict]:
    register = []
    for document in DOCUMENTS:
        text = (spec_dir / document.file).read_text(encoding="utf-8")
        register += statements(document, text.split("\n"))
    return register


def spec_dir() -> Path | None:
    """Where the spec is: ../shared/spec next to the repository (CI), else /work/shared/spec."""
    for candidate in (HERE.parents[2] / "shared" / "spec", Path("/work/shared/spec")):
        if all((candidate / d.file).is_file() for d in DOCUMENTS):
            return candidate
    return None


def dumps(register: list[dict]) -> str:
    return json.dumps(register, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    source = Path(argv[0]) if argv else spec_dir()
    if source is None or not all((source / d.file).is_file() for d in DOCUMENTS):
        print(f"extract: the spec's .txt files are not in {source or '../shared/spec'}", file=sys.stderr)
        return 2
    register = extract(source)
    REGISTER.write_text(dumps(register), encoding="utf-8")
    print(f"{len(register)} statements written to {REGISTER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
