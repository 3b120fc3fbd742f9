import type { CaptureView } from "@flowgate/application";

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const statusText: Record<string, string> = {
  created: "Not started: add the files below, then submit.",
  in_progress: "In progress: add the remaining files, then submit.",
  submitted: "Submitted: your verification is being checked.",
  processing: "Submitted: your verification is being checked.",
  awaiting_external: "Submitted: your verification is being reviewed.",
  completed: "Done: your verification is complete.",
  failed: "Your verification could not be completed.",
  expired: "This verification has expired.",
};

function layout(title: string, body: string, status = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/verify/_/capture.css">
</head>
<body data-status="${escapeHtml(status)}">
<main>
${body}
</main>
<script src="/verify/_/capture.js"></script>
</body>
</html>
`;
}

/** The capture page for a session: its steps, their files and statuses, uploads, sandbox outcomes, submit. */
export function renderCapturePage(view: CaptureView): string {
  const open = view.status === "created" || view.status === "in_progress";
  const steps = view.steps
    .map((step) => {
      const files = step.documents.length
        ? `<ul class="files">${step.documents
            .map(
              (doc) =>
                `<li>${escapeHtml(doc.fileName ?? "file")} (${escapeHtml(doc.contentType)}, ${Math.ceil(doc.sizeBytes / 1024)} KB)</li>`,
            )
            .join("")}</ul>`
        : "";
      const upload =
        open && step.upload
          ? `<form class="upload" data-step="${escapeHtml(step.id)}">
  <input type="file" name="file" accept="image/jpeg,image/png,application/pdf" aria-label="${escapeHtml(step.label)} file">
  <button type="submit">Upload</button>
</form>`
          : "";
      const simulate =
        view.sandbox && open
          ? `<form class="simulate" data-step="${escapeHtml(step.id)}">
  <label>Sandbox outcome <select name="outcome" aria-label="${escapeHtml(step.label)} outcome">
    ${["pass", "fail", "error"].map((o) => `<option value="${o}"${step.simulated === o ? " selected" : ""}>${o}</option>`).join("")}
  </select></label>
  <button type="submit">Set</button>
</form>`
          : "";
      return `<li data-step="${escapeHtml(step.id)}">
  <div class="step-head"><span class="step-title">${escapeHtml(step.label)}</span><span class="state ${escapeHtml(step.status)}">${escapeHtml(step.status.replaceAll("_", " "))}</span></div>
  ${files}${upload}${simulate}
</li>`;
    })
    .join("\n");
  const submit = open
    ? `<button id="submit" class="primary" type="button"${view.canSubmit ? "" : " disabled"}>Submit for verification</button>`
    : "";
  const result = view.result
    ? ` Result: <strong>${escapeHtml(view.result.replaceAll("_", " "))}</strong>.`
    : "";
  const body = `<h1>Verify your identity ${view.sandbox ? '<span class="badge sandbox">Sandbox</span>' : ""}</h1>
<p class="lead">Complete each step below. Files can be JPEG, PNG or PDF, up to 10 MB each.</p>
<div class="status" id="status" data-status="${escapeHtml(view.status)}">Status: <strong>${escapeHtml(view.status.replaceAll("_", " "))}</strong>. ${escapeHtml(statusText[view.status] ?? "")}${result}</div>
<ol class="steps">
${steps || "<li>No steps to complete.</li>"}
</ol>
<p id="message" class="message" role="status"></p>
${submit}`;
  return layout("Verify your identity", body, view.status);
}

/** The page a refused link (unknown, used, expired, revoked) gets. */
export function renderRefusedPage(message: string): string {
  return layout(
    "Link not valid",
    `<div class="refused"><h1>This link cannot be used</h1><p>${escapeHtml(message)}</p></div>`,
  );
}
