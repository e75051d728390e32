/* site.js: what the chapter pages of the HTML book do.
 *
 * - the Contents button opens the sidebar on narrow screens;
 * - the section being read is highlighted in the sidebar (scroll-spy);
 * - every listing gets a Copy button;
 * - search: lunr.js and the index (assets/search-index.js, built by
 *   tools/htmlbook.py) are loaded as <script> elements on first use,
 *   because fetch() is refused on file:// pages.
 * No library other than lunr, no build step: this file is served as is.
 */
(function () {
  "use strict";

  var body = document.body;
  var sidebar = document.getElementById("sidebar");
  var button = document.getElementById("menu-button");

  /* ---- the sidebar behind a button on narrow screens ---- */

  function setMenu(open) {
    body.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    setMenu(!body.classList.contains("menu-open"));
  });
  // Following a link closes the menu, or a phone would keep it over the text.
  sidebar.addEventListener("click", function (e) {
    if (e.target.closest("a")) setMenu(false);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && body.classList.contains("menu-open")) setMenu(false);
    // "/" jumps to the search box, as on most documentation sites.
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      if (getComputedStyle(button).display !== "none") setMenu(true);
      document.getElementById("search").focus();
    }
  });

  // Bring the current chapter into the sidebar's view on a long contents.
  var current = sidebar.querySelector("li.current");
  if (current) sidebar.scrollTop = current.offsetTop - 80;

  /* ---- scroll-spy: the section under the top of the window ---- */

  var spyLinks = {};
  sidebar.querySelectorAll("li.current > ol a").forEach(function (a) {
    spyLinks[decodeURIComponent(a.hash.slice(1))] = a;
  });
  var spied = Array.prototype.filter.call(
    document.querySelectorAll("main section.level2"),
    function (s) { return spyLinks[s.id]; });
  var active = null;

  function spy() {
    var top = document.querySelector(".topbar").offsetHeight + 24;
    var now = null;
    for (var i = 0; i < spied.length; i++) {
      if (spied[i].getBoundingClientRect().top > top) break;
      now = spyLinks[spied[i].id];
    }
    if (now === active) return;
    if (active) active.classList.remove("active");
    if (now) now.classList.add("active");
    active = now;
  }

  var pending = false;
  window.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;  // at most one update per frame
    requestAnimationFrame(function () { pending = false; spy(); });
  }, { passive: true });
  window.addEventListener("hashchange", spy);
  spy();

  /* ---- a Copy button on every listing ---- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyOldWay(text); });
    }
    return copyOldWay(text);
  }

  // Older browsers, a page the browser does not count as secure, or one
  // whose clipboard permission was refused.
  function copyOldWay(text) {
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      body.removeChild(area);
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  function say(btn, word) {
    btn.textContent = word;
    setTimeout(function () { btn.textContent = "Copy"; }, 1500);
  }

  document.querySelectorAll("main pre").forEach(function (pre) {
    // The button sits in a box around the <pre>, so that it stays put
    // while the code scrolls sideways under it.
    var box = pre.parentElement;
    if (!box.classList.contains("sourceCode")) {
      box = document.createElement("div");
      pre.parentNode.insertBefore(box, pre);
      box.appendChild(pre);
    }
    box.classList.add("has-copy");
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "copy";
    btn.textContent = "Copy";
    btn.setAttribute("aria-label", "Copy this listing");
    btn.addEventListener("click", function () {
      copyText(pre.innerText.replace(/\n$/, "")).then(
        function () { say(btn, "Copied"); },
        function () { say(btn, "Press Ctrl+C"); });
    });
    box.appendChild(btn);
  });

  /* ---- search ---- */

  var input = document.getElementById("search");
  var results = document.getElementById("search-results");
  var index = null;
  var loading = [];

  function loadScript(src, then) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = then;
    s.onerror = function () {
      results.hidden = false;
      results.innerHTML = "<li class=\"none\">The search index is missing: run make book.</li>";
    };
    document.head.appendChild(s);
  }

  function withIndex(then) {
    if (index) return then();
    loading.push(then);
    if (loading.length > 1) return;  // already on its way
    loadScript("assets/lunr.min.js", function () {
      loadScript("assets/search-index.js", function () {
        index = lunr.Index.load(window.BOOK_SEARCH.index);
        loading.splice(0).forEach(function (f) { f(); });
      });
    });
  }

  function find(text) {
    // lunr trims punctuation off words when it indexes them but not off a
    // query, so "fork()" is trimmed here to match the indexed "fork".
    var terms = lunr.tokenizer(text).map(function (t) {
      return t.toString().replace(/^\W+|\W+$/g, "");
    }).filter(Boolean);
    if (!terms.length) return [];
    return index.query(function (q) {
      terms.forEach(function (t) {
        // The whole word, stemmed as the index is; and, weaker, any word
        // that begins with what was typed, for a search typed halfway.
        q.term(t, { usePipeline: true });
        q.term(t, { usePipeline: false, boost: 0.2, wildcard: lunr.Query.wildcard.TRAILING });
      });
    });
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c];
    });
  }

  function show(hits) {
    results.hidden = false;
    if (!hits.length) {
      results.innerHTML = "<li class=\"none\">Nothing found.</li>";
      return;
    }
    var docs = window.BOOK_SEARCH.docs;
    results.innerHTML = hits.slice(0, 20).map(function (h) {
      var d = docs[h.ref];
      return "<li><a href=\"" + escapeHtml(h.ref) + "\"><span class=\"r-chapter\">" +
        escapeHtml(d.c) + "</span>" +
        (d.s ? "<span class=\"r-section\">" + escapeHtml(d.s) + "</span>" : "") +
        "</a></li>";
    }).join("");
  }

  function run() {
    var text = input.value.trim();
    if (!text) { results.hidden = true; results.innerHTML = ""; return; }
    withIndex(function () {
      if (input.value.trim() === text) show(find(text));
    });
  }

  input.addEventListener("input", run);
  input.addEventListener("focus", function () { withIndex(function () {}); });
  input.addEventListener("keydown", function (e) {
    var first = results.querySelector("a");
    if (e.key === "Enter" && first) { setMenu(false); window.location.href = first.href; }
  });
}());
