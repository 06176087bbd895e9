import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No YAML parser is a direct dependency (package.json is not ours to change), but
 * aws-cdk-lib bundles `yaml`; loading it from there gives a real parse, not regexes.
 */
const cdkRequire = createRequire(createRequire(import.meta.url).resolve('aws-cdk-lib'));
const { parse } = cdkRequire('yaml') as { parse: (text: string) => unknown };

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Workflow {
  readonly on: Record<string, { branches?: string[] } | null>;
  readonly permissions: Record<string, string>;
  readonly jobs: Record<string, { steps: Step[] }>;
}

const workflow = (name: string): Workflow =>
  parse(readFileSync(path.resolve('.github/workflows', name), 'utf8')) as Workflow;
const onlyJobSteps = (w: Workflow): Step[] => {
  const jobs = Object.values(w.jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0]!.steps;
};
const runs = (steps: Step[]) => steps.flatMap((s) => (s.run === undefined ? [] : [s.run.trim()]));

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const steps = onlyJobSteps(ci);

  it('runs on pull requests and on pushes to main, dev and uat, with read-only contents', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push?.branches).toEqual(['main', 'dev', 'uat']);
    expect(ci.permissions).toEqual({ contents: 'read' });
  });

  it('sets up Node 20 with the npm cache and provides Chromium where the browser test looks', () => {
    expect(steps[0]?.uses).toMatch(/^actions\/checkout@/);
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node?.with).toEqual({ 'node-version': 20, cache: 'npm' });
    expect(runs(steps).some((r) => r.includes('/usr/bin/chromium --version'))).toBe(true);
  });

  it('installs, lints, tests, scores the findings and synthesizes, in that order, then uploads artifacts/ even on failure', () => {
    const commands = runs(steps).filter((r) => r.startsWith('npm '));
    expect(commands).toEqual(['npm ci', 'npm run lint', 'npm test', 'npm run eval', 'npm run synth']);
    const upload = steps.at(-1)!;
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    expect(upload.with?.path).toBe('artifacts/');
    expect(upload.if).toBe('always()');
  });
});

describe('uat-to-dev-backsync.yml', () => {
  const sync = workflow('uat-to-dev-backsync.yml');
  const steps = onlyJobSteps(sync);
  const script = runs(steps).join('\n');

  it('runs on pushes to uat and by hand, allowed to read code and write pull requests only', () => {
    expect(Object.keys(sync.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(sync.on.push?.branches).toEqual(['uat']);
    expect(sync.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  });

  it('fetches full history and counts the commits uat has and dev lacks', () => {
    expect(steps[0]).toMatchObject({
      uses: expect.stringMatching(/^actions\/checkout@/),
      with: { 'fetch-depth': 0 },
    });
    expect(script).toContain('git rev-list --count origin/dev..origin/uat');
  });

  it('opens or updates the uat → dev pull request only when there are such commits', () => {
    const open = steps.find((s) => s.run?.includes('gh pr create'));
    expect(open?.if).toBe("steps.ahead.outputs.count != '0'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template.
    expect(open?.env).toEqual({ GH_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
    expect(open?.run).toContain('gh pr create --base dev --head uat --title "Back-sync uat into dev"');
    expect(open?.run).toContain('gh pr edit');
  });

  it('never pushes', () => {
    expect(script).not.toMatch(/git push|--force/);
  });
});
