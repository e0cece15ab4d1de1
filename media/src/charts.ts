/**
 * The panel's charts, drawn with uPlot on canvas (uPlot sizes its elements
 * through the CSSOM, which the page's CSP allows; it needs no inline style).
 * Colours come from VS Code's theme variables, re-read when the theme changes.
 */
import uPlot from 'uplot';
import { fmtCount, fmtUs } from './report';

export interface Theme {
  fg: string;
  grid: string;
  a: string;
  b: string;
  a2: string;
  b2: string;
  purple: string;
  yellow: string;
  font: string;
}

export function readTheme(): Theme {
  const s = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  const family = v('--vscode-font-family', 'sans-serif');
  return {
    fg: v('--vscode-foreground', '#444'),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    a: v('--vscode-charts-blue', '#1a85ff'),
    b: v('--vscode-charts-orange', '#d18616'),
    a2: v('--vscode-charts-green', '#388a34'),
    b2: v('--vscode-charts-red', '#e51400'),
    purple: v('--vscode-charts-purple', '#652d90'),
    yellow: v('--vscode-charts-yellow', '#bf8803'),
    font: `11px ${family}`,
  };
}

export interface ChartSeries {
  label: string;
  color: keyof Pick<Theme, 'a' | 'b' | 'a2' | 'b2'>;
  kind?: 'line' | 'step' | 'bars';
  dash?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  yRange?: [number, number];
  /** Categorical x (bar charts): the labels of x = 0, 1, 2, ... */
  categories?: string[];
  height?: number;
}

const axisUs = (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : fmtUs(v)));
const axisCount = (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : fmtCount(v)));

export const formats = { us: axisUs, count: axisCount };

/** One chart: a figure with a caption, re-created when its series change and
 * fed with setData otherwise (cheap enough for 10 updates a second). */
export class Chart {
  readonly figure: HTMLElement;
  private readonly host: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | null = null;
  private key = '';

  constructor(readonly spec: ChartSpec, private theme: Theme) {
    this.figure = document.createElement('figure');
    this.figure.className = 'chart';
    const caption = document.createElement('figcaption');
    caption.textContent = spec.title;
    this.host = document.createElement('div');
    this.host.className = 'chart-plot';
    this.empty = document.createElement('p');
    this.empty.className = 'chart-empty';
    this.empty.textContent = 'no data yet';
    this.figure.append(caption, this.host, this.empty);
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.key = '';
  }

  /** Shows `note` instead of a plot (e.g. the simulator gave no such detail). */
  showEmpty(note: string): void {
    this.empty.textContent = note;
    this.empty.hidden = false;
    this.host.hidden = true;
  }

  update(series: ChartSeries[], data: uPlot.AlignedData, note?: string): void {
    const width = Math.max(240, Math.floor(this.figure.clientWidth || 360));
    const key = JSON.stringify([series, width]);
    this.empty.hidden = !note;
    if (note) this.empty.textContent = note;
    this.host.hidden = false;
    if (this.plot && key === this.key) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.key = key;
    this.plot = new uPlot(this.options(series, width), data, this.host);
  }

  canvas(): HTMLCanvasElement | null {
    return this.plot && !this.host.hidden ? this.plot.ctx.canvas : null;
  }

  resize(): void {
    if (!this.plot) return;
    const width = Math.max(240, Math.floor(this.figure.clientWidth || 360));
    this.plot.setSize({ width, height: this.spec.height ?? 200 });
  }

  private options(series: ChartSeries[], width: number): uPlot.Options {
    const t = this.theme;
    const s = this.spec;
    const cats = s.categories;
    const axis = (label: string, fmt?: (v: number) => string): uPlot.Axis => ({
      label,
      stroke: t.fg,
      font: t.font,
      labelFont: t.font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1 },
      values: fmt ? (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : fmt(v))) : undefined,
    });
    const xAxis = axis(s.xLabel, cats ? (v) => cats[Math.round(v)] ?? '' : s.xFormat);
    if (cats) xAxis.splits = () => cats.map((_, i) => i);
    return {
      width,
      height: s.height ?? 200,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: {
        x: cats ? { time: false, range: [-0.6, cats.length - 0.4] } : { time: false, distr: s.xLog ? 3 : 1 },
        y: { distr: s.yLog ? 3 : 1, range: s.yRange ? () => s.yRange! : undefined },
      },
      axes: [xAxis, axis(s.yLabel, s.yFormat)],
      series: [
        {},
        ...series.map((x): uPlot.Series => {
          const color = t[x.color];
          if (x.kind === 'bars') {
            return { label: x.label, stroke: color, fill: color, width: 0, points: { show: false }, paths: uPlot.paths.bars!({ size: [0.9, 48] }) };
          }
          if (x.kind === 'step') {
            return { label: x.label, stroke: color, fill: withAlpha(color, 0.25), width: 1.5, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }) };
          }
          return { label: x.label, stroke: color, width: 2, dash: x.dash ? [6, 4] : undefined, points: { show: false }, spanGaps: true };
        }),
      ],
    };
  }
}

/** A theme colour with transparency, whatever notation the theme used. */
function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color);
  if (hex) return `#${hex[1]}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
  return color;
}
