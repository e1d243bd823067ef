// Step 2: corporate domains and IP ranges (suggested from the data), thresholds, prices, token price;
// the price book as an editable table with each figure's source and date.
import { useEffect, useMemo, useState } from 'react';
import { PlayCircle, Save } from 'lucide-react';
import type { Output } from '../../analysis/api/contract';
import type { Settings, Thresholds } from '../../analysis/settings';
import { coveringEntry } from '../api/shared';
import { api, errorMessage, invalidFields } from '../api/client';
import { runReviewJob, useApp } from '../store';
import { DataTable, type Column } from '../components/DataTable';
import { Card, ErrorBox, Loading, PageHeader, ProgressBar, Success, useJob, useLoad } from '../components/ui';
import { money } from '../format';

type PriceRow = Output<'pricebook.list'>[number];
type Override = Settings['prices'][string];

const THRESHOLD_LABELS: Record<keyof Thresholds, string> = {
  dormant_days: 'Dormant after (days)',
  low_frequency_days_per_month: 'Low frequency below (days per month)',
  frequency_window_days: 'Frequency window (days)',
  shared_overlap_minutes: 'Shared account overlap (minutes)',
  shared_min_days: 'Shared account on at least (days)',
  sustained_months: 'Network over-use sustained for (months)',
  telemetry_gap_days: 'Telemetry gap from (days)',
  spike_ratio: 'Usage spike ratio',
  spike_min_users: 'Usage spike at least (users)',
  new_domain_min_users: 'New domain at least (users)',
  lookback_months: 'Lookback (months)',
  renewal_buffer: 'Renewal buffer (fraction)',
};

const FIELD_LABELS: Record<string, string> = {
  client: 'Client', as_of: 'As of', currency: 'Currency', flex_token_price: 'Flex token price',
  corporate_email_domains: 'Corporate e-mail domains', corporate_network_domains: 'Corporate network domains', corporate_ip_ranges: 'Corporate IP ranges',
};

/** The form's name for a field the engine refused (its path in settings.update's input: settings.thresholds.dormant_days). */
function fieldLabel(path: readonly string[]): string {
  const [, top = '', second] = path;
  if (top === 'thresholds' && second) return THRESHOLD_LABELS[second as keyof Thresholds] ?? second;
  if (top === 'prices' && second) return `Price of ${second}`;
  const label = FIELD_LABELS[top] ?? top;
  return second !== undefined && /^\d+$/.test(second) ? `${label}, line ${Number(second) + 1}` : label;
}

/** A refusal in the form's words: each field's label (and line, for lists), then what to enter, as the engine says it. */
function refusal(e: unknown): string {
  const fields = invalidFields(e);
  return fields.length ? fields.map((f) => `${fieldLabel(f.path)}: ${f.problem}.`).join(' ') : errorMessage(e);
}

/** The id of the form control a refused field's path names (settings.thresholds.dormant_days -> th-dormant_days). */
function controlIdOf(path: readonly string[]): string | null {
  const [, top = '', second] = path;
  if (top === 'thresholds' && second) return `th-${second}`;
  const ids: Record<string, string> = {
    client: 'set-client', as_of: 'set-asof', currency: 'set-currency', flex_token_price: 'set-token',
    corporate_email_domains: 'list-email', corporate_network_domains: 'list-network', corporate_ip_ranges: 'list-ip',
  };
  return ids[top] ?? null;
}

/** A number field's value: a cleared field is NaN (shown empty), never 0, and refused as "enter a number" on save. */
const numberOf = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
const shown = (n: number) => (Number.isNaN(n) ? '' : n);

/** A row with an annual or list figure (shipped or overridden); the rest show dashes until the analyst sets one. */
function hasPrice(r: PriceRow): boolean {
  return r.annual !== null || r.list_annual !== null;
}

function lines(s: string): string[] {
  return s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
}

export function SettingsStep() {
  const settings = useApp((s) => s.settings);
  const refresh = useApp((s) => s.refresh);
  const readOnly = useApp((s) => s.info?.read_only ?? false);
  const quality = useLoad(() => api('quality.get', {}), []);
  const pricebook = useLoad(() => api('pricebook.list', {}), [settings]);
  const [draft, setDraft] = useState<Settings | null>(settings);
  const [text, setText] = useState({ email: '', network: '', ip: '' });
  const [error, setError] = useState<string | null>(null);
  // The controls the engine refused: marked invalid, the first focused; editing one unmarks it, and the
  // refusal goes once none is left.
  const [invalidIds, setInvalidIds] = useState<string[]>([]);
  const invalid = (id: string) => (invalidIds.includes(id) ? { 'aria-invalid': true as const, 'aria-describedby': 'settings-refusal' } : {});
  const edited = (id: string) => {
    if (!invalidIds.includes(id)) return;
    const rest = invalidIds.filter((x) => x !== id);
    setInvalidIds(rest);
    if (rest.length === 0) setError(null);
  };

  const [saved, setSaved] = useState(false);
  const [job, setJob] = useState<string | null>(null);
  const event = useJob(job);
  // Priced rows first (stable otherwise). Ordered from the loaded list, not the draft, so a row does not jump while typed in.
  const priceRows = useMemo(() => {
    const rows = pricebook.data ?? [];
    return [...rows.filter(hasPrice), ...rows.filter((r) => !hasPrice(r))];
  }, [pricebook.data]);
  const unpriced = priceRows.filter((r) => !hasPrice(r)).length;

  useEffect(() => {
    if (!settings) return;
    setDraft(settings);
    setText({ email: settings.corporate_email_domains.join('\n'), network: settings.corporate_network_domains.join('\n'), ip: settings.corporate_ip_ranges.join('\n') });
  }, [settings]);

  // The book's own currency (every shipped row carries it); an engagement in another sees it said, not under its own.
  const bookCurrency = pricebook.data?.find((r) => !r.overridden)?.currency ?? null;
  const priceCols = useMemo<Column<PriceRow>[]>(() => {
    const cur = draft?.currency ?? 'USD';
    const sameCurrency = bookCurrency === null || bookCurrency === cur;
    const edit = (r: PriceRow, k: keyof Override, label: string) => {
      const o = draft?.prices[r.code]?.[k];
      const base = k === 'annual' ? r.annual : k === 'list_annual' ? r.list_annual : r.flex_tokens_per_day;
      return (
        <input
          className="cell-input num"
          type="number"
          min={0}
          step="any"
          aria-label={`${label} for ${r.name}`}
          disabled={readOnly}
          value={o ?? base ?? ''}
          onChange={(e) => {
            const v = e.target.value === '' ? undefined : Number(e.target.value);
            setDraft((d) => {
              if (!d) return d;
              const cur = { ...(d.prices[r.code] ?? {}) };
              if (v === undefined || v === base) delete cur[k];
              else cur[k] = v;
              const prices = { ...d.prices };
              if (Object.keys(cur).length) prices[r.code] = cur;
              else delete prices[r.code];
              return { ...d, prices };
            });
            setSaved(false);
          }}
        />
      );
    };
    return [
      { id: 'code', header: 'Code', value: (r) => r.code, width: '84px', render: (r) => <span className="mono">{r.code}</span> },
      { id: 'name', header: 'Product or collection', value: (r) => r.name, width: 'minmax(150px, 2fr)' },
      { id: 'kind', header: 'Kind', value: (r) => r.kind, width: '92px' },
      { id: 'annual', header: sameCurrency ? `Annual (${cur})` : 'Annual', value: (r) => draft?.prices[r.code]?.annual ?? r.annual, render: (r) => edit(r, 'annual', 'Annual price'), align: 'right', width: '136px' },
      { id: 'list', header: sameCurrency ? `List (${cur})` : 'List', value: (r) => draft?.prices[r.code]?.list_annual ?? r.list_annual, render: (r) => edit(r, 'list_annual', 'List price'), align: 'right', width: '116px' },
      { id: 'tokens', header: 'Tokens/day', value: (r) => draft?.prices[r.code]?.flex_tokens_per_day ?? r.flex_tokens_per_day, render: (r) => edit(r, 'flex_tokens_per_day', 'Flex tokens per day'), align: 'right', width: '116px' },
      // A shipped price in another currency than the engagement's is said so on its row: it is used as it is, unconverted.
      { id: 'source', header: 'Source', value: (r) => (draft?.prices[r.code] ? `Engagement override (${cur})` : r.currency !== cur && r.annual !== null ? `${r.currency}, not converted · ${r.source}` : r.source), width: 'minmax(110px, 1.5fr)' },
      { id: 'date', header: 'Date', value: (r) => r.source_date, width: '100px' },
    ];
  }, [draft, readOnly, bookCurrency]);

  if (!draft) return <Loading what="settings" />;
  const sugg = quality.data?.suggestions;

  async function save(): Promise<boolean> {
    if (!draft) return false;
    setError(null);
    // Only the outcome of this save shows: never "not saved" beside an earlier "saved".
    setSaved(false);
    try {
      await api('settings.update', {
        settings: { ...draft, corporate_email_domains: lines(text.email), corporate_network_domains: lines(text.network), corporate_ip_ranges: lines(text.ip) },
      });
      await refresh();
      setSaved(true);
      return true;
    } catch (e) {
      setError(`Settings were not saved: ${refusal(e)}`);
      const ids = [...new Set(invalidFields(e).flatMap((f) => controlIdOf(f.path) ?? []))];
      setInvalidIds(ids);
      // After this render (the field is marked), the cursor goes to the first refused field.
      if (ids[0]) setTimeout(() => document.getElementById(ids[0]!)?.focus(), 0);
      return false;
    }
  }
  async function saveAndReview() {
    if (!(await save())) return;
    const r = await runReviewJob(setJob);
    if (r.error) setError(r.error);
  }
  const addSuggestion = (k: 'email' | 'network' | 'ip', v: string) => {
    setText((t) => ({ ...t, [k]: lines(t[k]).includes(v) ? t[k] : [...lines(t[k]), v].join('\n') }));
    setSaved(false);
  };

  return (
    <div className="page">
      <PageHeader
        title="Settings"
        lead="Confirm what counts as the client's own network and people, the thresholds of each rule, and the prices. Changes apply when the review runs again."
        actions={
          !readOnly && (
            <>
              <button type="button" className="btn" onClick={() => void save()} disabled={job !== null}><Save size={16} aria-hidden /> Save settings</button>
              <button type="button" className="btn primary" onClick={() => void saveAndReview()} disabled={job !== null}><PlayCircle size={16} aria-hidden /> Save and re-run review</button>
            </>
          )
        }
      />
      {error && <div id="settings-refusal"><ErrorBox message={error} onDismiss={() => setError(null)} /></div>}
      {saved && !job && <Success>Settings saved.</Success>}
      {job && <ProgressBar label="Running the review" event={event} onCancel={() => void api('job.cancel', { jobId: job })} />}

      <div className="grid-3">
        {([
          ['email', 'Corporate e-mail domains', sugg?.corporate_email_domains ?? []],
          ['network', 'Corporate network domains', sugg?.corporate_network_domains ?? []],
          ['ip', 'Corporate IP ranges (CIDR)', sugg?.corporate_ip_ranges ?? []],
        ] as const).map(([k, label, s]) => (
          <Card key={k} title={label} id={`set-${k}`}>
            <textarea id={`list-${k}`} aria-label={label} {...invalid(`list-${k}`)} rows={5} value={text[k]} disabled={readOnly} onChange={(e) => { setText((t) => ({ ...t, [k]: e.target.value })); setSaved(false); edited(`list-${k}`); }} placeholder="One per line" />
            {s.length === 0 && <p className="hint chips">{quality.data ? 'Nothing new to suggest from the loaded data.' : 'Suggestions from the data appear once files are loaded.'}</p>}
            {s.length > 0 && (
              <div className="chips">
                <span className="muted small">Seen in the data:</span>
                {s.map((v) => {
                  const covered = coveringEntry(k, lines(text[k]), v);
                  return (
                    <button
                      key={v}
                      type="button"
                      className="chip"
                      disabled={readOnly || covered !== null}
                      title={covered === null ? undefined : covered.toLowerCase() === v.toLowerCase() ? 'Already in the list' : `Already covered by ${covered}`}
                      onClick={() => addSuggestion(k, v)}
                      aria-label={`Add ${v} to ${label}`}
                    >
                      + {v}
                    </button>
                  );
                })}
              </div>
            )}
          </Card>
        ))}
      </div>

      <Card title="Engagement and thresholds" id="thresholds">
        <div className="form-grid">
          <div className="field">
            <label htmlFor="set-client">Client</label>
            <input id="set-client" {...invalid('set-client')} value={draft.client} disabled={readOnly} onChange={(e) => { setDraft({ ...draft, client: e.target.value }); edited('set-client'); }} />
          </div>
          <div className="field">
            <label htmlFor="set-asof">As of</label>
            <input id="set-asof" type="date" value={draft.as_of ?? ''} disabled={readOnly} onChange={(e) => setDraft({ ...draft, as_of: e.target.value || undefined })} />
          </div>
          <div className="field">
            <label htmlFor="set-currency">Currency</label>
            <input id="set-currency" {...invalid('set-currency')} value={draft.currency} maxLength={3} disabled={readOnly} onChange={(e) => { setDraft({ ...draft, currency: e.target.value.toUpperCase() }); edited('set-currency'); }} />
          </div>
          <div className="field">
            <label htmlFor="set-token">Flex token price ({draft.currency})</label>
            <input id="set-token" {...invalid('set-token')} type="number" min={0} step="0.01" value={shown(draft.flex_token_price)} disabled={readOnly} onChange={(e) => { setDraft({ ...draft, flex_token_price: numberOf(e.target.value) }); edited('set-token'); }} />
          </div>
          {(Object.keys(THRESHOLD_LABELS) as (keyof Thresholds)[]).map((k) => (
            <div className="field" key={k}>
              <label htmlFor={`th-${k}`}>{THRESHOLD_LABELS[k]}</label>
              <input id={`th-${k}`} {...invalid(`th-${k}`)} type="number" min={0} step="any" value={shown(draft.thresholds[k])} disabled={readOnly} onChange={(e) => { setDraft({ ...draft, thresholds: { ...draft.thresholds, [k]: numberOf(e.target.value) } }); edited(`th-${k}`); }} />
            </div>
          ))}
        </div>
      </Card>

      <Card title="Price book" id="pricebook">
        <p className="muted">Figures from the shipped price book with their source and date. Edit a figure to override it for this engagement; entitlement prices in the subscriptions export take precedence.</p>
        {pricebook.loading && !pricebook.data && <Loading what="the price book" />}
        {pricebook.error && <ErrorBox message={pricebook.error} />}
        {/* The shipped book is in its own currency: in an engagement of another, said before the figures, not only per row. */}
        {bookCurrency && bookCurrency !== draft.currency && (
          <div className="alert warn" role="note">
            <div className="alert-body">The shipped prices are in {bookCurrency} and are used as they are, not converted to {draft.currency}. Enter {draft.currency} prices for the products the client uses (an entered price is in {draft.currency}); prices from the client's subscriptions export take precedence.</div>
          </div>
        )}
        {pricebook.data && (
          <DataTable label="Price book" rows={priceRows} columns={priceCols} rowKey={(r) => r.code} rowLabel={(r) => r.name} height={520} empty="The price book is empty." />
        )}
        {pricebook.data && unpriced > 0 && (
          <p className="muted small" data-testid="pricebook-unpriced">
            {`${unpriced.toLocaleString('en-US')} of ${priceRows.length.toLocaleString('en-US')} catalogue ${priceRows.length === 1 ? 'product' : 'products'} ${unpriced === 1 ? 'has' : 'have'} no price in the shipped price book (no public list price), listed last with dashes; set one here if the client uses ${unpriced === 1 ? 'it' : 'them'}.`}
          </p>
        )}
        <p className="muted small">Token price {money(draft.flex_token_price, draft.currency, { cents: true })} per token.</p>
      </Card>
    </div>
  );
}
