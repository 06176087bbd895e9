/** Debian's Chromium, driven by playwright-core; never a downloaded browser. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

/** A `describe` title that says why the suite was skipped when Chromium is missing. */
export const chromiumSuiteTitle = (title: string): string =>
  hasChromium ? title : `${title} (skipped: ${CHROMIUM} is not installed)`;

/** Headless, sandbox off (CI runs as root), and none of the background traffic a profile makes. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
