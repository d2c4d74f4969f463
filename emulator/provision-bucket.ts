import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
} from '@aws-sdk/client-s3';
import type { ProvisionScope } from './provision.js';
import { type PhysicalResource, physicalName } from './template.js';

/*
 * AWS::S3::Bucket in fauxqs's S3: the bucket, under the name CloudFormation would derive
 * (lower case, at most 63 characters). Its objects are kept under the data directory when there
 * is one (./s3-on-disk.ts), and the bucket's lifecycle rule is not applied locally
 * (docs/architecture.md).
 */
export async function provisionBucket(
  { clients, options }: ProvisionScope,
  logicalId: string,
  props: Record<string, unknown>,
): Promise<PhysicalResource> {
  const name =
    (props.BucketName as string | undefined) ??
    physicalName(options.stackName, logicalId, 63)
      .toLowerCase()
      .replace(/[^a-z0-9.-]/g, '-')
      .replace(/-+$/, '');
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  }
  if (props.BucketEncryption) {
    // Best effort, as the template asks; locally the objects are not encrypted either way.
    await clients.s3
      .send(
        new PutBucketEncryptionCommand({
          Bucket: name,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      )
      .catch((error: unknown) =>
        // Not every local S3 serves bucket encryption; the bucket works without it locally.
        options.log.debug({ bucket: name, error: String(error) }, 'bucket encryption not set'),
      );
  }
  return {
    ref: name,
    attributes: {
      Arn: `arn:aws:s3:::${name}`,
      DomainName: `${name}.s3.amazonaws.com`,
      RegionalDomainName: `${name}.s3.${options.region}.amazonaws.com`,
    },
  };
}
