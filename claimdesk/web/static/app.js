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

  // The assessment editor: add a line (a copy of the last, emptied), remove a line (emptied
  // and hidden: an empty row is no line). Without the script a blank row is always there.
  function lineEditor() {
    var form = document.getElementById("assessment-form");
    var rows = document.getElementById("loss-line-rows");
    var add = document.getElementById("add-line");
    if (!form || !rows || !add) {
      return;
    }
    function changed() {
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function wire(row) {
      var remove = row.querySelector(".remove-line");
      remove.hidden = false;
      remove.addEventListener("click", function () {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
        row.hidden = true;
        changed();
      });
    }
    rows.querySelectorAll("fieldset.loss-line").forEach(wire);
    add.hidden = false;
    add.addEventListener("click", function () {
      var all = rows.querySelectorAll("fieldset.loss-line");
      var copy = all[all.length - 1].cloneNode(true);
      var n = all.length + 1;
      copy.id = "loss-line-" + n;
      copy.hidden = false;
      copy.querySelector("legend").textContent = copy.getAttribute("data-legend").replace("#", n);
      copy.querySelectorAll("[id]").forEach(function (el) {
        el.id = el.id.replace(/-\d+$/, "-" + n);
      });
      copy.querySelectorAll("label[for]").forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + n);
      });
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      copy.querySelectorAll("select[name=line_exclusion]").forEach(function (s) { s.value = ""; });
      rows.appendChild(copy);
      wire(copy);
      copy.querySelector("input").focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelTables(document);
    foldMenu();
    lineEditor();
  });
  // The chat: a request that fails (the server's error, or no network) says so.
  function chatFailed(failed) {
    var note = document.getElementById("chat-error");
    if (note) {
      note.hidden = !failed;
    }
  }
  document.addEventListener("htmx:beforeRequest", function () { chatFailed(false); });
  document.addEventListener("htmx:responseError", function () { chatFailed(true); });
  document.addEventListener("htmx:sendError", function () { chatFailed(true); });
  document.addEventListener("htmx:afterSwap", function (event) {
    labelTables(event.target);
  });
})();
