/**
 * The runs table. It holds one row per run, keyed by id, so a `run` event
 * updates a row in place instead of redrawing the table.
 */
import { statusBadge } from './badges.js';
import { el, replace, route } from './dom.js';
import * as fmt from './format.js';

const COLUMNS = ['File', 'Dataset', 'Status', 'Valid', 'Rejected', 'Started', 'Duration', 'Cost'];

/** @param {any} run */
function cells(run) {
  const link = route('runs', run.id);
  return [
    el(
      'td',
      { class: 'file', 'data-testid': 'run-file' },
      el('a', { href: link, title: run.inputKey }, run.file),
      // Uploads are named by their hash already; a dropped file's name says nothing of its run.
      run.file.startsWith(run.id) ? null : el('span', { class: 'muted id' }, fmt.shortId(run.id)),
    ),
    el('td', { class: 'nowrap', 'data-testid': 'run-dataset' }, run.dataset ?? fmt.DASH),
    el(
      'td',
      { 'data-testid': 'run-status' },
      statusBadge(run.status, run.reason),
      run.reason ? el('span', { class: 'muted reason' }, run.reason.code) : null,
      run.failureNotice
        ? el(
            'span',
            { class: 'notice-sent', title: run.failureNotice.subject, 'data-testid': 'run-notice' },
            'notice sent',
          )
        : null,
    ),
    el('td', { class: 'num', 'data-testid': 'run-valid' }, fmt.count(run.valid)),
    el(
      'td',
      { class: 'num', 'data-testid': 'run-rejected' },
      fmt.count(run.rejected),
      run.rejected > 0 ? el('span', { class: 'muted' }, ` (${fmt.percent(run.rejectPct)})`) : null,
    ),
    el(
      'td',
      { 'data-testid': 'run-started' },
      el('time', { datetime: run.startedAt }, fmt.time(run.startedAt)),
    ),
    el('td', { class: 'num', 'data-testid': 'run-duration' }, fmt.duration(run.durationMs)),
    el('td', { class: 'num', 'data-testid': 'run-cost', title: run.model ?? null }, fmt.cost(run.costUsd)),
  ];
}

/** How far along a run is: a list never takes a row back to an earlier stage. */
const STAGE = { ingesting: 0, ingested: 1, analyzing: 2, analyzed: 3, reported: 4, rejected: 4, failed: 4 };

/** Newest first, as `/api/runs` answers. */
function newerFirst(a, b) {
  return a.startedAt === b.startedAt ? a.id.localeCompare(b.id) : b.startedAt.localeCompare(a.startedAt);
}

export function createRunsTable() {
  /** @type {Map<string, {run: any, row: HTMLTableRowElement}>} */
  const rows = new Map();
  const body = el('tbody');
  const empty = el(
    'p',
    { class: 'empty', 'data-testid': 'runs-empty' },
    'No runs yet. Drop a data file on the page to start one.',
  );
  const table = el(
    'table',
    { class: 'runs', 'data-testid': 'runs-table' },
    el('caption', { class: 'visually-hidden' }, 'Pipeline runs, newest first'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        COLUMNS.map((c) => el('th', { scope: 'col' }, c)),
      ),
    ),
    body,
  );
  const element = el('section', { class: 'panel', 'aria-labelledby': 'runs-title' }, [
    el('h2', { id: 'runs-title' }, 'Runs'),
    empty,
    table,
  ]);

  const order = () => {
    const sorted = [...rows.values()].sort((a, b) => newerFirst(a.run, b.run));
    sorted.forEach(({ row }, i) => {
      if (body.children[i] !== row) body.insertBefore(row, body.children[i] ?? null);
    });
    empty.hidden = rows.size > 0;
    table.hidden = rows.size === 0;
  };

  /** @param {any} run */
  const put = (run) => {
    const known = rows.get(run.id);
    const row = known?.row ?? el('tr', { 'data-testid': 'run-row', dataset: { runId: run.id } });
    if (!known) {
      // The whole row is a target for the mouse; the file link is the keyboard's way in.
      row.addEventListener('click', (event) => {
        if (!(event.target instanceof HTMLAnchorElement)) location.hash = route('runs', run.id);
      });
    }
    row.dataset.status = run.status;
    replace(row, cells(run));
    rows.set(run.id, { run, row });
  };

  order();
  return {
    element,
    /** @param {any} run */
    upsert(run) {
      put(run);
      order();
    },
    /** Takes a full list, keeping rows that arrived by event but are not in it yet. */
    merge(runs) {
      for (const run of runs) {
        const known = rows.get(run.id)?.run;
        // An event may be fresher than a list fetched before it arrived.
        if (!known || STAGE[known.status] <= STAGE[run.status]) put(run);
      }
      order();
    },
  };
}
