// quizgen review page: keyboard shortcuts and scrolling to the cited passage.
// Progressive enhancement only: every action is a plain link or form without this script.
(function () {
  "use strict";
  var page = document.body.getAttribute("data-page");

  function typing(target) {
    var name = target && target.tagName;
    return name === "INPUT" || name === "TEXTAREA" || name === "SELECT" || (target && target.isContentEditable);
  }
  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location.assign(link.href); }
  }
  function submit(id) {
    var form = document.getElementById(id);
    if (form) { form.requestSubmit(); }
  }
  function toggleHelp() {
    var help = document.getElementById("help");
    help.classList.toggle("open");
    if (help.classList.contains("open")) { help.setAttribute("tabindex", "-1"); help.focus(); }
  }

  // The overview: j/k move a selection through the question list, Enter opens it.
  var rows = Array.prototype.slice.call(document.querySelectorAll("#questions .qlink"));
  var selected = -1;
  function select(index) {
    if (!rows.length) { return; }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows[selected].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape") {
      if (typing(event.target)) { event.target.blur(); }
      document.getElementById("help").classList.remove("open");
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Enter" && event.target.id === "reason") {
        event.preventDefault();
        submit("reject-form");
      }
      return;
    }
    var key = event.key;
    var handled = true;
    if (key === "?") { toggleHelp(); }
    else if (key === "u") { var undo = document.getElementById("undo"); if (undo && !undo.disabled) { undo.form.requestSubmit(); } }
    else if (key === "o") { window.location.assign(document.querySelector(".brand").href); }
    else if (page === "overview" && (key === "j" || key === "ArrowDown")) {
      var current = rows.indexOf(document.activeElement);
      select((current < 0 ? selected : current) + 1);
    }
    else if (page === "overview" && (key === "k" || key === "ArrowUp")) {
      var now = rows.indexOf(document.activeElement);
      select((now < 0 ? Math.max(selected, 1) : now) - 1);
    }
    else if (page === "question" && (key === "j" || key === "ArrowDown")) { go("next"); }
    else if (page === "question" && (key === "k" || key === "ArrowUp")) { go("prev"); }
    else if (page === "question" && key === "a") { submit("approve-form"); }
    else if (page === "question" && key === "r") { document.getElementById("reason").focus(); }
    else if (page === "question" && key === "e") { go("edit"); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });

  var help = document.getElementById("help-link");
  if (help) { help.addEventListener("click", function (event) { event.preventDefault(); toggleHelp(); }); }

  // The question view: bring the cited passage into view inside the module text.
  var mark = document.querySelector("mark.cited");
  var box = document.getElementById("module-text");
  if (mark && box) {
    box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - box.clientHeight / 3);
  }
  // The edit form after a failed check: focus the first message's field.
  var problem = document.querySelector(".edit .problem");
  if (problem) {
    var field = problem.parentElement.querySelector("textarea, input[type=text]");
    if (field) { field.focus(); }
  }
}());
