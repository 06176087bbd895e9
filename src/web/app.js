/**
 * The dashboard: hash routes (`#/`, `#/runs/<id>`, `#/runs/<id>/groups/<name>`)
 * so a reload keeps the view, and one live list of runs fed by server-sent events.
 */
import { followRuns, getGroupView, getRun, listRuns } from './api.js';
import { renderRunDetail } from './detail.js';
import { el, replace } from './dom.js';
import { renderGroupView } from './group.js';
import { createRunsTable } from './runs.js';
import { setUpUpload } from './upload.js';

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
const liveState = /** @type {HTMLElement} */ (document.getElementById('live-state'));
const runs = createRunsTable();

/**
 * What the current route holds: charts to remove and requests to abort when
 * it goes, and what to do when its run changes.
 */
let current = {
  dispose() {},
  runId: /** @type {string | null} */ (null),
  status: /** @type {string | null} */ (null),
  refresh() {},
};

/** A hand-typed hash may hold a lone `%`; it then stays as typed rather than throwing. */
function decodeSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** @param {string} hash */
function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeSegment);
  if (parts[0] === 'runs' && parts[1] && parts[2] === 'groups' && parts[3] !== undefined) {
    return { name: 'group', runId: parts[1], group: parts[3] };
  }
  if (parts[0] === 'runs' && parts[1]) return { name: 'run', runId: parts[1] };
  return { name: 'runs' };
}

/** @param {unknown} error */
function showError(error) {
  const code = error && typeof error === 'object' && 'code' in error ? `${error.code}: ` : '';
  const message = error instanceof Error ? error.message : String(error);
  replace(
    view,
    el('div', { class: 'panel' }, [
      el('p', { class: 'alert', role: 'alert', 'data-testid': 'view-error' }, `${code}${message}`),
      el('p', {}, el('a', { href: '#/' }, '← All runs')),
    ]),
  );
}

function loading() {
  replace(view, el('p', { class: 'muted', role: 'status' }, 'Loading…'));
}

function showRuns() {
  replace(view, runs.element);
  document.title = 'sluice dashboard';
}

/** @param {string} runId @param {AbortSignal} signal */
async function showRun(runId, signal) {
  const detail = await getRun(runId, signal);
  if (signal.aborted) return;
  current.status = detail.run.status;
  replace(view, renderRunDetail(detail));
  document.title = `${detail.run.file} · sluice`;
}

/** @param {string} runId @param {string} group @param {AbortSignal} signal @param {Set<{remove(): void}>} charts */
async function showGroup(runId, group, signal, charts) {
  const groupView = await getGroupView(runId, group, signal);
  if (signal.aborted) return;
  renderGroupView(view, runId, groupView, (chart) => charts.add(chart));
  document.title = `${group} · sluice`;
}

function navigate() {
  current.dispose();
  const target = parseRoute(location.hash);
  const controller = new AbortController();
  /** @type {Set<{remove(): void}>} */
  const charts = new Set();
  const load = (task) =>
    task().catch((error) => {
      if (!controller.signal.aborted) showError(error);
    });
  current = {
    dispose() {
      controller.abort();
      for (const chart of charts) chart.remove();
      charts.clear();
    },
    runId: target.name === 'runs' ? null : target.runId,
    status: null,
    refresh() {},
  };
  if (target.name === 'runs') return showRuns();
  loading();
  if (target.name === 'run') {
    current.refresh = () => load(() => showRun(target.runId, controller.signal));
    current.refresh();
  } else {
    void load(() => showGroup(target.runId, target.group, controller.signal, charts));
  }
  view.focus({ preventScroll: true });
}

const STATES = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };

followRuns({
  onRun(run) {
    runs.upsert(run);
    // The open run's page is redrawn when it moves on (ingested → analyzed → reported).
    if (current.runId === run.id && current.status !== null && current.status !== run.status)
      current.refresh();
  },
  onOpen() {
    listRuns()
      .then((body) => runs.merge(body.runs))
      .catch((error) => console.warn('sluice: could not load the runs', error));
  },
  onState(state) {
    liveState.dataset.state = state;
    liveState.textContent = STATES[state];
  },
});

setUpUpload(/** @type {HTMLElement} */ (document.getElementById('drop-zone')));
window.addEventListener('hashchange', navigate);
navigate();
