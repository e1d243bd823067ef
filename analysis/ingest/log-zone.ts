// A FlexNet log's own time zone. lmgrd writes its times on the server's wall clock and names the zone once, in its
// banner: "Server's System Date and Time: Fri Jul 27 2018 15:49:07 Eastern Daylight Time" (Windows names the zone in
// words; Unix builds write an abbreviation). Two servers in different zones, read as one clock, would show seats held
// at once that were hours apart; so a log's times are moved into the engagement's zone, as a column headed UTC is.

/** Windows zone names (without "Standard/Daylight/Summer Time") and common abbreviations, to IANA zones. */
const ZONES: Record<string, string> = {
  'coordinated universal': 'UTC', utc: 'UTC', gmt: 'Europe/London', greenwich: 'Atlantic/Reykjavik', bst: 'Europe/London',
  'w. europe': 'Europe/Berlin', romance: 'Europe/Paris', 'central europe': 'Europe/Budapest', 'central european': 'Europe/Warsaw',
  cet: 'Europe/Berlin', cest: 'Europe/Berlin', 'e. europe': 'Europe/Chisinau', fle: 'Europe/Helsinki', gtb: 'Europe/Bucharest',
  turkey: 'Europe/Istanbul', israel: 'Asia/Jerusalem', 'south africa': 'Africa/Johannesburg', russian: 'Europe/Moscow',
  arabian: 'Asia/Dubai', arab: 'Asia/Riyadh', india: 'Asia/Kolkata', 'se asia': 'Asia/Bangkok', china: 'Asia/Shanghai',
  singapore: 'Asia/Singapore', taipei: 'Asia/Taipei', tokyo: 'Asia/Tokyo', korea: 'Asia/Seoul', 'w. australia': 'Australia/Perth',
  'aus central': 'Australia/Darwin', 'cen. australia': 'Australia/Adelaide', 'e. australia': 'Australia/Brisbane',
  'aus eastern': 'Australia/Sydney', tasmania: 'Australia/Hobart', 'new zealand': 'Pacific/Auckland',
  eastern: 'America/New_York', est: 'America/New_York', edt: 'America/New_York', central: 'America/Chicago', cst: 'America/Chicago',
  cdt: 'America/Chicago', mountain: 'America/Denver', mst: 'America/Denver', mdt: 'America/Denver', 'us mountain': 'America/Phoenix',
  pacific: 'America/Los_Angeles', pst: 'America/Los_Angeles', pdt: 'America/Los_Angeles', alaskan: 'America/Anchorage',
  hawaiian: 'Pacific/Honolulu', atlantic: 'America/Halifax', newfoundland: 'America/St_Johns', 'canada central': 'America/Regina',
  'e. south america': 'America/Sao_Paulo', 'sa eastern': 'America/Cayenne', argentina: 'America/Buenos_Aires',
  'central standard time (mexico)': 'America/Mexico_City', 'pacific sa': 'America/Santiago', 'sa pacific': 'America/Bogota',
};

export interface LogZone {
  /** The zone as the log writes it. */
  written: string;
  /** Its IANA name, or null when it is not one this table knows. */
  iana: string | null;
}

/** The zone named by the first banner line in `head` (the log's first KBs), or null when none is written. */
export function logTimeZone(head: string): LogZone | null {
  const m = /Server's System Date and Time:\s*\w{3},?\s+\w{3}\s+\d{1,2},?\s+\d{4}\s+\d{1,2}:\d\d(?::\d\d)?\s+([^\r\n]+?)\s*$/m.exec(head);
  if (!m) return null;
  const written = m[1]!.trim();
  const key = written.toLowerCase().replace(/\s+(standard|daylight|summer)\s+time$/, '').replace(/\s+time$/, '').trim();
  return { written, iana: ZONES[written.toLowerCase()] ?? ZONES[key] ?? null };
}

/** What the log's card and sources say of its clock. */
export function logZoneNote(zone: LogZone | null, engagementZone: string, moved: boolean): string {
  if (!zone) return `${ZONE_NOTE} the log names no time zone, so its times are read as the engagement's (${engagementZone})`;
  if (!zone.iana) return `${ZONE_NOTE} the log's time zone "${zone.written}" is not one this app knows, so its times are read as the engagement's (${engagementZone}); check them against another source`;
  return moved
    ? `${ZONE_NOTE} the server's times (${zone.written}, ${zone.iana}) were moved into the engagement's time zone (${engagementZone})`
    : `${ZONE_NOTE} the server's times (${zone.written}) ${IN_ZONE}'s time zone (${engagementZone})`;
}

/** How every clock note of a log starts. */
export const ZONE_NOTE = 'clock:';
const IN_ZONE = 'are in the engagement';

/** A clock note the analyst must see beside the loaded log: its times were moved, or its zone is not known. */
export function zoneNoteNeedsAttention(note: string): boolean {
  return note.startsWith(ZONE_NOTE) && !note.includes(IN_ZONE);
}

/** Seconds east of UTC of `zone` at the instant `utcSeconds`. */
function offsetAt(zone: string, utcSeconds: number, fmt: Intl.DateTimeFormat): number {
  const parts = fmt.formatToParts(new Date(utcSeconds * 1000));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour') % 24, n('minute'), n('second')) / 1000;
  return wall - Math.floor(utcSeconds);
}

/**
 * A function moving a wall-clock time of zone `from` (seconds, the wall clock written as if UTC) to the wall clock of
 * zone `to`; null when the two are the same zone. Offsets are cached per hour: a log holds hundreds of thousands of times.
 */
export function zoneShifter(from: string, to: string): ((wallSeconds: number) => number) | null {
  if (from === to) return null;
  const fmt = (zone: string) => new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const fromFmt = fmt(from);
  const toFmt = fmt(to);
  const cache = new Map<number, number>();
  const shiftOf = (hourStart: number): number => {
    // The instant of this wall-clock hour in `from` (its offset read twice, right across a change of offset), then
    // the wall clock of that instant in `to`.
    const guess = hourStart - offsetAt(from, hourStart, fromFmt);
    const instant = hourStart - offsetAt(from, guess, fromFmt);
    return offsetAt(to, instant, toFmt) - (hourStart - instant);
  };
  return (wall) => {
    if (!Number.isFinite(wall)) return wall;
    const hour = Math.floor(wall / 3600) * 3600;
    let shift = cache.get(hour);
    if (shift === undefined) {
      shift = shiftOf(hour);
      cache.set(hour, shift);
    }
    return wall + shift;
  };
}
