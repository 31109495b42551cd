/// The page's inline style and script: no file, font or library is fetched, so the page opens
/// offline. The script zooms and pans the timeline (re-drawing it from its data attributes),
/// sorts a table by the clicked column and filters it by the text typed (or given in the URL's
/// fragment, `#files=ENOENT&network=443`, so a filtered view can be linked); nothing else.
enum ReportAssets {
    static let css = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d1d1f; background: #fff; }
        h1 { font-size: 20px; margin: 0 0 16px; font-family: ui-monospace, monospace; }
        h2 { font-size: 16px; margin: 24px 0 8px; }
        h2.chart-title { font-size: 13px; font-weight: normal; color: #555; margin: 8px 0 2px; }
        table.summary th { text-align: left; padding-right: 16px; font-weight: 600; color: #555; vertical-align: top; }
        table.summary td, table.data td { font-family: ui-monospace, monospace; }
        .bad, tr.bad td { color: #b3261e; }
        .hint { color: #666; font-size: 12px; }
        .scroll { overflow-x: auto; border: 1px solid #ddd; border-radius: 4px; }
        .controls button { margin: 0 4px 6px 0; }
        rect.proc.ok { fill: #3a9d5d; }
        rect.proc.failed { fill: #d93025; }
        rect.proc.unknown { fill: #9aa0a6; }
        line.exec { stroke: #111; stroke-width: 1.5; }
        line.grid { stroke: #eee; }
        line.axis { stroke: #999; }
        .row-label { font: 11px ui-monospace, monospace; fill: #333; }
        .tick-label { font: 10px system-ui, sans-serif; fill: #666; }
        polyline.series { stroke-width: 1.5; }
        .s0 { stroke: #1a73e8; fill: #1a73e8; } .s1 { stroke: #e37400; fill: #e37400; }
        .s2 { stroke: #9334e6; fill: #9334e6; } .s3 { stroke: #188038; fill: #188038; }
        polyline.s0, polyline.s1, polyline.s2, polyline.s3 { fill: none; }
        text.legend { font: 11px system-ui, sans-serif; stroke: none; }
        table.data { border-collapse: collapse; margin-top: 6px; }
        table.data th { cursor: pointer; text-align: left; border-bottom: 1px solid #ccc; padding: 2px 12px 2px 0; }
        table.data td { padding: 1px 12px 1px 0; }
        td.num { text-align: right; }
        input.filter { width: 320px; }
        """

    static let script = """
        (function () {
          "use strict";
          var svg = document.getElementById("timeline");
          var span = Number(svg.dataset.span), labelWidth = Number(svg.dataset.labelWidth);
          var plotWidth = Number(svg.dataset.plotWidth);
          var view = { from: 0, to: span };
          function x(offset) {
            return labelWidth + (offset - view.from) / (view.to - view.from) * plotWidth;
          }
          function clip(value) { return Math.max(labelWidth, Math.min(labelWidth + plotWidth, value)); }
          function seconds(ns) { return (ns / 1e9).toFixed(3) + "s"; }
          function draw() {
            svg.querySelectorAll("rect.proc").forEach(function (r) {
              var a = clip(x(Number(r.dataset.start))), b = clip(x(Number(r.dataset.end)));
              r.setAttribute("x", a);
              r.setAttribute("width", Math.max(1, b - a));
              r.style.display = b <= labelWidth || a >= labelWidth + plotWidth ? "none" : "";
            });
            svg.querySelectorAll("line.exec").forEach(function (l) {
              var at = x(Number(l.dataset.at));
              l.setAttribute("x1", at);
              l.setAttribute("x2", at);
              l.style.display = at < labelWidth || at > labelWidth + plotWidth ? "none" : "";
            });
            svg.querySelectorAll("g.tick").forEach(function (g) {
              var f = Number(g.dataset.fraction);
              g.querySelector("text").textContent = seconds(view.from + f * (view.to - view.from));
            });
          }
          function zoom(factor) {
            var centre = (view.from + view.to) / 2, half = (view.to - view.from) / 2 * factor;
            half = Math.max(half, 1000);
            view.from = Math.max(0, centre - half);
            view.to = Math.min(span, centre + half);
            draw();
          }
          function pan(direction) {
            var width = view.to - view.from, shift = width / 4 * direction;
            shift = Math.max(-view.from, Math.min(span - view.to, shift));
            view.from += shift;
            view.to += shift;
            draw();
          }
          document.getElementById("zoom-in").addEventListener("click", function () { zoom(0.5); });
          document.getElementById("zoom-out").addEventListener("click", function () { zoom(2); });
          document.getElementById("pan-left").addEventListener("click", function () { pan(-1); });
          document.getElementById("pan-right").addEventListener("click", function () { pan(1); });
          document.getElementById("zoom-reset").addEventListener("click", function () {
            view = { from: 0, to: span };
            draw();
          });
          svg.addEventListener("wheel", function (event) {
            if (!event.ctrlKey) { return; }
            event.preventDefault();
            zoom(event.deltaY < 0 ? 0.8 : 1.25);
          });

          document.querySelectorAll("table.data").forEach(function (table) {
            var body = table.tBodies[0];
            table.querySelectorAll("th").forEach(function (th, column) {
              var ascending = false;
              th.addEventListener("click", function () {
                ascending = !ascending;
                var numeric = th.dataset.sort === "number";
                var rows = Array.prototype.slice.call(body.rows);
                rows.sort(function (a, b) {
                  var p = a.cells[column].textContent, q = b.cells[column].textContent;
                  var order = numeric ? Number(p) - Number(q) : p.localeCompare(q);
                  return ascending ? order : -order;
                });
                rows.forEach(function (row) { body.appendChild(row); });
              });
            });
          });
          function applyFilter(input) {
            var table = document.getElementById(input.dataset.table);
            var needle = input.value.toLowerCase();
            Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
              row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
            });
          }
          document.querySelectorAll("input.filter").forEach(function (input) {
            input.addEventListener("input", function () { applyFilter(input); });
          });
          // A link can carry filters: report.html#files=ENOENT&network=127.0.0.1
          location.hash.replace(/^#/, "").split("&").forEach(function (part) {
            var pair = part.split("="), input = document.getElementById(pair[0] + "-filter");
            if (pair.length === 2 && input) {
              input.value = decodeURIComponent(pair[1]);
              applyFilter(input);
            }
          });
          draw();
          document.documentElement.dataset.ready = "true";
        })();
        """
}
