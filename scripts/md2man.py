#!/usr/bin/python3
"""Turns the Markdown of docs/ into a roff man page, for the package build.

Understands the subset docs/ is written in: '#'/'##' headings, paragraphs, '-' lists,
fenced code blocks, `code`, *emphasis*, **strong**, [text](link) and pipe tables. A line
'{{include FILE}}' pulls in another Markdown file (relative to the including one), with
its headings one level deeper than written; '{{include FILE table}}' only its first table.

usage: md2man.py SOURCE.md NAME SECTION VERSION OUTPUT
"""

import os
import re
import sys
import time


def escape(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


def inline(text):
    """Markdown inline markup to roff fonts; everything else escaped."""
    out = []
    pos = 0
    pattern = re.compile(r"`([^`]*)`|\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)]+)\)")
    for m in pattern.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("\\fB" + escape(m.group(1)) + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + escape(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append("\\fI" + escape(m.group(3)) + "\\fR")
        else:
            out.append(escape(m.group(4)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def line_start(text):
    """A roff text line must not start with a control character."""
    if text.startswith(".") or text.startswith("'"):
        return "\\&" + text
    return text


def read_lines(path, depth=0):
    base = os.path.dirname(path)
    for raw in open(path, encoding="utf-8").read().splitlines():
        m = re.match(r"^\{\{include (\S+)( table)?\}\}$", raw.strip())
        if m and m.group(2):
            yield from first_table(os.path.join(base, m.group(1)))
        elif m:
            yield from read_lines(os.path.join(base, m.group(1)), depth + 1)
        elif depth and raw.startswith("#"):
            yield "#" * depth + raw
        else:
            yield raw


def first_table(path):
    rows = []
    for raw in open(path, encoding="utf-8").read().splitlines():
        if raw.lstrip().startswith("|"):
            rows.append(raw)
        elif rows:
            break
    return rows


def table_cells(row):
    row = row.strip().strip("|")
    cells = re.split(r"(?<!\\)\|", row)
    return [c.strip().replace("\\|", "|") for c in cells]


def render_table(rows, out):
    header = [h.lower() for h in table_cells(rows[0])]
    body = [table_cells(r) for r in rows[2:]]
    for cells in body:
        cells += [""] * (len(header) - len(cells))
        if header[:3] == ["option", "short", "argument"]:
            tag = inline(cells[0])
            if cells[1]:
                tag += ", " + inline(cells[1])
            if cells[2]:
                tag += " \\fI" + escape(cells[2].strip("`")) + "\\fR"
            text = " ".join(inline(c) for c in cells[3:4] if c)
            extra = ["%s: %s" % (h, inline(c)) for h, c in zip(header[4:], cells[4:]) if c]
            out.append(".TP")
            out.append(line_start(tag))
            out.append(line_start(text + (". " if text and extra else "") + "; ".join(extra)))
        else:
            out.append(".TP")
            out.append(line_start(inline(cells[0])))
            out.append(line_start(" \\(em ".join(inline(c) for c in cells[1:] if c)))


def convert(lines, out):
    para = []
    table = []
    code = None

    def flush():
        if para:
            # The NAME line must follow .SH NAME directly, for whatis/lexgrog.
            if out[-1] != '.SH "NAME"':
                out.append(".PP")
            out.append(line_start(inline(" ".join(para))))
            para.clear()
        if table:
            render_table(table, out)
            table.clear()

    for raw in lines:
        line = raw.rstrip()
        if code is not None:
            if line.startswith("```"):
                out.append(".fi")
                out.append(".RE")
                code = None
            else:
                out.append(line_start(escape(line)))
            continue
        if line.startswith("```"):
            flush()
            out.extend([".RS 4", ".nf"])
            code = True
            continue
        if not line.strip():
            flush()
            continue
        if line.lstrip().startswith("|"):
            if para:
                flush()
            table.append(line)
            continue
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            flush()
            level = len(m.group(1))
            title = re.sub(r"`", "", m.group(2))
            if level <= 2:
                out.append('.SH "%s"' % escape(title.upper()))
            else:
                out.append('.SS "%s"' % escape(title))
            continue
        if line.startswith(": ") and len(para) == 1:
            out.append(".TP")
            out.append(line_start(inline(para.pop())))
            out.append(line_start(inline(line[2:].strip())))
            continue
        m = re.match(r"^\s*[-*]\s+(.*)$", line)
        if m:
            flush()
            out.append(".IP \\(bu 2")
            para.append(m.group(1))
            out.append(line_start(inline(" ".join(para))))
            para.clear()
            continue
        if table:
            flush()
        para.append(line.strip())
    flush()


def main():
    source, name, section, version, output = sys.argv[1:6]
    # SOURCE_DATE_EPOCH keeps the page reproducible in package builds.
    stamp = time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())))
    out = ['.\\" Generated by scripts/md2man.py from %s; do not edit.' % os.path.basename(source),
           '.TH "%s" "%s" "%s" "rtpengine %s" "rtpengine"' % (
               name.upper(), section, time.strftime("%Y-%m-%d", stamp), escape(version))]
    convert(read_lines(source), out)
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
