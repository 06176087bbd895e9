/**
 * The reliability suite's figures, printed as Markdown as the tests measure them,
 * so docs/reliability.md can quote what a run printed.
 */
export type FigureRow = Readonly<Record<string, string | number | boolean>>;

export function printFigure(title: string, rows: readonly FigureRow[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const line = (cells: readonly unknown[]) => `| ${cells.map(String).join(' | ')} |`;
  const table = [
    line(columns),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map((c) => row[c] ?? ''))),
  ];
  console.log(`\n[figure] ${title}\n${table.join('\n')}\n`);
}

/** Milliseconds since `start`, rounded. */
export const elapsedMs = (start: number): number => Math.round(performance.now() - start);
