#!/usr/bin/env python3
"""book_check.py: the HTML book (build/html/) checked as a reader meets it.

  - every link and image of every page resolves: the file exists and,
    for page.html#id, so does the id in it;
  - in a real browser, Debian's chromium-headless-shell, at 1280 px and at
    390 px (a phone): no page is blank or throws a JavaScript error or
    fails to load a file, none is wider than the window at 390 px, the
    sidebar lists every page, the sidebar hides behind its button on a
    phone, a search for EPOLLEXCLUSIVE puts the one chapter that holds it
    first and its link lands on the section, and the dark theme keeps the
    text legible and the figures on white;
  - and, so that none of this passes by accident, the same checks are run
    on pages broken on purpose, and must fail.

Chromium is driven through its DevTools protocol over a pipe
(--remote-debugging-pipe: JSON messages ending in a NUL byte, read from
fd 3 and written to fd 4), so Python's standard library is all it takes.
Screenshots for a person to look at are left in build/book-WIDTH.png and
build/book-WIDTH-dark.png.

    python3 tools/book_check.py        (after `make html`; `make test STAGE=e` runs it)
"""
import base64
import fcntl
import html
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HTML = os.path.join(ROOT, "build", "html")
RERUN = "re-run: make html && python3 tools/book_check.py"
SEARCH_TERM = "EPOLLEXCLUSIVE"
WIDTHS = (1280, 390)
PHONE = 800  # below this width the sidebar hides behind its button (site.css)


# ---- links -------------------------------------------------------------------

class Refs(HTMLParser):
    """The ids a page defines and the href/src values it uses."""

    def __init__(self):
        super().__init__()
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append((tag, a[key]))


def parse(path):
    refs = Refs()
    with open(path, encoding="utf-8") as f:
        refs.feed(f.read())
    return refs


def broken_links(folder):
    """Every local link and image of every page, as 'page: ref (why)'."""
    pages = {name: parse(os.path.join(folder, name))
             for name in sorted(os.listdir(folder)) if name.endswith(".html")}
    bad = []
    for name, refs in pages.items():
        for tag, ref in refs.refs:
            url = urlsplit(ref)
            if url.scheme or ref.startswith("//"):
                continue  # the web, not the book
            path = unquote(url.path)
            target = name if not path else os.path.normpath(os.path.join(os.path.dirname(name), path))
            if not os.path.exists(os.path.join(folder, target)):
                bad.append(f"{name}: <{tag}> {ref} (no file {target})")
            elif url.fragment and target.endswith(".html"):
                ids = pages[target].ids if target in pages else parse(os.path.join(folder, target)).ids
                if unquote(url.fragment) not in ids:
                    bad.append(f"{name}: <{tag}> {ref} (no id {url.fragment} in {target})")
    return bad, sum(len(r.refs) for r in pages.values())


# ---- a browser over the DevTools protocol --------------------------------------

def chromium_binary():
    for name in ("chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(Exception):
    pass


def high(fd):
    """The same pipe end on a descriptor above 9 and closed on exec, so that
    putting Chromium's ends on 3 and 4 cannot overwrite one of them."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Chromium:
    """One headless Chromium, spoken to through --remote-debugging-pipe."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="book-chromium-")
        to_chrome, self.w = (high(fd) for fd in os.pipe())
        self.r, from_chrome = (high(fd) for fd in os.pipe())
        flags = ["--headless", "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                 "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--mute-audio",
                 "--disable-extensions", "--disable-background-networking"]
        if os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
        def onto_3_and_4():
            # In the child, before exec: Chromium reads fd 3 and writes fd 4.
            # dup2() makes them inheritable; the originals close on exec.
            os.dup2(to_chrome, 3)
            os.dup2(from_chrome, 4)
        self.proc = subprocess.Popen([binary] + flags + ["about:blank"], preexec_fn=onto_3_and_4,
                                     close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self.buf, self.next_id, self.events = b"", 0, []

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise BrowserError("Chromium did not answer within the time allowed")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium exited (status {self.proc.poll()})")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise BrowserError(f"{method}: {m['error'].get('message')}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, session, timeout=20):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method and m.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.r)
        os.close(self.w)
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    """A page at one window size and colour scheme."""

    def __init__(self, browser, width, height=900, scheme="light"):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.s = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < PHONE})
        self.call("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme", "value": scheme}]})

    def call(self, method, params=None, timeout=20):
        return self.b.send(method, params, self.s, timeout)

    def open(self, url):
        """Load a page; return what went wrong while it loaded."""
        self.b.events = [e for e in self.b.events if e.get("sessionId") != self.s]
        self.call("Page.navigate", {"url": url})
        self.b.wait_event("Page.loadEventFired", self.s)
        time.sleep(0.05)  # let a late error report arrive
        return self.errors()

    def errors(self):
        self.b.send("Runtime.evaluate", {"expression": "0"}, self.s)  # drain pending events
        out = []
        for e in [e for e in self.b.events if e.get("sessionId") == self.s]:
            p = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append("JavaScript error: " + d.get("exception", {}).get("description", d.get("text", "?")).splitlines()[0])
            elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(f"{p['entry']['text']} {p['entry'].get('url', '')}".strip())
            elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append("console.error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"]))
        self.b.events = [e for e in self.b.events if e.get("sessionId") != self.s]
        return out

    def js(self, expression, timeout=20):
        """The JSON value of an expression (awaited if it is a promise)."""
        r = self.call("Runtime.evaluate", {"expression": f"Promise.resolve({expression}).then(JSON.stringify)",
                                           "awaitPromise": True, "returnByValue": True}, timeout)
        if "exceptionDetails" in r:
            raise BrowserError("the check's own script failed: " + r["exceptionDetails"].get("text", "?"))
        return json.loads(r["result"]["value"])

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


# What the browser reports about one page: how much text, how wide, and
# which chapters the sidebar lists.  An element that sticks out is named,
# so that a failure says where to look.  The window's width is taken as
# the smaller of innerWidth and the root's clientWidth: in phone emulation
# Chromium widens innerWidth to fit a page that overflows, which would
# hide the very fault being looked for.
PAGE_FACTS = r"""(() => {
  const root = document.documentElement, main = document.querySelector('main') || document.body;
  const win = Math.min(innerWidth, root.clientWidth), wide = [];
  const clipped = el => { for (let a = el.parentElement; a && a !== root; a = a.parentElement)
                            if (getComputedStyle(a).overflowX !== 'visible') return true;
                          return false; };
  const out = el => el.getBoundingClientRect().right > win + 1;
  if (root.scrollWidth > win) {
    for (const el of document.body.querySelectorAll('*')) {
      /* the outermost element that sticks out, unless a scrolling box holds it */
      if (!out(el) || (el.parentElement && out(el.parentElement) && el.parentElement !== document.body) || clipped(el)) continue;
      const where = el.closest('section[id]');
      wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '') +
                (where ? ' in #' + where.id : '') + ' (to ' + Math.round(el.getBoundingClientRect().right) + ' px)');
      if (wide.length >= 3) break;
    }
  }
  const side = document.getElementById('sidebar');
  return {text: main.innerText.trim().length, h1: !!main.querySelector('h1'),
          listings: main.querySelectorAll('pre').length, copies: main.querySelectorAll('button.copy').length,
          tables: main.querySelectorAll('table').length, wrapped: main.querySelectorAll('.table-wrap > table').length,
          scrollWidth: root.scrollWidth, innerWidth: win, wide: wide,
          chapters: side ? Array.from(side.querySelectorAll('ol.toc > li > a')).map(a => a.getAttribute('href')) : [],
          sidebarShown: side ? getComputedStyle(side).visibility !== 'hidden' && side.getBoundingClientRect().right > 0 : false};
})()"""

SEARCH = r"""(async () => {
  const input = document.getElementById('search');
  document.getElementById('search-results').innerHTML = '';
  input.value = %s;
  input.dispatchEvent(new Event('input'));
  for (let i = 0; i < 200; i++) {
    const hits = document.querySelectorAll('#search-results a');
    if (hits.length) return {n: hits.length, href: hits[0].getAttribute('href'),
                             chapter: hits[0].querySelector('.r-chapter').textContent};
    await new Promise(r => setTimeout(r, 25));
  }
  return {n: 0, said: document.getElementById('search-results').innerText};
})()"""

OPEN_MENU = r"""(async () => {
  document.getElementById('menu-button').click();
  await new Promise(r => setTimeout(r, 400));   /* the slide-in takes 0.2 s */
  const r = document.getElementById('sidebar').getBoundingClientRect();
  return {left: Math.round(r.left), right: Math.round(r.right), shown: getComputedStyle(document.getElementById('sidebar')).visibility};
})()"""

# The sidebar: which chapters are open, and which section it highlights
# once the third section of the page is scrolled to the top.
SPY = r"""(async () => {
  const open = Array.from(document.querySelectorAll('#sidebar ol.toc > li')).filter(li => {
    const o = li.querySelector('ol'); return o && getComputedStyle(o).display !== 'none'; })
    .map(li => li.firstElementChild.getAttribute('href'));
  const secs = document.querySelectorAll('main section.level2');
  const target = secs[Math.min(2, secs.length - 1)];
  target.scrollIntoView();
  await new Promise(r => setTimeout(r, 250));
  const a = document.querySelector('#sidebar a.active');
  return {open: open, want: target.id, active: a ? decodeURIComponent(a.hash.slice(1)) : null};
})()"""

COPY = r"""(async () => {
  const btn = document.querySelector('main button.copy');
  btn.click();
  await new Promise(r => setTimeout(r, 300));
  let got;
  try { got = await navigator.clipboard.readText(); } catch (e) { got = 'clipboard unreadable: ' + e.message; }
  return {label: btn.textContent, got: got, want: btn.parentElement.querySelector('pre').innerText.replace(/\n$/, '')};
})()"""

# The dark theme: text against background (WCAG contrast), and what sits
# behind a figure (gnuplot draws dark lines on white).
DARK_FACTS = r"""(() => {
  const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const v = c.map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
                     return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const fg = lum(rgb(getComputedStyle(document.querySelector('main p')).color));
  const bg = lum(rgb(getComputedStyle(document.documentElement).backgroundColor));
  const img = document.querySelector('main figure img');
  if (img) img.scrollIntoView({block: 'center'});
  return {contrast: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05), dark: bg < 0.05,
          figureBg: img ? getComputedStyle(img).backgroundColor : null};
})()"""


def page_problems(tab, url, width, chapters):
    """What is wrong with one page at one width, as sentences."""
    problems = tab.open(url)
    f = tab.js(PAGE_FACTS)
    if f["text"] < 200 or not f["h1"]:
        problems.append(f"the page looks blank: {f['text']} characters of text"
                        + ("" if f["h1"] else " and no <h1>"))
    if width < PHONE and f["scrollWidth"] > f["innerWidth"]:
        problems.append(f"the page is {f['scrollWidth']} px wide in a {f['innerWidth']} px window, so it scrolls "
                        f"sideways (sticking out: {', '.join(f['wide']) or 'unknown'})")
    if f["copies"] != f["listings"]:
        problems.append(f"{f['copies']} copy buttons for {f['listings']} listings")
    if f["wrapped"] != f["tables"]:
        problems.append(f"{f['tables'] - f['wrapped']} of {f['tables']} tables are not in a sideways-scrolling box")
    missing = [c for c in chapters if c not in f["chapters"]]
    if chapters and missing:
        problems.append(f"the sidebar lists {len(f['chapters'])} of the {len(chapters)} pages, "
                        f"missing {', '.join(missing)}")
    if width < PHONE and chapters and f["sidebarShown"]:
        problems.append("the sidebar covers the text on a phone before its button is pressed")
    if width >= PHONE and chapters and not f["sidebarShown"]:
        problems.append(f"the sidebar is hidden in a {width} px window, where it should stay beside the text")
    return problems, f


def file_url(path):
    return "file://" + os.path.abspath(path)


def chapter_pages(folder):
    """The pages the sidebar must list, in the order htmlbook.py wrote them:
    read from index.html's contents, cross-checked against the files."""
    with open(os.path.join(folder, "index.html"), encoding="utf-8") as f:
        text = f.read()
    listed = re.findall(r'<li class="chapter[^"]*"><a href="([^"#]+)"', text.split('id="TOC"', 1)[-1])
    files = sorted(n for n in os.listdir(folder) if n.endswith(".html") and n != "index.html")
    return listed, files


def page_text(folder, page):
    """The words of a page's main text (the sidebar is the same on all)."""
    with open(os.path.join(folder, page), encoding="utf-8") as f:
        text = f.read()
    main = text.split('<main id="content">', 1)[-1].split("</main>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", main))


def holders(texts, term):
    """The pages that mention the term most often, and how often."""
    counts = {p: t.count(term) for p, t in texts.items()}
    most = max(counts.values(), default=0)
    return sorted(p for p, c in counts.items() if c and c == most), most


def own_words(texts):
    """For each page, the C identifier (a word with an underscore) that it
    uses most and no other page uses at all: a search for it can only be
    right if it puts that page first."""
    found = {p: set(re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\b", t)) for p, t in texts.items()}
    out = {}
    for p, words in found.items():
        others = set().union(*(w for q, w in found.items() if q != p))
        mine = [w for w in words - others if not any(w in t for q, t in texts.items() if q != p)]
        if mine:
            out[p] = max(mine, key=lambda w: (texts[p].count(w), w))
    return out


def check_pages(record, browser, folder, shots):
    chapters, files = chapter_pages(folder)
    record(sorted(chapters) == files, f"index.html lists every page of build/html ({len(files)})",
           f"index.html lists {len(chapters)} pages but build/html holds {len(files)}: "
           f"{sorted(set(chapters) ^ set(files))}; {RERUN}")
    show = next((p for p in chapters if 'class="table-wrap"' in open(os.path.join(folder, p)).read()
                 and "<figure" in open(os.path.join(folder, p)).read()), chapters[0])
    for width in WIDTHS:
        tab, bad = Tab(browser, width, 844 if width < PHONE else 900), {}
        for page in ["index.html"] + chapters:
            problems, _ = page_problems(tab, file_url(os.path.join(folder, page)), width, chapters)
            if problems:
                bad[page] = problems
        detail = "; ".join(f"{p}: {', '.join(v)}" for p, v in bad.items())
        record(not bad, f"{len(chapters) + 1} pages at {width} px: text, no JavaScript or load error, "
               + ("no sideways scroll, " if width < PHONE else "")
               + "a copy button per listing, every page in the sidebar",
               f"{len(bad)} pages fail at {width} px: {detail}; {RERUN}")
        if width < PHONE:
            check_menu(record, tab, folder, show)
        else:
            check_spy(record, tab, folder, show)
            check_copy(record, browser, folder, show)
        tab.open(file_url(os.path.join(folder, show)))
        tab.screenshot(os.path.join(shots, f"book-{width}.png"))
        check_dark(record, browser, folder, show, width, shots)
    check_search(record, browser, folder, chapters)


def check_menu(record, tab, folder, page):
    tab.open(file_url(os.path.join(folder, page)))
    m = tab.js(OPEN_MENU)
    record(m["shown"] == "visible" and m["left"] >= 0 and m["right"] > 200,
           "on a phone the Contents button slides the sidebar in",
           f"after a press the sidebar is {m['shown']} at x = {m['left']}..{m['right']} px; {RERUN}")


def check_spy(record, tab, folder, page):
    tab.open(file_url(os.path.join(folder, page)))
    m = tab.js(SPY)
    record(m["open"] == [page] and m["active"] == m["want"],
           "the sidebar opens the current chapter only and highlights the section in view",
           f"on {page} the sidebar has {m['open']} open, and after scrolling to #{m['want']} "
           f"it highlights #{m['active']}; {RERUN}")


def check_copy(record, browser, folder, page):
    """A reader's click, with the clipboard permission a reader's browser
    would ask for: the listing, exactly, must land on the clipboard."""
    browser.send("Browser.grantPermissions", {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    tab = Tab(browser, 1280)
    tab.call("Emulation.setFocusEmulationEnabled", {"enabled": True})
    tab.open(file_url(os.path.join(folder, page)))
    c = tab.js(COPY)
    record(c["got"] == c["want"] and c["label"] == "Copied",
           "the Copy button puts the listing on the clipboard",
           f"on {page} the button said {c['label']!r} and the clipboard holds {len(c['got'])} characters "
           f"against the listing's {len(c['want'])}: {c['got'][:60]!r}; {RERUN}")


def check_dark(record, browser, folder, page, width, shots):
    tab = Tab(browser, width, 844 if width < PHONE else 900, "dark")
    errors = tab.open(file_url(os.path.join(folder, page)))
    d = tab.js(DARK_FACTS)
    time.sleep(0.1)
    tab.screenshot(os.path.join(shots, f"book-{width}-dark.png"))
    white = d["figureBg"] in ("rgb(255, 255, 255)", "rgba(255, 255, 255, 1)")
    record(d["dark"] and d["contrast"] >= 7 and white and not errors,
           f"dark theme at {width} px: light text on dark, figures on a white card",
           f"{page} in dark mode: background dark {d['dark']}, text contrast {d['contrast']:.1f} (7 wanted), "
           f"figure background {d['figureBg']}, errors {errors or 'none'}; {RERUN}")


def check_search(record, browser, folder, chapters):
    texts = {p: page_text(folder, p) for p in chapters}
    want, most = holders(texts, SEARCH_TERM)
    if not want:
        record(False, f"search for {SEARCH_TERM}", f"no page of the book mentions {SEARCH_TERM} any more: "
               f"pick another term for SEARCH_TERM in tools/book_check.py; {RERUN}")
        return
    tab = Tab(browser, 1280)
    errors = tab.open(file_url(os.path.join(folder, "index.html")))
    hit = tab.js(SEARCH % json.dumps(SEARCH_TERM), timeout=30)
    errors += tab.errors()
    first = (hit.get("href") or "").split("#")[0]
    named = " or ".join(want)
    record(first in want and not errors, f"search for {SEARCH_TERM} puts {named} first ({most} mention{'s' if most != 1 else ''})",
           f"the first of {hit['n']} results is {hit.get('href') or hit.get('said')!r}, not a section of {named}"
           + (f" (errors: {', '.join(errors)})" if errors else "") + f"; {RERUN}")
    if first not in want:
        return
    tab.screenshot(os.path.join(os.path.dirname(folder), "book-search.png"))
    typed = f"{SEARCH_TERM}()"  # lunr trims a word's punctuation when indexing, not when querying
    again = tab.js(SEARCH % json.dumps(typed))
    record((again.get("href") or "").split("#")[0] in want, f"search for {typed}, punctuation and all, finds {named}",
           f"the first of {again['n']} results is {again.get('href') or again.get('said')!r}; {RERUN}")
    check_own_words(record, tab, texts)
    check_landing(record, tab, folder, hit)


def check_own_words(record, tab, texts):
    words = own_words(texts)
    wrong = []
    for page, word in words.items():
        hit = tab.js(SEARCH % json.dumps(word))
        if (hit.get("href") or "").split("#")[0] != page:
            wrong.append(f"{word} gave {hit.get('href') or hit.get('said')!r}, not {page}")
    record(not wrong, f"a search for a word only one page uses puts that page first, on {len(words)} pages "
           f"({', '.join(words.values())})", f"{len(wrong)} of {len(words)} searches go wrong: {'; '.join(wrong)}; {RERUN}")


def check_landing(record, tab, folder, hit):
    """Following the first result shows its section, holding the term, at the top."""
    anchor = unquote(hit["href"].split("#", 1)[1]) if "#" in hit["href"] else None
    tab.open(file_url(os.path.join(folder, hit["href"].split("#")[0])) + ("#" + anchor if anchor else ""))
    find = f"document.getElementById({json.dumps(anchor)})" if anchor else "document.querySelector('main')"
    at = tab.js(f"(() => {{ const e = {find}; return e ? {{top: Math.round(e.getBoundingClientRect().top), "
                f"has: e.innerText.includes({json.dumps(SEARCH_TERM)})}} : null; }})()")
    record(at is not None and -5 <= at["top"] <= 200 and at["has"],
           f"the search result {hit['chapter']} › {hit['href']} lands on its section, which mentions {SEARCH_TERM}",
           f"after following it, #{anchor} is {'missing' if at is None else str(at['top']) + ' px from the top (0..200 wanted)'}"
           + ("" if at is None or at["has"] else f" and does not mention {SEARCH_TERM}") + f"; {RERUN}")


# ---- the checks must be able to fail -----------------------------------------------

BROKEN = """<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
</head><body><main><h1>Broken on purpose</h1><p>{text}</p>
<div style="width: 1200px">a block wider than a phone</div>
<img src="no-such-figure.svg" alt=""><pre>code without a copy button</pre>
<table><tr><td>a table with no scrolling box</td></tr></table></main>
<script>no_such_function();</script></body></html>"""


def check_self(record, browser):
    """A page that throws, loads a missing file, is too wide and lacks the
    copy button and the table box, a blank one, and bad links: the checks
    above must find each fault."""
    with tempfile.TemporaryDirectory(prefix="book-broken-") as d:
        with open(os.path.join(d, "broken.html"), "w") as f:
            f.write(BROKEN.format(text="words " * 80))
        with open(os.path.join(d, "blank.html"), "w") as f:
            f.write("<!DOCTYPE html><html><body><main></main></body></html>")
        with open(os.path.join(d, "links.html"), "w") as f:
            f.write('<a href="broken.html#nowhere">x</a><a href="gone.html">y</a><a id="here" href="#here">z</a>')
        tab = Tab(browser, 390, 844)
        p, _ = page_problems(tab, file_url(os.path.join(d, "broken.html")), 390, ["gone.html"])
        found = {"a JavaScript error": any("no_such_function" in x for x in p),
                 "a missing file": any("ERR_FILE_NOT_FOUND" in x or "no-such-figure" in x for x in p),
                 "a sideways scroll": any("scrolls sideways" in x for x in p),
                 "a chapter missing from the sidebar": any("sidebar lists" in x for x in p),
                 "a listing without a copy button": any("copy buttons" in x for x in p),
                 "a table that can widen the page": any("scrolling box" in x for x in p)}
        b, _ = page_problems(tab, file_url(os.path.join(d, "blank.html")), 390, [])
        found["a blank page"] = any("blank" in x for x in b)
        links, _ = broken_links(d)
        found["a link to a missing id"] = any("no id nowhere" in x for x in links)
        found["a link to a missing page"] = any("no file gone.html" in x for x in links)
        missed = [k for k, v in found.items() if not v]
        record(not missed, f"the book checks catch a page broken on purpose ({len(found)} faults)",
               f"they missed {', '.join(missed)} (they reported: {p + b + links}); {RERUN}")


# ---- all of it ----------------------------------------------------------------------

def check_all(record, folder=HTML):
    bad, n = broken_links(folder)
    record(not bad, f"every link and image in build/html resolves ({n} of them)",
           f"{len(bad)} of {n} do not: {'; '.join(bad[:8])}; {RERUN}")
    binary = chromium_binary()
    if not binary:
        record(None, "the HTML book in a browser",
               "skipped: chromium-headless-shell is not installed, so no page was opened in a browser "
               "(`make deps` installs it where the distribution packages it, as Debian 12 does)")
        return
    start = time.time()
    browser = Chromium(binary)
    try:
        check_self(record, browser)
        check_pages(record, browser, folder, os.path.dirname(folder))
    except BrowserError as e:
        record(False, "the HTML book in a browser", f"{e} (after {time.time() - start:.0f} s); {RERUN}")
    finally:
        browser.close()


def main():
    def record(ok, name, detail=""):
        print(f"  {'skip' if ok is None else 'ok  ' if ok else 'FAIL'}  {name}"
              + (f": {detail}" if detail and not ok else ""), flush=True)
        failed.append(ok is False)
    failed = []
    if not os.path.exists(os.path.join(HTML, "index.html")):
        sys.exit("book_check.py: build/html/index.html is missing: run `make html` first")
    check_all(record)
    sys.exit(1 if any(failed) else 0)


if __name__ == "__main__":
    main()
