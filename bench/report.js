// Plain-text table and machine description for the benchmark results.
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { availableParallelism } from 'node:os';

export function machineInfo(extra = {}) {
  const cpu = cpus()[0];
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpu: cpu ? cpu.model.trim() : 'unknown',
    memGiB: +(totalmem() / 1024 ** 3).toFixed(1),
    freeMemGiB: +(freemem() / 1024 ** 3).toFixed(1),
    kernel: `${process.platform} ${release()}`,
    node: process.version,
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    ...extra,
  };
}

export function formatMachine(m) {
  const lines = [
    `date      ${m.date}`,
    `machine   ${m.nproc} cpu (${m.cpu}), ${m.memGiB} GiB RAM, ${m.kernel}, load ${m.loadavg.join(' ')}${m.loadavgEnd ? ` (at the end: ${m.loadavgEnd.join(' ')})` : ''}`,
    `node      ${m.node}`,
  ];
  if (m.versions) {
    for (const [k, v] of Object.entries(m.versions)) lines.push(`${k.padEnd(9)} ${v}`);
  }
  return lines.join('\n');
}

const f3 = (x) => (x == null ? '-' : x < 10 ? x.toFixed(3) : x.toFixed(2));
const f0 = (x) => (x == null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Render results as an aligned plain-text table (one block per case). */
export function formatTable(cases) {
  const header = ['case', 'tool', 'median s', 'min–max s', 'MB/s', 'peak RSS MiB', 'tftp/peer', 'status'];
  const body = [];
  const notes = [];
  for (const c of cases) {
    c.rows.forEach((r, i) => {
      const ok = r.status === 'ok' || (r.status === 'FAILED' && r.medianS != null);
      body.push([
        i === 0 ? c.id : '',
        r.label,
        ok ? f3(r.medianS) : '-',
        ok && r.minS != null ? `${f3(r.minS)}–${f3(r.maxS)}` : '-',
        ok && c.bytes ? f0(r.mbps) : '-',
        ok ? f0(r.peakRssMiB) : '-',
        i === 0 ? '' : r.ratio == null ? 'n/a' : `${r.ratio.toFixed(2)}x`,
        r.status === 'skipped' ? 'skipped' : r.status,
      ]);
      if (r.status !== 'ok') notes.push(`${c.id} / ${r.label}: ${r.status}: ${r.reason}`);
    });
    body.push(null);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.filter(Boolean).map((row) => row[i].length)));
  const numeric = new Set([2, 3, 4, 5, 6]);
  const line = (cells) =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule];
  for (const row of body) out.push(row ? line(row) : '');
  while (out[out.length - 1] === '') out.pop();
  const width = Math.max(9, ...cases.map((c) => c.id.length + 1));
  const titles = cases.map((c) => `  ${c.id.padEnd(width)}${c.title}${c.note ? `\n  ${' '.repeat(width)}(${c.note})` : ''}`);
  return [
    out.join('\n'),
    '',
    'cases:',
    ...titles,
    ...(notes.length ? ['', 'not measured / failed:', ...notes.map((n) => `  ${n}`)] : []),
  ].join('\n');
}
