// The tip form, receipt and follow-up pages. Everything here is an enhancement: without
// JavaScript the form is one page that works the same way.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // --- "Is someone in danger right now?" shows Call 911 at once -----------------------
  var call911 = $("call-911");
  function updateDanger() {
    var yes = document.querySelector('input[name="danger_now"][value="yes"]');
    if (!call911 || !yes) return;
    call911.classList.toggle("d-none", !yes.checked);
  }
  document.querySelectorAll('input[name="danger_now"]').forEach(function (input) {
    input.addEventListener("change", updateDanger);
  });
  updateDanger();

  // --- Show the date only for "On a date"; contact details only when wanted -----------
  function toggleBy(name, value, selector) {
    var box = document.querySelector(selector);
    if (!box) return;
    var update = function () {
      var chosen = document.querySelector('input[name="' + name + '"]:checked');
      var hasError = box.querySelector(".is-invalid");
      box.classList.toggle("d-none", !hasError && !(chosen && chosen.value === value));
    };
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  }
  toggleBy("when", "date", ".when-date");
  toggleBy("contact_choice", "contact", ".contact-details");

  // --- School: filter by district and by typed text -----------------------------------
  var school = $("id_school");
  var districtFilter = $("district-filter");
  var search = $("school-search");
  if (school && districtFilter && search) {
    $("school-filter").classList.remove("d-none");
    school.querySelectorAll("optgroup").forEach(function (group) {
      var option = document.createElement("option");
      option.value = group.label;
      option.textContent = group.label;
      districtFilter.appendChild(option);
    });
    var filterSchools = function () {
      var district = districtFilter.value;
      var words = search.value.trim().toLowerCase();
      school.querySelectorAll("optgroup").forEach(function (group) {
        var groupVisible = false;
        group.querySelectorAll("option").forEach(function (option) {
          var match = (!district || group.label === district) &&
            (!words || option.textContent.toLowerCase().indexOf(words) !== -1 ||
             group.label.toLowerCase().indexOf(words) !== -1);
          option.hidden = !match;
          groupVisible = groupVisible || match;
        });
        group.hidden = !groupVisible;
      });
    };
    districtFilter.addEventListener("change", filterSchools);
    search.addEventListener("input", filterSchools);
  }

  // --- Steps: one section at a time on a phone ----------------------------------------
  var form = $("tip-form");
  var steps = form ? Array.prototype.slice.call(form.querySelectorAll(".tip-step")) : [];
  if (form && steps.length > 1) {
    var nav = $("step-nav"), back = $("step-back"), next = $("step-next"), progress = $("step-progress");
    var current = 0;
    var firstError = form.querySelector(".is-invalid");
    if (firstError) {
      steps.forEach(function (step, index) { if (step.contains(firstError)) current = index; });
    }
    var show = function (index, moveFocus) {
      current = index;
      steps.forEach(function (step, i) { step.hidden = i !== index; });
      back.hidden = index === 0;
      next.hidden = index === steps.length - 1;
      progress.textContent = progress.dataset.template
        ? progress.dataset.template.replace("{n}", index + 1).replace("{total}", steps.length)
        : "Step " + (index + 1) + " of " + steps.length;
      if (moveFocus) {
        var heading = steps[index].querySelector("h2");
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      }
    };
    var stepIsValid = function (step) {
      var fields = step.querySelectorAll("input[required], select[required], textarea[required]");
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].checkValidity()) { fields[i].reportValidity(); return false; }
      }
      return true;
    };
    nav.classList.remove("d-none");
    nav.classList.add("d-flex");
    progress.classList.remove("d-none");
    back.addEventListener("click", function () { show(Math.max(0, current - 1), true); });
    next.addEventListener("click", function () {
      if (stepIsValid(steps[current])) show(Math.min(steps.length - 1, current + 1), true);
    });
    show(current, false);
  }

  // --- Errors: move focus to the summary so it is read out ----------------------------
  var summary = $("error-summary");
  if (summary) summary.focus();
  document.querySelectorAll(".error-summary a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.querySelector(link.getAttribute("href"));
      if (!target) return;
      event.preventDefault();
      steps.forEach(function (step, i) { if (step.contains(target)) { steps.forEach(function (s, j) { s.hidden = j !== i; }); } });
      var input = target.querySelector("input, select, textarea");
      if (input) input.focus();
    });
  });

  // --- One submit per click: the server is idempotent, this just avoids confusion -----
  if (form) {
    form.addEventListener("submit", function () {
      var button = $("send-report");
      if (button) { button.disabled = true; }
    });
  }

  // --- Receipt: copy button, and a warning before leaving unsaved ---------------------
  var copy = $("copy-receipt");
  if (copy && navigator.clipboard) {
    copy.classList.remove("d-none");
    copy.addEventListener("click", function () {
      var text = $(copy.dataset.copyTarget).textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        $("copy-status").textContent = copy.dataset.done || "Copied.";
      });
    });
  }
  var confirmForm = $("confirm-receipt-form");
  if (confirmForm) {
    var guard = function (event) { event.preventDefault(); event.returnValue = ""; };
    window.addEventListener("beforeunload", guard);
    // Forms that keep the receipt on the next page (done, decoy code) may leave freely.
    document.querySelectorAll("form[data-keeps-receipt]").forEach(function (keeping) {
      keeping.addEventListener("submit", function () { window.removeEventListener("beforeunload", guard); });
    });
    document.addEventListener("quick-exit", function () { window.removeEventListener("beforeunload", guard); });
  }
})();
