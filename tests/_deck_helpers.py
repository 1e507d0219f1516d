"""Shared helpers for the deck tests: small builds, real Anki collections, headless Chromium.

The families come from the registry (whatever is registered), never from a fixed list.
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from html.parser import HTMLParser
from pathlib import Path

from exercises import TOPICS, all_families

CHROMIUM = "/usr/bin/chromium"


# ----------------------------------------------------------------------------- choosing families


def small_selection(per_topic: int = 2, exclude_topics: tuple[str, ...] = ()) -> list[str]:
    """A few registered families per topic: the first ones, preferring ones with code."""
    chosen: list[str] = []
    for topic in TOPICS:
        if topic in exclude_topics:
            continue
        fams = all_families(topic)
        with_code = [f for f in fams if f.code_spec is not None]
        ordered = list(dict.fromkeys([*with_code[:1], *fams]))
        chosen += [f.id for f in ordered[:per_topic]]
    return chosen


def image_family() -> str | None:
    """The first registered family whose deck variant 0 carries a picture (a TMS plot), if any.

    Computing it may train the shared TMS run once per session (cached for everyone).
    """
    from cardgen.deck.build import variant_seeds

    for fam in all_families():
        if fam.id.startswith("einsum.zz_deck_"):  # this module's probes
            continue
        form = fam.forms[0]
        if fam.variant(seed=variant_seeds(0, fam.id, form, 1)[0], form=form).image is not None:
            return fam.id
    return None


PROBE_ID = "einsum.zz_deck_probe"


def tiny_png(seed: int) -> bytes:
    """A valid 1x1 PNG whose colour comes from ``seed`` (distinct bytes per variant)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rgb = bytes([seed % 251, (seed // 251) % 251, (seed // 63001) % 251])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" + rgb)) + chunk(b"IEND", b""))


@contextlib.contextmanager
def probe_family():
    """Register, for the duration, a family whose text is full of ``<``, ``>``, ``&`` and
    ``</script>`` and whose variants carry a PNG: the hard cases for escaping and media."""
    from exercises import Family, Image, Variant, registry
    from exercises.checking import NumberCheck

    def make(rng, form, seed):
        n = rng.randint(2, 9)
        return Variant(
            family=PROBE_ID, form=form, seed=seed, params={"n": n},
            prompt=f"Is `a<b && c>d` true for n={n}? </script><b>not bold</b> & \\(x < y\\)",
            answer=n, answer_text=f"{n} < {n + 1} && </script> & done",
            checker=NumberCheck(float(n)),
            explanation="Because <b> & </script> are text here, `x<y`.",
            hints=("a <hint> & more",),
            code=f"if a < b and c > d:\n    print('&amp; {n}')  # </script>",
            image=Image(f"probe plot {seed}.png", tiny_png(seed)),
        )

    fam = Family(id=PROBE_ID, title="Probe <&> family", make=make, forms=("write", "value"))
    registry.register(fam)
    try:
        yield fam
    finally:
        registry._FAMILIES.pop(PROBE_ID, None)


# ----------------------------------------------------------------------------- building, importing


def build_into(tmp: Path, name: str = "deck.apkg", **kwargs):
    from cardgen.deck.build import build

    out = Path(tmp) / name
    report = build(out, **kwargs)
    return out, report


def fresh_collection(tmp: Path):
    from anki.collection import Collection

    path = Path(tmp) / f"col-{time.monotonic_ns()}" / "collection.anki2"
    path.parent.mkdir(parents=True)
    return Collection(str(path))


def import_apkg(col, apkg: Path):
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    req = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    return col.import_anki_package(req).log


def wait_next_second() -> None:
    """Anki updates a note only from a strictly newer mod time (whole seconds): let one pass."""
    now = int(time.time())
    while int(time.time()) <= now:
        time.sleep(0.05)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, scripts dropped, whitespace removed."""

    class P(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.out: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.skip += 1

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)

    p = P()
    p.feed(fragment)
    return squash("".join(p.out))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def element_html(doc: str, element_id: str) -> str:
    """Inner HTML of the element with ``element_id`` (a div), by balanced-tag scanning."""
    m = re.search(rf'<div[^>]*\bid="{re.escape(element_id)}"[^>]*>', doc)
    if not m:
        raise AssertionError(f"no element #{element_id}")
    depth, pos = 1, m.end()
    for t in re.finditer(r"<(/?)div\b[^>]*>", doc[pos:]):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return doc[pos:pos + t.start()]
    raise AssertionError(f"unbalanced #{element_id}")


# ----------------------------------------------------------------------------- chromium


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def dump_dom(url: str, *extra: str, budget_ms: int = 15000, timeout: float = 60) -> str:
    """The DOM of ``url`` after its scripts (and loads they start) ran, from headless Chromium."""
    with tempfile.TemporaryDirectory(prefix="cardgen-chromium-") as profile:
        cmd = [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}",
            *extra, "--dump-dom", url,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise AssertionError(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def card_page(card_html: str, media_dir: Path, prelude: str = "") -> str:
    """A page laid out like Anki's reviewer: media folder as base, body.card, the card in #qa."""
    base = Path(media_dir).resolve().as_uri() + "/"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><base href="{html.escape(base)}">'
        f"{prelude}</head><body class=\"card\"><div id=\"qa\">{card_html}</div></body></html>"
    )


# Preludes for the reloaded pages: no sessionStorage; and no window.name either (nothing
# survives a reload, so front and back must sometimes disagree: the negative control).
NO_STORAGE = (
    "<script>Object.defineProperty(window, 'sessionStorage', "
    "{get: function () { throw new Error('storage denied'); }});</script>"
)
NO_MEMORY = NO_STORAGE + (
    "<script>Object.defineProperty(window, 'name', {get: function () { return ''; }, "
    "set: function (v) {}});</script>"
)

# One Chromium launch runs every scenario (a launch costs ~2 s here):
#  1. "same": Anki desktop keeps one page and swaps #qa's HTML per side, running the new
#     scripts; scenarios with storage=false run after sessionStorage is taken away;
#  2. "parse": JavaScript off, i.e. the browser's own parser (DOMParser runs no scripts);
#  3. "reload": AnkiDroid loads a fresh page for the back, in the same tab (an iframe here).
_HARNESS = r"""<!doctype html><html><head><meta charset="utf-8"><base href="%(base)s"></head>
<body class="card"><div id="qa"></div><iframe id="frame" src="about:blank"></iframe><pre id="out"></pre>
<script>
var SAME = %(same)s, PARSE = %(parse)s, RELOAD = %(reload)s, ROUNDS = %(rounds)d, results = {};
function grab(doc, id) {
  var el = doc.getElementById(id);
  if (!el) return null;
  var imgs = Array.prototype.map.call(el.querySelectorAll("img"), function (i) { return i.naturalWidth; });
  return { k: el.getAttribute("data-cg-k"), text: el.textContent, imgs: imgs };
}
function denied(win) {
  try { win.sessionStorage.getItem("x"); return false; } catch (e) { return true; }
}
function show(html) {
  var qa = document.getElementById("qa");
  qa.innerHTML = html;
  Array.prototype.forEach.call(qa.querySelectorAll("script"), function (old) {
    if (old.type && old.type !== "text/javascript") return;
    var s = document.createElement("script");
    s.text = old.text;
    old.parentNode.replaceChild(s, old);
  });
}
function finish() {
  document.getElementById("qa").innerHTML = "";
  document.getElementById("out").textContent = JSON.stringify(results);
}
try {
  var storageGone = false;
  SAME.forEach(function (sc) {
    if (!sc.storage && !storageGone) {
      Object.defineProperty(window, "sessionStorage", { get: function () { throw new Error("denied"); } });
      storageGone = true;
    }
    var rounds = [];
    for (var i = 0; i < ROUNDS; i++) {
      show(sc.front);
      var front = { q: grab(document, "cg-q"), a: grab(document, "cg-a") };
      show(sc.back);
      rounds.push({ front: front, back: { q: grab(document, "cg-q"), a: grab(document, "cg-a") },
                    storage_denied: denied(window), window_name: window.name });
    }
    results[sc.name] = rounds;
  });
  PARSE.forEach(function (sc) {
    results[sc.name] = sc.pages.map(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      return { q: grab(doc, "cg-q"), a: grab(doc, "cg-a") };
    });
  });
} catch (e) {
  results.error = String(e && e.stack || e);
}
var f = document.getElementById("frame"), at = 0, round = 0, front = null, rounds = [];
function next() {
  if (at >= RELOAD.length) { finish(); return; }
  f.src = RELOAD[at].front;
}
f.onload = function () {
  var doc = f.contentDocument;
  if (!doc || !doc.getElementById("qa")) return;
  var sc = RELOAD[at];
  if (doc.getElementById("cg-back")) {
    rounds.push({ front: front, back: { q: grab(doc, "cg-q"), a: grab(doc, "cg-a") },
                  storage_denied: denied(f.contentWindow), window_name: f.contentWindow.name });
    if (++round >= ROUNDS) { results[sc.name] = rounds; rounds = []; round = 0; at++; next(); return; }
    f.src = sc.front;
  } else {
    front = { q: grab(doc, "cg-q"), a: grab(doc, "cg-a") };
    f.src = sc.back;
  }
};
next();
</script></body></html>
"""


def _js(value) -> str:
    """``value`` as a JavaScript literal that is safe inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")


def run_browser(media_dir: Path, rounds: int, same=(), parse=(), reload=()) -> dict[str, list]:
    """Run the scenarios in one headless Chromium; results by scenario name.

    ``same``: (name, front, back, storage) · ``parse``: (name, [pages]) ·
    ``reload``: (name, front, back, prelude).
    """
    media_dir = Path(media_dir)
    stamp = time.monotonic_ns()
    reload_urls = []
    for i, (name, front, back, prelude) in enumerate(reload):
        fpath, bpath = media_dir / f"front-{stamp}-{i}.html", media_dir / f"back-{stamp}-{i}.html"
        fpath.write_text(card_page(front, media_dir, prelude), encoding="utf-8")
        bpath.write_text(card_page(back, media_dir, prelude), encoding="utf-8")
        reload_urls.append({"name": name, "front": fpath.as_uri(), "back": bpath.as_uri()})
    page = _HARNESS % {
        "base": html.escape(media_dir.resolve().as_uri() + "/"),
        "same": _js([{"name": n, "front": f, "back": b, "storage": s} for n, f, b, s in same]),
        "parse": _js([{"name": n, "pages": list(p)} for n, p in parse]),
        "reload": _js(reload_urls),
        "rounds": rounds,
    }
    path = media_dir / f"harness-{stamp}.html"
    path.write_text(page, encoding="utf-8")
    dom = dump_dom(path.as_uri(), "--allow-file-access-from-files")
    m = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    if not m or not m.group(1).strip():
        raise AssertionError("the harness wrote no results; a script may have thrown:\n" + dom[-3000:])
    results = json.loads(html.unescape(m.group(1)))
    if "error" in results:
        raise AssertionError("the harness failed: " + results["error"])
    return results


def copy_media(col, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in os.listdir(col.media.dir()):
        shutil.copy(os.path.join(col.media.dir(), name), dest / name)
    return dest
