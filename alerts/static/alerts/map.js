// The alert form's map: shows the council's areas and the drawn shapes, and adds a point
// to the polygon being drawn at each click. The textareas stay the source of truth (and
// work without JavaScript); this only writes into them.
(function () {
  "use strict";

  function parsePolygons(text) {
    return text.split("\n").map(function (line) {
      return line.trim().split(/\s+/).filter(Boolean).map(function (pair) {
        var parts = pair.split(",").map(Number);
        return parts.length === 2 && !isNaN(parts[0]) && !isNaN(parts[1]) ? parts : null;
      }).filter(Boolean);
    }).filter(function (ring) { return ring.length; });
  }

  function parseCircles(text) {
    return text.split("\n").map(function (line) {
      var parts = line.trim().split(/\s+/);
      if (parts.length !== 2) { return null; }
      var centre = parts[0].split(",").map(Number);
      var radius = Number(parts[1]);
      return centre.length === 2 && !isNaN(radius) ? [centre[0], centre[1], radius] : null;
    }).filter(Boolean);
  }

  function init() {
    var container = document.querySelector("[data-alert-map]");
    var polygons = document.querySelector("[data-alert-polygons]");
    var circles = document.querySelector("[data-alert-circles]");
    if (!container || !polygons || !circles || !window.L) { return; }
    container.hidden = false;
    var map = window.L.map(container);
    var tiles = container.dataset.tileUrl;
    if (tiles) {
      window.L.tileLayer(tiles, { maxZoom: 18, attribution: container.dataset.tileAttribution || "" }).addTo(map);
    }
    var areasNode = document.getElementById("alert-areas-geojson");
    var areas = window.L.geoJSON(areasNode ? JSON.parse(areasNode.textContent) : [], {
      style: { color: "#1d4e89", weight: 1, fillOpacity: 0.05 },
    }).addTo(map);
    var drawn = window.L.layerGroup().addTo(map);
    var bounds = areas.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds); } else { map.setView([0, 0], 2); }

    function redraw() {
      drawn.clearLayers();
      parsePolygons(polygons.value).forEach(function (ring) {
        window.L.polygon(ring, { color: "#b00020" }).addTo(drawn);
      });
      parseCircles(circles.value).forEach(function (c) {
        window.L.circle([c[0], c[1]], { radius: c[2] * 1000, color: "#b00020" }).addTo(drawn);
      });
    }

    map.on("click", function (event) {
      var point = event.latlng.lat.toFixed(5) + "," + event.latlng.lng.toFixed(5);
      var lines = polygons.value.replace(/\s+$/, "").split("\n");
      lines[lines.length - 1] = (lines[lines.length - 1] + " " + point).trim();
      polygons.value = lines.join("\n");
      redraw();
    });
    polygons.addEventListener("input", redraw);
    circles.addEventListener("input", redraw);
    document.querySelectorAll("[data-alert-new-polygon]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (polygons.value.trim()) { polygons.value = polygons.value.replace(/\s+$/, "") + "\n"; }
        polygons.focus();
      });
    });
    redraw();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
