// ClaimDesk's one script (progressive: every page works without it).
// - Each table cell gets its column's name (data-label), so on a phone the rows show as
//   cards whose lines say what they are (app.css, max-width 640px).
// - On a phone the header's menu folds behind one button.
(function () {
  "use strict";

  function labelTables(root) {
    root.querySelectorAll("table").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!heads.length) {
        return;
      }
      table.classList.add("cards");
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (heads[index] && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", heads[index]);
          }
        });
      });
    });
  }

  function foldMenu() {
    var header = document.querySelector("header.top");
    var toggle = document.querySelector("header.top .menu-toggle");
    if (!header || !toggle) {
      return;
    }
    header.classList.add("collapsed");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("collapsed") === false;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelTables(document);
    foldMenu();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    labelTables(event.target);
  });
})();
