"""Focus-group and workshop transcripts: read a file, find the speakers' turns, pseudonymise them
and give each turn the stage of the topic-guide section it falls in.

Pure Python (no Flask, no database). Three steps, each a plain function:

``read_transcript(data)``
    bytes of a plain-text, Word (.docx), WebVTT or SRT file, recognised by content (not by name),
    into lines. Word files are zips of XML: the zip is bounded against bombs and parsed with
    ``defusedxml``; encrypted (OLE compound) and macro-enabled files are refused.
``parse_turns(lines)``
    the speakers' turns: "Name: text", "NAME - text", a speaker on a line of their own, a
    facilitator marked as such ("Facilitator", "Moderator", "Jane (facilitator)"); names varying in
    case are one speaker; lines without a speaker continue the turn (several paragraphs).
``pseudonymise(turns)``
    speakers become Facilitator, P1, P2 ... in order of first speaking; every form of a speaker's
    real name (full, first, last, any case, possessive) becomes their pseudonym in brackets, and
    everything ``analysis.redaction`` finds becomes its placeholder. The researcher can add terms
    to replace and undo replacements, except a speaker's own name, which always goes.
``assign_stages(turns, guide, marks)``
    each turn's section and stage: from the researcher's marks where given, otherwise suggested
    from the facilitator's prompts (and the text) and flagged as a suggestion.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from analysis._redaction_lists import AMBIGUOUS_NAMES, COMMON_FIRST_NAMES, FAMILIAR_FORMS
from analysis.records import FACILITATOR
from analysis.redaction import PLACEHOLDERS, Redactor, TextTooLongError
from analysis.topic_guides import TopicGuide

__all__ = [
    "CONTINUE",
    "FACILITATOR",
    "MAX_TRANSCRIPT_BYTES",
    "RawTurn",
    "Replacement",
    "StagedTurn",
    "Transcript",
    "TranscriptError",
    "Turn",
    "assign_stages",
    "clean_term",
    "familiar_forms",
    "parse_turns",
    "pseudonymise",
    "read_transcript",
    "suggest_section",
]

#: Largest transcript file accepted (a two-hour session typed out is some 200 KB of text).
MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024
#: Bounds on a Word file's zip, whatever its entries' headers claim (zip bombs).
MAX_DOCX_ENTRIES = 1000
MAX_DOCX_UNPACKED = 50 * 1024 * 1024
MAX_DOCUMENT_XML = 20 * 1024 * 1024
#: Longest text kept from a transcript (characters), and most turns.
MAX_TEXT_CHARS = 1_000_000
MAX_TURNS = 5000
#: Added replacement terms: at least this long (a letter or two would eat ordinary words).
MIN_TERM_CHARS = 2
MAX_TERM_CHARS = 100
#: The researcher's mark that no section starts at a turn (overrides a suggestion).
CONTINUE = "continue"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class TranscriptError(ValueError):
    """A transcript that cannot be read; the message says what to do, in plain words."""


# ----- reading files -----------------------------------------------------------------------------


def read_transcript(data: bytes) -> tuple[str, list[str]]:
    """The format ("text", "docx", "webvtt", "srt") and the lines of a transcript file.

    Recognised by content, never by name. Raises :class:`TranscriptError` for an empty, too
    large, encrypted, macro-enabled, damaged or unsupported file.
    """
    if len(data) > MAX_TRANSCRIPT_BYTES:
        raise TranscriptError(
            f"The file is larger than {MAX_TRANSCRIPT_BYTES // (1024 * 1024)} MB: split the "
            "transcript into sessions"
        )
    if not data.strip():
        raise TranscriptError("The file is empty")
    if data.startswith(OLE_MAGIC):
        raise TranscriptError(
            "The file is password-protected (encrypted) or an old Word .doc file: remove the "
            "password and save it as a Word (.docx) or plain text (.txt) file"
        )
    if data.startswith(ZIP_MAGIC):
        return "docx", _docx_lines(data)
    if data.startswith(b"%PDF"):
        raise TranscriptError("PDF files are not accepted: save the transcript as .docx or .txt")
    if data.startswith(b"{\\rtf"):
        raise TranscriptError("RTF files are not accepted: save the transcript as .docx or .txt")
    text = _decode(data)
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.startswith("WEBVTT"):
        return "webvtt", _cue_lines(lines, vtt=True)
    if _SRT_START_RE.match(text.lstrip("\ufeff \r\n")):
        return "srt", _cue_lines(lines, vtt=False)
    return "text", lines


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise TranscriptError("The file is not readable text") from None
    else:
        if b"\x00" in data:
            raise TranscriptError(
                "The file is not a transcript we can read: upload a Word (.docx), plain text "
                "(.txt), WebVTT (.vtt) or SRT (.srt) file"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    if sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t\f") > len(text) // 100 + 2:
        raise TranscriptError("The file is not readable text")
    return text


def _docx_lines(data: bytes) -> list[str]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise TranscriptError("The Word file is damaged: open and save it again") from None
    names = {info.filename for info in infos}
    if len(infos) > MAX_DOCX_ENTRIES or sum(i.file_size for i in infos) > MAX_DOCX_UNPACKED:
        raise TranscriptError("The Word file is too large when unpacked")
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise TranscriptError(
            "The file is a zip but not a Word document: upload a .docx, .txt, .vtt or .srt file"
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise TranscriptError("The Word file is encrypted: remove the password and save it again")
    content_types = _read_member(archive, "[Content_Types].xml", 1024 * 1024)
    if any(n.lower().endswith("vbaproject.bin") for n in names) or (
        b"macroenabled" in content_types.lower() or b"vbaproject" in content_types.lower()
    ):
        raise TranscriptError(
            "The Word file contains macros: save it as a plain Word document (.docx) first"
        )
    xml = _read_member(archive, "word/document.xml", MAX_DOCUMENT_XML)
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except (DefusedXmlException, SafeElementTree.ParseError, ValueError):
        raise TranscriptError("The Word file is damaged: open and save it again") from None
    lines: list[str] = []
    for paragraph in root.iter(f"{_W}p"):
        parts: list[str] = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        lines.extend("".join(parts).split("\n"))
    return lines


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, reading at most ``limit`` (the header's size is not trusted)."""
    try:
        with archive.open(name) as member:
            body = member.read(limit + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError):
        raise TranscriptError("The Word file is damaged or encrypted: save it again") from None
    if len(body) > limit:
        raise TranscriptError("The Word file is too large when unpacked")
    return body


_SRT_START_RE = re.compile(r"^\d+[ \t]*\r?\n[ \t]*\d{1,2}:\d\d:\d\d[,.]\d{1,3}[ \t]*-->")
_TIMING_RE = re.compile(r"^\s*(?:\d{1,2}:)?\d{1,2}:\d\d[,.]\d{1,3}\s*-->")
_VOICE_RE = re.compile(r"^\s*<v(?:\.[\w.-]+)?\s+([^>]+)>(.*)$", re.S)
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")


def _cue_lines(lines: list[str], vtt: bool) -> list[str]:
    """The text of WebVTT or SRT cues as transcript lines: a voice tag (<v Name>) becomes
    "Name: text" when the speaker changes; timings, numbers and notes are left out."""
    out: list[str] = []
    block: list[str] = []
    current_voice = None
    for line in [*lines, ""]:
        if line.strip():
            block.append(line)
            continue
        if not block:
            continue
        head = block[0].strip()
        timing = next((i for i, b in enumerate(block) if _TIMING_RE.match(b)), None)
        if timing is None or (vtt and head.split(" ")[0] in ("WEBVTT", "NOTE", "STYLE", "REGION")):
            block = []
            continue
        for payload in block[timing + 1 :]:
            voice = _VOICE_RE.match(payload)
            if voice:
                name = voice.group(1).strip()
                text = html.unescape(_TAG_RE.sub("", voice.group(2))).strip()
                if name != current_voice:
                    current_voice = name
                    out.append(f"{name}: {text}")
                elif text:
                    out.append(text)
            else:
                text = html.unescape(_TAG_RE.sub("", payload)).strip()
                if text:
                    out.append(text)
        block = []
    return out


# ----- speaker turns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RawTurn:
    """A turn as written: the speaker's label, whether a facilitator spoke, and the text."""

    speaker: str
    facilitator: bool
    text: str


#: Words that mark a facilitator in a speaker's label.
FACILITATOR_WORDS = frozenset(
    {"facilitator", "moderator", "interviewer", "researcher", "fac", "facilitators"}
)
#: Words of labels that are not a person's name (never redacted as one).
ROLE_WORDS = FACILITATOR_WORDS | frozenset(
    {
        "participant", "respondent", "speaker", "person", "voice", "voices", "member", "male",
        "female", "man", "woman", "unknown", "unidentified", "all", "several", "group", "co",
        "lead", "assistant", "note", "taker", "mr", "mrs", "ms", "miss", "dr", "and", "the",
        "provider", "officer", "worker", "p",
    }
)  # fmt: skip
#: Labels before a colon that are not speakers ("Note: ...", "Date: ...").
NOT_SPEAKERS = frozenset(
    {
        "note", "notes", "date", "time", "location", "venue", "place", "present", "attendees",
        "apologies", "session", "topic", "section", "transcript", "recording", "duration",
        "area", "group", "title", "subject", "re", "ps", "nb", "eg", "ie", "q", "a", "question",
        "answer", "start", "end", "break", "comment", "comments", "summary", "action", "actions",
        "key", "tip", "update", "also", "because", "but", "so", "and", "well", "yes", "no",
        "ok", "okay", "like", "said", "says", "then", "anyway", "honestly", "basically",
    }
)  # fmt: skip
#: Preamble lines listing people (their names are replaced wherever they appear later).
_REGISTER_RE = re.compile(
    r"^\s*(?:present|attendees|participants|in attendance|facilitators?|moderators?)"
    r"\s*[:\-–]\s*(.+)$",
    re.I,
)
_TIMESTAMP_RE = re.compile(r"^\s*[\[(]?(?:\d{1,2}:)?\d{1,2}:\d\d(?:[.,]\d+)?[\])]?\s+")
_LABEL = r"[^\W\d_][\w.'’ -]{0,40}?(?:\s*[(\[][^)\]\n]{1,40}[)\]])?"
_INLINE_RE = re.compile(
    rf"^\s*(?:\*\*)?(?P<label>{_LABEL})(?:\*\*)?\s*(?::|\s[-–—]\s)\s*(?P<text>\S.*)$", re.S
)
_ALONE_RE = re.compile(rf"^\s*(?:\*\*)?(?P<label>{_LABEL})(?:\*\*)?\s*(?P<colon>:)?\s*$")
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def _key(label: str) -> str:
    """One speaker whatever the case and spacing: "SARAH", "Sarah" and "sarah " are one."""
    return " ".join(label.casefold().replace("’", "'").split()).strip(".")


def _name_words(label: str) -> list[str]:
    """The words of a label that may be a person's name (roles, titles, numbers left out)."""
    return [w for w in _WORD_RE.findall(label) if w.casefold() not in ROLE_WORDS]


def _is_facilitator(label: str) -> bool:
    return any(w.casefold() in FACILITATOR_WORDS for w in _WORD_RE.findall(label))


def _label_shape_ok(label: str) -> bool:
    words = label.replace("(", " ").replace(")", " ").replace("[", " ").replace("]", " ").split()
    if not words or len(words) > 5:
        return False
    return _key(label) not in NOT_SPEAKERS and words[0].casefold() not in NOT_SPEAKERS


def _proper(label: str) -> bool:
    """Each word capitalised or in capitals: how a speaker's label is usually written."""
    outside = re.sub(r"[(\[][^)\]]*[)\]]", " ", label)
    words = [w for w in outside.split() if w[:1].isalpha()]
    return bool(words) and all(w[0].isupper() for w in words)


def _candidates(lines: Sequence[str]) -> tuple[list[tuple[str, str, str | None]], dict[str, int]]:
    """Per line: ("inline", label, text), ("alone", label, colon) or ("text", line, None)."""
    out = []
    counts: dict[str, int] = {}
    for line in lines:
        stripped = _TIMESTAMP_RE.sub("", line, count=1).strip()
        inline = _INLINE_RE.match(stripped)
        alone = _ALONE_RE.match(stripped) if not inline else None
        if inline and _label_shape_ok(inline.group("label")):
            label = inline.group("label").strip()
            out.append(("inline", label, inline.group("text").strip()))
            counts[_key(label)] = counts.get(_key(label), 0) + 1
        elif alone and _label_shape_ok(alone.group("label")):
            label = alone.group("label").strip()
            out.append(("alone", label, alone.group("colon")))
            counts[_key(label)] = counts.get(_key(label), 0) + 1
        else:
            out.append(("text", stripped, None))
    return out, counts


def parse_turns(
    lines: Sequence[str], facilitator_names: Iterable[str] = ()
) -> tuple[list[RawTurn], list[str]]:
    """Speaker turns from a transcript's lines, and the names listed in its preamble.

    A label is taken for a speaker when it is written like one (capitalised words, a role such as
    "Facilitator") or is used for a speaker elsewhere in the file (names varying in case). Lines
    before the first speaker (a title, a date, a list of those present) are not kept, but the
    names a "Present:" line lists are returned so that they are replaced wherever they appear.
    """
    facilitator_keys = {_key(n) for n in facilitator_names if n.strip()}
    marked, counts = _candidates(lines)
    register = [
        name
        for kind, text, _ in marked
        if kind == "text" and (found := _REGISTER_RE.match(text))
        for name in _register_names(found.group(1))
    ]
    proper_keys = {
        _key(label)
        for kind, label, _ in marked
        if kind != "text" and (_proper(label) or _is_facilitator(label))
    }
    inline_keys = {_key(label) for kind, label, _ in marked if kind == "inline"} & proper_keys
    known_words = {w.casefold() for name in register for w in _name_words(name)} | {
        w.casefold() for key in proper_keys for w in _name_words(key)
    }

    def speaks(kind: str, label: str, colon: str | None) -> bool:
        if kind == "text":
            return False
        key = _key(label)
        words = {w.casefold() for w in _name_words(label)}
        known = key in proper_keys or bool(words and words <= known_words)
        if _is_facilitator(label) or key in facilitator_keys:
            return True
        if kind == "inline":
            return known or _looks_like_a_name(label, counts[key])
        if label.endswith("."):
            return False
        return known and bool(colon or counts[key] > 1 or label.isupper() or key in inline_keys)

    turns: list[list] = []  # [label, facilitator, paragraphs]
    for kind, value, extra in marked:
        if speaks(kind, value, extra):
            facilitator = _is_facilitator(value) or _key(value) in facilitator_keys
            turns.append([value, facilitator, []])
            if kind == "inline":
                turns[-1][2].append(extra)
            continue
        text = value if kind == "text" else _line_text(kind, value, extra)
        if turns and text:
            turns[-1][2].append(text)
    canonical = _canonical_labels([label for label, _, _ in turns])
    facilitators = {canonical[_key(label)] for label, fac, _ in turns if fac}
    out = []
    for label, _, paragraphs in turns:
        text = "\n\n".join(p for p in paragraphs if p)
        speaker = canonical[_key(label)]
        if not text:  # no words: no turn, but the name is still replaced wherever it appears
            if _name_words(speaker):
                register.append(" ".join(_name_words(speaker)))
            continue
        out.append(RawTurn(speaker=speaker, facilitator=speaker in facilitators, text=text))
    if len(out) > MAX_TURNS:
        raise TranscriptError(f"The transcript has more than {MAX_TURNS} turns: split it")
    return out, register


def _looks_like_a_name(label: str, uses: int) -> bool:
    """A label in lower case ("tom - ...") is a speaker when it is a common first name, or one
    or two words used for several turns that are not ordinary words."""
    words = _WORD_RE.findall(label)
    if not words or len(words) > 2 or any(w.casefold() in _STOPWORDS for w in words):
        return False
    if all(w.capitalize() in COMMON_FIRST_NAMES for w in words[:1]):
        return True
    return uses > 1


def _canonical_labels(labels: list[str]) -> dict[str, str]:
    """Label key -> the label standing for its speaker: "sarah" and "Sarah (P)" are "Sarah
    Jones" when she is the only speaker whose name has those words; "Jane (facilitator)" and
    "Jane" are one."""
    words_of: dict[str, frozenset[str]] = {}
    first: dict[str, str] = {}
    for label in labels:
        key = _key(label)
        first.setdefault(key, label)
        words_of[key] = frozenset(w.casefold() for w in _name_words(label))
    out = {}
    for key, words in words_of.items():
        target = key
        if words:
            wider = [k for k, w in words_of.items() if k != key and words <= w and w != words]
            same = [k for k, w in words_of.items() if w == words]
            if len(wider) == 1:
                target = wider[0]
            elif not wider:
                target = same[0]
        out[key] = first[target]
    return out


def _line_text(kind: str, label: str, extra: str | None) -> str:
    if kind == "inline":
        return f"{label}: {extra}"
    return f"{label}{extra or ''}"


def _register_names(listing: str) -> list[str]:
    parts = re.split(r",|;|\band\b|&|/", listing)
    names = []
    for part in parts:
        words = _name_words(re.sub(r"[(\[][^)\]]*[)\]]", " ", part))
        if words and all(w[:1].isupper() for w in words):
            names.append(" ".join(words))
    return names


# ----- pseudonyms and replacements ---------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """A pseudonymised turn: its number (from 1), speaker's pseudonym, and replaced text."""

    number: int
    speaker: str
    facilitator: bool
    text: str


@dataclass(frozen=True)
class Replacement:
    """Something replaced in the transcript: the original (as first found), what replaced it,
    why ("speaker's name", "added", or a redaction type), how often, and whether it can be undone
    (a speaker's own name cannot)."""

    original: str
    replacement: str
    kind: str
    count: int
    can_undo: bool

    @property
    def key(self) -> str:
        """What the researcher undoes it by: the original, case-folded."""
        return _term_key(self.original)


@dataclass
class Transcript:
    """The pseudonymised transcript: turns, speakers (pseudonym -> turns), replacements, and the
    replacements that were undone."""

    turns: list[Turn]
    speakers: dict[str, int]
    replacements: list[Replacement]
    kept: list[Replacement] = field(default_factory=list)

    @property
    def participants(self) -> int:
        return sum(1 for s in self.speakers if s != FACILITATOR)


def _term_key(term: str) -> str:
    return " ".join(term.casefold().replace("’", "'").split())


def clean_term(term: str) -> str:
    """An added replacement term, checked; raises ValueError with a message for the page."""
    term = " ".join(term.split())
    if len(term) < MIN_TERM_CHARS:
        raise ValueError(f"Enter a word or phrase of at least {MIN_TERM_CHARS} characters")
    if len(term) > MAX_TERM_CHARS:
        raise ValueError(f"Enter a word or phrase of {MAX_TERM_CHARS} characters or fewer")
    if not any(c.isalnum() for c in term):
        raise ValueError("Enter a word or phrase with letters or digits")
    return term


def _familiar_table() -> dict[str, set[str]]:
    """Casefolded name -> the forms it goes by: a formal name's familiar forms, and a familiar
    form's formal names (not its siblings: "Chris" is not "Tina")."""
    table: dict[str, set[str]] = {}
    for formal, *familiar in FAMILIAR_FORMS:
        table.setdefault(formal.casefold(), set()).update(familiar)
        for form in familiar:
            table.setdefault(form.casefold(), set()).add(formal)
    return table


_FAMILIAR = _familiar_table()
# The British "-z" form of a name whose first vowel is followed by "r": Sharon -> Shaz, Shazza;
# Gary -> Gaz; Warren -> Waz; Lorraine -> Loz; Jeremy -> Jez.
_Z_FORM_RE = re.compile(r"^([b-df-hj-np-tv-z]+)([aeiou])r", re.IGNORECASE)
# What the rule would make that is an ordinary word ("coz" for because, from Corinne).
_Z_FORM_WORDS = frozenset({"biz", "coz", "fez", "wiz", "whiz", "pizza"})


def familiar_forms(first_name: str) -> set[str]:
    """The forms a first name is familiarly known by: "Sharon" -> Shaz, Shazza; "Kev" -> Kevin;
    "Elizabeth" -> Liz, Beth, ...; ordinary words are never among them."""
    forms = set(_FAMILIAR.get(first_name.casefold(), ()))
    z_form = _Z_FORM_RE.match(first_name) if len(first_name) >= 4 else None
    if z_form:
        stem = (z_form.group(1) + z_form.group(2)).capitalize()
        forms.update(f for f in (stem + "z", stem + "zza") if f.casefold() not in _Z_FORM_WORDS)
    return forms


def _name_forms(label: str) -> set[str]:
    """Every form of a person's name to replace: the whole name, each word of two letters or
    more, and the familiar forms of the first name ("Sharon Whitley": Shaz too)."""
    words = _name_words(label)
    if not words:
        return set()
    return {" ".join(words), *(w for w in words if len(w) >= 2), *familiar_forms(words[0])}


def _forms_pattern(forms: Iterable[str]) -> re.Pattern | None:
    """Whole-word (letter-bounded), case-insensitive matches of the forms and their possessives
    and plurals: "Sarah", "SARAH'S", "sarah’s", "Sarahs"; "Sarah_J" and "sarah1" too."""
    forms = sorted({f for f in forms if f}, key=len, reverse=True)
    if not forms:
        return None
    alternation = "|".join(r"\s+".join(map(re.escape, f.split())) for f in forms)
    return re.compile(rf"(?i)(?<![^\W\d_])(?:{alternation})(?:['’]s|['’]|s)?(?![^\W\d_])")


#: Name forms that are also ordinary words ("will", "rose", "mark"), compared casefolded.
_ORDINARY_WORDS = frozenset(_term_key(n) for n in AMBIGUOUS_NAMES)
#: Words after which a sentence-initial "Will", "May", "Mark" … is the word, not the name
#: ("Will you ...?", "May I ...", "Mark my words", "Hope you ...").
_WORD_NOT_NAME_BEFORE = frozenset(
    [
        "i",
        "you",
        "he",
        "she",
        "it",
        "we",
        "they",
        "there",
        "this",
        "that",
        "these",
        "those",
        "the",
        "a",
        "an",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "them",
        "him",
        "me",
        "us",
        "not",
        "be",
        "someone",
        "anyone",
        "everyone",
        "nobody",
        "so",
    ]
)
_SENTENCE_START = re.compile(r"(?:^|[.!?…][\"”’)\]]*\s+|\n\s*|[\"“‘(]\s*)$")


def _ordinary_pattern(keys: Iterable[str]) -> re.Pattern | None:
    """Forms that are ordinary words, matched only Capitalised ("Will", "Will's"), never in lower
    case ("I will") or in capitals ("I WILL"), whole words."""
    forms = sorted({k for k in keys if k}, key=len, reverse=True)
    if not forms:
        return None
    spelt = "|".join(re.escape(k[:1].upper() + k[1:]) for k in forms)
    return re.compile(rf"(?<![^\W\d_])(?:{spelt})(?:['’]s|['’]|s)?(?![^\W\d_])")


def _reads_as_the_word(match: re.Match) -> bool:
    """A capitalised ordinary-word form at the start of a sentence, followed by a word that
    makes it the word ("Will you", "May I"): not the name."""
    if not _SENTENCE_START.search(match.string[: match.start()]):
        return False
    after = re.match(r"\s+([^\W\d_]+)", match.string[match.end() :])
    return bool(after) and after.group(1).casefold() in _WORD_NOT_NAME_BEFORE


def pseudonymise(
    turns: Sequence[RawTurn],
    *,
    register: Iterable[str] = (),
    added: Iterable[str] = (),
    kept: Iterable[str] = (),
    redactor: Redactor | None = None,
) -> Transcript:
    """Pseudonymise speakers and replace identifying details in every turn.

    Parameters
    ----------
    turns : sequence of RawTurn
        From :func:`parse_turns`.
    register : iterable of str
        Names of people present who may not speak (from a "Present:" line): always replaced.
    added : iterable of str
        Terms the researcher added: replaced wherever they appear (whole words, any case).
    kept : iterable of str
        Originals whose replacement the researcher undid (any case). A speaker's own name, or a
        name from the register, cannot be kept.
    redactor : Redactor, optional
        Defaults to ``Redactor()`` (names, phone numbers, emails, addresses, postcodes ...).
    """
    redactor = redactor or Redactor()
    pseudonym_of: dict[str, str] = {}
    names_of: dict[str, set[str]] = {}
    for turn in turns:
        key = _key(turn.speaker)
        if key not in pseudonym_of:
            if turn.facilitator:
                pseudonym_of[key] = FACILITATOR
            else:
                speaking = sum(1 for v in pseudonym_of.values() if v != FACILITATOR)
                pseudonym_of[key] = f"P{speaking + 1}"
        names_of.setdefault(pseudonym_of[key], set()).update(_name_forms(turn.speaker))
    # Each form of a name -> the one pseudonym it belongs to ("[name]" when two share it).
    form_to: dict[str, str] = {}
    for pseudonym, forms in names_of.items():
        for form in forms:
            k = _term_key(form)
            mine = f"[{pseudonym}]"
            form_to[k] = mine if form_to.get(k, mine) == mine else PLACEHOLDERS["name"]
    for name in register:
        for form in {name, *_name_forms(name)}:
            form_to.setdefault(_term_key(form), PLACEHOLDERS["name"])
    # A form that is also an ordinary word ("Will", "Rose") is replaced only where it reads as a
    # name (see _ordinary_pattern); every other form everywhere, in any case.
    protected = _forms_pattern(k for k in form_to if k not in _ORDINARY_WORDS)
    ordinary = _ordinary_pattern(k for k in form_to if k in _ORDINARY_WORDS)
    kept_keys = {_term_key(k) for k in kept} - set(form_to)
    added_terms = [t for t in added if _term_key(t) not in form_to]
    added_pattern = _forms_pattern(added_terms)
    found: dict[tuple[str, str], list] = {}  # (key, replacement) -> [original, kind, count, undo]
    kept_found: dict[str, list] = {}

    def note(original: str, replacement: str, kind: str, can_undo: bool) -> None:
        entry = found.setdefault((_term_key(original), replacement), [original, kind, 0, can_undo])
        entry[2] += 1

    def speaker_name(match: re.Match) -> str:
        whole = match.group()
        if _term_key(whole) in form_to:
            bare, suffix = whole, ""
        else:
            bare = re.sub(r"(?:['’]s|['’]|s)$", "", whole, flags=re.I)
            suffix = whole[len(bare) :] if "'" in whole or "’" in whole else ""
        replacement = form_to.get(_term_key(bare)) or PLACEHOLDERS["name"]
        note(bare, replacement, "speaker's name", False)
        return replacement + suffix

    def ordinary_name(match: re.Match) -> str:
        if _reads_as_the_word(match):
            return match.group()  # "Will you ...?": the word, left as it is
        return speaker_name(match)

    def added_term(match: re.Match) -> str:
        note(match.group(), "[redacted]", "added", True)
        return "[redacted]"

    out: list[Turn] = []
    total = 0
    for number, turn in enumerate(turns, 1):
        text = turn.text
        total += len(text)
        if total > MAX_TEXT_CHARS:
            raise TranscriptError("The transcript is too long: split it into sessions")
        try:
            spans = redactor.find(text)
        except TextTooLongError:
            raise TranscriptError("A turn is too long: split the transcript") from None
        # Chunks of text: (text, replaced). Later passes only look at text not yet replaced, so
        # a term can never match inside a placeholder ("[name]") another pass wrote.
        chunks: list[tuple[str, bool]] = []
        last = 0
        for span in spans:
            key = _term_key(span.text)
            bare = _term_key(re.sub(r"(?:['’]s|['’])$", "", span.text))
            if key in kept_keys:
                entry = kept_found.setdefault(key, [span.text, span.type, 0, True])
                entry[2] += 1
                continue
            if bare in form_to:  # the redactor found a speaker's name: their pseudonym
                replacement = form_to[bare]
                note(span.text, replacement, "speaker's name", False)
            else:
                replacement = PLACEHOLDERS[span.type]
                note(span.text, replacement, span.type, True)
            chunks.append((text[last : span.start], False))
            chunks.append((replacement, True))
            last = span.end
        chunks.append((text[last:], False))
        # The guarantee: every form of a speaker's name left (missed, or inside a replacement
        # that was undone) goes now; then the researcher's added terms.
        passes = ((protected, speaker_name), (ordinary, ordinary_name), (added_pattern, added_term))
        for pattern, replace in passes:
            if pattern is not None:
                chunks = [
                    piece
                    for chunk, done in chunks
                    for piece in ([(chunk, True)] if done else _split_sub(pattern, replace, chunk))
                ]
        text = "".join(chunk for chunk, _ in chunks)
        out.append(Turn(number, pseudonym_of[_key(turn.speaker)], turn.facilitator, text))
    speakers: dict[str, int] = {}
    for turn in out:
        speakers[turn.speaker] = speakers.get(turn.speaker, 0) + 1
    replacements = [
        Replacement(original, replacement, kind, count, undo)
        for (_, replacement), (original, kind, count, undo) in found.items()
    ]
    replacements.sort(key=lambda r: (r.can_undo, r.kind, r.original.casefold()))
    kept_list = [
        Replacement(original, PLACEHOLDERS[kind], kind, count, True)
        for original, kind, count, _ in kept_found.values()
    ]
    return Transcript(out, speakers, replacements, kept_list)


def _split_sub(pattern: re.Pattern, replace, text: str) -> list[tuple[str, bool]]:
    """``pattern.sub(replace, text)`` as chunks: (text, False) between, (replacement, True)."""
    out: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        out.append((text[last : match.start()], False))
        out.append((replace(match), True))
        last = match.end()
    out.append((text[last:], False))
    return out


# ----- stages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StagedTurn:
    """A turn with its topic-guide section (None before any), stage, and how that was decided:
    "marked" (the researcher), "suggested", or "" (no section)."""

    turn: Turn
    section: str | None
    stage: str
    decided: str
    starts_section: bool


_STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be been before being but by can could
    did do does doing for from had has have having he her here him his how i if in into is it
    its just me more most my no not now of on or other our out over own same she so some such
    than that the their them then there these they this those through to too under up very was
    we were what when where which while who why will with would you your yours think thing
    things tell talk talking anything something everyone everybody people really okay ok let
    lets go going get got like know want next move moving bit little today perhaps maybe one
    two""".split()  # noqa: SIM905
)


def _stems(text: str) -> set[str]:
    out = set()
    for word in re.findall(r"[a-z]+", text.casefold()):
        if len(word) < 3 or word in _STOPWORDS:
            continue
        for suffix in ("ing", "ed", "s"):
            if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        out.add(word)
    return out


def _section_vocabularies(guide: TopicGuide) -> dict[str, dict[str, float]]:
    vocab: dict[str, dict[str, float]] = {}
    for section in guide.sections:
        weights: dict[str, float] = {}
        for prompt in section.prompts:
            for stem in _stems(prompt):
                weights[stem] = max(weights.get(stem, 0), 1.0)
        for keyword in section.keywords:
            for stem in _stems(keyword):
                weights[stem] = 2.0
        vocab[section.key] = weights
    # A word every section uses says nothing about which one a prompt opens.
    shared = set.intersection(*(set(w) for w in vocab.values())) if vocab else set()
    return {k: {s: w for s, w in v.items() if s not in shared} for k, v in vocab.items()}


#: A facilitator's turn suggests a section when it scores at least this much for it (and more than
#: for any other section).
MIN_SECTION_SCORE = 2.0


def suggest_section(text: str, guide: TopicGuide, vocab=None) -> str | None:
    """The section whose prompts and keywords a text is most like, or None."""
    vocab = vocab or _section_vocabularies(guide)
    stems = _stems(text)
    scores = sorted(
        [
            (sum(w for s, w in vocab[sec.key].items() if s in stems), sec.key)
            for sec in guide.sections
        ],
        reverse=True,
    )
    if not scores or scores[0][0] < MIN_SECTION_SCORE:
        return None
    if len(scores) > 1 and scores[1][0] == scores[0][0]:
        return None
    return scores[0][1]


_SENTENCE_RE = re.compile(r"[^.?!\n]*[.?!]?")


def _questions(text: str) -> str:
    """The questions a turn asks, or all of it: a facilitator opens a section with a question,
    and the thanks before it ("Thanks, that's helpful") say nothing about which."""
    asked = [s for s in _SENTENCE_RE.findall(text) if s.strip().endswith("?")]
    return " ".join(asked) if asked else text


def assign_stages(
    turns: Sequence[Turn], guide: TopicGuide, marks: Mapping[int, str] | None = None
) -> list[StagedTurn]:
    """Each turn's section and stage.

    ``marks`` maps a turn number to the key of the section that starts there (the researcher's
    decision), or to ``CONTINUE`` (no section starts there, whatever was suggested). Elsewhere a
    facilitator's turn that reads like a section's prompts starts that section, as a suggestion.
    A transcript without a facilitator (typed notes) has each turn suggested on its own text.
    Turns before any section have the stage "none".
    """
    marks = marks or {}
    vocab = _section_vocabularies(guide)
    has_facilitator = any(t.facilitator for t in turns)
    current: tuple[str | None, str] = (None, "")
    out = []
    for turn in turns:
        mark = marks.get(turn.number)
        starts = False
        if mark and mark != CONTINUE and guide.section(mark) is not None:
            current = (mark, "marked")
            starts = True
        elif mark != CONTINUE and (turn.facilitator or not has_facilitator):
            suggested = suggest_section(_questions(turn.text), guide, vocab)
            if suggested is not None and suggested != current[0]:
                current = (suggested, "suggested")
                starts = True
        section = guide.section(current[0]) if current[0] else None
        out.append(
            StagedTurn(
                turn=turn,
                section=section.key if section else None,
                stage=section.stage if section else "none",
                decided=current[1] if section else "",
                starts_section=starts,
            )
        )
    return out
