// The one table of the app: virtualised (smooth at 10,000+ rows), sortable, filterable per column,
// searchable, keyboard navigable (arrows, Home/End, PageUp/Down, Space selects, Enter opens) and with
// row selection for bulk decisions. Rows are absolutely positioned inside a scroll body.
import { memo, useMemo, useRef, useState, useEffect, useLayoutEffect, useCallback, useDeferredValue, type ReactNode, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown, ArrowUp, ArrowUpDown, Search } from 'lucide-react';

export interface Column<T> {
  id: string;
  header: string;
  /** Value used for sorting, filtering and searching. */
  value: (row: T) => string | number | null;
  /**
   * The text the cell shows when it differs from the value ("Never" for no date, "$3,810" for 3810,
   * "Undecided"): filters and the search match it as well as the value, so what is seen can be typed.
   */
  text?: (row: T) => string;
  render?: (row: T) => ReactNode;
  align?: 'left' | 'right';
  /** CSS grid track, e.g. '120px' or 'minmax(160px, 2fr)'. */
  width?: string;
  filterable?: boolean;
}

export interface DataTableProps<T> {
  /** Accessible name of the table; also names its search box. */
  label: string;
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  selectable?: boolean;
  selected?: ReadonlySet<string>;
  onSelectedChange?: (next: Set<string>) => void;
  onOpen?: (row: T) => void;
  /** Accessible name of a row (used by tests and screen readers). */
  rowLabel?: (row: T) => string;
  /**
   * D on the table: the decision for the selection (the active row's when nothing is selected), without Tabbing back
   * up to the decision bar above the table. Given where rows take a decision.
   */
  onDecide?: () => void;
  height?: number;
  empty: ReactNode;
  toolbar?: ReactNode;
  initialSort?: { id: string; desc: boolean };
  activeKey?: string | null;
}

const ROW_HEIGHT = 40;
const HEAD_HEIGHT = 72;

// One collator for every comparison: localeCompare with options builds one per call (slow at 10,000 rows).
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
function cmp(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null || a === '') return 1;
  if (b === null || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

interface RowProps<T> {
  row: T;
  index: number;
  start: number;
  rowKey: string;
  domId: string;
  label: string | undefined;
  columns: Column<T>[];
  template: string;
  selectable: boolean;
  selected: boolean;
  active: boolean;
  open: boolean;
  onToggle: (key: string) => void;
  onActivate: (index: number) => void;
  onOpen: (row: T) => void;
  /** Up or Down on a row's checkbox or button: the same control one row on. */
  onStep: (index: number, delta: number, control: number) => void;
}

/** The controls a row can hold, in order (the active row's take Tab). */
const ROW_CONTROLS = 'a[href], button, input, select, textarea';

/** One body row; memoised so scrolling renders only the rows that come into view, not every visible row again. */
const BodyRow = memo(function BodyRow<T>(p: RowProps<T>) {
  const ref = useRef<HTMLDivElement>(null);
  // One Tab stop per table, not three per row: only the active row's controls (its checkbox, decision and
  // evidence button) take Tab; arrows move the active row. After every render, as cells may draw new controls.
  useLayoutEffect(() => {
    for (const el of ref.current?.querySelectorAll<HTMLElement>(ROW_CONTROLS) ?? []) {
      if (p.active) el.removeAttribute('tabindex');
      else el.tabIndex = -1;
    }
  });
  return (
    <div
      ref={ref}
      id={p.domId}
      role="row"
      aria-rowindex={p.index + 2}
      aria-selected={p.selectable ? p.selected : undefined}
      aria-label={p.label}
      // What the row's cells say, column by column: moving through rows, a screen reader hears the figures and the
      // decision, not only the name (the grid moves by row, so its cells are never announced one by one).
      aria-description={rowDescription(p.columns, p.row)}
      className={`dt-row${p.selected ? ' selected' : ''}${p.active ? ' active' : ''}${p.open ? ' open' : ''}`}
      style={{ gridTemplateColumns: p.template, transform: `translateY(${p.start}px)`, height: ROW_HEIGHT }}
      onClick={() => p.onActivate(p.index)}
      // A control reached inside the row (a click, or Tab into the active row) makes it the active row.
      onFocus={() => { if (!p.active) p.onActivate(p.index); }}
      onDoubleClick={() => p.onOpen(p.row)}
      onKeyDown={(e) => {
        // A checkbox or button keeps the arrows of the table (a select's arrows choose its value, so not there).
        const t = e.target as HTMLElement;
        if ((e.key !== 'ArrowDown' && e.key !== 'ArrowUp') || !(t instanceof HTMLButtonElement || (t instanceof HTMLInputElement && t.type === 'checkbox'))) return;
        e.preventDefault();
        p.onStep(p.index, e.key === 'ArrowDown' ? 1 : -1, [...(ref.current?.querySelectorAll(ROW_CONTROLS) ?? [])].indexOf(t));
      }}
    >
      {p.selectable && (
        <div className="dt-cell dt-check" role="gridcell">
          <input type="checkbox" aria-label={`Select ${p.label ?? p.rowKey}`} checked={p.selected} onChange={() => p.onToggle(p.rowKey)} />
        </div>
      )}
      {p.columns.map((c) => {
        const v = c.value(p.row);
        return (
          <div key={c.id} role="gridcell" className={`dt-cell ${c.align === 'right' ? 'right num' : ''}`} title={typeof v === 'string' ? v : undefined}>
            {c.render ? c.render(p.row) : v === null || v === '' ? <span className="muted">—</span> : <span className="ellipsis-cell">{String(v)}</span>}
          </div>
        );
      })}
    </div>
  );
}) as <T>(p: RowProps<T>) => ReactNode;

/** "Annual value $2,995, Decision Undecided, …": each column's shown text (empty cells left out). */
function rowDescription<T>(columns: readonly Column<T>[], row: T): string {
  return columns
    .map((c) => {
      const t = c.text ? c.text(row) : c.value(row);
      return t === null || t === '' ? null : `${c.header} ${String(t)}`;
    })
    .filter((x): x is string => x !== null)
    .join(', ');
}

/** A column's place among the filterable columns (the filters are one Tab stop, moved along with the arrows). */
function filterIndexOf<T>(columns: readonly Column<T>[], i: number): number {
  let n = 0;
  for (let k = 0; k < i && k < columns.length; k++) if (columns[k]!.filterable !== false) n++;
  return n;
}
const filterCount = <T,>(columns: readonly Column<T>[]) => columns.filter((c) => c.filterable !== false).length;

export function DataTable<T>(props: DataTableProps<T>) {
  const { columns, rows, rowKey, selectable, selected, onSelectedChange, onOpen, label } = props;
  const [sort, setSort] = useState<{ id: string; desc: boolean } | null>(props.initialSort ?? null);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [search, setSearch] = useState('');
  const [active, setActive] = useState(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  // The header's sort buttons are one Tab stop, and its filters another (arrows move along each): a table of eight
  // columns is not sixteen Tabs between the search and the rows.
  const [sortStop, setSortStop] = useState(0);
  const [filterStop, setFilterStop] = useState(0);
  const headRef = useRef<HTMLDivElement>(null);
  const focusHead = (kind: 'sort' | 'filter', i: number) => {
    const list = headRef.current?.querySelectorAll<HTMLElement>(kind === 'sort' ? '.dt-sort' : '.dt-filter');
    if (!list || list.length === 0) return;
    const at = Math.max(0, Math.min(list.length - 1, i));
    (kind === 'sort' ? setSortStop : setFilterStop)(at);
    list[at]!.focus();
  };

  // Typing stays responsive at 10,000+ rows: the filtered, sorted view follows the input at lower priority.
  const deferredSearch = useDeferredValue(search);
  const deferredFilters = useDeferredValue(filters);
  const view = useMemo(() => {
    const q = deferredSearch.trim().toLowerCase();
    const fs = Object.entries(deferredFilters).filter(([, v]) => v.trim() !== '').map(([id, v]) => [columns.find((c) => c.id === id), v.trim().toLowerCase()] as const);
    let out = rows;
    if (q || fs.length) {
      const matches = (c: Column<T>, r: T, v: string) => String(c.value(r) ?? '').toLowerCase().includes(v) || (c.text !== undefined && c.text(r).toLowerCase().includes(v));
      out = rows.filter((r) => {
        for (const [c, v] of fs) if (c && !matches(c, r, v)) return false;
        if (!q) return true;
        return columns.some((c) => matches(c, r, q));
      });
    }
    if (sort) {
      const c = columns.find((x) => x.id === sort.id);
      if (c) {
        const keyed = out.map((r, i) => ({ r, i, k: c.value(r) }));
        keyed.sort((a, b) => cmp(a.k, b.k) * (sort.desc ? -1 : 1) || a.i - b.i);
        out = keyed.map((x) => x.r);
      }
    }
    return out;
  }, [rows, columns, sort, deferredFilters, deferredSearch]);

  // The active row is a finding, not a place: when the view is sorted or filtered again (a decision saved in a table
  // sorted by Decision moves its row), the active row follows its finding to its new place.
  const activeKey = useRef<string | null>(null);
  useEffect(() => {
    const at = activeKey.current === null ? -1 : view.findIndex((r) => rowKey(r) === activeKey.current);
    if (at >= 0 && at !== active) {
      setActive(at);
      return;
    }
    if (active >= view.length) setActive(Math.max(0, view.length - 1));
    // Only a new view moves the active row (active is read, not watched: moving it with the arrows does not run this).
  }, [view]);
  const activeRowKey = view[active] ? rowKey(view[active]!) : null;
  useEffect(() => {
    activeKey.current = activeRowKey;
  }, [activeRowKey]);

  const virtualizer = useVirtualizer({ count: view.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12, scrollPaddingStart: HEAD_HEIGHT });
  const template = [selectable ? '44px' : null, ...columns.map((c) => c.width ?? 'minmax(120px, 1fr)')].filter(Boolean).join(' ');
  // Header and body rows share one scroll container and one width, so their columns always line up.
  const minWidth = (selectable ? 44 : 0) + columns.reduce((a, c) => a + Number(/(\d+)px/.exec(c.width ?? '120px')?.[1] ?? 120), 0);

  const allSelected = selectable && view.length > 0 && view.every((r) => selected?.has(rowKey(r)));
  // Stable callbacks (through refs) keep memoised rows from re-rendering when the selection changes elsewhere.
  const latest = useRef({ selected, onSelectedChange, onOpen });
  latest.current = { selected, onSelectedChange, onOpen };
  const toggle = useCallback((key: string) => {
    const { selected: sel, onSelectedChange: change } = latest.current;
    if (!change) return;
    const next = new Set(sel ?? []);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    change(next);
  }, []);
  const openRow = useCallback((row: T) => latest.current.onOpen?.(row), []);
  // The selection never outlives the view: rows that a search, a filter or new rows hide are unselected,
  // so "n selected" and any bulk action only ever count rows the analyst can see.
  const keyOf = useRef(rowKey);
  keyOf.current = rowKey;
  useEffect(() => {
    const { selected: sel, onSelectedChange: change } = latest.current;
    if (!change || !sel || sel.size === 0) return;
    const visible = new Set(view.map((r) => keyOf.current(r)));
    if ([...sel].some((k) => !visible.has(k))) change(new Set([...sel].filter((k) => visible.has(k))));
  }, [view]);
  const toggleAll = () => {
    if (!onSelectedChange) return;
    const next = new Set(selected ?? []);
    if (allSelected) for (const r of view) next.delete(rowKey(r));
    else for (const r of view) next.add(rowKey(r));
    onSelectedChange(next);
  };

  function move(to: number) {
    const i = Math.max(0, Math.min(view.length - 1, to));
    setActive(i);
    virtualizer.scrollToIndex(i, { align: 'auto' });
    // The table may itself be partly below the fold: the page scrolls too, so the active row is seen.
    requestAnimationFrame(() => document.getElementById(`${idBase}-${i}`)?.scrollIntoView({ block: 'nearest' }));
  }
  const moveRef = useRef(move);
  moveRef.current = move;
  const step = useCallback((index: number, delta: number, control: number) => {
    const to = Math.max(0, index + delta);
    moveRef.current(to);
    // The same control in the row moved to, once it is drawn as the active row.
    requestAnimationFrame(() => document.getElementById(`${idBaseRef.current}-${to}`)?.querySelectorAll<HTMLElement>(ROW_CONTROLS)[control]?.focus());
  }, []);
  function onKey(e: KeyboardEvent<HTMLDivElement>) {
    if (e.target !== e.currentTarget) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 1);
    const row = view[active];
    switch (e.key) {
      case 'ArrowDown': move(active + 1); break;
      // From the first row, up goes to the column filters (or the sort buttons) above it.
      case 'ArrowUp':
        if (active > 0) move(active - 1);
        else if (filterCount(columns) > 0) focusHead('filter', filterStop);
        else focusHead('sort', sortStop);
        break;
      case 'PageDown': move(active + page); break;
      case 'PageUp': move(active - page); break;
      case 'Home': move(0); break;
      case 'End': move(view.length - 1); break;
      case ' ': if (row && selectable) toggle(rowKey(row)); break;
      case 'Enter': if (row && onOpen) onOpen(row); break;
      case 'd':
      case 'D':
        if (!props.onDecide || e.ctrlKey || e.metaKey || e.altKey) return;
        if (row && selectable && (selected?.size ?? 0) === 0) toggle(rowKey(row));
        props.onDecide();
        break;
      default: return;
    }
    e.preventDefault();
  }

  const filtered = view.length !== rows.length;
  const activeRow = view[active];
  const idBase = useMemo(() => `dt-${label.replace(/\W+/g, '-').toLowerCase()}`, [label]);
  const idBaseRef = useRef(idBase);
  idBaseRef.current = idBase;

  return (
    <div className="dt">
      <div className="dt-toolbar">
        <label className="search">
          <Search size={16} aria-hidden />
          <input type="search" aria-label={`Search ${label}`} placeholder="Search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <span className="dt-count num" aria-live="polite">
          {filtered ? `${view.length.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')}` : `${rows.length.toLocaleString('en-US')}`} {rows.length === 1 ? 'row' : 'rows'}
          {selectable && selected && selected.size > 0 ? ` · ${selected.size.toLocaleString('en-US')} selected` : ''}
        </span>
        <div className="dt-toolbar-extra">{props.toolbar}</div>
      </div>
      <div
        ref={scrollRef}
        className="dt-grid"
        role="grid"
        aria-label={label}
        aria-rowcount={view.length + 1}
        aria-multiselectable={selectable || undefined}
        aria-keyshortcuts={props.onDecide ? 'D' : undefined}
        tabIndex={0}
        // Only a row that is drawn: a screen reader is never pointed at one scrolled out of the DOM.
        aria-activedescendant={activeRow && virtualizer.getVirtualItems().some((vi) => vi.index === active) ? `${idBase}-${active}` : undefined}
        onKeyDown={onKey}
        style={{ height: Math.min(props.height ?? 420, HEAD_HEIGHT + Math.max(view.length, 3) * ROW_HEIGHT + 2) }}
      >
        <div className="dt-inner" style={{ minWidth }}>
          <div className="dt-head" role="rowgroup" ref={headRef}>
            <div className="dt-row dt-header-row" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
              {selectable && (
                <div className="dt-cell dt-check" role="columnheader">
                  <input type="checkbox" aria-label="Select all visible rows" checked={!!allSelected} onChange={toggleAll} />
                </div>
              )}
              {columns.map((c, i) => {
                const dir = sort?.id === c.id ? (sort.desc ? 'descending' : 'ascending') : 'none';
                return (
                  <div key={c.id} className={`dt-cell ${c.align === 'right' ? 'right' : ''}`} role="columnheader" aria-sort={dir}>
                    <button
                      type="button"
                      className="dt-sort"
                      tabIndex={i === Math.min(sortStop, columns.length - 1) ? 0 : -1}
                      aria-keyshortcuts="ArrowLeft ArrowRight ArrowDown"
                      onFocus={() => setSortStop(i)}
                      onKeyDown={(e) => {
                        const to = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? columns.length - 1 : null;
                        if (to !== null) focusHead('sort', to);
                        else if (e.key === 'ArrowDown') focusHead('filter', filterIndexOf(columns, i));
                        else return;
                        e.preventDefault();
                      }}
                      // Named by the column alone (a screen reader reads it as each cell's header); the sort is aria-sort's.
                      title={`Sort by ${c.header}`}
                      onClick={() => setSort((s) => (s?.id === c.id ? (s.desc ? null : { id: c.id, desc: true }) : { id: c.id, desc: false }))}
                    >
                      <span>{c.header}</span>
                      {dir === 'ascending' ? <ArrowUp size={14} aria-hidden /> : dir === 'descending' ? <ArrowDown size={14} aria-hidden /> : <ArrowUpDown size={14} aria-hidden className="dim" />}
                    </button>
                  </div>
                );
              })}
            </div>
            <div className="dt-row dt-filter-row" role="row" style={{ gridTemplateColumns: template }}>
              {selectable && <div className="dt-cell" role="gridcell" />}
              {columns.map((c, i) => (
                <div key={c.id} className="dt-cell" role="gridcell">
                  {c.filterable !== false && (
                    <input
                      className="dt-filter"
                      aria-label={`Filter ${c.header}`}
                      placeholder="Filter"
                      value={filters[c.id] ?? ''}
                      tabIndex={filterIndexOf(columns, i) === Math.min(filterStop, filterCount(columns) - 1) ? 0 : -1}
                      aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown"
                      onFocus={() => setFilterStop(filterIndexOf(columns, i))}
                      onChange={(e) => setFilters((f) => ({ ...f, [c.id]: e.target.value }))}
                      onKeyDown={(e) => {
                        // Left and Right move the caret inside the text, and the next filter from its edge.
                        const el = e.currentTarget;
                        const atStart = el.selectionStart === 0 && el.selectionEnd === 0;
                        const atEnd = el.selectionStart === el.value.length && el.selectionEnd === el.value.length;
                        if (e.key === 'ArrowRight' && atEnd) focusHead('filter', filterIndexOf(columns, i) + 1);
                        else if (e.key === 'ArrowLeft' && atStart) focusHead('filter', filterIndexOf(columns, i) - 1);
                        else if (e.key === 'ArrowUp') focusHead('sort', i);
                        else if (e.key === 'ArrowDown') scrollRef.current?.focus();
                        else return;
                        e.preventDefault();
                      }}
                    />
                  )}
                </div>
              ))}
            </div>
          </div>
          <div className="dt-body" role="rowgroup">
            {view.length === 0 ? (
              <div className="dt-empty">{rows.length === 0 ? props.empty : 'No rows match the search and filters. Clear them to see every row.'}</div>
            ) : (
              <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                {virtualizer.getVirtualItems().map((vi) => {
                  const r = view[vi.index]!;
                  const key = rowKey(r);
                  return (
                    <BodyRow
                      key={key}
                      row={r}
                      index={vi.index}
                      start={vi.start}
                      rowKey={key}
                      domId={`${idBase}-${vi.index}`}
                      label={props.rowLabel?.(r)}
                      columns={columns}
                      template={template}
                      selectable={!!selectable}
                      selected={!!selected?.has(key)}
                      active={vi.index === active}
                      open={props.activeKey === key}
                      onToggle={toggle}
                      onActivate={setActive}
                      onOpen={openRow}
                      onStep={step}
                    />
                  );
                })}
              </div>
            )}
          </div>
        </div>
      </div>
    </div>
  );
}
