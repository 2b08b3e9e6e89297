import { useId } from 'react';
import { formatNumber } from '../lib/format';

/**
 * Two small charts drawn as inline SVG (no chart library: the dashboard ships React and nothing else). Each is a
 * <figure> whose SVG has a text summary for screen readers, with the numbers in a table under a disclosure.
 */
export interface Series {
  label: string;
  /** A CSS class that sets the colour (fill/stroke), see styles.css. */
  className: string;
  values: number[];
}

const W = 720;
const H = 200;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

const timeLabel = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** A rounded-up axis maximum with 4 even steps (at least 4, so a quiet queue still has an axis). */
function niceMax(max: number): number {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max / 4));
  const candidates = [1, 2, 2.5, 5, 10].map((m) => m * step * 4);
  return candidates.find((c) => c >= max) ?? max;
}

function Axes({ max, times }: { max: number; times: string[] }) {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - v / max);
  const plotW = W - PAD.left - PAD.right;
  const idx = times.length <= 1 ? [0] : [0, Math.floor((times.length - 1) / 2), times.length - 1];
  return (
    <g className="axes" aria-hidden="true">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="gridline" />
          <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end">{formatNumber(Math.round(t))}</text>
        </g>
      ))}
      {idx.map((i) => times[i] && (
        <text key={i} x={PAD.left + (times.length <= 1 ? 0 : (plotW * i) / (times.length - 1))} y={H - 8}
          textAnchor={i === 0 ? 'start' : i === times.length - 1 ? 'end' : 'middle'}>{timeLabel(times[i]!)}</text>
      ))}
    </g>
  );
}

function DataTable({ caption, times, series }: { caption: string; times: string[]; series: Series[] }) {
  return (
    <details className="chart-data">
      <summary>Show the numbers</summary>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`${caption} (numbers)`}>
        <table>
          <caption className="sr-only">{caption}</caption>
          <thead><tr><th scope="col">Minute</th>{series.map((s) => <th key={s.label} scope="col">{s.label}</th>)}</tr></thead>
          <tbody>
            {times.map((t, i) => (
              <tr key={t}><th scope="row">{timeLabel(t)}</th>{series.map((s) => <td key={s.label}>{formatNumber(s.values[i] ?? 0)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="legend">
      {series.map((s) => <li key={s.label}><span className={`swatch ${s.className}`} aria-hidden="true" />{s.label}</li>)}
    </ul>
  );
}

export function LineChart({ caption, summary, times, series }: { caption: string; summary: string; times: string[]; series: Series[] }) {
  const id = useId();
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (times.length <= 1 ? 0 : (plotW * i) / (times.length - 1));
  const y = (v: number) => PAD.top + plotH * (1 - v / max);
  return (
    <figure className="chart">
      <figcaption id={id}>{caption}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={id} aria-describedby={`${id}-summary`}>
        <desc id={`${id}-summary`}>{summary}</desc>
        <Axes max={max} times={times} />
        {series.map((s) => {
          const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
          const area = `${x(0)},${y(0)} ${points} ${x(s.values.length - 1)},${y(0)}`;
          return (
            <g key={s.label} className={s.className}>
              <polygon points={area} className="area" />
              <polyline points={points} className="line" fill="none" />
            </g>
          );
        })}
      </svg>
      <p className="chart-summary">{summary}</p>
      {series.length > 1 && <Legend series={series} />}
      <DataTable caption={caption} times={times} series={series} />
    </figure>
  );
}

export function StackedBarChart({ caption, summary, times, series }: { caption: string; summary: string; times: string[]; series: Series[] }) {
  const id = useId();
  const totals = times.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(times.length, 1);
  const barW = Math.max(slot * 0.8, 1);
  return (
    <figure className="chart">
      <figcaption id={id}>{caption}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={id} aria-describedby={`${id}-summary`}>
        <desc id={`${id}-summary`}>{summary}</desc>
        <Axes max={max} times={times} />
        {times.map((t, i) => {
          let base = 0;
          return (
            <g key={t}>
              {series.map((s) => {
                const v = s.values[i] ?? 0;
                if (v === 0) return null;
                const h = (plotH * v) / max;
                const yTop = PAD.top + plotH * (1 - (base + v) / max);
                base += v;
                return <rect key={s.label} className={`bar ${s.className}`} x={PAD.left + i * slot + (slot - barW) / 2} y={yTop} width={barW} height={h} />;
              })}
            </g>
          );
        })}
      </svg>
      <p className="chart-summary">{summary}</p>
      <Legend series={series} />
      <DataTable caption={caption} times={times} series={series} />
    </figure>
  );
}
