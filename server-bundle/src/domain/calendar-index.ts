// The only importer of ical.js: reads iCalendar and vCard texts for the DAV role. An object is
// indexed once, when it is stored (UID, component, first start, end of its last occurrence), so a
// time-range REPORT reads columns; only recurring candidates are expanded again to check that an
// occurrence really falls in the range.
import ICAL from 'ical.js';
import type { ObjectIndex } from '../storage/dav-store.ts';

/** Beyond this many occurrences a finite rule is treated as unbounded (index) or stops (query). */
export const MAX_OCCURRENCES = 20_000;

export class InvalidObjectError extends Error {
  override name = 'InvalidObjectError';
}

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

function parseComponent(text: string, what: string): Component {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch (err) {
    throw new InvalidObjectError(`this is not valid ${what}: ${(err as Error).message}`);
  }
  if (!Array.isArray(jcal) || typeof jcal[0] !== 'string')
    throw new InvalidObjectError(`this is not valid ${what}: expected exactly one object`);
  return new ICAL.Component(jcal as [string, unknown[], unknown[]]);
}

const ms = (t: Time): number => t.toUnixTime() * 1000;

function registerTimezones(cal: Component): void {
  for (const tz of cal.getAllSubcomponents('vtimezone')) {
    const id = tz.getFirstPropertyValue('tzid');
    if (typeof id === 'string' && !ICAL.TimezoneService.has(id)) ICAL.TimezoneService.register(tz);
  }
}

const CALENDAR_COMPONENTS = ['vevent', 'vtodo', 'vjournal', 'vfreebusy'];

function itemsOf(cal: Component): Component[] {
  return cal.getAllSubcomponents().filter((c) => CALENDAR_COMPONENTS.includes(c.name));
}

/** [start, end) of one non-recurring component, in ms (null = unbounded). */
function spanOf(c: Component): { start: number | null; end: number | null } {
  if (c.name === 'vevent') {
    const e = new ICAL.Event(c);
    if (!e.startDate) return { start: null, end: null };
    return { start: ms(e.startDate), end: e.endDate ? ms(e.endDate) : ms(e.startDate) };
  }
  const start = c.getFirstPropertyValue('dtstart') as Time | null;
  const due = c.getFirstPropertyValue('due') as Time | null;
  if (start && due) return { start: ms(start), end: ms(due) };
  if (start) return { start: ms(start), end: null };
  if (due) return { start: null, end: ms(due) };
  return { start: null, end: null };
}

/** Parses an iCalendar object (one UID; a master and its overridden instances) for the store. */
export function indexCalendarObject(text: string): ObjectIndex {
  const cal = parseComponent(text, 'iCalendar data');
  if (cal.name !== 'vcalendar') throw new InvalidObjectError('the body is not a VCALENDAR object');
  registerTimezones(cal);
  const items = itemsOf(cal);
  if (!items.length) throw new InvalidObjectError('the calendar object holds no event, task or journal');
  const uids = new Set(items.map((c) => c.getFirstPropertyValue('uid')));
  if (uids.size !== 1 || typeof [...uids][0] !== 'string' || ![...uids][0])
    throw new InvalidObjectError('a calendar object needs one UID, shared by all its components');
  const component = items[0]!.name.toUpperCase();
  const master = items.find((c) => !c.hasProperty('recurrence-id')) ?? items[0]!;
  const recurring = master.name === 'vevent' && new ICAL.Event(master).isRecurring();
  let { start, end } = spanOf(master);
  if (recurring) end = recurrenceEnd(master);
  for (const c of items) {
    if (c === master) continue;
    const s = spanOf(c);
    start = start === null || s.start === null ? null : Math.min(start, s.start);
    end = end === null || s.end === null ? null : Math.max(end, s.end);
  }
  return { uid: [...uids][0] as string, component, start, end, recurring };
}

/** End of the last occurrence of a recurring event, or null when the rule has no end. */
function recurrenceEnd(master: Component): number | null {
  for (const p of master.getAllProperties('rrule')) {
    const r = p.getFirstValue() as InstanceType<typeof ICAL.Recur>;
    if (!r.isFinite()) return null;
  }
  const e = new ICAL.Event(master);
  const duration = ms(e.endDate) - ms(e.startDate);
  const it = e.iterator();
  let last: number | null = null;
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const t = it.next();
    if (!t) return last === null ? null : last + duration;
    last = Math.max(last ?? 0, ms(t));
  }
  return null;
}

/** Whether a stored calendar object has an occurrence meeting [start, end) (RFC 4791 9.9). */
export function occursIn(text: string, start: number | null, end: number | null): boolean {
  const cal = parseComponent(text, 'iCalendar data');
  registerTimezones(cal);
  const items = itemsOf(cal);
  const master = items.find((c) => !c.hasProperty('recurrence-id'));
  const meets = (s: number | null, e: number | null): boolean =>
    (end === null || s === null || s < end) &&
    (start === null || e === null || e > start || (e === s && s === start));
  if (!master || master.name !== 'vevent' || !new ICAL.Event(master).isRecurring()) {
    return items.some((c) => {
      const s = spanOf(c);
      return meets(s.start, s.end);
    });
  }
  const event = new ICAL.Event(master);
  for (const c of items) if (c !== master) event.relateException(c);
  const it = event.iterator();
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const t = it.next();
    if (!t) return false;
    const d = event.getOccurrenceDetails(t);
    const s = ms(d.startDate);
    if (end !== null && s >= end && ms(t) >= end) return false;
    if (meets(s, ms(d.endDate))) return true;
  }
  return false;
}

export type BusyType = 'BUSY' | 'BUSY-TENTATIVE';
export interface BusyPeriod {
  start: number;
  end: number;
  type: BusyType;
}

/**
 * The busy time of a stored calendar object inside [start, end) (RFC 4791 7.10): each occurrence
 * of its events, clipped to the range; transparent, cancelled and zero-length ones are free,
 * tentative ones BUSY-TENTATIVE. An overridden instance (RECURRENCE-ID) counts with its own times
 * and status.
 */
export function busyPeriods(text: string, start: number, end: number): BusyPeriod[] {
  const cal = parseComponent(text, 'iCalendar data');
  registerTimezones(cal);
  const events = cal.getAllSubcomponents('vevent');
  const out: BusyPeriod[] = [];
  const add = (c: Component, s: number, e: number): void => {
    const transp = String(c.getFirstPropertyValue('transp') ?? 'OPAQUE').toUpperCase();
    const status = String(c.getFirstPropertyValue('status') ?? '').toUpperCase();
    if (transp === 'TRANSPARENT' || status === 'CANCELLED' || e <= s || e <= start || s >= end) return;
    out.push({
      start: Math.max(s, start),
      end: Math.min(e, end),
      type: status === 'TENTATIVE' ? 'BUSY-TENTATIVE' : 'BUSY',
    });
  };
  const master = events.find((c) => !c.hasProperty('recurrence-id'));
  if (!master || !new ICAL.Event(master).isRecurring()) {
    for (const c of events) {
      const sp = spanOf(c);
      if (sp.start !== null && sp.end !== null) add(c, sp.start, sp.end);
    }
    return out;
  }
  const event = new ICAL.Event(master);
  for (const c of events) if (c !== master) event.relateException(c);
  const it = event.iterator();
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const t = it.next();
    if (!t) break;
    const d = event.getOccurrenceDetails(t);
    const s = ms(d.startDate);
    if (s >= end && ms(t) >= end) break;
    add(d.item.component, s, ms(d.endDate));
  }
  return out;
}

/** Parses a vCard (3.0 or 4.0) enough to store it: its UID. */
export function indexContact(text: string): ObjectIndex {
  const card = parseComponent(text, 'vCard data');
  if (card.name !== 'vcard') throw new InvalidObjectError('the body is not a VCARD object');
  const uid = card.getFirstPropertyValue('uid');
  if (typeof uid !== 'string' || !uid) throw new InvalidObjectError('a vCard needs a UID');
  return { uid, component: 'VCARD', start: null, end: null, recurring: false };
}
