#!/usr/bin/env python3
"""htmlbook.py: the HTML book as one page per chapter, with a sidebar,
previous/next links and full-text search.

pandoc 2.17 has no chunked HTML writer.  So `make book` has pandoc write
the whole book once, as <section> elements through tools/book/fragment.html,
and this script cuts it at every level-1 section (the preface, each
chapter, each appendix):

    python3 tools/htmlbook.py build/html.frag build/html

It writes into build/html/: index.html (the title and the contents), one
page per chapter named after its anchor (ch-threads.html), the figures
under media/, and under assets/ the style sheets, site.js, Debian's lunr.js
and search-index.js.  The search index is built here with python3-lunr and
written as a script, not as JSON, because browsers refuse fetch() on
file:// pages and the book must work when opened straight from disk.
Cutting one document, rather than running pandoc per chapter, keeps the
section numbers and pandoc's de-duplicated anchors (#exercises-3) exactly
those of the single-page book.
"""
import html
import json
import os
import re
import shutil
import sys
import tempfile
from html.parser import HTMLParser

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
LUNR_JS = "/usr/share/javascript/lunr/lunr.min.js"  # Debian's libjs-lunr

LEVEL1 = re.compile(r'<section\s+id="([^"]+)"\s+class="level1[^"]*"[^>]*>')
LEVEL2 = re.compile(r'<section\s+id="([^"]+)"\s+class="level2[^"]*"[^>]*>\s*<h2[^>]*>(.*?)</h2>', re.S)
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def die(message):
    sys.exit(f"htmlbook.py: {message}")


def import_lunr():
    """python3-lunr is a Debian package: when `python3` is not Debian's own
    interpreter (a pyenv or venv one), look in Debian's module folder too."""
    try:
        from lunr import lunr
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            from lunr import lunr
        except ImportError:
            die("the search index needs python3-lunr (`make deps` installs it)")
    return lunr


class Text(HTMLParser):
    """The words of some HTML, for the search index."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def text_of(fragment):
    parser = Text()
    parser.feed(fragment)
    return " ".join(" ".join(parser.parts).split())


def one_line(fragment):
    return " ".join(fragment.split())


def heading(fragment):
    """A heading's HTML for the contents: one line, and without the links
    some headings hold ("... (chapter 2)"), since a link cannot sit
    inside the contents' own link."""
    return one_line(re.sub(r"</?a\b[^>]*>", "", fragment))


class Page:
    """One level-1 section of the book: its file, title and sections."""

    def __init__(self, anchor, body):
        self.anchor, self.body = anchor, body
        self.file = f"{anchor}.html"
        m = H1.search(body)
        self.title = heading(m.group(1)) if m else anchor
        self.sections = [(sid, heading(title)) for sid, title in LEVEL2.findall(body)]
        self.ids = set(re.findall(r'\bid="([^"]+)"', body))


def cut(body):
    """The level-1 sections, in order: they never nest, so each one runs
    from its own start to the next one's."""
    starts = [(m.start(), m.group(1)) for m in LEVEL1.finditer(body)]
    if not starts:
        die("no level-1 <section> in pandoc's output (was it run with --section-divs?)")
    ends = [s for s, _ in starts[1:]] + [len(body)]
    return [Page(anchor, body[s:e]) for (s, anchor), e in zip(starts, ends)]


def link_pages(pages):
    """Point every #anchor at the page that holds it: a cross-reference
    such as #ch-threads now lives on another page."""
    where = {}
    for p in pages:
        for i in p.ids:
            where.setdefault(i, p)

    def target(page, anchor):
        other = where.get(anchor)
        if other is None or other is page:
            return f"#{anchor}"
        return other.file if anchor == other.anchor else f"{other.file}#{anchor}"

    for p in pages:
        p.body = re.sub(r'href="#([^"]+)"', lambda m: f'href="{target(p, m.group(1))}"', p.body)


def copy_media(pages, out):
    """Figures are files next to the pages, not data: URIs, so that each
    page stays small; build/plots/X.svg becomes media/plots/X.svg."""
    def move(m):
        src = m.group(1)
        if re.match(r"^[a-z]+:|^/|^#", src):
            return m.group(0)
        dest = "media/" + (src[len("build/"):] if src.startswith("build/") else src)
        if os.path.exists(os.path.join(ROOT, src)):
            os.makedirs(os.path.dirname(os.path.join(out, dest)), exist_ok=True)
            shutil.copyfile(os.path.join(ROOT, src), os.path.join(out, dest))
        return f'src="{dest}"'

    for p in pages:
        p.body = re.sub(r'src="([^"]+)"', move, p.body)


def zoomable_figures(pages):
    """On a phone a figure is drawn small: a tap opens it full size."""
    for p in pages:
        p.body = re.sub(r'(<figure>\s*)(<img\s+src="([^"]+)"[^>]*>)', r'\1<a href="\3">\2</a>', p.body)


def wrap_tables(pages):
    """A wide table scrolls inside its own box instead of widening a phone's page."""
    for p in pages:
        p.body = re.sub(r"<table\b", '<div class="table-wrap"><table', p.body)
        p.body = p.body.replace("</table>", "</table></div>")


def search_documents(pages):
    """One document per level-2 section, and one for each page's text before
    its first section: a hit then lands on the section that holds it."""
    docs, shown = [], {}
    for p in pages:
        cuts = [(m.start(), m.group(1), one_line(m.group(2))) for m in LEVEL2.finditer(p.body)]
        head_end = cuts[0][0] if cuts else len(p.body)
        parts = [(0, head_end, p.file, "")]
        for i, (start, sid, title) in enumerate(cuts):
            end = cuts[i + 1][0] if i + 1 < len(cuts) else len(p.body)
            parts.append((start, end, f"{p.file}#{sid}", title))
        for start, end, ref, title in parts:
            docs.append({"ref": ref, "title": text_of(title or p.title), "body": text_of(p.body[start:end])})
            shown[ref] = {"c": text_of(p.title), "s": text_of(title)}
    return docs, shown


def write_index(lunr, pages, out):
    docs, shown = search_documents(pages)
    idx = lunr(ref="ref", fields=[{"field_name": "title", "boost": 10}, "body"], documents=docs)
    data = json.dumps({"index": idx.serialize(), "docs": shown}, separators=(",", ":"))
    with open(os.path.join(out, "assets", "search-index.js"), "w") as f:
        f.write("/* The book's search index (python3-lunr), loaded by site.js on first use. */\n")
        f.write(f"window.BOOK_SEARCH = {data};\n")


def contents(pages, current):
    """The contents as nested lists: in the sidebar only the current
    chapter is open (site.css); on index.html every chapter is."""
    items = []
    for p in pages:
        here = p is current
        prefix = "" if here else p.file
        subs = "".join(f'<li><a href="{prefix}#{sid}">{title}</a></li>' for sid, title in p.sections)
        cls = "chapter current" if here else "chapter"
        items.append(f'<li class="{cls}"><a href="{p.file}">{p.title}</a>'
                     + (f"<ol>{subs}</ol>" if subs else "") + "</li>")
    return "".join(items)


def sidebar(pages, current):
    return f"""<nav id="sidebar" aria-label="Contents">
<div class="search" role="search">
<input id="search" type="search" placeholder="Search the book (press /)" aria-label="Search the book" autocomplete="off">
<ol id="search-results" hidden></ol>
</div>
<ol class="toc">{contents(pages, current)}</ol>
</nav>"""


def prev_next(pages, i):
    """Index, preface, chapters, appendices: in reading order."""
    links = []
    prev = pages[i - 1] if i > 0 else None
    nxt = pages[i + 1] if i + 1 < len(pages) else None
    if i == 0:
        links.append('<a rel="prev" href="index.html"><span class="pn">Previous</span>Contents</a>')
    elif prev:
        links.append(f'<a rel="prev" href="{prev.file}"><span class="pn">Previous</span>{prev.title}</a>')
    if nxt:
        links.append(f'<a rel="next" href="{nxt.file}"><span class="pn">Next</span>{nxt.title}</a>')
    return '<nav class="prevnext" aria-label="Previous and next">' + "".join(links) + "</nav>"


def page_html(book, title, body, side, extra_class=""):
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{title}</title>
<link rel="stylesheet" href="assets/book.css">
<link rel="stylesheet" href="assets/highlight.css">
<link rel="stylesheet" href="assets/site.css">
<script src="assets/site.js" defer></script>
</head>
<body class="htmlbook{extra_class}">
<header class="topbar">
<button id="menu-button" type="button" aria-controls="sidebar" aria-expanded="false">&#9776;<span> Contents</span></button>
<a class="book-title" href="index.html">{book}</a>
</header>
{side}
<main id="content">
{body}
</main>
</body>
</html>
"""


def write_pages(pages, out, book, subtitle):
    for i, p in enumerate(pages):
        body = p.body + prev_next(pages, i)
        title = f"{text_of(p.title)} · {book}"
        with open(os.path.join(out, p.file), "w") as f:
            f.write(page_html(book, html.escape(title), body, sidebar(pages, p)))
    first = pages[0]
    front = f"""<header id="title-block-header">
<h1 class="title">{book}</h1>
<p class="subtitle">{subtitle}</p>
</header>
<p class="start"><a href="{first.file}">Start reading: {first.title}</a></p>
<nav id="TOC" aria-label="Contents"><h2>Contents</h2><ol class="toc">{contents(pages, None)}</ol></nav>
<p class="editions">The same book as one page is <code>build/book.html</code>, and
as a PDF <code>build/book.pdf</code>; <code>make book</code> builds all three.</p>
<nav class="prevnext" aria-label="Next"><a rel="next" href="{first.file}"><span class="pn">Next</span>{first.title}</a></nav>"""
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(page_html(book, html.escape(text_of(book)), front, sidebar(pages, None), " index"))


def copy_assets(out, style):
    assets = os.path.join(out, "assets")
    os.makedirs(assets, exist_ok=True)
    for src in (os.path.join(TOOLS, "book.css"), os.path.join(TOOLS, "book", "site.css"),
                os.path.join(TOOLS, "book", "site.js"), LUNR_JS):
        shutil.copyfile(src, os.path.join(assets, os.path.basename(src)))
    with open(os.path.join(assets, "highlight.css"), "w") as f:
        f.write("/* pandoc's tango highlighting, as in the single-page book */\n" + style)


def main(frag, out):
    lunr = import_lunr()  # both halves of search, checked before anything is written
    if not os.path.exists(LUNR_JS):
        die(f"search needs {LUNR_JS}, from libjs-lunr (`make deps` installs it)")
    text = open(frag, encoding="utf-8").read()
    book = one_line(re.search(r"<title>(.*?)</title>", text, re.S).group(1))
    subtitle = one_line(re.search(r'<p class="subtitle">(.*?)</p>', text, re.S).group(1))
    style = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    body = text.split("<!-- body -->", 1)[1]
    # Written into a fresh folder, then swapped in whole: no page of a
    # renamed chapter is left behind, and a browser (or book_check.py)
    # reading the old pages never sees a half-written book.
    new = tempfile.mkdtemp(prefix=".html-", dir=os.path.dirname(os.path.abspath(out)))
    try:
        pages = cut(body)
        link_pages(pages)
        copy_media(pages, new)
        zoomable_figures(pages)
        wrap_tables(pages)
        copy_assets(new, style)
        write_pages(pages, new, book, subtitle)
        write_index(lunr, pages, new)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    os.chmod(new, 0o755)  # mkdtemp makes it private
    swap_in(new, out)
    print(f"htmlbook: {len(pages)} pages and index.html in {out}/")


def swap_in(new, out):
    old = None
    if os.path.exists(out):
        old = new + ".old"
        os.rename(out, old)
    os.rename(new, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: htmlbook.py FRAGMENT.html OUT_DIR")
    main(sys.argv[1], sys.argv[2])
