/** The drop zone: drag a file onto it, or pick one with the button. */
import { uploadFile } from './api.js';
import { el, replace, route } from './dom.js';
import * as fmt from './format.js';

/**
 * @param {HTMLElement} zone an element holding `[data-role=pick]`, `input[type=file]`
 *   and `[data-role=status]`
 */
export function setUpUpload(zone) {
  const input = /** @type {HTMLInputElement} */ (zone.querySelector('input[type=file]'));
  const pick = /** @type {HTMLButtonElement} */ (zone.querySelector('[data-role=pick]'));
  const status = /** @type {HTMLElement} */ (zone.querySelector('[data-role=status]'));

  const say = (tone, ...children) => {
    status.dataset.tone = tone;
    replace(status, ...children);
  };

  /** @param {File[]} files */
  const send = async (files) => {
    for (const file of files) {
      say('busy', `Uploading ${file.name} (${fmt.bytes(file.size)})…`);
      try {
        const accepted = await uploadFile(file);
        say(
          'good',
          `Accepted ${file.name}: `,
          el(
            'a',
            { href: route('runs', accepted.id), 'data-testid': 'upload-run-link' },
            `run ${fmt.shortId(accepted.id)}`,
          ),
          '. It appears in the list as soon as ingest starts.',
        );
      } catch (error) {
        const code = error?.code ? `${error.code}: ` : '';
        say('bad', `Upload of ${file.name} failed. ${code}${error?.message ?? String(error)}`);
      }
    }
  };

  pick.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    // Clearing lets the same file be picked again after a fix on disk.
    input.value = '';
    void send(files);
  });

  const isFileDrag = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      if (!isFileDrag(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      zone.classList.add('dragging');
    });
  }
  zone.addEventListener('dragleave', (event) => {
    if (!zone.contains(/** @type {Node | null} */ (event.relatedTarget))) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    void send([...(event.dataTransfer?.files ?? [])]);
  });
  // A file dropped beside the zone would otherwise replace the dashboard with the file.
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (event) => {
      if (isFileDrag(event)) event.preventDefault();
    });
  }
}
