// Charts as plain SVG React components: nothing from the network, no chart library. Each chart has
// an accessible name and a text alternative (title/desc), and numbers use tabular figures.
import { useEffect, useMemo, useState } from 'react';
import type { RenewalMeasure } from '../api/shared';

export const PALETTE = ['#2f6f8f', '#4f9d8a', '#c08a3e', '#8a6bb0', '#b65c5c', '#5b7fb5'];

const WEEKDAY_LABELS: [number, string][] = [[1, 'Mon'], [3, 'Wed'], [5, 'Fri']];
const HEAT_EMPTY = '#eef1f4';
const heatFill = (v: number, max: number) => (v === 0 ? HEAT_EMPTY : `rgba(47,111,143,${(0.3 + 0.7 * (v / max)).toFixed(3)})`);

/** Width of an element, following resizes (the heat map sizes its cells to the card it sits in). */
function useWidth<E extends HTMLElement>(): [(el: E | null) => void, number] {
  const [el, setEl] = useState<E | null>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    if (!el) return;
    setW(el.clientWidth);
    const ro = new ResizeObserver((entries) => setW(Math.floor(entries[0]?.contentRect.width ?? el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [setEl, w];
}

/** Calendar heat map: one row of weeks per site, one cell per day, shade = distinct users that day. */
export function UsageHeatMap(props: { cells: { site: string; day: string; users: number }[] }) {
  const [ref, avail] = useWidth<HTMLDivElement>();
  const { sites, days, max, lookup } = useMemo(() => {
    const sites = [...new Set(props.cells.map((c) => c.site))].sort();
    const allDays = props.cells.map((c) => c.day).sort();
    const lookup = new Map(props.cells.map((c) => [`${c.site}|${c.day}`, c.users]));
    const max = Math.max(1, ...props.cells.map((c) => c.users));
    const days: string[] = [];
    if (allDays.length) {
      const start = new Date(`${allDays[0]}T00:00:00Z`);
      const end = new Date(`${allDays[allDays.length - 1]}T00:00:00Z`);
      start.setUTCDate(start.getUTCDate() - start.getUTCDay());
      for (let d = new Date(start); d <= end; d.setUTCDate(d.getUTCDate() + 1)) days.push(d.toISOString().slice(0, 10));
    }
    return { sites, days, max, lookup };
  }, [props.cells]);
  if (sites.length === 0) return <p className="muted">No usage days to show.</p>;
  const gap = 2;
  const weeks = Math.ceil(days.length / 7);
  const labelW = 30;
  // Cells grow with the card (up to a size that still reads as a calendar); a narrow window scrolls instead.
  const cell = avail > 0 ? Math.max(9, Math.min(20, Math.floor((avail - labelW) / weeks) - gap)) : 11;
  // Two label rows under the weeks: the month, and the year under the first month shown and under each January.
  const h = 7 * (cell + gap) + 30;
  const months = days.flatMap((d, i) => (i === 0 || d.slice(8, 10) === '01' ? [{ d, wk: Math.floor(i / 7) }] : []))
    // A label for a partial first week only when the next month's label does not crowd it.
    .filter((m, i, all) => i > 0 || (all[1]?.wk ?? Infinity) - m.wk >= 3);
  // Wide enough for the last label ("Sep", "2026") even when it starts in the last week or only a week is shown.
  const lastLabelX = months.length ? labelW + months[months.length - 1]!.wk * (cell + gap) : 0;
  const w = Math.max(labelW + weeks * (cell + gap), lastLabelX + 30);
  return (
    <div className="heatmaps" ref={ref}>
      {sites.map((site) => {
        const total = days.reduce((a, d) => a + (lookup.get(`${site}|${d}`) ?? 0), 0);
        return (
          <figure key={site} className="heatmap">
            <figcaption>
              <span className="strong">{site}</span> <span className="muted num">{total.toLocaleString('en-US')} user-days</span>
            </figcaption>
            <div className="chart-scroll">
              <svg width={w} height={h} role="img" aria-label={`Usage calendar for ${site}`}>
                <desc>{`Daily distinct users at ${site} from ${days[0]} to ${days[days.length - 1]}; busiest day ${max.toLocaleString('en-US')} ${max === 1 ? 'user' : 'users'}.`}</desc>
                {WEEKDAY_LABELS.map(([dow, name]) => (
                  <text key={name} x={0} y={dow * (cell + gap) + cell / 2 + 3.5} className="axis" aria-hidden>{name}</text>
                ))}
                {days.map((d, i) => {
                  const v = lookup.get(`${site}|${d}`) ?? 0;
                  return (
                    <rect key={d} x={labelW + Math.floor(i / 7) * (cell + gap)} y={(i % 7) * (cell + gap)} width={cell} height={cell} rx={2} fill={heatFill(v, max)}>
                      <title>{`${d}: ${v.toLocaleString('en-US')} ${v === 1 ? 'user' : 'users'}`}</title>
                    </rect>
                  );
                })}
                {months.map(({ d, wk }, i) => (
                  <g key={d} aria-hidden>
                    <text x={labelW + wk * (cell + gap)} y={7 * (cell + gap) + 12} className="axis">
                      {new Date(`${d}T00:00:00Z`).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })}
                    </text>
                    {(i === 0 || d.slice(5, 7) === '01') && <text x={labelW + wk * (cell + gap)} y={7 * (cell + gap) + 25} className="axis year">{d.slice(0, 4)}</text>}
                  </g>
                ))}
              </svg>
            </div>
          </figure>
        );
      })}
      <HeatMapTable cells={props.cells} />
      <div className="legend" style={{ paddingLeft: labelW }}>
        <span className="muted">0 users</span>
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <span key={t} className="swatch" style={{ background: heatFill(t * max, max) }} />
        ))}
        <span className="muted num">{`${max.toLocaleString('en-US')} ${max === 1 ? 'user' : 'users'} (busiest day)`}</span>
      </div>
    </div>
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "2026-03" -> "Mar 26". */
function monthLabel(m: string): string {
  const [y, mo] = m.split('-');
  return `${MONTHS[Number(mo) - 1] ?? mo} ${y?.slice(2) ?? ''}`;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}


const MEASURE_TEXT: Record<RenewalMeasure, { what: string; seats: string; point: string; desc: string }> = {
  users: { what: 'Monthly active users', seats: 'Seats', point: 'active users', desc: 'active' },
  concurrent: { what: 'Peak seats in use at once', seats: 'Seats', point: 'seats in use at once at the peak', desc: 'at once' },
  tokens: { what: 'Tokens used in the month', seats: 'Tokens bought, spread over the term', point: 'tokens used', desc: 'tokens used' },
};

/** A renewal line's monthly figure (line) against its seats (step line) over the lookback. */
export function ActiveVsSeats(props: { name: string; monthly: { month: string; active_users: number; seats: number }[]; measure?: RenewalMeasure }) {
  const text = MEASURE_TEXT[props.measure ?? 'users'];
  const what = text.what;
  const whole = (n: number) => Math.round(n).toLocaleString('en-US');
  const data = props.monthly;
  const W = 560;
  const H = 200;
  const pad = { l: 44, r: 24, t: 12, b: 28 };
  if (data.length === 0) return <p className="muted">No monthly usage for {props.name}.</p>;
  // Whole people: at least 2 so the middle tick is a whole number too.
  const max = Math.max(2, Math.ceil(niceMax(Math.max(...data.map((d) => Math.max(d.active_users, d.seats)))) / 2) * 2);
  const x = (i: number) => pad.l + (data.length === 1 ? 0 : (i * (W - pad.l - pad.r)) / (data.length - 1));
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const line = (k: 'active_users' | 'seats') => data.map((d, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(d[k]).toFixed(1)}`).join(' ');
  // Seats change at a month boundary: a step line, not a slope between months.
  const step = data.map((d, i) => (i === 0 ? `M${x(0).toFixed(1)},${y(d.seats).toFixed(1)}` : `H${x(i).toFixed(1)} V${y(d.seats).toFixed(1)}`)).join(' ');
  const ticks = [0, max / 2, max];
  const every = Math.max(1, Math.ceil(data.length / 8));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`${what} against ${text.seats.toLowerCase()} for ${props.name}`}>
        <desc>{data.map((d) => `${d.month}: ${whole(d.active_users)} ${text.desc} of ${whole(d.seats)} ${props.measure === 'tokens' ? 'a month bought' : 'seats'}`).join('; ')}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="gridline" />
            <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="axis num">{max >= 10_000 && t > 0 ? `${Number((t / 1000).toFixed(1))}k` : whole(t)}</text>
          </g>
        ))}
        {/* Every `every`-th month, and the last: the one before it is left out when the two would overlap. */}
        {data.map((d, i) => (i === data.length - 1 || (i % every === 0 && data.length - 1 - i >= Math.max(1, Math.ceil(every / 2)))) && (
          <text key={d.month} x={x(i)} y={H - 8} textAnchor="middle" className="axis">{monthLabel(d.month)}</text>
        ))}
        <path d={step} fill="none" stroke="#6b7785" strokeWidth={2} strokeDasharray="5 4" />
        <path d={line('active_users')} fill="none" stroke={PALETTE[0]} strokeWidth={2.5} />
        {data.map((d, i) => (
          <circle key={d.month} cx={x(i)} cy={y(d.active_users)} r={3} fill={PALETTE[0]}>
            <title>{`${d.month}: ${whole(d.active_users)} ${text.point}, ${props.measure === 'tokens' ? `${whole(d.seats)} a month bought` : `${whole(d.seats)} seats`}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption className="legend">
        <span className="key" style={{ background: PALETTE[0] }} /> {what}
        <span className="key dashed" /> {text.seats}
      </figcaption>
    </figure>
  );
}

/** Horizontal bars: one per label, value formatted by the caller. */
export function HBars(props: { label: string; items: { label: string; value: number; color?: string }[]; format: (n: number) => string }) {
  const items = props.items.filter((i) => i.value > 0);
  if (items.length === 0) return <p className="muted">Nothing to chart yet.</p>;
  const max = Math.max(...items.map((i) => i.value));
  const rowH = 30;
  const W = 560;
  const labelW = 210;
  const valueW = 96;
  return (
    <svg viewBox={`0 0 ${W} ${items.length * rowH}`} width={W} height={items.length * rowH} className="hbars" role="img" aria-label={props.label}>
      <desc>{items.map((i) => `${i.label}: ${props.format(i.value)}`).join('; ')}</desc>
      {items.map((it, n) => {
        const bw = ((W - labelW - valueW) * it.value) / max;
        return (
          <g key={it.label} transform={`translate(0 ${n * rowH})`}>
            {/* A long name is cut to its column, whole in the tooltip and the chart's text alternative. */}
            <text x={0} y={19} className="bar-label">{it.label.length > 32 ? `${it.label.slice(0, 31)}…` : it.label}<title>{it.label}</title></text>
            <rect x={labelW} y={6} width={Math.max(2, bw)} height={18} rx={3} fill={it.color ?? PALETTE[n % PALETTE.length]} />
            <text x={labelW + bw + 8} y={19} className="bar-value num">{props.format(it.value)}</text>
          </g>
        );
      })}
    </svg>
  );
}

/** The four settlement scenarios side by side; audit scenarios drawn as a low–high range. */
export function ScenarioChart(props: { bars: { label: string; low: number; high: number }[]; format: (n: number) => string }) {
  const W = 640;
  const H = 260;
  const pad = { l: 64, r: 12, t: 16, b: 44 };
  const max = niceMax(Math.max(1, ...props.bars.map((b) => b.high)));
  const bw = (W - pad.l - pad.r) / props.bars.length;
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Settlement scenarios compared">
      <desc>{props.bars.map((b) => `${b.label}: ${props.format(b.low)}${b.high !== b.low ? ` to ${props.format(b.high)}` : ''}`).join('; ')}</desc>
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={pad.l} x2={W - pad.r} y1={y(max * t)} y2={y(max * t)} className="gridline" />
          <text x={pad.l - 8} y={y(max * t) + 4} textAnchor="end" className="axis num">{props.format(max * t)}</text>
        </g>
      ))}
      {props.bars.map((b, i) => {
        const x = pad.l + i * bw + bw * 0.2;
        const w = bw * 0.6;
        const color = PALETTE[i % PALETTE.length]!;
        return (
          <g key={b.label}>
            <rect x={x} y={y(b.low)} width={w} height={Math.max(1, y(0) - y(b.low))} rx={3} fill={color} />
            {b.high > b.low && <rect x={x} y={y(b.high)} width={w} height={y(b.low) - y(b.high)} rx={3} fill={color} opacity={0.35} />}
            <text x={x + w / 2} y={y(b.high) - 6} textAnchor="middle" className="bar-value num">
              {b.high > b.low ? `${props.format(b.low)}–${props.format(b.high)}` : props.format(b.low)}
            </text>
            <text x={x + w / 2} y={H - 24} textAnchor="middle" className="axis">{b.label}</text>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * The calendar's figures as a table, per site and month (days with use, user-days, the busiest day): what the
 * shades say, for a keyboard or screen-reader user and for anyone who wants the numbers.
 */
function HeatMapTable(props: { cells: { site: string; day: string; users: number }[] }) {
  const rows = useMemo(() => {
    const m = new Map<string, { site: string; month: string; days: number; userDays: number; busiest: number }>();
    for (const c of props.cells) {
      if (c.users <= 0) continue;
      const key = `${c.site}|${c.day.slice(0, 7)}`;
      const r = m.get(key) ?? { site: c.site, month: c.day.slice(0, 7), days: 0, userDays: 0, busiest: 0 };
      r.days++;
      r.userDays += c.users;
      r.busiest = Math.max(r.busiest, c.users);
      m.set(key, r);
    }
    return [...m.values()].sort((a, b) => a.site.localeCompare(b.site) || a.month.localeCompare(b.month));
  }, [props.cells]);
  return (
    <details className="heatmap-table">
      <summary>Show the calendar as a table (per site and month)</summary>
      <table className="simple-table">
        <caption className="sr-only">Usage per site and month</caption>
        <thead>
          <tr><th scope="col">Site</th><th scope="col">Month</th><th scope="col" className="right">Days with use</th><th scope="col" className="right">User-days</th><th scope="col" className="right">Busiest day (users)</th></tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.site}|${r.month}`}>
              <td>{r.site}</td>
              <td className="num">{new Date(`${r.month}-01T00:00:00Z`).toLocaleString('en-US', { month: 'short', year: 'numeric', timeZone: 'UTC' })}</td>
              <td className="right num">{r.days.toLocaleString('en-US')}</td>
              <td className="right num">{r.userDays.toLocaleString('en-US')}</td>
              <td className="right num">{r.busiest.toLocaleString('en-US')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
