// The portal's widget on the council's own website. Served by the portal; the snippet is
//   <div data-civicportal-widget="consultations"></div>
//   <script src="https://portal.example/static/outreach/embed.js" async></script>
// Each placeholder (consultations, ideas or alerts) gets an iframe of the portal's widget
// page, in the language of the page (data-lang, else <html lang>). The iframe takes the
// height its page reports, but only from messages sent by the portal's own origin and by
// that very iframe: another frame or site cannot resize it.
(function () {
  "use strict";
  var WIDGETS = ["consultations", "ideas", "alerts"];
  var MAX_HEIGHT = 10000;

  var script = document.currentScript;
  if (!script) {
    script = document.querySelector('script[src$="/outreach/embed.js"]');
  }
  if (!script) {
    return;
  }
  var portal = new URL(script.src, document.baseURI).origin;
  var frames = [];

  function language(placeholder) {
    var lang = placeholder.getAttribute("data-lang") || document.documentElement.lang || "";
    return lang.slice(0, 2).toLowerCase();
  }

  function build(placeholder) {
    var widget = placeholder.getAttribute("data-civicportal-widget");
    if (WIDGETS.indexOf(widget) === -1 || placeholder.querySelector("iframe")) {
      return;
    }
    var address = new URL("/embed/" + widget + "/", portal);
    var lang = language(placeholder);
    if (lang) {
      address.searchParams.set("lang", lang);
    }
    var frame = document.createElement("iframe");
    frame.src = address.href;
    frame.title = placeholder.getAttribute("data-title") || widget;
    frame.setAttribute("scrolling", "no");
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.border = "0";
    placeholder.appendChild(frame);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== portal) {
      return;
    }
    var data = event.data;
    if (!data || data.type !== "civicportal:height" || typeof data.height !== "number") {
      return;
    }
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === event.source) {
        var height = Math.max(0, Math.min(Math.ceil(data.height), MAX_HEIGHT));
        frames[i].style.height = height + "px";
      }
    }
  });

  var placeholders = document.querySelectorAll("[data-civicportal-widget]");
  for (var j = 0; j < placeholders.length; j += 1) {
    build(placeholders[j]);
  }
})();
