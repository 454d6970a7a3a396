// Reflow at 320 CSS pixels (WCAG 1.4.10): a data table is the exception that may scroll
// sideways, but inside its own container, never the whole page. Every table in the main
// content not already in one is put in a `.marac-table-scroll` region named by its caption;
// the region is a tab stop (so the keyboard can scroll it) only while it actually scrolls.
const regions = [];
for (const table of document.querySelectorAll("main table")) {
  if (table.closest(".marac-table-scroll")) continue;
  const region = document.createElement("div");
  region.className = "marac-table-scroll";
  const caption = table.caption ? table.caption.textContent.trim() : "";
  region.setAttribute("role", "region");
  region.setAttribute("aria-label", caption || "Table");
  table.before(region);
  region.append(table);
  regions.push(region);
}
const focusable = () => {
  for (const region of regions) {
    if (region.scrollWidth > region.clientWidth + 1) region.tabIndex = 0;
    else region.removeAttribute("tabindex");
  }
};
if (regions.length) {
  focusable();
  window.addEventListener("resize", focusable);
}
