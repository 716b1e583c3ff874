/** A small SVG plot of latency distributions: one empirical CDF line per series. */

export interface Series {
  label: string;
  samples: number[];
  color: string;
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 56, right: 16, top: 24, bottom: 44 };

/** An SVG document with the CDFs of the series over a shared x axis (`unit` names it). */
export function cdfSvg(title: string, unit: string, series: Series[]): string {
  const all = series.flatMap((s) => s.samples);
  const xMax = niceCeiling(all.length ? Math.max(...all) : 1);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + (v / xMax) * plotW;
  const y = (p: number) => MARGIN.top + (1 - p) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="16" text-anchor="middle">${escape(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (xMax / 4) * i;
    const p = i / 4;
    parts.push(
      `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#ddd"/>`,
      `<text x="${x(v)}" y="${y(0) + 16}" text-anchor="middle">${format(v)}</text>`,
      `<line x1="${x(0)}" y1="${y(p)}" x2="${x(xMax)}" y2="${y(p)}" stroke="#ddd"/>`,
      `<text x="${x(0) - 6}" y="${y(p) + 4}" text-anchor="end">${p * 100}%</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">${
      escape(unit)
    }</text>`,
  );
  series.forEach((s, index) => {
    const sorted = [...s.samples].sort((a, b) => a - b);
    const points = sorted.map((v, i) =>
      `${x(v).toFixed(1)},${y((i + 1) / sorted.length).toFixed(1)}`
    );
    if (points.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${x(0)},${y(0)} ${
          points.join(" ")
        }"/>`,
      );
    }
    const ly = MARGIN.top + 14 + index * 16;
    parts.push(
      `<line x1="${x(xMax) - 150}" y1="${ly - 4}" x2="${x(xMax) - 130}" y2="${
        ly - 4
      }" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${x(xMax) - 124}" y="${ly}">${escape(s.label)} (n=${s.samples.length})</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function niceCeiling(v: number): number {
  if (v <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
