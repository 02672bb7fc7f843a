// Chart.js (npm chart.js 4, its UMD bundle loaded by index.html as a classic script, which defines `Chart`).
// Charts take their colours from the stylesheet's custom properties so they follow the light or dark scheme, and
// never animate: a night-shift screen that polls every 2 s should not move by itself.

let configured = false;

function chartLibrary() {
  const library = globalThis.Chart;
  if (!library) return null;
  if (!configured) {
    configured = true;
    library.defaults.animation = false;
    library.defaults.responsive = true;
    library.defaults.maintainAspectRatio = false;
    library.defaults.font.family = getComputedStyle(document.body).fontFamily;
    library.defaults.font.size = 12;
  }
  return library;
}

// The value of a custom property of the stylesheet, e.g. cssColor('--series-1').
export function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Draws `config` on `canvas`; null (and the canvas's fallback text stays) when Chart.js did not load.
export function makeChart(canvas, config) {
  const Chart = chartLibrary();
  if (!Chart) return null;
  const text = cssColor('--text-muted');
  const grid = cssColor('--grid');
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  return new Chart(canvas, config);
}

// The series colours, in order.
export function seriesColors() {
  return [cssColor('--series-1'), cssColor('--series-2'), cssColor('--series-3'), cssColor('--series-4')];
}
