// What PurgeCSS keeps of the compiled Bootstrap: selectors whose class names appear in the
// templates, the Python code (crispy layouts, widget attrs), our scripts, or crispy's own
// Bootstrap 5 templates; plus the classes listed below, which no file spells out whole.
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const root = path.resolve(__dirname, "..");
// crispy-bootstrap5's and crispy-forms' templates, from the project's virtualenv.
const sitePackages = execFileSync(
  path.join(root, ".venv", "bin", "python"),
  ["-c", "import crispy_bootstrap5, os; print(os.path.dirname(os.path.dirname(crispy_bootstrap5.__file__)))"],
  { encoding: "utf8" },
).trim();

// crispy's templates for layout objects no form here uses (tabs, modals, accordions,
// switches, floating labels, buttons beside a field, alerts, formsets): left out, so their classes go.
const unusedCrispy = new Set([
  "accordion.html", "accordion-group.html", "alert.html", "modal.html", "tab.html", "tab-link.html",
  "switch.html", "floating_field.html", "field_with_buttons.html", "prepended_appended_text.html",
  "table_inline_formset.html", "uni_formset.html", "whole_uni_formset.html", "errors_formset.html",
]);
const crispyDir = `${sitePackages}/crispy_bootstrap5/templates/bootstrap5`;
const crispyTemplates = [crispyDir, `${crispyDir}/layout`].flatMap((dir) =>
  fs.readdirSync(dir).filter((name) => name.endsWith(".html") && !unusedCrispy.has(name)).map((name) => `${dir}/${name}`),
);

module.exports = {
  content: [
    `${root}/templates/**/*.html`,
    `${root}/{partners,reports,casework,safeschools}/**/*.py`,
    `${root}/static/js/*.js`,
    ...crispyTemplates,
  ],
  // Keep in step with tests/test_css_build.py's DYNAMIC_CLASSES.
  safelist: {
    standard: [
      // Bootstrap's JavaScript (collapse of the navigation) adds these.
      "show", "collapsing", "collapsed",
      // Built in templates from a variable: message levels, status badges.
      "alert-info", "alert-success", "alert-warning", "alert-danger",
      "text-bg-primary", "text-bg-secondary",
      // Rules like `.form-check-input[type=radio]` (a radio button's round shape and its dot)
      // for the classes kept: PurgeCSS looks for the value `radio` in the files, and Django's
      // RadioSelect writes it from its own Python (`input_type`), which is not scanned. It
      // checks an attribute selector by its name, so `type` keeps every input type's rules.
      "type",
    ],
  },
  variables: true,
  keyframes: true,
  fontFace: true,
};
