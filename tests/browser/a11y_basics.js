() => {
  // Cheap accessibility and layout checks run on every page a journey visits.
  const out = [];
  if (!document.querySelector("main")) out.push("no <main> landmark");
  if (!document.querySelector("header nav[aria-label]")) out.push("no labelled nav");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) out.push("h1 count " + h1);
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) out.push("img without alt: " + img.src);
  }
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const labelled =
      (el.id && document.querySelector('label[for="' + el.id + '"]')) ||
      el.getAttribute("aria-label") ||
      el.getAttribute("aria-labelledby") ||
      el.closest("label");
    if (!labelled) out.push("unlabelled field: " + (el.name || el.id));
  }
  const lang = document.documentElement.lang;
  if (lang !== "zh-CN") out.push("lang is " + lang);
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  if (overflow > 1) out.push("page wider than the viewport by " + overflow + "px");
  return out;
}
