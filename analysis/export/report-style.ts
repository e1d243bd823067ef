// The evidence-pack report's stylesheet, and the CSP source that allows exactly it. The app shows a
// pack's report in auditor mode, in a frame that inherits the app's CSP: both CSPs (desktop and serve
// mode) list this hash instead of allowing every inline style.
import { createHash } from 'node:crypto';

export const REPORT_CSS = `
:root{--navy:#1f3864;--ink:#1d2433;--muted:#5b6475;--line:#dfe4ec;--band:#f3f6fa;--green:#2e7d32;--red:#b71c1c;--amber:#8a6100}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "Segoe UI",system-ui,-apple-system,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fff}
header{background:var(--navy);color:#fff;padding:28px 40px 22px}
header h1{margin:0 0 4px;font-size:24px;font-weight:600;letter-spacing:.2px}
header .sub{opacity:.85;font-size:13px}
header dl{display:flex;flex-wrap:wrap;gap:8px 32px;margin:16px 0 0}
header dt{font-size:11px;text-transform:uppercase;letter-spacing:.6px;opacity:.7}
header dd{margin:0;font-size:14px;font-weight:600}
main{padding:24px 40px 48px;max-width:1480px}
.scroll{overflow-x:auto}
h2{font-size:17px;color:var(--navy);margin:32px 0 10px;padding-bottom:6px;border-bottom:2px solid var(--navy)}
h2 .count{font-weight:400;color:var(--muted);font-size:13px;margin-left:8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:14px;margin-top:8px}
.card{border:1px solid var(--line);border-radius:8px;padding:14px 16px;background:#fff;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.5px}
.card .value{font-size:24px;font-weight:650;margin-top:4px;font-variant-numeric:tabular-nums}
.card .note{font-size:12px;color:var(--muted);margin-top:2px}
.good .value{color:var(--green)} .bad .value{color:var(--red)} .range .value{font-size:20px}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin-top:6px}
th{background:var(--band);color:var(--navy);text-align:left;font-weight:600;padding:7px 8px;border-bottom:1px solid #c9d3e3;white-space:nowrap}
td{padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
tr:nth-child(even) td{background:#fafbfd}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.date,td.nowrap{white-space:nowrap}
td.mono.nowrap{word-break:normal}
td.detail{min-width:260px}
td.mono{font-family:Consolas,"SFMono-Regular",Menlo,monospace;font-size:11.5px;word-break:break-all}
tr.total td{font-weight:650;border-top:2px solid var(--navy);background:#fff}tr.total .note{font-weight:400}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:600;background:#eef1f6;color:var(--muted)}
.pill.high{background:#fdecea;color:var(--red)} .pill.medium{background:#fff4e0;color:var(--amber)} .pill.low{background:#e8f5e9;color:var(--green)}
.pill.missing{background:#fdecea;color:var(--red)} .pill.ok{background:#e8f5e9;color:var(--green)}
.note{color:var(--muted);font-size:12.5px}
.warn{border:1px solid #f0c36d;background:#fff8e6;color:#5c4300;border-radius:8px;padding:10px 14px;margin:8px 0}
.warn strong{color:var(--amber)}
footer{margin-top:40px;padding-top:12px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
@media print{@page{size:A4 landscape;margin:12mm}.scroll{overflow:visible}table{font-size:8.5px;width:100%}.nowrap{white-space:normal}td.mono{word-break:break-all;min-width:9ch}td.detail{overflow-wrap:anywhere;min-width:24ch}header{-webkit-print-color-adjust:exact;print-color-adjust:exact}main{padding:16px 24px}h2{break-after:avoid}tr{break-inside:avoid}}
`;

/** `'sha256-…'` of REPORT_CSS, for style-src. A report written by another version keeps its text but not its styles. */
export const REPORT_STYLE_SOURCE = `'sha256-${createHash('sha256').update(REPORT_CSS, 'utf8').digest('base64')}'`;
