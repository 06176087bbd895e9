import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Puts the notify bundle's one native dependency (`@resvg/resvg-js`) for Lambda's linux-arm64 next to it. */
const INSTALL = [
  'install',
  '--omit=dev',
  '--no-audit',
  '--no-fund',
  '--os=linux',
  '--cpu=arm64',
  '--libc=glibc',
];

/**
 * The notify asset: the bundle plus `node_modules` with the linux-arm64 build of
 * `@resvg/resvg-js`, installed at synth from the bundle's package.json. npm
 * picks the optional platform package by the flags, whatever machine runs synth;
 * without a local npm, the same step runs in a Node.js build image.
 */
export function notifyCode(bundleDir: string): lambda.Code {
  return lambda.Code.fromAsset(bundleDir, {
    exclude: ['*.map', 'meta.json'],
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      command: [
        'bash',
        '-c',
        `cp -r /asset-input/. /asset-output/ && cd /asset-output && npm ${INSTALL.join(' ')}`,
      ],
      local: {
        tryBundle(outputDir) {
          cpSync(bundleDir, outputDir, {
            recursive: true,
            filter: (source) => !source.endsWith('.map') && !source.endsWith('meta.json'),
          });
          try {
            execFileSync('npm', INSTALL, { cwd: outputDir, stdio: 'inherit' });
          } catch {
            return false;
          }
          return true;
        },
      },
    },
  });
}
