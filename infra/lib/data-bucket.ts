import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { assertIntegerInRange } from './validate.js';

export interface DataBucketProps {
  /**
   * Days before objects move to Intelligent-Tiering.
   * @default 30 (valid 1..3650)
   */
  readonly intelligentTieringAfterDays?: number;
  /**
   * Days before objects expire.
   * @default 365 (valid 1..3650, more than intelligentTieringAfterDays)
   */
  readonly expireAfterDays?: number;
  /**
   * Encrypt data objects with a customer-managed KMS key (rotated yearly) instead of S3-managed keys.
   * The inputs can be health data: with a key of its own, reading an object takes a key
   * permission too, key use is logged in CloudTrail, and disabling the key locks the data.
   * @default true
   */
  readonly customerManagedKey?: boolean;
  /**
   * Days a replaced or deleted version is kept.
   * @default 30 (valid 1..365)
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The data bucket (inputs/, processed/, rejects/, manifests/) and the bucket its
 * server access logs go to. Both are retained when the stack is deleted.
 */
export class DataBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  /** Undefined with S3-managed keys. */
  readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: DataBucketProps = {}) {
    super(scope, id);
    const tieringDays = props.intelligentTieringAfterDays ?? 30;
    const expireDays = props.expireAfterDays ?? 365;
    const noncurrentDays = props.noncurrentVersionDays ?? 30;
    assertIntegerInRange('intelligentTieringAfterDays', tieringDays, 1, 3650);
    assertIntegerInRange('expireAfterDays', expireDays, tieringDays + 1, 3650);
    assertIntegerInRange('noncurrentVersionDays', noncurrentDays, 1, 365);

    const common = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    // Server access log delivery only writes to buckets encrypted with S3-managed keys.
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(expireDays),
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log target; logging it into itself or another bucket would recurse.',
    });

    if (props.customerManagedKey ?? true) {
      this.key = new kms.Key(this, 'Key', {
        description: 'sluice data bucket objects',
        enableKeyRotation: true,
        // Deleting the key would make every object unreadable: it outlives the stack like the bucket.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.bucket = new s3.Bucket(this, 'Data', {
      ...common,
      ...(this.key
        ? // A bucket key: one KMS request per object and hour rather than per request (cost and quota).
          { encryption: s3.BucketEncryption.KMS, encryptionKey: this.key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      // Ingest starts from the S3 Object Created event on the default bus.
      eventBridgeEnabled: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'data/',
      lifecycleRules: [
        {
          id: 'tier-then-expire',
          transitions: [
            {
              storageClass: s3.StorageClass.INTELLIGENT_TIERING,
              transitionAfter: Duration.days(tieringDays),
            },
          ],
          expiration: Duration.days(expireDays),
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
  }
}
