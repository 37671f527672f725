/**
 * The cluster plane for people: `cluster describe` and `clock` in text. The JSON is the core's
 * (core/cluster/shapes.ts, the API's objects, shown unchanged); the clock, which the AWS API does
 * not have, takes its JSON here.
 */
import { awsTimestamp, presentSecurityGroup, type ClusterDescription, type SecurityGroupDescription, type SecurityGroupRule } from '../../core/cluster/shapes.js';
import { isoTime, type ClockReading } from '../../core/time/clock.js';
import { renderText } from '../output.js';

/** The security group of a described cluster (core/cluster/shapes.ts), as EC2 would show it. */
export function securityGroupOf(cluster: ClusterDescription): SecurityGroupDescription {
  return presentSecurityGroup({ clusterId: cluster.ClusterId, securityGroup: cluster.SecurityGroup, vpcId: cluster.VpcId });
}

function rule(r: SecurityGroupRule, direction: 'from' | 'to'): string {
  return `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${direction} ${r.UserIdGroupPairs.map((p) => p.GroupId).join(', ')} (the group itself)`;
}

/** `cluster describe` without --json: the API's fields, the times readable, the security group's rules, HSMs and tags as tables. */
export function clusterText(cluster: ClusterDescription): string {
  const group = securityGroupOf(cluster);
  const view: Record<string, unknown> = {
    ClusterId: cluster.ClusterId,
    State: cluster.State,
    StateMessage: cluster.StateMessage,
    HsmType: cluster.HsmType,
    Mode: cluster.Mode,
    NetworkType: cluster.NetworkType,
    CreateTimestamp: isoTime(cluster.CreateTimestamp * 1000),
    BackupPolicy: cluster.BackupPolicy,
    BackupRetentionPolicy: `${cluster.BackupRetentionPolicy.Value} days`,
    VpcId: cluster.VpcId,
    SubnetMapping: cluster.SubnetMapping,
    SecurityGroup: {
      GroupId: group.GroupId,
      GroupName: group.GroupName,
      Inbound: group.IpPermissions.map((r) => rule(r, 'from')).join('; '),
      Outbound: group.IpPermissionsEgress.map((r) => rule(r, 'to')).join('; '),
    },
    Certificates: Object.keys(cluster.Certificates).join(', ') || '(none)',
    ...(cluster.PreCoPassword === undefined ? {} : { PreCoPassword: cluster.PreCoPassword }),
    ...(cluster.DeterministicMode === undefined ? {} : { DeterministicMode: cluster.DeterministicMode }),
    Hsms: cluster.Hsms.length ? cluster.Hsms.map((h) => ({ HsmId: h.HsmId, AvailabilityZone: h.AvailabilityZone, SubnetId: h.SubnetId, EniId: h.EniId, EniIp: h.EniIp, State: h.State })) : '(none)',
    TagList: cluster.TagList.length ? cluster.TagList : '(none)',
  };
  return renderText(view);
}

/** The clock in JSON: cluster time as ISO 8601 and as the API's epoch seconds, the real time, and the offset. */
export function presentClock(reading: ClockReading): { ClusterTime: string; ClusterTimestamp: number; RealTime: string; OffsetSeconds: number } {
  return {
    ClusterTime: isoTime(reading.clusterTimeMs),
    ClusterTimestamp: awsTimestamp(reading.clusterTimeMs),
    RealTime: isoTime(reading.realTimeMs),
    OffsetSeconds: reading.offsetMs / 1000,
  };
}

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const parts: Array<[number, string]> = [
    [Math.floor(minutes / 1440), 'day'],
    [Math.floor(minutes / 60) % 24, 'hour'],
    [minutes % 60, 'minute'],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`);
  return shown.length ? shown.join(' ') : `${Math.round(ms / 1000)} seconds`;
}

export function clockText(reading: ClockReading): string {
  const ahead = reading.offsetMs === 0 ? 'real time' : `${duration(reading.offsetMs)} ahead of real time, ${isoTime(reading.realTimeMs)}`;
  return `Cluster time: ${isoTime(reading.clusterTimeMs)} (${ahead})\n`;
}
