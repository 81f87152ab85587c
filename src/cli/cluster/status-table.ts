// `aero cluster status` output: one line per node of the manifest, from the CLI's own probes
// (process, native port, admin channel). Pure.

import { formatLoad } from './nodetool-format.js';

export type NodeProcessState = 'up' | 'starting' | 'down';

export interface ClusterStatusRow {
  index: number;
  address: string;
  pid: number | null;
  state: NodeProcessState;
  nativeReachable: boolean;
  loadBytes: number | null;
  hostId: string | null;
  /** How many nodes this one sees up through gossip, itself included; null when it does not gossip. */
  seesUp: number | null;
  /** Why a running node is not up yet. */
  note: string | null;
}

export function formatClusterStatus(clusterName: string, directory: string, { rows }: { rows: readonly ClusterStatusRow[] }): string {
  const gossiping = rows.some((row) => row.seesUp !== null);
  const header = ['Node', 'Address', 'PID', 'State', 'Native', 'Load', ...(gossiping ? ['Sees up'] : []), 'Host ID'];
  const cells = rows.map((row) => [
    `node${row.index}`,
    row.address,
    row.pid === null || row.state === 'down' ? '-' : String(row.pid),
    row.state,
    row.nativeReachable ? 'yes' : 'no',
    row.state === 'down' ? '-' : formatLoad(row.loadBytes),
    ...(gossiping ? [row.seesUp === null ? '-' : `${row.seesUp}/${rows.length}`] : []),
    row.hostId ?? '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)));
  const line = (values: readonly string[]) => values.map((value, column) => value.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  const up = rows.filter((row) => row.state === 'up').length;
  const notes = rows.filter((row) => row.note !== null && row.state === 'starting').map((row) => `node${row.index}: ${row.note ?? ''}`);
  return [
    `Cluster: ${clusterName} (${directory})`,
    line(header),
    ...cells.map(line),
    '',
    `${up} of ${rows.length} nodes up`,
    ...notes,
    '',
  ].join('\n');
}
