// The page's language for lesson texts and the doctor's findings: "en" or
// "zh-CN", chosen on the Lesson tab and remembered in localStorage
// (serviceLab.lang); a browser set to Chinese starts in Chinese.
const STORE = "serviceLab.lang";
export const LANGUAGES = ["en", "zh-CN"];

export function language() {
  const saved = localStorage.getItem(STORE);
  if (LANGUAGES.includes(saved)) return saved;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  localStorage.setItem(STORE, lang);
}

/** A {en, zh-CN} text in the page's language (English when that one is missing). */
export function pick(text, lang = language()) {
  if (text == null) return "";
  if (typeof text === "string") return text;
  return text[lang] ?? text.en ?? "";
}
