// DEVELOPMENT ONLY — never shipped, never used by the e2e tests. An in-memory stand-in for the engine
// so the renderer can be developed and looked at while the real engine pieces are being written.
// Run: npx tsx tests/e2e/dev/serve-fake.ts
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { API, ApiError, isMethodName, type Decision, type MethodName, type Output, type ProgressEvent } from '../../../analysis/api/contract';
import { defaultSettings, type Settings } from '../../../analysis/settings';
import type { Finding, FindingType } from '../../../analysis/model';
import { familyOf } from '../../../analysis/model';
import type { EngineHost, HandlerContextLike } from '../../../analysis/transport/http-server';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export function createFakeEngine(): EngineHost {
  const r = rng(7);
  let open = false;
  let settings: Settings = { ...defaultSettings(), client: 'Contoso Engineering', as_of: '2026-09-30' };
  const decisions = new Map<string, Decision>();
  const users = Array.from({ length: 400 }, (_, i) => `user${String(i).padStart(4, '0')}@contoso.com`);
  const types: FindingType[] = ['dormant_user', 'unused_assignment', 'duplicate_access', 'collection_single_product', 'low_frequency_user', 'out_of_scope_product', 'unassigned_usage', 'contractor_unassigned', 'shared_account', 'legacy_serial_use', 'telemetry_gap', 'usage_spike'];
  const findings: Finding[] = Array.from({ length: Number(process.env.FAKE_FINDINGS ?? 1200) }, (_, i) => {
    const type = types[Math.floor(r() * types.length)]!;
    const fam = familyOf(type);
    return {
      finding_id: `F-${type.slice(0, 3).toUpperCase()}-${String(i).padStart(5, '0')}`,
      type,
      family: fam,
      severity: fam === 'gap' ? (r() > 0.5 ? 'high' : 'medium') : fam === 'signal' ? 'info' : 'low',
      user: type === 'telemetry_gap' || type === 'out_of_scope_product' ? null : users[Math.floor(r() * users.length)]!,
      product: ['ACD', 'RVT', 'CIV3D', 'INVPROSA'][Math.floor(r() * 4)]!,
      offering: ['AECCOL', 'ACD', 'RVT'][Math.floor(r() * 3)]!,
      units: fam === 'signal' ? 0 : 1 + Math.floor(r() * 2),
      annual_value: fam === 'signal' ? 0 : Math.round(1000 + r() * 3000),
      price: 2985,
      list_price: 3200,
      months: fam === 'gap' ? 1 + Math.floor(r() * 18) : null,
      first_seen: '2025-11-02',
      last_seen: '2026-05-14',
      evidence_count: Math.floor(r() * 40),
      detail: type === 'dormant_user' && r() > 0.7 ? 'never used' : null,
      counted_in_savings: fam === 'savings',
    };
  });
  const heatmap: { site: string; day: string; users: number }[] = [];
  for (const site of ['corp.contoso.com', 'berlin.contoso.com']) {
    for (let d = new Date('2025-10-01T00:00:00Z'); d <= new Date('2026-09-30T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
      const day = d.toISOString().slice(0, 10);
      const wk = d.getUTCDay() === 0 || d.getUTCDay() === 6;
      const gap = site.startsWith('berlin') && day >= '2026-03-01' && day < '2026-03-20';
      heatmap.push({ site, day, users: gap ? 0 : Math.round((wk ? 5 : 60) * (0.6 + r() * 0.6)) });
    }
  }
  const summary = (): Output<'summary.get'> => ({
    client: settings.client,
    as_of: settings.as_of ?? null,
    currency: settings.currency,
    sources: [{ source_id: 1, file: 'sessions.csv', kind: 'sessions', sha256: 'ab'.repeat(32), rows_read: 120000, rows_loaded: 119990, rows_rejected: 7, rows_duplicate: 3 }],
    refused: [],
    findings: Object.fromEntries(types.map((t) => [t, findings.filter((f) => f.type === t).length])),
    savings_annual: { dormant_user: 412000, unused_assignment: 88000, duplicate_access: 21000, collection_single_product: 64000, low_frequency_user: 37000, total: 622000 },
    usage: {},
    gap_units: 57,
    scenarios: { self_review_best: 97000, self_review_typical: 142000, audit_negotiated_low: 242000, audit_negotiated_high: 337000, audit_no_cooperation_low: 387000, audit_no_cooperation_high: 582000 },
    outputs: { workbook: null, evidence_pack: null },
    warnings: [],
    warning_codes: [],
  });
  const info = (): Output<'engagement.info'> =>
    open ? { path: '/tmp/fake/engagement.lrtw', folder: '/tmp/fake', client: settings.client, as_of: settings.as_of ?? null, read_only: false, reviewed: true, headline: { savings_annual: 622000, gap_units: 57, findings: findings.length, audit_exposure_high: 582000, currency: settings.currency }, changed_since_review: [], later_quarter: null } : null;

  async function job(ctx: HandlerContextLike, jobId: string, steps: number) {
    for (let i = 1; i <= steps; i++) {
      await new Promise((ok) => setTimeout(ok, 60));
      const e: ProgressEvent = { jobId, phase: 'work', file: 'sessions.csv', done: i * 1000, total: steps * 1000, rows_per_second: 45000, message: `Working ${i}/${steps}`, finished: i === steps };
      ctx.emitProgress(e);
    }
  }

  const h: { [M in MethodName]?: (input: never, ctx: HandlerContextLike) => Promise<unknown> } = {
    'engagement.recent': async () => [{ path: '/tmp/fake/engagement.lrtw', client: 'Contoso Engineering', as_of: '2026-09-30', opened_at: '2026-10-02T10:00:00Z', headline: { savings_annual: 622000, gap_units: 57, findings: 1200, audit_exposure_high: 582000 } }],
    'engagement.info': async () => info(),
    'engagement.open': async () => ((open = true), info()),
    'engagement.create': async (i: { client: string }) => ((open = true), (settings = { ...settings, client: i.client }), info()),
    'engagement.close': async () => ((open = false), { ok: true }),
    'sample.create': async (i: { jobId: string }, ctx) => (await job(ctx, i.jobId, 10), (open = true), info()),
    'import.scan': async (i: { paths: string[] }) =>
      i.paths.map((p) => {
        const text = readFileSync(p, 'utf8');
        const [head, ...rest] = text.split(/\r?\n/).filter(Boolean);
        const headers = (head ?? '').split(',');
        const bad = !headers.includes('user') && !headers.includes('email');
        return { path: p, file: basename(p), size_bytes: statSync(p).size, kind: bad ? null : 'sessions', sheet: null, headers, mapping: Object.fromEntries(['user', 'product', 'start_time', 'end_time'].map((c) => [c, headers.includes(c) ? c : null])), unmapped_headers: [], missing_required: [], preview: rest.slice(0, 5).map((l) => l.split(',')), refused: bad ? `${basename(p)}: no header matches any known export (line 1). Check that this is a usage export.` : null, notes: [] };
      }),
    'import.run': async (i: { jobId: string; files: { path: string }[] }, ctx) => (await job(ctx, i.jobId, 6), { sources: i.files.map((f) => ({ file: basename(f.path), kind: 'sessions', sha256: '00', rows_read: 10, rows_loaded: 8, rows_rejected: 2, rows_duplicate: 0 })), refused: [], cancelled: false }),
    'job.cancel': async () => ({ ok: true }),
    'sources.list': async () => summary()!.sources.map((s) => ({ ...s, source_id: 1, imported_at: '2026-10-02', mapping: null })),
    'sources.remove': async () => ({ file: 'lrt-sessions.csv', rows: 1, import_again: [] }),
    'settings.find': async () => ({ file: null, client: null, differs: [], problem: null }),
    'settings.applyFile': async () => settings,
    'refused.list': async () => [{ file: 'notes.docx', reason: 'notes.docx: not a CSV, TSV, XLSX or FlexNet log (binary content at byte 0). Remove it from the folder.' }],
    'rejects.list': async () => ({ total: 7, rows: Array.from({ length: 7 }, (_, k) => ({ source_id: 1, file: 'sessions.csv', line: 100 + k * 37, raw: `u${k}@contoso.com,RVT,not-a-date,,`, reason: 'start_time: "not-a-date" is not a date (expected ISO 8601 or M/D/YYYY H:MM)' })) }),
    'settings.get': async () => settings,
    'settings.update': async (i: { settings: Partial<Settings> }) => ((settings = { ...settings, ...i.settings }), settings),
    'pricebook.list': async () => [
      { code: 'ACD', name: 'AutoCAD', kind: 'product', function_group: 'cad2d', annual: 2030, list_annual: 2030, flex_tokens_per_day: 7, source: 'Autodesk store, US', source_date: '2026-01-15', overridden: false },
      { code: 'RVT', name: 'Revit', kind: 'product', function_group: 'bim', annual: 2985, list_annual: 2985, flex_tokens_per_day: 10, source: 'Autodesk store, US', source_date: '2026-01-15', overridden: false },
      { code: 'AECCOL', name: 'Architecture Engineering & Construction Collection', kind: 'collection', function_group: null, annual: 3675, list_annual: 3675, flex_tokens_per_day: null, source: 'Autodesk store, US', source_date: '2026-01-15', overridden: false },
    ],
    'review.run': async (i: { jobId: string }, ctx) => (await job(ctx, i.jobId, 8), summary()),
    'summary.get': async () => (open ? summary() : null),
    'findings.list': async () => findings,
    'findings.evidence': async (i: { finding_id: string }) => ({ total: 3, rows: [1, 2, 3].map((k) => ({ table: 'sessions', source_id: 1, file: 'sessions.csv', line: 40 + k, note: null, values: { user: 'user0001@contoso.com', product: 'RVT', device_name: `WS-${k}`, start_time: `2026-05-1${k} 09:00`, finding: i.finding_id } })) }),
    'decisions.list': async () => [...decisions.values()],
    'decisions.set': async (i: { finding_ids: string[]; action: Decision['action']; owner: string | null; due_date: string | null; justification: string | null }) => {
      for (const id of i.finding_ids) decisions.set(id, { finding_id: id, action: i.action, owner: i.owner, due_date: i.due_date, justification: i.justification });
      return { saved: i.finding_ids.length };
    },
    'decisions.clear': async (i: { finding_ids: string[] }) => ({ cleared: i.finding_ids.filter((id) => decisions.delete(id)).length }),
    'quality.get': async () => ({ heatmap, telemetry_gaps: [{ site: 'berlin.contoso.com', from: '2026-03-01', to: '2026-03-19', days: 19 }], identities: [{ alias: 'jdoe', user: 'john.doe@contoso.com', method: 'local part', detail: null }], unmatched: [{ alias: 'a1b2c3', seen_in: 'usage_daily.csv' }], disagreements: [], unknown_products: [], suggestions: { corporate_email_domains: ['contoso.com'], corporate_network_domains: ['corp.contoso.com'], corporate_ip_ranges: ['10.0.0.0/8'] } }),
    'renewal.get': async () => [
      { line: 'AECCOL', offering: 'AECCOL', licence_model: 'named_user', name: 'AEC Collection', seats: 120, active_assignments: 114, active_users: 81, peak_monthly_active: 88, trend: 0.94, true_denials: 0, recommendation: 'reduce', target_quantity: 93, recommended_quantity: 93, set_by_analyst: false, reason: 'Peak 88 + 5% buffer is below 120 seats', monthly: Array.from({ length: 24 }, (_, m) => ({ month: `20${24 + Math.floor((m + 9) / 12)}-${String(((m + 9) % 12) + 1).padStart(2, '0')}`, active_users: 70 + Math.round(r() * 20), seats: 120 })) },
      { line: 'RVT', offering: 'RVT', licence_model: 'named_user', name: 'Revit', seats: 40, active_assignments: 40, active_users: 39, peak_monthly_active: 41, trend: 1.12, true_denials: 4, recommendation: 'increase', target_quantity: 46, recommended_quantity: 46, set_by_analyst: false, reason: 'Gaps on the register for Revit', monthly: Array.from({ length: 24 }, (_, m) => ({ month: `20${24 + Math.floor((m + 9) / 12)}-${String(((m + 9) % 12) + 1).padStart(2, '0')}`, active_users: 30 + Math.round(r() * 12), seats: 40 })) },
    ],
    'renewal.setTargets': async () => ({ ok: true }),
    'scenarios.compute': async (i: { assumptions: Partial<Settings['scenario']> }) => {
      const a = { ...settings.scenario, ...i.assumptions };
      const base = 97000;
      return { self_review_best: base, self_review_typical: base + base * 1 * a.negotiated_back_period_rate, audit_negotiated_low: base + base * 1.5 * a.audit_settlement_rate_low, audit_negotiated_high: base + base * 1.5 * a.audit_settlement_rate_high, audit_no_cooperation_low: base + base * 1.5 * (1 + a.no_cooperation_loading_low), audit_no_cooperation_high: base + base * 1.5 * (1 + a.no_cooperation_loading_high) };
    },
    'export.workbook': async (i: { jobId: string }, ctx) => (await job(ctx, i.jobId, 3), { path: '/tmp/fake/exports/Contoso_2026-09-30_quarterly-review.xlsx' }),
    'export.evidencePack': async (i: { jobId: string }, ctx) => (await job(ctx, i.jobId, 3), { path: '/tmp/fake/exports/evidence-pack', fingerprint: 'SHA256:3f9a…c21e' }),
    'compare.previous': async () => ({ previous_as_of: '2026-06-30', new: ['F-DOR-00001'], resolved: ['F-UNA-00002', 'F-SHA-00003'], still_open: ['F-OUT-00004'] }),
    'pack.open': async (i: { path: string }) => ({ verify: i.path.includes('bad') ? { ok: false, message: 'Hash mismatch in data/findings.csv', failing_file: 'data/findings.csv', fingerprint: null, not_a_pack: false } : { ok: true, message: 'Every file and the signature check out.', failing_file: null, fingerprint: 'SHA256:3f9a', not_a_pack: false }, summary: summary(), findings: findings.slice(0, 300), report_html: '<h1>Report</h1><p>Findings…</p>' }),
    'pack.verify': async () => ({ ok: true, message: 'verified', failing_file: null, fingerprint: null, not_a_pack: false }),
  };
  return {
    async dispatch(method, input, ctx) {
      if (!isMethodName(method)) throw new ApiError('invalid_input', `Unknown method ${method}`);
      const parsed = API[method].input.safeParse(input ?? {});
      if (!parsed.success) throw new ApiError('invalid_input', `${method}: ${parsed.error.issues[0]?.message}`);
      const fn = h[method];
      if (!fn) throw new ApiError('failed', `${method} is not faked`);
      if (!open && !['engagement.recent', 'engagement.info', 'engagement.open', 'engagement.create', 'sample.create', 'pack.open', 'pack.verify', 'job.cancel'].includes(method)) throw new ApiError('no_engagement', 'No engagement is open. Create one, open one, or try the sample data first.');
      return API[method].output.parse(await fn(parsed.data as never, ctx));
    },
    ctx: (emit) => ({ emitProgress: emit, signalFor: () => new AbortController().signal }),
    toError: (e) => (e instanceof ApiError ? { code: e.code, message: e.message } : { code: 'failed', message: (e as Error).message }),
  };
}
