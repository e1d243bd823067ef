// The engine behind the API contract: one handler per method of analysis/api/contract.ts.
// Both transports (Electron utilityProcess, local HTTP) call `createEngine` and dispatch through
// `dispatch`, which validates input and output against the contract's schemas.
import { mkdirSync, existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { API, ApiError, isMethodName, type ApiErrorBody, type MethodName, type ParsedInput, type Output, type ProgressEvent, type EngagementInfo, HeadlineSchema } from './contract';
import { Engagement } from '../engagement';
import { applySettingsPatch, parseSettings, defaultSettings, scenarioRangeProblem, SettingsSchema, type ScenarioAssumptions, type Settings } from '../settings';
import { findSettingsFile, readSettingsFile, readSettingsPatch, SettingsFileError, settingsDiffer } from '../settings-file';
import { importFiles, scanFiles } from '../ingest/import';
import { needsAttention, sourceNotes } from '../ingest/normalise';
import { listRefused } from '../usage';
import { runReview, listFindings } from '../review';
import { getEvidence } from '../rules/evidence';
import { readSourceLine } from '../ingest/source-line';
import { getRenewal, renewalBrief, renewalTargetsToCarry, carryRenewalTargets } from '../rules/renewal';
import { removeSource } from '../ingest/remove-source';
import { computeScenarios } from '../scenarios';
import { setDecisions, listDecisions, clearDecisions, decisionsOf, restoreDecisions, compareWithPrevious, carryDecisions, asOfOf } from '../decisions';
import { ExportCancelled, writeWorkbook } from '../export/workbook';
import { writeEvidencePack } from '../export/evidence-pack';
import { pricedRenewalRows } from '../export/data';
import { verifyPack } from '../export/verify';
import { openPack, packEvidence, packSourceLine } from '../export/open-pack';
import { generateSample } from '../sample/generate';
import { getQuality } from '../quality';
import { listPriceBook } from '../pricebook';
import { buildSummary, readSummary, listAllFindings, setSummaryScenarios } from '../summary';
import type { Summary } from '../model';
import { gapLinesForScenarios } from '../rules/gap-lines';

export interface HandlerContext {
  emitProgress(e: ProgressEvent): void;
  signalFor(jobId: string): AbortSignal;
}

export type Handlers = { [M in MethodName]: (input: ParsedInput<M>, ctx: HandlerContext) => Promise<Output<M>> };

const RecentSchema = z.array(z.object({ path: z.string(), client: z.string(), as_of: z.string().nullable(), opened_at: z.string(), headline: z.unknown().optional() }));

export interface EngineOptions {
  /** Where the engine keeps its own state (recent engagements, sample engagements). */
  stateDir: string;
  /** Where the analyst's signing key lives (outside engagements). */
  keyDir?: string;
}

/** Sample folders kept in the state folder (the newest ones). */
const SAMPLES_KEPT = 3;

export function createEngine(opts: EngineOptions) {
  const stateDir = resolve(opts.stateDir);
  mkdirSync(stateDir, { recursive: true });
  let current: Engagement | null = null;
  const jobs = new Map<string, AbortController>();
  let busy: Promise<unknown> = Promise.resolve();

  /** DuckDB connections are not re-entrant: calls on the open engagement run one at a time. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = busy.then(fn, fn);
    busy = next.catch(() => undefined);
    return next;
  }

  function need(): Engagement {
    if (!current) throw new ApiError('no_engagement', 'No engagement is open. Create one, open one, or try the sample data first.');
    return current;
  }
  function writable(): Engagement {
    const e = need();
    if (e.readOnly) throw new ApiError('read_only', 'This engagement is open read-only (auditor mode); nothing can change.');
    return e;
  }

  /**
   * DuckDB reads a large plain CSV itself (many times faster than the JS reader) only inside the folders
   * the engagement was opened with, a setting locked once open. A folder the analyst imports from for the
   * first time is added by reopening the engagement: nothing lives between calls but the file itself.
   */
  async function withImportFolders(e: Engagement, paths: readonly string[]): Promise<Engagement> {
    const folders = [...new Set(paths.map((p) => {
      const abs = resolve(p);
      return existsSync(abs) && statSync(abs).isDirectory() ? abs : dirname(abs);
    }))].filter((d) => !e.db.allows(d));
    if (folders.length === 0) return e;
    const before = [...e.db.allowedDirectories];
    e.close();
    current = null; // should both opens below fail, the analyst sees no engagement open, not a closed one
    // Should the wider open fail, the engagement reopens as it was and the import takes the JS reader.
    current = await Engagement.open(e.path, { allowedDirectories: [...before, ...folders] }).catch(() => Engagement.open(e.path, { allowedDirectories: before }));
    return current;
  }

  function signalFor(jobId: string): AbortSignal {
    let c = jobs.get(jobId);
    if (!c) {
      c = new AbortController();
      jobs.set(jobId, c);
    }
    return c.signal;
  }

  /**
   * Every "Try with sample data" writes a new sample folder (tens of MB); only the newest few are kept, and
   * never the one just made or an engagement that is open.
   */
  function pruneSamples(keep: string): void {
    const root = join(stateDir, 'samples');
    const dirs = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name.startsWith('sample-'))
      .map((d) => ({ path: join(root, d.name), mtime: statSync(join(root, d.name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const d of dirs.slice(SAMPLES_KEPT)) {
      if (d.path === keep || (current && current.folder === d.path)) continue;
      rmSync(d.path, { recursive: true, force: true });
    }
  }

  const recentFile = join(stateDir, 'recent.json');
  function readRecent(): z.infer<typeof RecentSchema> {
    try {
      const r = RecentSchema.safeParse(JSON.parse(readFileSync(recentFile, 'utf8')));
      return r.success ? r.data.filter((x) => existsSync(x.path)) : [];
    } catch {
      return [];
    }
  }
  /** The latest reviewed engagement of the same client with a later review date, among the recent ones. */
  function laterQuarterOf(path: string, client: string, asOf: string | null): { path: string; as_of: string } | null {
    if (!asOf) return null;
    const later = readRecent()
      .filter((r): r is typeof r & { as_of: string } => r.path !== path && r.headline != null && r.as_of !== null && r.as_of > asOf && sameClient(r.client, client))
      .sort((a, b) => b.as_of.localeCompare(a.as_of))[0];
    return later ? { path: later.path, as_of: later.as_of } : null;
  }
  async function remember(e: Engagement): Promise<void> {
    const info = await infoOf(e);
    const list = readRecent().filter((r) => r.path !== e.path);
    list.unshift({ path: e.path, client: info.client, as_of: info.as_of, opened_at: new Date().toISOString(), headline: info.headline });
    writeFileSync(recentFile, JSON.stringify(list.slice(0, 20), null, 1));
  }

  /** Saves an engagement's settings; new settlement rates change no finding, only the scenarios: the stored summary follows at once. */
  async function replaceSettings(e: Engagement, next: Settings): Promise<Settings> {
    const ratesChanged = JSON.stringify(next.scenario) !== JSON.stringify(e.settings.scenario);
    await e.saveSettings(next);
    if (ratesChanged) await setSummaryScenarios(e.db, computeScenarios(await gapLinesForScenarios(e.db), next.scenario));
    await remember(e); // the client's name may have changed
    return next;
  }

  /**
   * Opens last quarter's engagement read-only for a comparison or a carry-over, refusing what findings matched
   * by id would make meaningless: the open engagement itself, another client's, one never reviewed, one not earlier.
   */
  async function withPrevious<T>(e: Engagement, path: string, fn: (prev: Engagement) => Promise<T>): Promise<T> {
    const choose = `choose last quarter's engagement file (.lrtw) of ${e.settings.client}`;
    if (!existsSync(path)) throw new ApiError('invalid_input', `${path} does not exist: ${choose}.`);
    if (realpathSync(path) === realpathSync(e.path)) throw new ApiError('invalid_input', `That is the engagement open now: ${choose}.`);
    let prev: Engagement;
    try {
      prev = await Engagement.open(path, { readOnly: true });
    } catch (err) {
      // A spreadsheet or other file chosen by mistake is the analyst's error, not the engine's.
      if (err instanceof ApiError) throw err;
      throw new ApiError('invalid_input', err instanceof Error ? err.message : `${path} is not an engagement file: ${choose}.`);
    }
    try {
      if (!sameClient(prev.settings.client, e.settings.client)) {
        throw new ApiError('invalid_input', `That engagement is of ${prev.settings.client}, not ${e.settings.client}: findings only match this client's own earlier quarter. If the client was renamed, give both the same client name in Settings.`);
      }
      const then = await asOfOf(prev.db);
      if (then === null) throw new ApiError('invalid_input', `That engagement of ${prev.settings.client} has no review yet, so it has no findings to compare: ${choose}, or open it and run its review first.`);
      const now = e.settings.as_of ?? (await readSummary(e.db))?.as_of ?? null;
      if (now && then >= now) throw new ApiError('invalid_input', `That engagement is as of ${then}, not earlier than this review (${now}): ${choose}.`);
      return await fn(prev);
    } finally {
      prev.close();
    }
  }

  async function infoOf(e: Engagement): Promise<EngagementInfo> {
    const summary = await readSummary(e.db);
    return {
      path: e.path,
      folder: e.folder,
      client: e.settings.client,
      as_of: summary?.as_of ?? e.settings.as_of ?? null,
      read_only: e.readOnly,
      reviewed: summary !== null,
      headline: headlineOf(summary),
      changed_since_review: summary ? await changedSinceReview(e) : [],
      later_quarter: laterQuarterOf(e.path, e.settings.client, summary?.as_of ?? e.settings.as_of ?? null),
    };
  }

  async function switchTo(e: Engagement): Promise<EngagementInfo> {
    if (current) current.close();
    current = e;
    await remember(e);
    return infoOf(e);
  }

  function progress(ctx: HandlerContext, jobId: string, phase: string, message: string, done = 0, total: number | null = null, finished = false): void {
    ctx.emitProgress({ jobId, phase, file: null, done, total, rows_per_second: null, message, finished });
  }

  async function review(e: Engagement, jobId: string, ctx: HandlerContext) {
    const result = await runReview(e.db, e.settings, { signal: ctx.signalFor(jobId), onProgress: (ev) => ctx.emitProgress({ ...ev, jobId }) });
    return buildSummary(e.db, e.settings, result, { workbook: null, evidence_pack: null });
  }

  const handlers: Handlers = {
    'engagement.create': (input) =>
      serial(async () => {
        const settings = parseSettings({ ...defaultSettings(), client: input.client, as_of: input.as_of });
        return switchTo(await Engagement.create(input.path, settings));
      }),
    'engagement.open': (input) => serial(async () => switchTo(await Engagement.open(input.path))),
    'engagement.info': () => serial(async () => (current ? infoOf(current) : null)),
    'engagement.recent': async () =>
      readRecent().map((r) => ({ path: r.path, client: r.client, as_of: r.as_of, opened_at: r.opened_at, headline: HeadlineSchema.nullable().catch(null).parse(r.headline ?? null) })),
    'engagement.close': () =>
      serial(async () => {
        current?.close();
        current = null;
        return { ok: true as const };
      }),
    'sample.create': (input, ctx) =>
      serial(async () => {
        const seed = input.seed ?? 1;
        const dir = join(stateDir, 'samples', `sample-seed${seed}-${input.users ?? 'default'}u-${Date.now().toString(36)}`);
        mkdirSync(dir, { recursive: true });
        progress(ctx, input.jobId, 'sample', 'Writing the sample estate…');
        // Only the options the caller gave: the generator's own defaults fill the rest.
        const options = { seed, ...(input.users === undefined ? {} : { users: input.users }), ...(input.months === undefined ? {} : { months: input.months }) };
        const gen = await generateSample(join(dir, 'input'), options);
        const cfgPath = join(dir, 'input', 'engagement.json');
        const settings = existsSync(cfgPath) ? readSettingsFile(cfgPath) : defaultSettings();
        const e = await Engagement.create(join(dir, 'engagement.lrtw'), settings);
        if (current) current.close();
        current = e;
        const files = gen.files.filter((f) => !f.endsWith('engagement.json')).map((path) => ({ path }));
        const imported = await importFiles(e.db, files, { settings, signal: ctx.signalFor(input.jobId), onProgress: (ev) => ctx.emitProgress({ ...ev, jobId: input.jobId }), storeDir: join(dir, 'sources') });
        if (imported.cancelled) {
          // Nothing half-imported stays open: the analyst is back where they were.
          e.close();
          current = null;
          jobs.delete(input.jobId);
          throw new ApiError('cancelled', 'The sample was cancelled; nothing was opened.');
        }
        progress(ctx, input.jobId, 'review', 'Running every rule…');
        await review(e, input.jobId, ctx);
        progress(ctx, input.jobId, 'done', 'Sample ready', 1, 1, true);
        jobs.delete(input.jobId);
        pruneSamples(dir);
        await remember(e);
        return infoOf(e);
      }),
    'import.scan': (input) => serial(async () => scanFiles(need().db, input.paths, need().settings, undefined, input.kind)),
    'import.run': (input, ctx) =>
      serial(async () => {
        const e = await withImportFolders(writable(), input.files.map((f) => f.path));
        const r = await importFiles(e.db, input.files, {
          settings: e.settings,
          signal: ctx.signalFor(input.jobId),
          onProgress: (ev) => ctx.emitProgress({ ...ev, jobId: input.jobId }),
          storeDir: join(e.folder, 'sources'),
        });
        jobs.delete(input.jobId);
        return r;
      }),
    'job.cancel': async (input) => {
      // A cancel may arrive before the job has asked for its signal: create it aborted, so the job stops at its first check.
      signalFor(input.jobId);
      jobs.get(input.jobId)!.abort();
      return { ok: true as const };
    },
    'sources.remove': (input) =>
      serial(async () => {
        const removed = await removeSource(writable().db, input.source_id);
        if (!removed) throw new ApiError('not_found', `No loaded source ${input.source_id} in this engagement: it was removed already. Reload the list of loaded sources.`);
        return removed;
      }),
    'sources.list': () =>
      serial(async () =>
        (
          await need().db.all<{ source_id: number; file: string; kind: string; sha256: string; rows_read: number; rows_loaded: number; rows_rejected: number; rows_duplicate: number; imported_at: string; mapping: string | null; notes: string | null }>(
            `SELECT source_id, file, kind, sha256, rows_read, rows_loaded, rows_rejected, rows_duplicate, strftime(imported_at, '%Y-%m-%d %H:%M:%S') AS imported_at, mapping, CAST(notes AS VARCHAR) AS notes FROM sources ORDER BY source_id`,
          )
        ).map((r) => ({
          ...r,
          mapping: r.mapping ? (JSON.parse(r.mapping) as Record<string, string | null>) : null,
          // What the analyst must still see once the file is loaded: how its dates were read, values loaded blank.
          notes: sourceNotes(r.notes).filter(needsAttention),
        })),
      ),
    'sources.line': (input) =>
      serial(async () => {
        const got = await readSourceLine(need().db, input.source_id, input.line);
        if (!got) throw new ApiError('not_found', `No loaded source ${input.source_id} in this engagement: it was removed. Run the review again.`);
        return got;
      }),
    'refused.list': () => serial(async () => listRefused(need().db)),
    'rejects.list': (input) =>
      serial(async () => {
        const db = need().db;
        const where = input.source_id === undefined ? '' : 'WHERE r.source_id = $1';
        const params = input.source_id === undefined ? [] : [input.source_id];
        const total = await db.one<{ n: number }>(`SELECT count(*) AS n FROM rejects r ${where}`, params);
        const rows = await db.all<{ source_id: number; file: string; line: number; raw: string | null; reason: string }>(
          `SELECT r.source_id, s.file, r.line, r.raw, r.reason FROM rejects r JOIN sources s USING (source_id) ${where}
           ORDER BY r.source_id, r.line LIMIT ${Number(input.limit)} OFFSET ${Number(input.offset)}`,
          params,
        );
        return { total: total?.n ?? 0, rows };
      }),
    'settings.get': () => serial(async () => need().settings),
    'settings.update': (input) =>
      serial(async () => {
        const e = writable();
        const merged = applySettingsPatch(e.settings, input.settings);
        checkScenarioRanges('settings.update', merged.scenario, ['settings']);
        return replaceSettings(e, merged);
      }),
    'settings.find': (input) =>
      serial(async () => {
        const file = findSettingsFile(input.paths);
        if (!file) return { file: null, client: null, differs: [], problem: null };
        try {
          const current = need().settings;
          const patch = readSettingsPatch(file);
          return { file, client: patch.client ?? null, differs: settingsDiffer(current, applySettingsPatch(current, patch)), problem: null };
        } catch (err) {
          if (!(err instanceof SettingsFileError)) throw err;
          return { file, client: null, differs: [], problem: err.message };
        }
      }),
    'settings.applyFile': (input) =>
      serial(async () => {
        const e = writable();
        let next: Settings;
        try {
          // Only what the file sets: settings it leaves out (the domains typed in, say) stay as they are.
          next = applySettingsPatch(e.settings, readSettingsPatch(input.path));
        } catch (err) {
          if (err instanceof SettingsFileError) throw new ApiError('invalid_input', err.message);
          throw err;
        }
        checkScenarioRanges('settings.applyFile', next.scenario, ['settings']);
        await e.db.audit('settings.applyFile', { file: input.path }, 'analyst');
        return replaceSettings(e, next);
      }),
    'pricebook.list': () => serial(async () => listPriceBook(need().settings)),
    'review.run': (input, ctx) =>
      serial(async () => {
        const e = writable();
        if (!(await e.db.one('SELECT 1 AS x FROM sources LIMIT 1'))) {
          throw new ApiError('invalid_input', "Nothing is loaded: load the client's exports on Load data, then run the review.");
        }
        const summary = await review(e, input.jobId, ctx);
        await remember(e); // the start screen's recent list shows the new headline
        return summary;
      }),
    'summary.get': () => serial(async () => readSummary(need().db)),
    // Every finding (what the UI asks for) comes from the view the review stored; a filtered list is read as before.
    'findings.list': (input) => serial(async () => (input.types && input.types.length > 0 ? listFindings(need().db, input.types) : listAllFindings(need().db, { store: !need().readOnly }))),
    'findings.evidence': (input) => serial(async () => getEvidence(need().db, input.finding_id, input.limit)),
    'decisions.list': () => serial(async () => listDecisions(need().db)),
    'decisions.set': (input) =>
      serial(async () => {
        const db = writable().db;
        // What the change replaces, as stored, goes back with the answer: the app's Undo restores it exactly.
        const replaced = input.finding_ids.length > 1 ? await decisionsOf(db, input.finding_ids) : [];
        return { saved: await setDecisions(db, input.finding_ids, { action: input.action, owner: input.owner, due_date: input.due_date, justification: input.justification }), replaced };
      }),
    'decisions.clear': (input) =>
      serial(async () => {
        const db = writable().db;
        const removed = input.finding_ids.length > 1 ? await decisionsOf(db, input.finding_ids) : [];
        return { cleared: await clearDecisions(db, input.finding_ids), removed };
      }),
    'decisions.restore': (input) => serial(async () => ({ restored: await restoreDecisions(writable().db, input.decisions, input.none) })),
    // Read from the view cache the review filled; computed (and kept, unless read-only) when stale.
    'quality.get': () => serial(async () => getQuality(need().db, need().settings, { store: !need().readOnly })),
    'renewal.get': () =>
      serial(async () => {
        const { db, settings } = need();
        // Priced as the workbook's Renewal sheet prices them, so the step's costs and the workbook's agree.
        const priced = new Map((await pricedRenewalRows(db, settings.flex_token_price)).map((p) => [p.r.line, p]));
        return (await getRenewal(db)).map((r) => ({ ...r, unit_price: priced.get(r.line)?.price ?? null, price_from_setting: priced.get(r.line)?.tokenSetting ?? false }));
      }),
    'renewal.setTargets': (input) =>
      serial(async () => {
        const db = writable().db;
        // A key names a renewal line of the stored brief (RenewalRow.line); renewal_targets.offering holds it.
        const lines = new Set((await renewalBrief(db)).map((b) => b.line));
        const unknown = Object.keys(input.targets).filter((k) => !lines.has(k));
        if (unknown.length) {
          const fields = unknown.map((k) => ({ path: ['targets', k], problem: `${k} is no renewal line of this review` }));
          throw new ApiError('invalid_input', `No renewal line ${unknown.join(', ')} in this review: run the review again and set the target on Renewal.`, fields[0], fields);
        }
        await db.transaction(async () => {
          for (const [line, qty] of Object.entries(input.targets)) {
            await db.run('INSERT OR REPLACE INTO renewal_targets (offering, target_quantity, updated_at) VALUES ($1, $2, current_timestamp)', [line, qty]);
          }
          await db.audit('renewal.setTargets', { offerings: Object.keys(input.targets).length }, 'analyst');
        });
        return { ok: true as const };
      }),
    'scenarios.compute': (input) =>
      serial(async () => {
        const e = need();
        const assumptions = { ...e.settings.scenario, ...input.assumptions };
        checkScenarioRanges('scenarios.compute', assumptions, ['assumptions'], true);
        return computeScenarios(await gapLinesForScenarios(e.db), assumptions);
      }),
    'export.workbook': (input, ctx) =>
      serial(async () => {
        const e = need();
        await refuseStaleExport(e, 'workbook');
        progress(ctx, input.jobId, 'workbook', 'Writing the workbook…');
        const path = await cancellable(() => writeWorkbook(e.db, e.settings, input.dir ?? join(e.folder, 'exports'), { signal: ctx.signalFor(input.jobId) }));
        progress(ctx, input.jobId, 'workbook', 'Workbook written', 1, 1, true);
        return { path };
      }),
    'export.evidencePack': (input, ctx) =>
      serial(async () => {
        const e = need();
        await refuseStaleExport(e, 'evidence pack');
        progress(ctx, input.jobId, 'evidence', 'Writing the evidence pack…');
        const out = input.dir ?? join(e.folder, 'exports');
        const r = await cancellable(() =>
          writeEvidencePack(e.db, e.settings, out, { keyDir: opts.keyDir, signal: ctx.signalFor(input.jobId), onPart: (message, part, parts) => progress(ctx, input.jobId, 'evidence', `${message}…`, part, parts) }),
        );
        progress(ctx, input.jobId, 'evidence', 'Evidence pack written', 1, 1, true);
        return r;
      }),
    'compare.previous': (input) =>
      serial(async () => {
        const e = need();
        return withPrevious(e, input.path, async (prev) => {
          const cmp = await compareWithPrevious(prev.db, e.db);
          const targets = await renewalTargetsToCarry(prev.db, e.db);
          return { ...cmp, carryable_targets: targets.length, previous_headline: headlineOf(await readSummary(prev.db)) };
        });
      }),
    'decisions.carry': (input) =>
      serial(async () => {
        const e = writable();
        return withPrevious(e, input.path, async (prev) => ({
          carried: await carryDecisions(prev.db, e.db),
          targets: await carryRenewalTargets(prev.db, e.db),
          from_as_of: await asOfOf(prev.db),
        }));
      }),
    'pack.open': (input) => serial(async () => openPack(input.path)),
    'pack.verify': (input) => serial(async () => verifyPack(input.path)),
    'pack.evidence': (input) => serial(async () => packEvidence(input.path, input.finding_id, input.limit)),
    'pack.sourceLine': (input) => serial(async () => packSourceLine(input.path, input.source_id, input.file, input.line)),
  };

  return {
    handlers,
    ctx(emit: (e: ProgressEvent) => void): HandlerContext {
      return { emitProgress: emit, signalFor };
    },
    cancel(jobId: string): void {
      jobs.get(jobId)?.abort();
    },
    /** Current engagement path, so a restarted engine host can reopen it. */
    currentPath(): string | null {
      return current?.path ?? null;
    },
    async dispose(): Promise<void> {
      for (const c of jobs.values()) c.abort();
      await busy.catch(() => undefined);
      current?.close();
      current = null;
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;

/**
 * Validates a call against the contract, runs it, and validates the result: the one entry point
 * both transports use. Unknown methods and invalid payloads never reach a handler.
 */
export async function dispatch(engine: Engine, method: string, rawInput: unknown, ctx: HandlerContext): Promise<unknown> {
  if (!isMethodName(method)) throw new ApiError('invalid_input', `Unknown method "${method.slice(0, 64)}".`);
  const spec = API[method];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const fields = parsed.error.issues.slice(0, 50).map((x) => ({ path: x.path.map(String), problem: x.message }));
    throw new ApiError('invalid_input', `${method}: ${i ? `${i.path.join('.') || 'input'}: ${i.message}` : 'invalid input'}`, fields[0], fields);
  }
  const handler = engine.handlers[method] as (input: unknown, ctx: HandlerContext) => Promise<unknown>;
  const out = await handler(parsed.data, ctx);
  return spec.output.parse(out);
}

/**
 * The settlement ranges must read low to high once a change is merged (one side may be changed alone): refused
 * as invalid input on the field, as the contract's own checks are. `flat`: the input holds the assumptions
 * themselves (scenarios.compute), not settings with a `scenario` inside.
 */
function checkScenarioRanges(method: string, s: ScenarioAssumptions, prefix: string[], flat = false): void {
  const p = scenarioRangeProblem(s);
  if (!p) return;
  const path = [...prefix, ...(flat ? p.path.slice(1) : p.path)];
  throw new ApiError('invalid_input', `${method}: ${path.join('.')}: ${p.message}`, { path, problem: p.message });
}

/**
 * Outputs are the latest review's: after files were imported or removed, or settings changed, a workbook or a
 * signed pack would mix that review's findings with today's sources and settings (and still verify).
 */
async function refuseStaleExport(e: Engagement, what: string): Promise<void> {
  const changed = await changedSinceReview(e);
  if (changed.length === 0) return;
  const since = changed.includes('data') && changed.includes('settings') ? 'the data and the settings changed' : changed.includes('data') ? 'the data changed (files imported or removed)' : 'the settings changed';
  throw new ApiError('invalid_input', `The ${what} was not written: ${since} since the last review, so its figures would not match its sources and settings. Run the review again, then export.`);
}

/**
 * What the last review does not show yet: files imported or removed after it, or settings that differ from those
 * it ran with (the settlement rates aside: saving them updates the stored scenarios at once).
 */
async function changedSinceReview(e: Engagement): Promise<('data' | 'settings')[]> {
  const row = await e.db.one<{ settings: string; newer: boolean }>(
    `SELECT r.settings, coalesce((SELECT max(imported_at) FROM sources) > r.finished_at, false)
       OR EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'sources.remove' AND a.ts > r.finished_at) AS newer
     FROM review_runs r WHERE r.summary IS NOT NULL ORDER BY r.run_id DESC LIMIT 1`,
  );
  if (!row) return [];
  const out: ('data' | 'settings')[] = [];
  if (row.newer) out.push('data');
  const used = SettingsSchema.safeParse(JSON.parse(row.settings));
  const strip = (s: Settings) => JSON.stringify({ ...s, scenario: null });
  if (used.success && strip(used.data) !== strip(e.settings)) out.push('settings');
  return out;
}

/** Turns any thrown value into the contract's error body. */
export function toApiError(e: unknown): ApiErrorBody {
  if (e instanceof ApiError) return { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.fields ? { fields: e.fields } : {}) };
  if (e instanceof z.ZodError) return { code: 'failed', message: `The engine produced an invalid result: ${e.issues[0]?.message ?? ''}` };
  return { code: 'failed', message: e instanceof Error ? e.message : String(e) };
}

/** Two engagements are of one client when their names match, case and edge spaces aside (quarters are matched so). */
function sameClient(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The figures the start screen and a comparison show for a review (null before the first one). */
function headlineOf(summary: Summary | null): EngagementInfo['headline'] {
  if (!summary) return null;
  return {
    savings_annual: summary.savings_annual.total ?? 0,
    gap_units: summary.gap_units,
    findings: Object.values(summary.findings).reduce((a, b) => a + b, 0),
    audit_exposure_high: summary.scenarios.audit_no_cooperation_high,
    currency: summary.currency,
  };
}

/** An export cancelled by the analyst answers `cancelled` (not a failure), saying nothing was left behind. */
async function cancellable<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (e instanceof ExportCancelled) throw new ApiError('cancelled', e.message);
    throw e;
  }
}
