/* Storybeat studio: small enhancements over plain HTML forms. No dependencies, no build.
 *
 * Pages name what they need with data-init="…" (several names separated by spaces); each
 * name maps to one init function below, called once on DOMContentLoaded with its element.
 * Data for a page comes from <script type="application/json" id="…"> blocks, so no inline
 * script is needed (a strict Content-Security-Policy stays possible). User text is only ever
 * put into the page with textContent, never innerHTML.
 */
"use strict";

const Studio = (() => {
  // ---- helpers ------------------------------------------------------------------------

  /** Element `tag` with attributes/properties and children (strings become text nodes). */
  function h(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) {
        node.append(child instanceof Node ? child : String(child));
      }
    }
    return node;
  }

  function readJSON(root, id) {
    const node = root.querySelector(`#${id}`) || document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  /** 83.25 → "1:23.3" */
  function clock(seconds) {
    const t = Math.max(0, seconds || 0);
    const m = Math.floor(t / 60);
    const s = t - m * 60;
    return `${m}:${s.toFixed(1).padStart(4, "0")}`;
  }

  function showError(node, message) {
    if (!node) return;
    node.textContent = message || "";
    node.hidden = !message;
  }

  /** Put `edits` into the form as a hidden field named "edits" (replacing an old one). */
  function setHidden(form, name, value) {
    let input = form.querySelector(`input[type="hidden"][name="${name}"]`);
    if (!input) {
      input = h("input", { type: "hidden", name });
      form.append(input);
    }
    input.value = value;
  }

  /** Warn before leaving a page with unsaved edits (not when their form is submitted; a submit
   * the page sends itself, default prevented, leaves nothing: `isDirty` says when it did). */
  function guardUnsaved(form, isDirty) {
    let submitting = false;
    form.addEventListener("submit", (event) => { if (!event.defaultPrevented) submitting = true; });
    window.addEventListener("beforeunload", (event) => {
      if (!submitting && isDirty()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  /** A list of pending edits with a remove button each; `describe(op)` names one. */
  function renderPending(list, edits, describe, onRemove, invalid = new Set()) {
    list.replaceChildren(
      ...edits.map((op, i) =>
        h("li", { class: invalid.has(i) ? "is-invalid" : null },
          describe(op),
          h("button", {
            type: "button", class: "btn btn-small btn-quiet", text: "Remove",
            "aria-label": `Remove edit ${i + 1}: ${describe(op)}`,
            onclick: () => onRemove(i),
          })))
    );
  }

  // ---- saving edits ---------------------------------------------------------------------

  /** Where a Reload after a conflict keeps the edits that were not saved, for this page. */
  const UNSAVED_KEY = `storybeat:unsaved:${window.location.pathname}`;

  /**
   * Send an editor's `edits` to the JSON API (its form's action under /api) with the fields
   * the form carries: the CSRF token, the gate's action and the version the edits were made
   * on. Accepted: on to the job's page (`leave()` first, so no unsaved-edits warning). A 409
   * (the timeline or shot list changed in another tab, or a job runs): the server's message
   * and a Reload button; nothing is retried and the pending list stays as it is, and Reload
   * keeps the edits to put back on the reloaded page. Other refusals: their message.
   */
  async function saveEdits(form, edits, error, leave) {
    const fields = new FormData(form);
    const body = { edits };
    for (const name of ["action", "version"]) {
      if (fields.get(name)) body[name] = fields.get(name);
    }
    // getAttribute: a field named "action" (the gate's) hides the form's action property
    const path = new URL(form.getAttribute("action"), window.location.href).pathname;
    const save = form.querySelector("[data-save]");
    save.disabled = true;
    let answer;
    let reply = {};
    try {
      answer = await fetch(`/api${path}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": fields.get("csrf_token") || "" },
        body: JSON.stringify(body),
      });
      reply = await answer.json().catch(() => ({}));
    } catch (err) {
      console.error("studio: saving edits failed", err);
      save.disabled = false;
      showError(error, "Not saved: the server did not answer. Your edits are still here; try again.");
      return;
    }
    if (answer.ok && reply.job) {
      leave();
      window.location.assign(`/jobs/${reply.job.id}`);
      return;
    }
    save.disabled = false;
    const detail = Array.isArray(reply.detail) ? reply.detail[0]?.msg : reply.detail;
    const message = `Not saved: ${detail || `the server answered ${answer.status}`}.`;
    if (answer.status !== 409) {
      showError(error, message);
      return;
    }
    error.replaceChildren(message, " ", h("button", {
      type: "button", class: "btn btn-small", text: "Reload", dataset: { reload: "" },
      onclick: () => {
        try {
          window.sessionStorage.setItem(UNSAVED_KEY, JSON.stringify(edits));
        } catch (err) { /* storage refused: the reload shows the change without them */ }
        leave();
        window.location.reload();
      },
    }));
    error.hidden = false;
  }

  /** Edits a Reload after a conflict kept for this page (once; [] when none). */
  function takeUnsaved() {
    try {
      const text = window.sessionStorage.getItem(UNSAVED_KEY);
      window.sessionStorage.removeItem(UNSAVED_KEY);
      const edits = JSON.parse(text || "[]");
      return Array.isArray(edits) ? edits : [];
    } catch (err) {
      return [];
    }
  }

  /** Say which kept edits are pending again on the reloaded page, and which no longer fit. */
  function showUnsaved(node, kept, dropped, what) {
    if (!node || (!kept.length && !dropped.length)) return;
    const again = kept.length
      ? `${kept.length} edit${kept.length === 1 ? "" : "s"} you had not saved ${kept.length === 1 ? "is" : "are"} pending again on the current ${what}: check, then save.`
      : `None of the edits you had not saved fit the current ${what}.`;
    node.textContent = dropped.length ? `${again} Dropped: ${dropped.join("; ")}.` : again;
    node.hidden = false;
  }

  // ---- job progress -------------------------------------------------------------------

  const FOLLOW_PAGE = {
    "refine frames": "storyboard", "refine shots": "storyboard", "refine clips": "video",
    "timeline edit": "timeline", export: "export",
  };

  /** Live progress from /api/jobs/ID/events; on success go on to the project. */
  function initJob(root) {
    const state = root.dataset.state;
    if (state !== "queued" && state !== "running") return;
    if (!("EventSource" in window)) {  // no live events: look again every two seconds
      window.setTimeout(() => window.location.reload(), 2000);
      return;
    }
    const field = (name) => root.querySelector(`[data-field="${name}"]`);
    let last = null;
    const events = new EventSource(`/api/jobs/${root.dataset.job}/events`);

    events.addEventListener("job", (event) => {
      last = JSON.parse(event.data);
      const badge = field("state");
      badge.textContent = last.state;
      badge.className = `state state-${last.state}`;
      field("stage").textContent = (last.stage || "").replace(/[_-]/g, " ");
      const bar = field("progress");
      bar.value = last.progress || 0;
      bar.textContent = `${Math.round((last.progress || 0) * 100)}%`;
      field("message").textContent = last.message || (last.state === "queued" ? "waiting for a free worker" : "");
    });

    events.addEventListener("end", () => {
      events.close();
      finish(last);
    });

    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) {
        field("message").textContent = "Lost the connection to the server; reload the page to see the job.";
      }
    });

    function finish(job) {
      if (!job || job.state !== "done" || job.kind === "export") {
        window.location.reload();  // the page shows the error, or the download link
        return;
      }
      const result = job.result || {};
      const project = job.project_id || result.project_id;
      field("progress").hidden = true;
      const cancel = field("cancel");
      if (cancel) cancel.hidden = true;
      if (!project) return;
      const review = result.waiting_at || job.kind === "new project";
      const url = `/projects/${encodeURIComponent(project)}/${review ? "review" : (FOLLOW_PAGE[job.kind] || "review")}`;
      field("links").replaceChildren(
        h("a", { class: "btn btn-primary", href: url, text: review ? "Review the next stage" : "Back to the project" }));
      window.setTimeout(() => window.location.assign(url), 500);
    }
  }

  // ---- new project --------------------------------------------------------------------

  const MAX_REFERENCES = 10;

  function initNewProject(form) {
    const refs = form.querySelector("#references");
    const warning = form.querySelector("#references-warning");
    const template = form.querySelector("#template");
    const aspect = form.querySelector("#aspect");
    const lyrics = form.querySelector("#lyrics");

    function check() {
      const many = refs.files.length > MAX_REFERENCES;
      const message = many ? `${refs.files.length} images chosen: give at most ${MAX_REFERENCES}.` : "";
      refs.setCustomValidity(message);
      showError(warning, message);
      lyrics.setCustomValidity(
        template.value === "lyric" && !lyrics.files.length ? "The lyric template needs a lyrics file." : "");
      aspect.setCustomValidity(
        template.value === "shorts" && aspect.value && aspect.value !== "9:16" ? "Shorts are vertical 9:16." : "");
    }
    for (const input of [refs, template, aspect, lyrics]) input.addEventListener("change", check);
    check();

    form.addEventListener("submit", () => {
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;  // one upload at a time
      button.textContent = "Uploading…";
      const note = form.querySelector("[data-uploading]");
      if (note) note.hidden = false;
    });
  }

  // ---- analysis -----------------------------------------------------------------------

  /** A playhead on the song chart that follows the audio; click the chart to seek. */
  function initAnalysis(root) {
    const svg = root.querySelector("svg");
    const line = root.querySelector("[data-playhead]");
    const audio = root.querySelector("[data-audio]");
    const duration = parseFloat(root.dataset.duration) || 1;
    if (!svg || !line || !audio) return;
    const width = svg.viewBox.baseVal.width;
    function place() {
      const x = (audio.currentTime / duration) * width;
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
      line.removeAttribute("hidden");
      if (!audio.paused) requestAnimationFrame(place);
    }
    audio.addEventListener("play", place);
    audio.addEventListener("seeked", place);
    svg.addEventListener("click", (event) => {
      const box = svg.getBoundingClientRect();
      audio.currentTime = ((event.clientX - box.left) / box.width) * duration;
      place();
    });
  }

  // ---- brief editor -------------------------------------------------------------------

  const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;

  function splitList(text) {
    return text.split(",").map((s) => s.trim()).filter(Boolean);
  }

  /** Builds `edits` = the changed brief fields, as one JSON object. */
  function initBriefEditor(form) {
    const original = readJSON(form, "brief-data");
    const fields = form.querySelector("[data-brief-fields]");
    const error = form.querySelector("[data-editor-error]");
    const inputs = [...form.querySelectorAll("[data-field]")];
    const preview = form.querySelector("[data-palette-preview]");
    const palette = form.querySelector('[data-field="palette"]');
    fields.hidden = false;

    function value(input) {
      return input.hasAttribute("data-list") ? splitList(input.value) : input.value.trim();
    }
    function changes() {
      const edits = {};
      for (const input of inputs) {
        const v = value(input);
        if (JSON.stringify(v) !== JSON.stringify(original[input.dataset.field])) edits[input.dataset.field] = v;
      }
      return edits;
    }
    function paint() {
      preview.replaceChildren(...splitList(palette.value).filter((c) => HEX.test(c)).map((c) => {
        const chip = h("span");
        chip.style.background = c;  // CSSOM, allowed under a strict CSP
        return chip;
      }));
    }
    palette.addEventListener("input", paint);
    paint();

    form.addEventListener("submit", (event) => {
      const edits = changes();
      let problem = "";
      if (!Object.keys(edits).length) problem = "Nothing changed yet: edit a field first.";
      else if ("palette" in edits) {
        const bad = edits.palette.filter((c) => !HEX.test(c));
        if (bad.length) problem = `Palette colours are hex like #E63946; not ${bad.join(", ")}.`;
        else if (edits.palette.length < 1 || edits.palette.length > 6) problem = "Give 1 to 6 palette colours.";
      }
      for (const key of ["title", "logline", "style"]) {
        if (key in edits && !edits[key]) problem = `The ${key} cannot be empty.`;
      }
      if (problem) {
        event.preventDefault();
        showError(error, problem);
        return;
      }
      setHidden(form, "edits", JSON.stringify(edits));
    });
    guardUnsaved(form, () => Object.keys(changes()).length > 0);
  }

  // ---- shot list editor ---------------------------------------------------------------

  const MIN_SHOT = 0.25;  // seconds, as agent/shot_edits.py

  /** The shot list after one edit, following agent/shot_edits.py; throws Error(reason). */
  function applyShotEdit(shots, op) {
    const i = op.shot - 1;
    if (!(i >= 0 && i < shots.length)) throw new Error(`shot ${op.shot} does not exist`);
    const s = shots.map((x) => ({ ...x }));
    const shot = s[i];
    if (op.op === "split") {
      if (!(op.at >= shot.start + MIN_SHOT && op.at <= shot.end - MIN_SHOT)) {
        throw new Error(`split shot ${op.shot} between ${(shot.start + MIN_SHOT).toFixed(2)} and ${(shot.end - MIN_SHOT).toFixed(2)} s`);
      }
      s.splice(i, 1, { ...shot, end: op.at }, { ...shot, start: op.at, seed: shot.seed + 7919 });
    } else if (op.op === "merge") {
      if (i + 1 >= s.length) throw new Error(`shot ${op.shot} is the last; nothing to merge`);
      s.splice(i, 2, { ...shot, end: s[i + 1].end });
    } else if (op.op === "remove") {
      if (s.length === 1) throw new Error("the only shot cannot be removed");
      if (i === 0) s.splice(0, 2, { ...s[1], start: shot.start });
      else s.splice(i - 1, 2, { ...s[i - 1], end: shot.end });
    } else if (op.op === "retime") {
      if (i + 1 >= s.length) throw new Error("the last shot ends with the song; retime the shot before it");
      const next = s[i + 1];
      if (!(op.end >= shot.start + MIN_SHOT && op.end <= next.end - MIN_SHOT)) {
        throw new Error(`shot ${op.shot} can end between ${(shot.start + MIN_SHOT).toFixed(2)} and ${(next.end - MIN_SHOT).toFixed(2)} s`);
      }
      s.splice(i, 2, { ...shot, end: op.end }, { ...next, start: op.end });
    } else if (op.op === "reprompt") {
      const prompt = (op.prompt || "").split(/\s+/).filter(Boolean).join(" ");
      if (!prompt) throw new Error("the new prompt is empty");
      s[i] = { ...shot, prompt };
    } else {
      throw new Error(`unknown edit ${op.op}`);
    }
    return s.map((x, k) => ({ ...x, index: k }));
  }

  function describeShotEdit(op) {
    switch (op.op) {
      case "retime": return `Shot ${op.shot} ends at ${clock(op.end)}`;
      case "split": return `Split shot ${op.shot} at ${clock(op.at)}`;
      case "merge": return `Merge shot ${op.shot} with the next`;
      case "remove": return `Remove shot ${op.shot}`;
      case "reprompt": return `New prompt for shot ${op.shot}: “${op.prompt.slice(0, 60)}${op.prompt.length > 60 ? "…" : ""}”`;
      default: return JSON.stringify(op);
    }
  }

  /** Replays `edits` on `base`; edits that no longer apply are dropped (and reported). */
  function replay(base, edits, apply) {
    let current = base;
    const kept = [];
    const dropped = [];
    for (const op of edits) {
      try {
        current = apply(current, op);
        kept.push(op);
      } catch (err) {
        dropped.push(`${err.message}`);
      }
    }
    return { current, kept, dropped };
  }

  function initShotEditor(root) {
    const data = readJSON(root, "shots-data");
    const base = data.shots;
    const tbody = root.querySelector("[data-shot-rows]");
    const form = root.querySelector("[data-shot-form]");
    const pending = form.querySelector("[data-pending]");
    const empty = form.querySelector("[data-empty]");
    const error = form.querySelector("[data-editor-error]");
    const undo = form.querySelector("[data-undo]");
    root.querySelector("[data-edit-col]").hidden = false;
    let edits = [];
    let shots = base;

    function add(op) {
      try {
        shots = applyShotEdit(shots, op);
      } catch (err) {
        showError(error, `That edit does not fit: ${err.message}.`);
        return false;
      }
      edits.push(op);
      showError(error, "");
      render();
      return true;
    }
    function removeAt(i) {
      const result = replay(base, edits.filter((_, k) => k !== i), applyShotEdit);
      edits = result.kept;
      shots = result.current;
      showError(error, result.dropped.length ? `Also dropped edits that no longer fit: ${result.dropped.join("; ")}.` : "");
      render();
    }

    function cell(...children) { return h("td", {}, ...children); }

    function opEditor(row, shot, op) {
      const number = shot.index + 1;
      const id = `op-${op}-${number}`;
      let input;
      let label;
      if (op === "reprompt") {
        label = `New prompt for shot ${number}`;
        input = h("textarea", { id, rows: 3, text: shot.prompt, required: true });
      } else {
        const next = shots[shot.index + 1];
        const lo = shot.start + MIN_SHOT;
        const hi = (op === "retime" ? next.end : shot.end) - MIN_SHOT;
        const start = op === "retime" ? shot.end : (shot.start + shot.end) / 2;
        label = op === "retime"
          ? `Shot ${number} ends at (seconds, ${lo.toFixed(2)}–${hi.toFixed(2)})`
          : `Split shot ${number} at (seconds, ${lo.toFixed(2)}–${hi.toFixed(2)})`;
        input = h("input", { id, type: "number", step: "0.01", min: lo.toFixed(2), max: hi.toFixed(2), value: start.toFixed(2), required: true });
      }
      const editorRow = h("tr", { class: "op-row" }, h("td", { colSpan: 7 },
        h("div", { class: "op-editor" },
          h("div", { class: "field" }, h("label", { for: id, text: label }), input),
          h("button", {
            type: "button", class: "btn btn-small", text: "Add edit",
            onclick: () => {
              const edit = { op, shot: number };
              if (op === "reprompt") edit.prompt = input.value.trim();
              else edit[op === "retime" ? "end" : "at"] = Math.round(parseFloat(input.value) * 1000) / 1000;
              if (op !== "reprompt" && !Number.isFinite(edit.end ?? edit.at)) {
                showError(error, "Give a time in seconds.");
                return;
              }
              add(edit);
            },
          }),
          h("button", { type: "button", class: "btn btn-small btn-quiet", text: "Cancel", onclick: () => { editorRow.remove(); } }))));
      row.after(editorRow);
      input.focus();
    }

    function row(shot) {
      const number = shot.index + 1;
      const last = shot.index === shots.length - 1;
      const changed = !base.some((b) => b.start === shot.start && b.end === shot.end && b.prompt === shot.prompt);
      const tr = h("tr", { class: changed ? "is-changed" : null });
      const button = (op, text, disabled) => h("button", {
        type: "button", class: "btn btn-small", text, disabled,
        "aria-label": `${text} shot ${number}`,
        onclick: () => {
          tbody.querySelectorAll(".op-row").forEach((r) => r.remove());
          if (op === "merge" || op === "remove") add({ op, shot: number });
          else opEditor(tr, shot, op);
        },
      });
      tr.append(
        h("td", { class: "num", text: number }),
        h("td", { class: "num nowrap" }, `${clock(shot.start)}–${clock(shot.end)}`, h("br"),
          h("span", { class: "muted small", text: `${(shot.end - shot.start).toFixed(1)} s` })),
        cell(shot.section, h("br"), h("meter", { min: 0, max: 1, value: shot.energy, title: "energy" })),
        cell(shot.shot_type, h("br"), h("span", { class: "muted small", text: (shot.camera || "").replace(/[_-]/g, " ") })),
        cell(h("strong", { text: shot.subject }), ` ${shot.action}`,
          h("details", { class: "small" }, h("summary", { text: "Prompt" }), h("p", { text: shot.prompt }))),
        cell(shot.location),
        cell(h("div", { class: "row-actions" },
          button("retime", "Retime", last),
          button("reprompt", "Reprompt"),
          button("split", "Split", shot.end - shot.start < 2 * MIN_SHOT),
          button("merge", "Merge next", last),
          button("remove", "Remove", shots.length === 1))),
      );
      return tr;
    }

    function render() {
      tbody.replaceChildren(...shots.map(row));
      renderPending(pending, edits, describeShotEdit, removeAt);
      empty.hidden = edits.length > 0;
      undo.hidden = edits.length === 0;
    }

    undo.addEventListener("click", () => removeAt(edits.length - 1));
    form.querySelector("[data-js-only]").hidden = false;
    let leaving = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!edits.length) {
        showError(error, "No edits yet: use the buttons in the table first.");
        return;
      }
      saveEdits(form, edits, error, () => { leaving = true; });
    });
    guardUnsaved(form, () => edits.length > 0 && !leaving);
    const unsaved = replay(base, takeUnsaved(), applyShotEdit);
    edits = unsaved.kept;
    shots = unsaved.current;
    showUnsaved(form.querySelector("[data-editor-notice]"), unsaved.kept, unsaved.dropped, "shot list");
    render();
  }

  // ---- frame / clip picker (storyboard, video) ----------------------------------------

  /** Selection state for the quote form's `numbers` checkboxes; checks one is ticked. */
  function initPicker(root) {
    const form = document.getElementById("quote-form");
    if (!form) return;
    const noun = root.dataset.noun || "frame";
    const boxes = [...document.querySelectorAll('input[type="checkbox"][name="numbers"]')];
    const picked = form.querySelector("[data-picked]");
    const error = form.querySelector("[data-picker-error]");
    const submit = form.querySelector('button[type="submit"]');
    const label = submit.textContent;
    root.querySelectorAll("[data-js-only]").forEach((n) => { n.hidden = false; });

    function update() {
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      for (const box of boxes) box.closest(".tile")?.classList.toggle("is-selected", box.checked);
      picked.textContent = chosen.length
        ? `${chosen.length} ${noun}${chosen.length > 1 ? "s" : ""} selected: ${chosen.join(", ")}`
        : `Tick the ${noun}s to change.`;
      submit.textContent = chosen.length ? `${label} (${chosen.length})` : label;
      if (chosen.length) showError(error, "");
    }
    boxes.forEach((b) => b.addEventListener("change", update));
    root.querySelectorAll("[data-select]").forEach((button) => {
      button.addEventListener("click", () => {
        boxes.forEach((b) => { b.checked = button.dataset.select === "all"; });
        update();
      });
    });
    form.addEventListener("submit", (event) => {
      if (!boxes.some((b) => b.checked)) {
        event.preventDefault();
        showError(error, `Select at least one ${noun} first.`);
        boxes[0]?.focus();
      }
    });
    update();
  }

  // ---- timeline editor ----------------------------------------------------------------

  const TRANSITIONS = { cut: "Cut", crossfade: "Crossfade", "dip-to-black": "Dip to black" };
  const TRANSITION_SECONDS = 0.5;
  const SNAP_FRACTION = 0.25;  // of a beat, as agent/timeline_edits.py

  function secondsToFrames(t, rate) {
    return Math.floor(t * rate + 0.5 + 1e-9);
  }

  function shotOf(name) {
    const match = /^Shot (\d+)$/.exec(name || "");
    return match ? parseInt(match[1], 10) : null;
  }

  /** The first video track as clips and gaps; a transition hangs on the item before it. */
  function timelineModel(timeline) {
    const track = (timeline.tracks || []).find((t) => (t.kind || "video") === "video") || { items: [] };
    const items = [];
    for (const item of track.items) {
      if (item.kind === "transition") {
        const frames = item.in_offset + item.out_offset;
        if (items.length && item.transition_type !== "cut" && frames) {
          items[items.length - 1].after = { type: item.transition_type, frames, in: item.in_offset, out: item.out_offset };
        }
      } else {
        items.push({ ...item, after: null });
      }
    }
    return { rate: timeline.rate, duration: timeline.duration, items };
  }

  function placeItems(items) {
    let t = 0;
    return items.map((item, index) => {
      const place = { index, item, start: t, end: t + item.duration };
      t += item.duration;
      return place;
    });
  }

  /** Drop empty gaps (and transitions touching them), merge neighbouring gaps, and drop a
   * transition left on the last item: videogen/edits.py `_normalise`. */
  function normalise(items) {
    const out = [];
    for (const item of items) {
      if (item.kind === "gap" && item.duration <= 0) {
        if (out.length) out[out.length - 1].after = null;
        continue;
      }
      const prev = out[out.length - 1];
      if (item.kind === "gap" && prev && prev.kind === "gap") {
        out[out.length - 1] = { ...prev, duration: prev.duration + item.duration, after: item.after };
        continue;
      }
      out.push(item);
    }
    if (out.length) out[out.length - 1] = { ...out[out.length - 1], after: null };
    return out;
  }

  /** Copy of `model` with one edit applied, as agent/timeline_edits.py does it (reorder,
   * trim of the end, transition); throws Error(reason) where the server would refuse. */
  function applyTimelineEdit(model, op, beatFrames, tolerance) {
    const items = model.items.map((item) => ({ ...item }));
    const shot = op.op === "transition" ? op.after : op.shot;
    const i = items.findIndex((item) => item.kind === "clip" && item.name === `Shot ${shot}`);
    if (i < 0) throw new Error(`no clip Shot ${shot}`);
    const clip = items[i];

    if (op.op === "reorder") {
      clip.after = null;
      if (i > 0) items[i - 1].after = null;
      items.splice(i, 1);
      if (!(op.index >= 0 && op.index <= items.length)) throw new Error(`no position ${op.index}`);
      if (op.index > 0) items[op.index - 1].after = null;
      items.splice(op.index, 0, clip);
    } else if (op.op === "trim") {
      const place = placeItems(items)[i];
      let end = secondsToFrames(op.end, model.rate);
      if (op.snap !== false) end = snap(end, beatFrames, tolerance);
      const grow = end - place.end;
      if (end - place.start < 1) throw new Error(`Shot ${shot} needs at least one frame`);
      if (end > model.duration) throw new Error(`Shot ${shot} would run past the song's end`);
      const next = items[i + 1];
      clip.duration += grow;
      if (next && next.kind === "clip" && op.roll) {
        const source = next.source_start + Math.floor(grow * (next.speed || 1) + 1e-9);
        if (source < 0) throw new Error(`Shot ${shotOf(next.name)} has no frames before its start`);
        if (next.duration - grow < 1) throw new Error(`Shot ${shotOf(next.name)} would have no frames left`);
        items[i + 1] = { ...next, duration: next.duration - grow, source_start: source };
      } else if (grow < 0) {
        if (next && next.kind === "gap") items[i + 1] = { ...next, duration: next.duration - grow };
        else items.splice(i + 1, 0, { kind: "gap", duration: -grow, after: null });
      } else if (grow > 0) {
        if (!next) throw new Error(`Shot ${shot} would run past the song's end`);
        if (next.kind !== "gap" || next.duration < grow) {
          throw new Error(`Shot ${shot} would overlap ${next.kind === "clip" ? next.name : "the next clip"}`);
        }
        items[i + 1] = { ...next, duration: next.duration - grow };
      }
    } else if (op.op === "transition") {
      if (!TRANSITIONS[op.type]) throw new Error(`unknown transition ${op.type}`);
      if (i + 1 >= items.length) throw new Error(`Shot ${shot} is the last; there is no cut after it`);
      const frames = Math.max(Math.round((op.seconds ?? TRANSITION_SECONDS) * model.rate), 1);
      const align = op.align || "centre";
      const inFrames = { centre: Math.floor(frames / 2), start: 0, end: frames }[align];
      if (inFrames === undefined) throw new Error(`align is centre, start or end; not ${align}`);
      clip.after = op.type === "cut" ? null : { type: op.type, frames, in: inFrames, out: frames - inFrames };
    } else {
      throw new Error(`unknown edit ${op.op}`);
    }
    const result = { ...model, items: normalise(items) };
    checkTransitions(result.items);
    checkSources(result.items);
    return result;
  }

  /** No clip shows frames its media lacks (handles are usable), as videogen/edits.py checks. */
  function checkSources(items) {
    for (const item of items) {
      if (item.kind !== "clip" || !item.source_frames) continue;
      const last = (item.source_start || 0) + Math.floor((item.duration - 1) * (item.speed || 1) + 1e-9);
      if (last >= item.source_frames) {
        throw new Error(`${item.name} has ${item.source_frames} frames of media: it cannot grow that far (make the shot longer in the shot list)`);
      }
    }
  }

  /** Each transition fits the items on either side, as videogen/timeline.py checks. */
  function checkTransitions(items) {
    items.forEach((item, i) => {
      const t = item.after;
      if (!t) return;
      const next = items[i + 1];
      const name = item.kind === "clip" ? item.name : "black";
      if (t.in > item.duration) throw new Error(`the ${TRANSITIONS[t.type].toLowerCase()} after ${name} is longer than ${name}`);
      if (t.out > next.duration) throw new Error(`the ${TRANSITIONS[t.type].toLowerCase()} after ${name} is longer than the next clip`);
      if (next.after && t.out + next.after.in > next.duration) throw new Error(`two transitions overlap on ${next.name || "black"}`);
    });
  }

  function snap(frame, beatFrames, tolerance) {
    let best = null;
    for (const beat of beatFrames) {
      const d = Math.abs(beat - frame);
      if (d <= tolerance && (best === null || d < Math.abs(best - frame))) best = beat;
    }
    return best === null ? frame : best;
  }

  function describeTimelineEdit(op) {
    switch (op.op) {
      case "reorder": return `Move Shot ${op.shot} to position ${op.index + 1}`;
      case "trim": return `Shot ${op.shot} ends at ${clock(op.end)}${op.roll ? " (the next clip starts there)" : ""}`;
      case "transition": return op.type === "cut" ? `Cut after Shot ${op.after}` : `${TRANSITIONS[op.type]} after Shot ${op.after}`;
      default: return JSON.stringify(op);
    }
  }

  function initTimeline(root) {
    const data = readJSON(root, "timeline-data");
    const base = timelineModel(data.timeline);
    const rate = base.rate;
    const total = base.duration;
    const beats = data.beats || [];
    const beatFrames = [...new Set(beats.map((b) => secondsToFrames(b, rate)))].sort((a, b) => a - b);
    const spacing = beats.length > 1 ? (beats[beats.length - 1] - beats[0]) / (beats.length - 1) : 0.5;
    const tolerance = Math.max(Math.floor(spacing * SNAP_FRACTION * rate), 0);
    const downbeatFrames = new Set((data.downbeats || []).map((b) => secondsToFrames(b, rate)));
    const frames = data.frames || {};
    const editable = Boolean(data.editable);

    const scroll = root.querySelector("[data-scroll]");
    const canvas = root.querySelector("[data-canvas]");
    const ruler = root.querySelector("[data-ruler]");
    const track = root.querySelector("[data-track]");
    const playhead = root.querySelector("[data-playhead]");
    const audio = root.querySelector("[data-audio]");
    const clockNode = root.querySelector("[data-clock]");
    const zoom = root.querySelector("[data-zoom]");
    const previewImg = root.querySelector("[data-preview-img]");
    const previewLabel = root.querySelector("[data-preview-label]");
    const rows = root.querySelector("[data-clip-rows]");
    const form = document.querySelector("[data-timeline-form]");
    const pending = form?.querySelector("[data-pending]");
    const empty = form?.querySelector("[data-empty]");
    const error = form?.querySelector("[data-editor-error]");
    const undo = form?.querySelector("[data-undo]");

    root.querySelector("[data-nojs-list]").hidden = true;
    root.querySelectorAll("[data-js-only]").forEach((n) => { n.hidden = false; });
    if (form) form.querySelector("[data-js-only]").hidden = false;

    let edits = [];
    let model = base;
    let pxPerFrame = 1;

    const apply = (m, op) => applyTimelineEdit(m, op, beatFrames, tolerance);
    const x = (frame) => frame * pxPerFrame;
    const frameAt = (clientX) => {
      const box = canvas.getBoundingClientRect();
      return Math.min(Math.max((clientX - box.left) / pxPerFrame, 0), total);
    };
    const nearestBeat = (frame) => beatFrames.reduce(
      (best, b) => (Math.abs(b - frame) < Math.abs(best - frame) ? b : best), beatFrames[0] ?? frame);

    function layout() {
      const fit = Math.max(scroll.clientWidth - 2, 200) / total;
      pxPerFrame = fit * parseFloat(zoom.value || "1");
      canvas.style.width = `${Math.ceil(x(total))}px`;
      drawRuler();
      render();
      movePlayhead();
    }

    function drawRuler() {
      const width = Math.ceil(x(total));
      const ns = "http://www.w3.org/2000/svg";
      const svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", `0 0 ${width} 30`);
      svg.setAttribute("preserveAspectRatio", "none");
      svg.setAttribute("aria-hidden", "true");
      let beatPath = "";
      let barPath = "";
      for (const f of beatFrames) {
        if (downbeatFrames.has(f)) barPath += `M${x(f).toFixed(1)} 10V30`;
        else beatPath += `M${x(f).toFixed(1)} 20V30`;
      }
      for (const [d, cls] of [[beatPath, "beat"], [barPath, "bar"]]) {
        const path = document.createElementNS(ns, "path");
        path.setAttribute("d", d || "M0 0");
        path.setAttribute("class", cls);
        svg.append(path);
      }
      const seconds = total / rate;
      const step = [0.5, 1, 2, 5, 10, 15, 30, 60, 120].find((s) => x(s * rate) >= 60) || 300;
      const labels = [];
      for (let t = 0; t <= seconds; t += step) {
        const label = h("span", { text: clock(t).replace(/\.0$/, "") });
        label.style.left = `${x(t * rate)}px`;
        labels.push(label);
      }
      ruler.replaceChildren(svg, ...labels);
    }

    function render() {
      const places = placeItems(model.items);
      const nodes = [];
      for (const place of places) {
        const item = place.item;
        const left = x(place.start);
        const width = Math.max(x(item.duration), 2);
        if (item.kind === "gap") {
          const gap = h("div", { class: "tl-item tl-gap", title: `Black, ${(item.duration / rate).toFixed(2)} s` },
            width > 40 ? h("span", { text: "black" }) : null);
          gap.style.left = `${left}px`;
          gap.style.width = `${width}px`;
          nodes.push(gap);
          continue;
        }
        const shot = shotOf(item.name);
        const block = h("div", {
          class: "tl-item tl-clip", tabindex: 0, role: "button",
          "aria-label": `${item.name}, ${clock(place.start / rate)} to ${clock(place.end / rate)}`,
          dataset: { index: place.index },
        },
        frames[shot] ? h("img", { src: frames[shot], alt: "", draggable: "false" }) : null,
        h("span", { class: "tl-clip-label", text: item.name }),
        h("span", { class: "tl-clip-len", text: `${(item.duration / rate).toFixed(1)} s` }),
        editable ? h("span", { class: "tl-trim", title: `Trim the end of ${item.name}`, dataset: { trim: place.index } }) : null);
        block.style.left = `${left}px`;
        block.style.width = `${width}px`;
        block.addEventListener("keydown", (event) => {
          if (!editable) return;
          if (event.key === "ArrowLeft" && event.altKey) { event.preventDefault(); nudge(place.index, -1); }
          if (event.key === "ArrowRight" && event.altKey) { event.preventDefault(); nudge(place.index, 1); }
        });
        block.addEventListener("click", () => seek(place.start / rate));
        nodes.push(block);
        if (item.after) {
          const mark = h("div", { class: `tl-trans ${item.after.type}`, title: `${TRANSITIONS[item.after.type]} after ${item.name}`, text: item.after.type === "crossfade" ? "X" : "D" });
          mark.style.left = `${x(place.end)}px`;
          nodes.push(mark);
        }
      }
      track.replaceChildren(...nodes);
      renderRows(places);
      if (form) {
        renderPending(pending, edits, describeTimelineEdit, removeAt);
        empty.hidden = edits.length > 0;
        undo.hidden = edits.length === 0;
      }
      highlight();
    }

    function renderRows(places) {
      const clips = places.filter((p) => p.item.kind === "clip");
      rows.replaceChildren(...places.map((place, k) => {
        const item = place.item;
        const time = `${clock(place.start / rate)}–${clock(place.end / rate)}`;
        if (item.kind === "gap") {
          return h("li", { class: "tl-row is-gap" }, h("span"), h("span", { text: `Black · ${time}` }));
        }
        const shot = shotOf(item.name);
        const isLast = k === places.length - 1;
        const number = clips.indexOf(place) + 1;
        const controls = editable ? h("div", { class: "tl-row-controls" },
          h("button", { type: "button", class: "btn btn-small btn-icon", text: "←", disabled: place.index === 0,
            "aria-label": `Move ${item.name} earlier`, onclick: () => nudge(place.index, -1) }),
          h("button", { type: "button", class: "btn btn-small btn-icon", text: "→", disabled: isLast,
            "aria-label": `Move ${item.name} later`, onclick: () => nudge(place.index, 1) }),
          h("button", { type: "button", class: "btn btn-small", text: "End −1 beat",
            "aria-label": `End ${item.name} one beat earlier`, onclick: () => trimByBeat(place, -1) }),
          h("button", { type: "button", class: "btn btn-small", text: "End +1 beat", disabled: isLast,
            "aria-label": `End ${item.name} one beat later`, onclick: () => trimByBeat(place, 1) })) : h("span");
        let trans = h("span");
        if (!isLast) {
          const id = `tl-trans-${shot}`;
          const select = h("select", { id, disabled: !editable },
            ...Object.entries(TRANSITIONS).map(([value, text]) =>
              h("option", { value, text, selected: (item.after?.type || "cut") === value })));
          select.addEventListener("change", () => add({ op: "transition", after: shot, type: select.value, seconds: TRANSITION_SECONDS }));
          trans = h("div", { class: "tl-row-trans" }, h("label", { for: id, text: "then" }), select);
        }
        return h("li", { class: "tl-row", dataset: { index: place.index } },
          frames[shot] ? h("img", { src: frames[shot], alt: "" }) : h("span"),
          h("div", {}, h("span", { class: "tl-row-name", text: `${number}. ${item.name}` }), " ",
            h("span", { class: "muted small num", text: time })),
          controls, trans);
      }));
    }

    // edits
    function add(op) {
      if (!form) return false;
      try {
        model = apply(model, op);
      } catch (err) {
        showError(error, `That edit does not fit: ${err.message}.`);
        render();
        return false;
      }
      edits.push(op);
      showError(error, "");
      render();
      return true;
    }
    function removeAt(i) {
      const result = replay(base, edits.filter((_, k) => k !== i), apply);
      edits = result.kept;
      model = result.current;
      showError(error, result.dropped.length ? `Also dropped edits that no longer fit: ${result.dropped.join("; ")}.` : "");
      render();
    }
    function nudge(index, step) {
      const item = model.items[index];
      const target = index + step;
      if (target < 0 || target >= model.items.length) return;
      if (add({ op: "reorder", shot: shotOf(item.name), index: target })) {
        track.querySelector(`[data-index="${target}"]`)?.focus();
      }
    }
    function trimOp(place, end, snapped) {
      const next = model.items[place.index + 1];
      const grow = end - place.end;
      const roll = Boolean(next && next.kind === "clip" &&
        (grow > 0 || next.source_start + Math.floor(grow * (next.speed || 1) + 1e-9) >= 0));
      const op = { op: "trim", shot: shotOf(place.item.name), end: Math.round((end / rate) * 10000) / 10000 };
      if (roll) op.roll = true;
      if (!snapped) op.snap = false;
      return op;
    }
    function trimByBeat(place, step) {
      const later = beatFrames.filter((b) => (step > 0 ? b > place.end : b < place.end));
      const beat = step > 0 ? later[0] : later[later.length - 1];
      if (beat === undefined || beat <= place.start) return;
      add(trimOp(place, beat, true));
    }

    // pointer: drag a clip to reorder it, its right edge to trim it
    track.addEventListener("pointerdown", (event) => {
      if (!editable || event.button !== 0) return;
      const handle = event.target.closest("[data-trim]");
      const block = event.target.closest(".tl-clip");
      if (!block) return;
      const places = placeItems(model.items);
      const place = places[parseInt(block.dataset.index, 10)];
      const startX = event.clientX;
      let moved = false;
      let marker = null;
      let target = place.index;
      let end = place.end;
      let snapped = true;
      block.setPointerCapture(event.pointerId);

      const next = model.items[place.index + 1];
      const maxEnd = !next ? place.end : next.kind === "gap" ? place.end + next.duration : place.end + next.duration - 1;
      const minEnd = place.start + 1;

      function move(ev) {
        const dx = ev.clientX - startX;
        if (!moved && Math.abs(dx) < 4) return;
        if (!moved) {
          moved = true;
          (handle || block).classList.add("is-dragging");
          block.classList.add("is-dragging");
          marker = h("div", { class: handle ? "tl-snap" : "tl-drop" });
          track.append(marker);
        }
        if (handle) {
          let f = Math.round(place.end + dx / pxPerFrame);
          snapped = !ev.shiftKey && beatFrames.length > 0;
          if (snapped) f = nearestBeat(f);
          end = Math.min(Math.max(f, minEnd), maxEnd);
          block.style.width = `${Math.max(x(end - place.start), 2)}px`;
          marker.style.left = `${x(end)}px`;
          clockNode.textContent = clock(end / rate);
        } else {
          block.style.transform = `translateX(${dx}px)`;
          const f = frameAt(ev.clientX);
          const others = places.filter((p) => p.index !== place.index);
          target = others.filter((p) => (p.start + p.end) / 2 < f).length;
          const edge = target < others.length ? others[target].start : total;
          marker.style.left = `${x(edge)}px`;
        }
      }
      function up() {
        block.removeEventListener("pointermove", move);
        block.removeEventListener("pointerup", up);
        block.removeEventListener("pointercancel", cancel);
        if (!moved) return;
        block.addEventListener("click", (e) => e.stopImmediatePropagation(), { capture: true, once: true });
        if (handle && end !== place.end) add(trimOp(place, end, snapped));
        else if (!handle && target !== place.index) add({ op: "reorder", shot: shotOf(place.item.name), index: target });
        else render();
      }
      function cancel() {
        block.removeEventListener("pointermove", move);
        block.removeEventListener("pointerup", up);
        block.removeEventListener("pointercancel", cancel);
        render();
      }
      block.addEventListener("pointermove", move);
      block.addEventListener("pointerup", up);
      block.addEventListener("pointercancel", cancel);
      if (handle) event.preventDefault();
    });

    // playback: the song, a playhead, and the current clip's storyboard frame
    function seek(seconds) {
      if (!audio) return;
      audio.currentTime = Math.min(Math.max(seconds, 0), total / rate);
      movePlayhead();
    }
    ruler.addEventListener("pointerdown", (event) => seek(frameAt(event.clientX) / rate));

    let shown = null;
    function highlight() {
      const t = audio ? audio.currentTime : 0;
      const frame = Math.floor(t * rate);
      const place = placeItems(model.items).find((p) => frame >= p.start && frame < p.end);
      const key = place ? place.index : -1;
      track.querySelectorAll(".is-active").forEach((n) => n.classList.remove("is-active"));
      rows.querySelectorAll(".is-active").forEach((n) => n.classList.remove("is-active"));
      if (place) {
        track.querySelector(`.tl-clip[data-index="${key}"]`)?.classList.add("is-active");
        rows.querySelector(`[data-index="${key}"]`)?.classList.add("is-active");
      }
      const item = place?.item;
      const src = item && item.kind === "clip" ? frames[shotOf(item.name)] : null;
      if (src !== shown) {
        shown = src;
        if (src) previewImg.src = src;
        previewImg.hidden = !src;
      }
      previewLabel.textContent = item ? (item.kind === "clip" ? `${item.name} · ${clock(t)}` : `black · ${clock(t)}`) : clock(t);
    }
    function movePlayhead() {
      const t = audio ? audio.currentTime : 0;
      playhead.style.left = `${x(t * rate)}px`;
      clockNode.textContent = clock(t);
      highlight();
      if (audio && !audio.paused) {
        const px = x(t * rate);
        if (px < scroll.scrollLeft || px > scroll.scrollLeft + scroll.clientWidth - 20) scroll.scrollLeft = px - 40;
        requestAnimationFrame(movePlayhead);
      }
    }
    if (audio) {
      audio.addEventListener("play", movePlayhead);
      audio.addEventListener("seeked", movePlayhead);
      audio.addEventListener("timeupdate", () => { if (audio.paused) movePlayhead(); });
    }

    zoom.addEventListener("input", layout);
    window.addEventListener("resize", layout);
    if (form) {
      undo.addEventListener("click", () => removeAt(edits.length - 1));
      let leaving = false;
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (!edits.length) {
          showError(error, "No edits yet: drag clips or their ends, or pick a transition first.");
          return;
        }
        saveEdits(form, edits, error, () => { leaving = true; });
      });
      guardUnsaved(form, () => edits.length > 0 && !leaving);
      const unsaved = replay(base, takeUnsaved(), apply);
      edits = unsaved.kept;
      model = unsaved.current;
      showUnsaved(form.querySelector("[data-editor-notice]"), unsaved.kept, unsaved.dropped, "timeline");
    }
    layout();
  }

  // ---- start ----------------------------------------------------------------------------

  const INITS = {
    job: initJob,
    "new-project": initNewProject,
    analysis: initAnalysis,
    "brief-editor": initBriefEditor,
    "shot-editor": initShotEditor,
    picker: initPicker,
    timeline: initTimeline,
  };

  function start() {
    for (const node of document.querySelectorAll("[data-js-only]")) {
      if (!node.closest("[data-init]")) node.hidden = false;
    }
    const current = document.querySelector('.stages [aria-current="page"]');
    const nav = current?.closest(".stages");
    if (nav && nav.scrollWidth > nav.clientWidth) {  // the current stage in view on phones
      nav.scrollLeft = current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
    }
    for (const button of document.querySelectorAll("[data-back]")) {
      if (window.history.length > 1) {
        button.hidden = false;
        button.addEventListener("click", () => window.history.back());
      }
    }
    for (const node of document.querySelectorAll("[data-init]")) {
      for (const name of node.dataset.init.split(/\s+/)) {
        try {
          INITS[name]?.(node);
        } catch (err) {
          console.error(`studio: ${name} failed`, err);  // the plain form still works
        }
      }
    }
  }

  document.addEventListener("DOMContentLoaded", start);
  return { initJob, initNewProject, initAnalysis, initBriefEditor, initShotEditor, initPicker,
           initTimeline, applyShotEdit, applyTimelineEdit, timelineModel };
})();
