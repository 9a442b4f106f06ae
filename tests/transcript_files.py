"""Transcript files made in tests: Word (.docx) files written as a zip of XML by hand, and the
hostile kinds (macro-enabled, encrypted, zip bombs, entity expansion) a transcript upload must
refuse."""

import io
import zipfile
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"

RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def content_types(main_type: str = DOCX_TYPE) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>'
    )


def _runs(paragraph) -> str:
    """A paragraph: a string, or a list of runs (strings; "\\n" in one becomes a line break)."""
    runs = [paragraph] if isinstance(paragraph, str) else paragraph
    out = []
    for run in runs:
        pieces = run.split("\n")
        inner = "<w:br/>".join(
            f'<w:t xml:space="preserve">{escape(piece)}</w:t>' for piece in pieces
        )
        out.append(f"<w:r><w:rPr><w:b/></w:rPr>{inner}</w:r>")
    return "<w:p><w:pPr/>" + "".join(out) + "</w:p>"


def document_xml(paragraphs, extra_body: str = "") -> str:
    body = "".join(_runs(p) for p in paragraphs)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{body}{extra_body}<w:sectPr/></w:body></w:document>'
    )


def docx(
    paragraphs,
    *,
    extra_body: str = "",
    main_type: str = DOCX_TYPE,
    extra_files: dict[str, bytes] | None = None,
    xml: str | None = None,
) -> bytes:
    """A Word file with these paragraphs (or this document.xml), as Word writes one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types(main_type))
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", xml or document_xml(paragraphs, extra_body))
        for name, data in (extra_files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def table_xml(rows: list[list[str]]) -> str:
    """A Word table (some transcripts are typed as a two-column table: speaker, words)."""
    cells = "".join(
        "<w:tr>" + "".join(f"<w:tc>{_runs(cell)}</w:tc>" for cell in row) + "</w:tr>"
        for row in rows
    )
    return f"<w:tbl>{cells}</w:tbl>"


def macro_docm(paragraphs) -> bytes:
    """A macro-enabled Word file (.docm) with a VBA project."""
    return docx(
        paragraphs, main_type=DOCM_TYPE, extra_files={"word/vbaProject.bin": b"\xd0\xcf" * 64}
    )


def encrypted_office_file() -> bytes:
    """What Word writes for a password-protected document: an OLE compound file."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096


def zip_bomb_docx(megabytes: int = 30) -> bytes:
    """A small .docx whose document.xml unpacks to ``megabytes`` (beyond the limit)."""
    padding = "<w:p/>" * (megabytes * 1024 * 1024 // 6)
    return docx([], xml=document_xml(["Sarah: hello"], extra_body=padding))


def entity_expansion_docx() -> bytes:
    """A .docx whose XML declares entities (billion laughs)."""
    xml = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    return docx([], xml=xml)


def encrypted_zip_docx() -> bytes:
    """A .docx whose document entry claims zip encryption (flag bit 0)."""
    data = bytearray(docx(["Sarah: hello"]))
    # Set the encryption flag in every local and central directory header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (found := data.find(signature, start)) != -1:
            data[found + offset] |= 0x1
            start = found + 4
    return bytes(data)
