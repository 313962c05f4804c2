// The chart colours, read from tokens.css: every line readable on the card in both themes
// (WCAG 1.4.11: 3:1 for graphics), and the backtest's lines distinct from each other; the
// confirmation dialog's danger button readable.
import { describe, expect, it } from 'vitest';
import css from './tokens.css?raw';

const dark = css.slice(css.indexOf('@media (prefers-color-scheme: dark)'));
const light = css.slice(0, css.indexOf('@media (prefers-color-scheme: dark)'));

function token(block: string, name: string): string {
  const m = new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, 'i').exec(block);
  if (!m) throw new Error(`--${name} missing`);
  return m[1]!;
}
const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const lum = (hex: string) => {
  const [r, g, b] = rgb(hex).map(lin) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: string, b: string) => {
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
};
// CIE Lab distance (ΔE 1976): about 10 is "clearly different", 25+ "different colours".
function lab(hex: string): [number, number, number] {
  const [r, g, b] = rgb(hex).map(lin) as [number, number, number];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}
const deltaE = (a: string, b: string) => Math.hypot(...lab(a).map((v, i) => v - lab(b)[i]!));

const BACKTEST = ['chart-ours', 'chart-ar-upper', 'chart-ar-conservative', 'chart-fixed', 'chart-ladder', 'chart-idle', 'chart-best'];

for (const [theme, block] of [['light', light], ['dark', dark]] as const) {
  describe(`chart colours (${theme})`, () => {
    const surface = token(block, 'surface');
    it('stand out from the card at 3:1 or more', () => {
      for (const n of [...BACKTEST, 'chart-second']) expect(contrast(token(block, n), surface), n).toBeGreaterThanOrEqual(3);
    });
    it('make the text of a danger button readable (4.5:1)', () => {
      expect(contrast(token(block, 'danger-text'), token(block, 'danger'))).toBeGreaterThanOrEqual(4.5);
    });
    it('give every backtest line its own colour', () => {
      for (let i = 0; i < BACKTEST.length; i++)
        for (let j = i + 1; j < BACKTEST.length; j++) {
          const [a, b] = [BACKTEST[i]!, BACKTEST[j]!];
          expect(deltaE(token(block, a), token(block, b)), `${a} vs ${b}`).toBeGreaterThan(25);
        }
    });
  });
}
