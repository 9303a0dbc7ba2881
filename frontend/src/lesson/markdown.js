// A lesson step's Markdown as HTML: marked (GitHub-flavoured) and then
// DOMPurify, so a lesson file can never put script or handlers on the page;
// links open in a new tab.
import { Marked } from "marked";
import DOMPurify from "dompurify";

const md = new Marked({ gfm: true, breaks: false });

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Sanitised HTML of `source` (Markdown). */
export function renderMarkdown(source) {
  return DOMPurify.sanitize(md.parse(source || "", { async: false }), { USE_PROFILES: { html: true } });
}

/** Sanitised HTML of one line of Markdown (no paragraph around it): summaries. */
export function renderInline(source) {
  return DOMPurify.sanitize(md.parseInline(source || "", { async: false }), { USE_PROFILES: { html: true } });
}
