// Small generated-SVG line charts for the benchmark pages (no dependencies); pure functions.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above `max`. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((k) => k * p).find((v) => v >= max);
}

/**
 * One chart at (x, y) of size w × h: categorical x (`xLabels`, equally spaced), linear y from 0.
 * series: [{ name, values }] with one value (or null) per x label.
 */
export function lineChart({ x = 0, y = 0, w = 420, h = 260, title, xTitle, yTitle, xLabels, series }) {
  const pad = { l: 56, r: 12, t: 28, b: 44 };
  const iw = w - pad.l - pad.r;
  const ih = h - pad.t - pad.b;
  const top = niceMax(Math.max(...series.flatMap((s) => s.values.filter((v) => v != null))));
  const px = (i) => pad.l + (xLabels.length === 1 ? iw / 2 : (i * iw) / (xLabels.length - 1));
  const py = (v) => pad.t + ih - (v / top) * ih;
  const out = [`<g transform="translate(${x},${y})">`];
  out.push(`<text x="${w / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = (top * k) / 4;
    out.push(
      `<line x1="${pad.l}" x2="${pad.l + iw}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`,
      `<text x="${pad.l - 6}" y="${py(v) + 4}" text-anchor="end">${esc(Number(v.toPrecision(3)))}</text>`,
    );
  }
  xLabels.forEach((l, i) =>
    out.push(`<text x="${px(i)}" y="${pad.t + ih + 16}" text-anchor="middle">${esc(l)}</text>`),
  );
  out.push(
    `<text x="${pad.l + iw / 2}" y="${h - 6}" text-anchor="middle">${esc(xTitle)}</text>`,
    `<text transform="translate(14,${pad.t + ih / 2}) rotate(-90)" text-anchor="middle">${esc(yTitle)}</text>`,
  );
  series.forEach((s, j) => {
    const color = s.color ?? COLORS[j % COLORS.length];
    const pts = s.values.map((v, i) => (v == null ? null : `${px(i).toFixed(1)},${py(v).toFixed(1)}`));
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.filter(Boolean).join(' ')}"/>`,
    );
    pts.forEach(
      (p) => p && out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`),
    );
    out.push(
      `<rect x="${pad.l + 8}" y="${pad.t + 4 + j * 16}" width="10" height="10" fill="${color}"/>`,
      `<text x="${pad.l + 22}" y="${pad.t + 13 + j * 16}">${esc(s.name)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** Charts laid out in a grid of `cols` columns, as one SVG document. */
export function svgDocument(charts, { cols = 2, w = 420, h = 260, caption } = {}) {
  const rows = Math.ceil(charts.length / cols);
  const capH = caption ? 24 : 0;
  const body = charts.map((c, i) =>
    lineChart({ ...c, w, h, x: (i % cols) * w, y: Math.floor(i / cols) * h }),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * w}" height="${rows * h + capH}" viewBox="0 0 ${cols * w} ${rows * h + capH}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    ...(caption ? [`<text x="8" y="${rows * h + 16}" fill="#555">${esc(caption)}</text>`] : []),
    '</svg>',
    '',
  ].join('\n');
}
