// A small application using AWS KMS with a custom key store, against cloudhsm-local's endpoint.
// It is the code it would be on AWS: only the endpoint differs. See README.md beside it.
//
//   KMS_ENDPOINT        the endpoint (`cloudhsm-local serve` prints it), e.g. http://127.0.0.1:4599
//   CLUSTER_ID          the cluster whose HSMs hold the key
//   TRUST_ANCHOR        the cluster's trust anchor certificate file (customerCA.crt)
//   KMSUSER_PASSWORD    the password of the cluster's kmsuser crypto user
import { readFileSync } from 'node:fs';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see README.md)`);
  return value;
};

const kms = new KMSClient({ endpoint: env('KMS_ENDPOINT'), region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

// 1. The key store: one per cluster; connecting takes a moment on AWS, so poll.
const { CustomKeyStoreId } = await kms.send(
  new CreateCustomKeyStoreCommand({
    CustomKeyStoreName: 'ExampleKeyStore',
    CloudHsmClusterId: env('CLUSTER_ID'),
    TrustAnchorCertificate: readFileSync(env('TRUST_ANCHOR'), 'utf8'),
    KeyStorePassword: env('KMSUSER_PASSWORD'),
  }),
);
await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
for (;;) {
  const { CustomKeyStores } = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId }));
  const { ConnectionState, ConnectionErrorCode } = CustomKeyStores[0];
  if (ConnectionState === 'CONNECTED') break;
  if (ConnectionState === 'FAILED') throw new Error(`the key store did not connect: ${ConnectionErrorCode}`);
  await new Promise((r) => setTimeout(r, 1000));
}

// 2. A KMS key whose material lives in the cluster.
const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId, Description: 'orders' }));

// 3. Encrypt and decrypt a small secret, bound to an encryption context.
const context = { app: 'orders' };
const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: KeyMetadata.KeyId, Plaintext: new TextEncoder().encode('card 4111-1111'), EncryptionContext: context }));
const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));

// 4. A data key for envelope encryption: use the plaintext, keep only the encrypted copy.
const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata.Arn, KeySpec: 'AES_256' }));

console.log(JSON.stringify({
  keyStore: CustomKeyStoreId,
  key: KeyMetadata.Arn,
  origin: KeyMetadata.Origin,
  roundTrip: new TextDecoder().decode(Plaintext),
  dataKeyBytes: dataKey.Plaintext.length,
  encryptedDataKeyBytes: dataKey.CiphertextBlob.length,
}));
kms.destroy();
