// "Could this identify you?": as the student types, point out what in their text could
// show who they are (a phone number, an e-mail, a user name, their name, an ID number, a
// street address...) and let them remove or keep each piece. It never blocks sending and
// keeps nothing: no request is made, nothing is stored. The patterns and the words come
// from the server (reports/intake/identifying.py), the one copy of them.
// A page may have two checks (the follow-up page: a message, and a request to close):
// each box works on its own fields, with its own data and ids.
const watch = (box) => {
  const dataNode = box.querySelector("script[type='application/json']");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const fields = box.dataset.fields.split(" ").map((id) => document.getElementById(id)).filter(Boolean);
  const live = box.querySelector(".identify-live");
  const kept = new Set();
  const patterns = data.patterns.map((p) => ({ ...p, expression: new RegExp(p.source, "g" + p.flags) }));

  // The browser checks as the student types, so the server need not check again (and
  // what a server check found is shown again below, live).
  box.querySelector(".identify-checked").value = "1";
  const serverFound = box.querySelector(".identify-server");
  if (serverFound) serverFound.remove();

  const findings = () => {
    const found = [];
    for (const field of fields) {
      const spans = [];
      for (const pattern of patterns) {
        pattern.expression.lastIndex = 0;
        let match;
        while ((match = pattern.expression.exec(field.value)) !== null) {
          if (match[0] === "") { pattern.expression.lastIndex += 1; continue; }
          const piece = match[1] !== undefined ? match[1] : match[0];
          const start = match.index + match[0].indexOf(piece);
          const end = start + piece.length;
          if (spans.some((s) => start < s.end && end > s.start)) continue;
          spans.push({ start, end, text: piece.trim(), label: pattern.label, field });
        }
      }
      spans.sort((a, b) => a.start - b.start);
      for (const span of spans) {
        if (span.text && !kept.has(span.text) && !found.some((f) => f.text === span.text)) found.push(span);
      }
    }
    return found;
  };

  const button = (label, onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm btn-outline-dark";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  };

  const render = (focusAfter) => {
    const found = findings();
    live.replaceChildren();
    if (!found.length) {
      if (focusAfter) {  // the last piece was just removed or kept: say so, where focus was
        const clear = document.createElement("p");
        clear.className = "small mb-2";
        clear.tabIndex = -1;
        clear.textContent = data.clear;
        live.append(clear);
        clear.focus();
      }
      return;
    }
    const section = document.createElement("section");
    section.className = "alert alert-warning identify-found";
    section.setAttribute("aria-labelledby", `${live.id}-title`);
    const title = document.createElement("h3");
    title.className = "h6 fw-bold";
    title.id = `${live.id}-title`;
    title.textContent = data.title;
    title.tabIndex = -1;
    const intro = document.createElement("p");
    intro.className = "mb-2";
    intro.textContent = data.intro;
    const list = document.createElement("ul");
    list.className = "list-unstyled mb-0";
    found.forEach((finding) => {
      const item = document.createElement("li");
      item.className = "identify-item mb-2";
      const sentence = document.createElement("p");
      sentence.className = "mb-1";
      sentence.textContent = data.item.replace("%(text)s", finding.text).replace("%(label)s", finding.label);
      const actions = document.createElement("div");
      actions.className = "d-flex gap-2";
      actions.append(
        button(data.remove, () => {
          const value = finding.field.value;
          const at = value.indexOf(finding.text);
          if (at !== -1) {
            finding.field.value = (value.slice(0, at) + value.slice(at + finding.text.length)).replace(/ {2,}/g, " ");
            finding.field.dispatchEvent(new Event("input", { bubbles: true }));
          }
          render(true);
        }),
        button(data.keep, () => { kept.add(finding.text); render(true); }),
      );
      item.append(sentence, actions);
      list.append(item);
    });
    section.append(title, intro, list);
    live.append(section);
    if (focusAfter) {
      const next = live.querySelector("button");
      (next || title).focus();
    }
  };

  let timer;
  fields.forEach((field) => field.addEventListener("input", (event) => {
    if (!event.isTrusted) return;  // our own Remove: rendered already
    clearTimeout(timer);
    timer = setTimeout(() => render(false), 400);
  }));
  render(false);
};

document.querySelectorAll(".identify-check").forEach(watch);
