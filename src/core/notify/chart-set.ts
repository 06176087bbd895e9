/** Collects a report's charts in order and names each one's inline image. */
import type { Svg } from './charts.js';
import type { ReportChart } from './report-document.js';

const slugOf = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');

export class ChartSet {
  readonly charts: ReportChart[] = [];

  /** `about` names the file (reduced to a-z, 0-9 and dashes); the cid carries no data at all. */
  add(svg: Svg, alt: string, about: string): ReportChart {
    const n = this.charts.length + 1;
    const slug = slugOf(about);
    const chart: ReportChart = {
      cid: `chart-${n}@sluice`,
      filename: slug ? `chart-${n}-${slug}.png` : `chart-${n}.png`,
      svg: svg.svg,
      alt,
      width: svg.width,
      height: svg.height,
    };
    this.charts.push(chart);
    return chart;
  }
}
