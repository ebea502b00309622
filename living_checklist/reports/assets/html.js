(function () {
  "use strict";
  var status = document.getElementById("filter-status");
  var area = document.getElementById("filter-area");
  var text = document.getElementById("filter-text");
  var shown = document.getElementById("shown");
  var none = document.getElementById("none-shown");
  var reqs = Array.prototype.slice.call(document.querySelectorAll("article.req"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.area-group"));

  function choose(select, value) {
    var options = Array.prototype.slice.call(select.options);
    select.value = options.some(function (o) { return o.value === value; }) ? value : "";
  }

  function readHash() {
    var hash = window.location.hash.replace(/^#/, "");
    if (hash.indexOf("=") < 0) { return false; }
    var params = new URLSearchParams(hash);
    choose(status, params.get("status") || "");
    choose(area, params.get("area") || "");
    text.value = params.get("q") || "";
    return true;
  }

  function writeHash() {
    var params = new URLSearchParams();
    if (status.value) { params.set("status", status.value); }
    if (area.value) { params.set("area", area.value); }
    if (text.value) { params.set("q", text.value); }
    var hash = params.toString();
    try {
      window.history.replaceState(null, "", hash ? "#" + hash : window.location.pathname);
    } catch (e) {
      window.location.hash = hash;
    }
  }

  function apply() {
    var s = status.value, a = area.value, q = text.value.trim().toLowerCase();
    var count = 0;
    reqs.forEach(function (req) {
      var ok = (!s || req.getAttribute("data-status") === s) &&
        (!a || req.getAttribute("data-area") === a) &&
        (!q || req.getAttribute("data-search").indexOf(q) >= 0);
      req.hidden = !ok;
      if (ok) { count += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("article.req:not([hidden])");
    });
    shown.textContent = "Showing " + count + " of " + reqs.length;
    none.hidden = count > 0;
  }

  function onHash() {
    if (!readHash()) {
      var target = window.location.hash.replace(/^#/, "");
      choose(status, ""); choose(area, ""); text.value = "";
      apply();
      var element = null;
      try {
        element = target ? document.getElementById(decodeURIComponent(target)) : null;
      } catch (e) {
        element = null;
      }
      if (element) { element.scrollIntoView(); }
      return;
    }
    apply();
  }

  function onControl() { writeHash(); apply(); }

  status.addEventListener("change", onControl);
  area.addEventListener("change", onControl);
  text.addEventListener("input", onControl);
  window.addEventListener("hashchange", onHash);
  document.documentElement.setAttribute("data-js", "ready");
  readHash();
  apply();
})();
