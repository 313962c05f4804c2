// The Strategy form's number fields: what the user typed is kept as typed; a value that is
// not a number gets its own message and never reaches the settings (no "NaN").

export type FieldKind = {
  /** Whole numbers only (steps, minutes, days). */
  integer?: boolean;
  /** Empty means "none" (no cap, no limit). */
  optional?: boolean;
  /** Typed in percent, stored as a fraction (0.01 % → 0.0001). */
  percent?: boolean;
};

export type Parsed = { ok: true; value: string | null } | { ok: false; error: string };

const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;
const INTEGER = /^-?\d+$/;

function quoted(t: string): string {
  return `“${t.length > 14 ? `${t.slice(0, 14)}…` : t}”`;
}

/** Reads one field: the value for the settings (a decimal string, or null for an empty optional field) or what is wrong. */
export function parseField(raw: string, kind: FieldKind = {}): Parsed {
  const t = raw.trim();
  if (t === '') return kind.optional ? { ok: true, value: null } : { ok: false, error: 'Enter a number here; this field cannot be empty.' };
  if (kind.integer) {
    if (!INTEGER.test(t)) return { ok: false, error: `${quoted(t)} is not a whole number. Use digits only, like 3.` };
    return { ok: true, value: String(Number(t)) };
  }
  if (!DECIMAL.test(t)) return { ok: false, error: `${quoted(t)} is not a number. Use digits and a dot, like 0.01.` };
  const plain = t.replace(/^(-?)\./, '$10.').replace(/\.$/, '');
  if (kind.percent) return { ok: true, value: String(+(Number(plain) / 100).toPrecision(10)) };
  return { ok: true, value: plain };
}

/** A fraction (0.0001) as the percent shown in a field ("0.01"); empty for none. */
export function percentText(v: string | null): string {
  return v === null || v === '' ? '' : String(+(Number(v) * 100).toPrecision(10));
}

/** Drops the entries of row `i` of a keyed list (`thr-rate-2`) and moves later rows up by one. */
export function removeRow<T>(map: Record<string, T>, prefixes: string[], i: number): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of Object.entries(map)) {
    const p = prefixes.find((x) => k.startsWith(x) && /^\d+$/.test(k.slice(x.length)));
    if (!p) {
      out[k] = v;
      continue;
    }
    const n = Number(k.slice(p.length));
    if (n < i) out[k] = v;
    else if (n > i) out[`${p}${n - 1}`] = v;
  }
  return out;
}
