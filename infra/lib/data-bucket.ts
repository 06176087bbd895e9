import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
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

    this.bucket = new s3.Bucket(this, 'Data', {
      ...common,
      encryption: s3.BucketEncryption.S3_MANAGED,
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
