/**
 * Emulated AWS for the handler tests: s3rver and dynalite, the loopback
 * EventBridge and SES servers, and the handler environment pointing at them.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { setHandlerEnv } from './aws-events.js';
import {
  type DynamoDbEmulator,
  type S3Emulator,
  startDynamoDbEmulator,
  startS3Emulator,
} from './emulators.js';
import { type EventBridgeServer, startEventBridgeServer } from './eventbridge-server.js';
import { type SesServer, startSesServer } from './ses-server.js';

export interface AwsTestbed {
  readonly s3: S3Emulator;
  readonly ddb: DynamoDbEmulator;
  readonly events: EventBridgeServer;
  readonly ses: SesServer;
  readonly s3Client: S3Client;
  /** Restores the environment and stops every server. */
  stop(): Promise<void>;
}

/** Starts everything and sets the handler environment; set it before importing a handler. */
export async function startAwsTestbed(options: { busName: string; mailTo: string }): Promise<AwsTestbed> {
  const [s3, ddb, events, ses] = await Promise.all([
    startS3Emulator(),
    startDynamoDbEmulator(),
    startEventBridgeServer(),
    startSesServer(),
  ]);
  const restoreEnv = setHandlerEnv({
    SLUICE_BUCKET: s3.bucket,
    SLUICE_TABLE: ddb.table,
    SLUICE_EVENT_BUS: options.busName,
    SLUICE_ANALYST: 'offline',
    SLUICE_MAIL_FROM: 'sluice <reports@example.com>',
    SLUICE_MAIL_TO: options.mailTo,
    SLUICE_S3_ENDPOINT: s3.endpoint,
    SLUICE_DYNAMODB_ENDPOINT: ddb.endpoint,
    SLUICE_EVENTS_ENDPOINT: events.url,
    SLUICE_SES_ENDPOINT: ses.url,
    // s3rver checks signatures against its one account; the other emulators accept any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  return {
    s3,
    ddb,
    events,
    ses,
    s3Client: s3.client(),
    async stop() {
      restoreEnv();
      await Promise.all([s3.stop(), ddb.stop(), events.close(), ses.close()]);
    },
  };
}
