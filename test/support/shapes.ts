/**
 * Checking JSON against shapes written from the spec: every field name and every value's type,
 * nothing missing and nothing extra. A shape is a type name, an object of shapes (a field whose
 * name ends in `?` may be absent; a `*` field gives the shape of every value of a map whose keys
 * are free), or a one-element array giving its items' shape.
 */
export type Shape = 'string' | 'number' | 'boolean' | { [field: string]: Shape } | [Shape];

/** Every difference between `value` and `shape`, each with its JSON path. */
export function differences(value: unknown, shape: Shape, at = 'data'): string[] {
  if (typeof shape === 'string') return typeof value === shape ? [] : [`${at}: ${shape} expected, got ${JSON.stringify(value)}`];
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${at}: array expected`];
    return value.flatMap((item, i) => differences(item, shape[0], `${at}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: object expected`];
  const fields = value as Record<string, unknown>;
  const any = shape['*'];
  if (any !== undefined) return Object.entries(fields).flatMap(([k, v]) => differences(v, any, `${at}.${k}`));
  const named = new Map(Object.entries(shape).map(([k, s]) => [k.replace(/\?$/, ''), { shape: s, optional: k.endsWith('?') }]));
  const missing = [...named].filter(([k, f]) => !f.optional && !(k in fields)).map(([k]) => `${at}.${k}: missing`);
  const extra = Object.keys(fields).filter((k) => !named.has(k)).map((k) => `${at}.${k}: not in the spec`);
  const inner = [...named].filter(([k]) => k in fields).flatMap(([k, f]) => differences(fields[k], f.shape, `${at}.${k}`));
  return [...missing, ...extra, ...inner];
}

/** cluster.md §1.2 and the API's Hsm (EniIpV6 only on DUALSTACK clusters, which the emulator does not make). */
export const HSM_SHAPE: Shape = {
  AvailabilityZone: 'string',
  ClusterId: 'string',
  SubnetId: 'string',
  EniId: 'string',
  EniIp: 'string',
  HsmId: 'string',
  HsmType: 'string',
  State: 'string',
  StateMessage: 'string',
};

/** cluster.md §10 and the API's Tag. */
export const TAG_SHAPE: Shape = { Key: 'string', Value: 'string' };

/**
 * cluster.md §1.1 and the API's Cluster. SourceBackupId only on restored clusters, PreCoPassword
 * only before activation, the certificates by state (§5); DeterministicMode is the emulator's own
 * field of its insecure test mode, never present otherwise.
 */
export const CLUSTER_SHAPE: Shape = {
  BackupPolicy: 'string',
  BackupRetentionPolicy: { Type: 'string', Value: 'string' },
  Certificates: { 'ClusterCsr?': 'string', 'HsmCertificate?': 'string', 'AwsHardwareCertificate?': 'string', 'ManufacturerHardwareCertificate?': 'string', 'ClusterCertificate?': 'string' },
  ClusterId: 'string',
  CreateTimestamp: 'number',
  HsmType: 'string',
  Hsms: [HSM_SHAPE],
  Mode: 'string',
  NetworkType: 'string',
  'PreCoPassword?': 'string',
  SecurityGroup: 'string',
  'SourceBackupId?': 'string',
  State: 'string',
  StateMessage: 'string',
  SubnetMapping: { '*': 'string' },
  TagList: [TAG_SHAPE],
  VpcId: 'string',
};

/** cluster.md §1.3 and the API's Backup, for the backups to come. */
export const BACKUP_SHAPE: Shape = {
  BackupId: 'string',
  BackupState: 'string',
  ClusterId: 'string',
  CreateTimestamp: 'number',
  BackupArn: 'string',
  HsmType: 'string',
  Mode: 'string',
  NeverExpires: 'boolean',
  TagList: [TAG_SHAPE],
  'CopyTimestamp?': 'number',
  'SourceBackup?': 'string',
  'SourceCluster?': 'string',
  'SourceRegion?': 'string',
  'DeleteTimestamp?': 'number',
};

/** EC2 DescribeSecurityGroups, the fields the emulator gives (cluster.md §9). */
const RULE_SHAPE: Shape = { IpProtocol: 'string', FromPort: 'number', ToPort: 'number', UserIdGroupPairs: [{ GroupId: 'string' }] };
export const SECURITY_GROUP_SHAPE: Shape = { GroupId: 'string', GroupName: 'string', Description: 'string', VpcId: 'string', IpPermissions: [RULE_SHAPE], IpPermissionsEgress: [RULE_SHAPE] };
