import { describe, expect, it } from 'vitest';
import { awsEventFixture } from '../../test/helpers/aws-events.js';
import { s3TriggersOf, s3TriggersOfMessage, sqsMessagesOf } from './s3-events.js';

describe('s3TriggersOf', () => {
  it('makes work only of object creation, from EventBridge and from notifications', () => {
    expect(s3TriggersOf(awsEventFixture('eventbridge-object-created', 'b'))).toEqual([
      { kind: 'object', bucket: 'b', key: 'inputs/prices.csv', encoding: 'maybe-form' },
    ]);
    expect(s3TriggersOf(awsEventFixture('s3-notification-object-created', 'b'))).toEqual([
      { kind: 'object', bucket: 'b', key: 'inputs/my+prices%2Bv2.csv', encoding: 'form' },
    ]);
  });

  it.each([
    ['Object Deleted', 'Object Deleted'],
    ['Object Restore Completed', 'Object Restore Completed'],
    ['Object Storage Class Changed', 'Object Storage Class Changed'],
  ])('ignores the EventBridge %s event', (detailType, event) => {
    const base = awsEventFixture<Record<string, unknown>>('eventbridge-object-created', 'b');
    expect(s3TriggersOf({ ...base, 'detail-type': detailType })).toEqual([
      { kind: 'ignored', event, bucket: 'b', key: 'inputs/prices.csv' },
    ]);
  });

  it('ignores removals, lifecycle and restore notifications, and S3 test events', () => {
    const removed = s3TriggersOf(awsEventFixture('s3-notification-object-removed', 'b'));
    expect(removed.map((t) => [t.kind, 'event' in t ? t.event : ''])).toEqual([
      ['ignored', 'ObjectRemoved:Delete'],
      ['ignored', 'ObjectRemoved:DeleteMarkerCreated'],
    ]);
    const [queued] = sqsMessagesOf(awsEventFixture('sqs-s3-notifications', 'b')) ?? [];
    expect(s3TriggersOfMessage(queued!.messageId, queued!.body)).toEqual([
      { kind: 'ignored', event: 's3:TestEvent' },
    ]);
  });

  it('refuses anything that is no S3 shape, naming what it takes', () => {
    expect(() => s3TriggersOf({ hello: 'world' })).toThrow(
      /S3 event from EventBridge, an S3 event notification/,
    );
    expect(() => s3TriggersOfMessage('m-1', '{not json')).toThrow(/message m-1 is not JSON/);
  });

  it('tells an SQS batch from a direct S3 notification', () => {
    expect(sqsMessagesOf(awsEventFixture('s3-notification-object-created'))).toBeUndefined();
    expect(sqsMessagesOf(awsEventFixture('sqs-s3-notifications'))).toHaveLength(4);
  });
});
