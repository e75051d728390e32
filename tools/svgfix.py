#!/usr/bin/env python3
"""svgfix.py: make gnuplot's SVG safe for weasyprint (the PDF engine).

gnuplot draws point markers as <defs> filled with `currentColor` and
colours each <use> of them through a `color` attribute.  Browsers resolve
that; weasyprint 57 does not (it fails with "too many values to unpack").
So every colour is written out: each <use color=C> gets its own copy of
the marker definitions with C in place of currentColor, and every other
currentColor takes the `color` of its own element, or black.

    python3 tools/svgfix.py FILE.svg     (rewrites the file in place)
"""
import re
import sys

DEF = re.compile(r"<(path|use|circle)\b[^>]*\bid='(gp(?:Pt\d+|Dot))'[^>]*/>")


def colored_defs(defs, color, tag):
    out = []
    for text in defs:
        text = text.replace("currentColor", color)
        text = re.sub(r"id='(gp\w+)'", lambda m: f"id='{m.group(1)}_{tag}'", text)
        text = re.sub(r"href='#(gp\w+)'", lambda m: f"href='#{m.group(1)}_{tag}'", text)
        out.append(text)
    return out


def fix(svg):
    defs = [m.group(0) for m in DEF.finditer(svg)]
    colors = {}

    def recolor_use(m):
        color = m.group(2)
        tag = colors.setdefault(color, f"c{len(colors)}")
        return m.group(0).replace(f"#{m.group(1)}'", f"#{m.group(1)}_{tag}'")

    svg = re.sub(r"<use xlink:href='#(gp\w+)'[^>]*?color='([^']+)'[^>]*/>", recolor_use, svg)
    extra = "".join("\t" + d + "\n" for c, t in colors.items() for d in colored_defs(defs, c, t))
    svg = svg.replace("</defs>", extra + "</defs>", 1)

    def own_color(m):
        tag = m.group(0)
        c = re.search(r"\bcolor=['\"]([^'\"]+)['\"]", tag)
        return tag.replace("currentColor", c.group(1) if c else "black")

    return re.sub(r"<[^>]*currentColor[^>]*>", own_color, svg)


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(fix(text))
