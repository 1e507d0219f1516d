/* cardgen card script, model v1.
 *
 * Each note carries all of its variants as JSON in the element #cg-variants (a JSON script).
 * The front picks one at random and remembers it; the back (which contains the front through
 * FrontSide, so this script runs there too) shows the same one:
 *   - sessionStorage survives AnkiDroid reloading the page for the back;
 *   - window.cardgenChoices covers clients without sessionStorage (Anki desktop keeps the page);
 *   - window.name is the last resort for a reloaded page without sessionStorage.
 * The back template starts with <div id="cg-back">, so the script knows which side it is on.
 * Without JavaScript the fields Question/Answer (variant 0) stay on screen.
 *
 * This file is pasted into the card templates: it must never contain two opening or two closing
 * braces in a row, which Anki would read as template syntax.
 */
(function () {
  "use strict";
  var root = document.getElementById("cg-root");
  var data = document.getElementById("cg-variants");
  if (!root || !data) return;
  var variants;
  try {
    variants = JSON.parse(data.textContent);
  } catch (e) {
    return; /* keep the static variant 0 */
  }
  if (!variants || !variants.length) return;

  var key = "cardgen-choice:" + (root.getAttribute("data-cg-id") || "");
  var memo = window.cardgenChoices || (window.cardgenChoices = {});
  var NAME_PREFIX = "cardgen-choice|";

  function valid(k) {
    return typeof k === "number" && k >= 0 && k < variants.length && Math.floor(k) === k;
  }
  function load() {
    var k = null;
    try {
      var s = window.sessionStorage.getItem(key);
      if (s !== null) k = parseInt(s, 10);
    } catch (e) { /* no sessionStorage here */ }
    if (!valid(k) && Object.prototype.hasOwnProperty.call(memo, key)) k = memo[key];
    if (!valid(k) && typeof window.name === "string" && window.name.indexOf(NAME_PREFIX + key + "=") === 0) {
      k = parseInt(window.name.slice((NAME_PREFIX + key + "=").length), 10);
    }
    return valid(k) ? k : null;
  }
  function save(k) {
    memo[key] = k;
    try {
      window.sessionStorage.setItem(key, String(k));
      return;
    } catch (e) { /* fall through to window.name */ }
    try {
      window.name = NAME_PREFIX + key + "=" + k;
    } catch (e2) { /* nothing else to try */ }
  }

  var onBack = !!document.getElementById("cg-back");
  var k = onBack ? load() : null;
  if (k === null) {
    k = Math.floor(Math.random() * variants.length);
    save(k);
  }
  var v = variants[k];

  function fill(id, html) {
    var el = document.getElementById(id);
    if (!el || el.getAttribute("data-cg-k") === String(k)) return null;
    el.innerHTML = html;
    el.setAttribute("data-cg-k", String(k));
    return el;
  }
  var changed = [];
  var q = fill("cg-q", v.q);
  if (q) changed.push(q);
  if (onBack) {
    var a = fill("cg-a", v.a);
    if (a) changed.push(a);
  }
  root.setAttribute("data-cg-k", String(k));

  /* Math inserted by script has to be typeset again; chain on MathJax's startup promise so two
     typeset calls never overlap. */
  var mj = window.MathJax;
  if (changed.length && mj && typeof mj.typesetPromise === "function") {
    var run = function () {
      return mj.typesetPromise(changed);
    };
    if (mj.startup && mj.startup.promise && typeof mj.startup.promise.then === "function") {
      mj.startup.promise = mj.startup.promise.then(run).catch(function () {});
    } else {
      run().catch(function () {});
    }
  }
})();
