// The file and lint endpoints (lab/labs/files.py, docs/protocol.md "Files
// and lint"): JSON over fetch, writes with Django's CSRF token.

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function call(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", ...(options.body ? { "Content-Type": "application/json" } : {}),
               ...(options.method && options.method !== "GET" ? { "X-CSRFToken": csrfToken() } : {}),
               ...(options.headers || {}) },
  });
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const error = new Error(body?.message || `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.reason = body?.error;
    throw error;
  }
  return body;
}

export class FilesApi {
  constructor(labName) {
    this.base = `/lab/${encodeURIComponent(labName)}`;
  }
  tree() { return call(`${this.base}/files/`); }
  read(host, path) {
    return call(`${this.base}/files/${encodeURIComponent(host)}/?path=${encodeURIComponent(path)}`);
  }
  write(host, path, content) {
    return call(`${this.base}/files/${encodeURIComponent(host)}/?path=${encodeURIComponent(path)}`, {
      method: "PUT", body: JSON.stringify({ content }),
    });
  }
  lint(text, path) {
    return call(`${this.base}/lint/`, { method: "POST", body: JSON.stringify({ text, path }) });
  }
}
